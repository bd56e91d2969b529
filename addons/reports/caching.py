"""Caches of the public reports' answers (the situational map's GeoJSON, Open311 listings)
and the version keys that invalidate them.

Every cached answer's key carries the town's reports version and the installation's one.
Whenever a report changes (filed, status changed, hidden, made private, merged, co-signed,
its photos hidden or shown, deleted), its town's version is replaced (``bump(site_id)``):
from then on every key of that town is new and the old entries are never read again (they
expire on their own). A category changes its town's version, a status (shared by all towns)
the installation's. ``post_save``/``post_delete`` of the models do it (``connect()``, from
the app's ``ready``), and so do the services' bulk ``update()`` calls. The version is
replaced at once and again when the transaction commits, so an answer computed from data
that was about to change is never kept under the new version.
"""

from __future__ import annotations

import hashlib

from addons.core.public_cache import VersionToken, versions

#: every town's public reports at once (the statuses are shared by all towns)
_ALL = VersionToken("reports:version:all")
#: the city's own map: streets, districts, addressees' offices
_CITY = VersionToken("reports:city-version")


def _token(site_id) -> VersionToken:
    return VersionToken(f"reports:version:{site_id}")


def bump(site_id=None) -> None:
    """The public data of town ``site_id`` (None: of every town) changed."""
    (_ALL if site_id is None else _token(site_id)).bump()


def version(site_id) -> str:
    """The current version of town ``site_id``'s public reports (one cache read)."""
    return ".".join(versions(_token(site_id), _ALL))


def bump_city(**kwargs) -> None:
    """The city's own map changed (a street, a district, an addressee's office)."""
    _CITY.bump()


def city_key(site_id, *parts) -> str:
    """A cache key for the city's own map of town ``site_id``."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"reports:city:{site_id}:{_CITY.get()}:{digest}"


def key(kind: str, site_id, *parts) -> str:
    """A cache key for ``kind`` of town ``site_id`` at its current version; ``parts`` (the
    query, the language...) are hashed."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"reports:{kind}:{site_id}:{version(site_id)}:{digest}"


# --- signals -------------------------------------------------------------------------------


def _report_changed(sender, instance, **kwargs):
    bump(instance.site_id)


def _report_part_changed(sender, instance, **kwargs):
    """A report's timeline entry or photo: its report's town (read only when the report is
    not at hand; a report deleted with it has said so itself)."""
    report = instance._state.fields_cache.get("report")
    if report is not None:
        bump(report.site_id)
        return
    from .models import Report

    site_id = Report.objects.filter(pk=instance.report_id).values_list("site_id", flat=True).first()
    if site_id is not None:
        bump(site_id)


def _category_changed(sender, instance, **kwargs):
    bump(instance.site_id)


def _status_changed(sender, instance, **kwargs):
    bump(None)


def _page_changed(sender, instance, **kwargs):
    from addons.addressees.models import AddresseePage

    if isinstance(instance, AddresseePage) or getattr(instance, "specific_class", None) is (
            AddresseePage):
        bump_city()


def connect() -> None:
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from addons.addressees.models import AddresseePage

    from .models import (
        District,
        Report,
        ReportCategory,
        ReportPhoto,
        ReportStatus,
        ReportUpdate,
        Street,
    )

    for model in (District, Street):
        post_save.connect(bump_city, sender=model, dispatch_uid=f"reports-city-{model.__name__}")
        post_delete.connect(bump_city, sender=model,
                            dispatch_uid=f"reports-city-del-{model.__name__}")
    for signal in (page_published, page_unpublished):
        signal.connect(bump_city, sender=AddresseePage, dispatch_uid=f"reports-city-{signal}")
    post_delete.connect(bump_city, sender=AddresseePage, dispatch_uid="reports-city-page-del")
    post_page_move.connect(_page_changed, dispatch_uid="reports-city-page-move")

    for signal in (post_save, post_delete):
        signal.connect(_report_changed, sender=Report, dispatch_uid=f"reports-cache-{signal}")
        signal.connect(_report_part_changed, sender=ReportUpdate,
                       dispatch_uid=f"reports-cache-update-{signal}")
        signal.connect(_report_part_changed, sender=ReportPhoto,
                       dispatch_uid=f"reports-cache-photo-{signal}")
        signal.connect(_category_changed, sender=ReportCategory,
                       dispatch_uid=f"reports-cache-category-{signal}")
        signal.connect(_status_changed, sender=ReportStatus,
                       dispatch_uid=f"reports-cache-status-{signal}")
