"""Problem reports on the casework desk: what "open" and "escalated" mean for a report, the
filter choices of the site being worked on, and the contexts of the detail sections.

The staff list, its map, the exports and the hot-spot dashboard all take their filter
choices from here: categories, districts and addressees are per site, so a town's staff
never see another town's entries (nor one entry twice because two towns share a code).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from addons.core.geo import Point
from addons.core.permissions import moderated_addressee_ids

from .models import District, ReportCategory, ReportStatus, ReportUpdate, Source

# --- what the desk counts -----------------------------------------------------------------


def open_q() -> Q:
    """Still being worked on: in an open status (not resolved, closed, rejected or a
    duplicate; see ``ReportStatus.is_open``) and not merged into another report."""
    return Q(is_open=True, merged_into__isnull=True)


def escalated_q() -> Q:
    """Escalated to a supervisor by the overdue job (level 1: the addressee's head, 2: the
    leadership); forwarding a report starts its count again."""
    return Q(escalation_level__gt=0)


# --- the filter choices of one site -------------------------------------------------------


def sees_everything(user) -> bool:
    return bool(user.is_superuser or user.has_perm("reports.view_report")
                or user.has_perm("reports.change_report"))


def site_categories(site):
    return (ReportCategory.objects.filter(site=site).select_related("parent")
            .order_by("sort_order", "code"))


def category_choices(site) -> list[tuple[int, str]]:
    """The categories and groups of ``site`` only ("Roads · Pothole"), once each."""
    return [
        (category.pk, f"{category.parent.label()} · {category.label()}"
         if category.parent_id else category.label())
        for category in site_categories(site)
    ]


def status_choices() -> list[tuple[str, str]]:
    """"Open", "Closed", then every status (statuses are the installation's)."""
    return [("open", _("Open")), ("closed", _("Closed"))] + [
        (status.code, status.label()) for status in ReportStatus.objects.all()
    ]


def site_addressees(site):
    from addons.addressees.models import AddresseePage

    pages = AddresseePage.objects.only("pk", "title", "path", "depth").order_by("title", "pk")
    if site is None or site.root_page_id is None:
        return pages.none()
    return pages.filter(path__startswith=site.root_page.path)


def addressee_choices(user, site) -> list[tuple[int, str]]:
    """The addressees of ``site`` whose reports ``user`` handles (every one of the site for
    city-wide coordinators)."""
    pages = site_addressees(site)
    if not sees_everything(user):
        pages = pages.filter(pk__in=moderated_addressee_ids(user))
    return [(page.pk, page.title) for page in pages]


def district_choices(site) -> list[tuple[int, str]]:
    return list(District.objects.filter(site=site).order_by("name", "pk")
                .values_list("pk", "name"))


def source_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Source.choices]


def reports_on_site(queryset, site):
    return queryset if site is None else queryset.filter(site_id=site.pk)


# --- the detail sections ------------------------------------------------------------------


def description_context(report, request) -> dict:
    return {"photos": list(report.photos.all())}


def location_context(report, request) -> dict:
    from . import services

    nearby = []
    if report.merged_into_id is None:
        nearby = [
            {"report": other, "metres": round(metres)}
            for other, metres in services.nearby_open(
                report.category, Point(report.lat, report.lng), site=report.site,
                exclude=report, limit=5)
        ]
    return {"nearby": nearby}


def history_context(report, request) -> dict:
    updates = ReportUpdate.objects.filter(report=report).select_related(
        "author", "status_from", "status_to")
    return {"updates": list(updates),
            "duplicates": list(report.duplicates.only("pk", "tracking_number"))}


def cosigns_context(report, request) -> dict:
    return {"cosigns": list(report.cosigns.select_related("user").order_by("created_at")),
            "followers": report.subscriptions.count()}


def escalations_context(report, request) -> dict:
    return {"escalations": list(report.escalations.order_by("level")),
            "now": timezone.now()}
