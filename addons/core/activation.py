"""Per-site activation of add-ons.

A disabled add-on renders nothing on that site and its public URLs answer 404 there; its
data stays. Switching an add-on on runs its idempotent ``setup(site)`` once.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import registry


def _activation(site, *, fresh=False):
    from .models import AddonActivation

    return AddonActivation.fresh_for_site(site) if fresh else AddonActivation.for_site(site)


def _activation_for_request(request):
    from .models import AddonActivation

    return AddonActivation.for_request(request)


def enabled_labels(site, *, include_required: bool = True, activation=None) -> set[str]:
    """Labels of the add-ons enabled on ``site``."""
    activation = activation or _activation(site)
    states = activation.states or {}
    labels = set()
    for addon in registry.addons():
        if addon.required:
            if include_required:
                labels.add(addon.label)
        elif states.get(addon.label, addon.default_enabled):
            labels.add(addon.label)
    return labels


def enabled_labels_for_request(request) -> set[str]:
    cached = getattr(request, "_civicdesk_enabled_addons", None)
    if cached is None:
        activation = _activation_for_request(request)
        # activation.site would cost a query; the activation row is all that is needed.
        cached = enabled_labels(None, activation=activation)
        request._civicdesk_enabled_addons = cached
    return cached


def is_enabled(label: str, site=None, request=None) -> bool:
    """Whether add-on ``label`` is on for ``site`` (or the request's site)."""
    addon = registry.get_addon(label)
    if addon is None:
        return False
    if addon.required:
        return True
    if request is not None:
        return label in enabled_labels_for_request(request)
    return label in enabled_labels(site)


def apply_states(site, states: dict[str, bool]) -> list[str]:
    """Save the on/off state of add-ons on ``site``; set up the newly enabled ones.

    Returns the labels whose ``setup(site)`` ran.
    """
    activation = _activation(site, fresh=True)
    before = enabled_labels(site, activation=activation)
    merged = dict(activation.states or {})
    merged.update({label: bool(value) for label, value in states.items()})
    activation.states = merged
    newly_enabled = [
        addon
        for addon in registry.optional_addons()
        if merged.get(addon.label, addon.default_enabled) and addon.label not in before
    ]
    with transaction.atomic():
        for addon in newly_enabled:
            addon.setup(site)
            activation.set_up[addon.label] = timezone.now().isoformat()
        activation.save()
    return [addon.label for addon in newly_enabled]


def enable(site, *labels: str) -> list[str]:
    return apply_states(site, {label: True for label in labels})


def disable(site, *labels: str) -> None:
    apply_states(site, {label: False for label in labels})


def setup_site(site) -> list[str]:
    """Run ``setup(site)`` for every add-on enabled on ``site`` that was never set up
    there (a new site, or an add-on installed after the site was made)."""
    activation = _activation(site, fresh=True)
    ran = []
    with transaction.atomic():
        for addon in registry.addons():
            if addon.label in enabled_labels(site, activation=activation) and (
                addon.label not in activation.set_up
            ):
                addon.setup(site)
                activation.set_up[addon.label] = timezone.now().isoformat()
                ran.append(addon.label)
        activation.save()
    return ran
