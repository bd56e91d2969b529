"""CSV and XLSX of a list of problem reports (the admin's filtered list, with its rights).

Rows are read in chunks and the CSV is streamed (core.exports), so a city-wide export does
not hold every report in memory. The reporter's name is left out where it is hidden, and the
contact details never leave the system this way: an export file travels further than the
admin.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from addons.core import exports as spreadsheet
from addons.core.exports import CHUNK, local, safe


def columns() -> list[str]:
    return [
        _("Tracking number"), _("Submitted"), _("Category code"), _("Category"),
        _("Addressee"), _("Status"), _("Open"), _("Expected resolution"), _("Overdue"),
        _("Resolved"), _("Address"), _("District"), _("Latitude"), _("Longitude"),
        _("Public"), _("Co-signatures"), _("Source"), _("Reporter"), _("Duplicate of"),
        _("Description"),
    ]


def rows(queryset):
    """Plain values of each report, in ``columns()`` order (dates as naive local times)."""
    queryset = queryset.select_related("category", "status", "addressee", "district",
                                       "merged_into").only(
        "pk", "tracking_number", "created_at", "category__code", "category__name",
        "category__names", "addressee__title", "status__name", "status__names", "is_open",
        "due_at", "resolved_at", "address", "district__name", "lat", "lng", "is_public",
        "is_hidden", "cosign_count", "source", "reporter_name", "hide_reporter_name",
        "merged_into__tracking_number", "description",
    ).order_by("-created_at", "-pk")
    yes, no = _("yes"), _("no")
    hidden = _("(hidden)")
    now = timezone.now()
    for report in queryset.iterator(chunk_size=CHUNK):
        overdue = bool(report.is_open and report.due_at and report.due_at < now)
        if report.hide_reporter_name:
            reporter = hidden if report.reporter_name else ""
        else:
            reporter = safe(report.reporter_name)
        yield [
            report.tracking_number,
            local(report.created_at),
            report.category.code,
            report.category.label(),
            report.addressee.title if report.addressee_id else "",
            report.status.label(),
            yes if report.is_open else no,
            local(report.due_at),
            yes if overdue else no,
            local(report.resolved_at),
            safe(report.address),
            report.district.name if report.district_id else "",
            round(report.lat, 6),
            round(report.lng, 6),
            yes if report.is_public and not report.is_hidden else no,
            report.cosign_count,
            report.get_source_display(),
            reporter,
            report.merged_into.tracking_number if report.merged_into_id else "",
            safe(report.description),
        ]


def csv_response(queryset):
    return spreadsheet.csv_response(columns(), rows(queryset), "problem-reports")


def xlsx_response(queryset):
    return spreadsheet.xlsx_response(
        columns(), rows(queryset), "problem-reports", _("Problem reports")
    )
