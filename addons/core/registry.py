"""What the installed add-ons declared, collected in one place.

Add-ons register themselves from ``AddonConfig.ready()``; host pages and templates ask this
module what to render. Nothing here imports an add-on.
"""

from __future__ import annotations

from django.apps import apps

_addons: dict[str, object] = {}
_host_page_models: list[type] = []


def register_addon(config) -> None:
    _addons[config.label] = config


def addons():
    """All installed add-ons, in INSTALLED_APPS order."""
    return list(_addons.values())


def get_addon(label):
    return _addons.get(label)


def optional_addons():
    """Add-ons a site can switch on and off."""
    return [addon for addon in _addons.values() if not addon.required]


def addon_for_model(model):
    return _addons.get(model._meta.app_label)


def register_host_page(model):
    """Mark a page type as a host for attachables. Used as a class decorator."""
    if model not in _host_page_models:
        _host_page_models.append(model)
    return model


def host_page_models():
    return list(_host_page_models)


def placement_models():
    """(addon, placement model) pairs for every installed add-on's attachables."""
    result = []
    for addon in _addons.values():
        for dotted in addon.placements:
            result.append((addon, apps.get_model(dotted)))
    return result


def cabinet_sections():
    items = [(addon, section) for addon in _addons.values() for section in addon.cabinet_sections]
    return sorted(items, key=lambda pair: pair[1].order)


def statistics_blocks():
    items = [(addon, block) for addon in _addons.values() for block in addon.statistics_blocks]
    return sorted(items, key=lambda pair: pair[1].order)


def notification_events():
    return {event.key: event for addon in _addons.values() for event in addon.notification_events}


def scheduled_jobs():
    return [job for addon in _addons.values() for job in addon.scheduled_jobs]


def recipient_segments():
    """``{key: (addon, segment)}`` of every installed add-on's recipient segments."""
    return {
        segment.key: (addon, segment)
        for addon in _addons.values()
        for segment in addon.recipient_segments
    }


def casework():
    """``[(addon, Casework)]`` of every installed add-on, in menu order."""
    items = [(addon, item) for addon in _addons.values() for item in addon.casework]
    return sorted(items, key=lambda pair: (pair[1].order, pair[1].key))


def casework_for(key):
    """``(addon, Casework)`` declared under ``key``, or ``(None, None)``."""
    for addon, item in casework():
        if item.key == key:
            return addon, item
    return None, None


def page_holes():
    """``{name: dotted path}`` of the values every view of a kept page fills in."""
    return {name: producer for addon in _addons.values() for name, producer in addon.page_holes}


def page_parts(slot):
    """``[(addon, dotted path)]`` of the pieces add-ons put in ``slot`` of public pages."""
    return [(addon, path) for addon in _addons.values()
            for name, path in getattr(addon, "page_parts", ()) if name == slot]


def timeline_sources():
    """``[(addon, TimelineSource)]`` of every installed add-on, in order."""
    items = [(addon, source) for addon in _addons.values() for source in addon.timeline]
    return sorted(items, key=lambda pair: (pair[1].order, pair[1].key))


def status_lookups():
    """``[(addon, StatusLookup)]`` of every installed add-on, in order."""
    items = [(addon, item) for addon in _addons.values() for item in addon.status_lookup]
    return sorted(items, key=lambda pair: (pair[1].order, pair[1].key))


def intakes():
    """``[(addon, Intake)]`` of every installed add-on, in order."""
    items = [(addon, item) for addon in _addons.values() for item in addon.intakes]
    return sorted(items, key=lambda pair: (pair[1].order, pair[1].key))


def transports():
    """``[NotificationTransport]`` of every installed add-on (core's e-mail too), in order."""
    items = [item for addon in _addons.values() for item in addon.transports]
    return sorted(items, key=lambda item: (item.order, item.key))


def transport(key):
    """The ``NotificationTransport`` declared under ``key``, or None."""
    return next((item for item in transports() if item.key == key), None)


def chat_intakes():
    """``[(addon, ChatIntake)]`` of every installed add-on, in order."""
    items = [(addon, item) for addon in _addons.values() for item in addon.chat_intakes]
    return sorted(items, key=lambda pair: (pair[1].order, pair[1].key))


def service_events():
    """``[(addon, ServiceEvents)]`` of every installed add-on, in order."""
    items = [(addon, item) for addon in _addons.values()
             for item in getattr(addon, "service_events", ())]
    return sorted(items, key=lambda pair: (pair[1].order, pair[1].record_type))


def service_event_type(record_type):
    """The ``ServiceEvents`` declared for ``record_type``, or None."""
    return next((item for _addon, item in service_events() if item.record_type == record_type),
                None)


def figures():
    """``[(addon, FigureDefinition)]`` of every installed add-on, in order."""
    items = [(addon, item) for addon in _addons.values() for item in getattr(addon, "figures", ())]
    return sorted(items, key=lambda pair: (pair[1].order, pair[1].key))
