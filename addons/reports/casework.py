"""Problem reports on the casework desk: what "open" and "escalated" mean for a report, the
filter choices of the site being worked on, and the contexts of the detail sections.

The staff list, its map, the exports and the hot-spot dashboard all take their filter
choices from here: categories, districts and addressees are per site, so a town's staff
never see another town's entries (nor one entry twice because two towns share a code).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from addons.core.geo import Point

from .models import ReportUpdate

# --- what the desk counts -----------------------------------------------------------------


def open_q() -> Q:
    """Still being worked on: in an open status (not resolved, closed, rejected or a
    duplicate; see ``ReportStatus.is_open``) and not merged into another report."""
    return Q(is_open=True, merged_into__isnull=True)


def scope(user, site):
    """The desk's default scope (the reports of ``site`` of the addressees ``user``
    moderates; every one for city-wide coordinators) with the category and status the list
    shows read in the same query."""
    from addons.core.casework import queries
    from addons.core.registry import casework_for

    from .models import Report

    declaration = casework_for("reports")[1]
    reports = queries.on_site(Report.objects.select_related("category", "status"),
                              declaration, site)
    if queries.sees_everything(user, declaration):
        return reports
    return reports.filter(addressee_id__in=queries.work_addressee_ids(user, site))


def escalated_q() -> Q:
    """Escalated to a supervisor by the overdue job (level 1: the addressee's head, 2: the
    leadership); forwarding a report starts its count again."""
    return Q(escalation_level__gt=0)


def sees_everything(user) -> bool:
    """Superusers and city-wide coordinators (the model's view or change permission)."""
    return bool(user is not None and (user.is_superuser or user.has_perm("reports.view_report")
                                      or user.has_perm("reports.change_report")))


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
