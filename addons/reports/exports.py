"""CSV and XLSX of a list of problem reports (the admin's filtered list, with its rights).

Rows are read in chunks and the CSV is streamed, so a city-wide export does not hold every
report in memory. The reporter's name is left out where it is hidden, and the contact
details never leave the system this way: an export file travels further than the admin.
"""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

CHUNK = 2000
#: cells starting with these would run as formulas in a spreadsheet
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def columns() -> list[str]:
    return [
        _("Tracking number"), _("Submitted"), _("Category code"), _("Category"),
        _("Addressee"), _("Status"), _("Open"), _("Expected resolution"), _("Overdue"),
        _("Resolved"), _("Address"), _("District"), _("Latitude"), _("Longitude"),
        _("Public"), _("Co-signatures"), _("Source"), _("Reporter"), _("Duplicate of"),
        _("Description"),
    ]


def safe(value):
    """A text cell that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


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
            _local(report.created_at),
            report.category.code,
            report.category.label(),
            report.addressee.title if report.addressee_id else "",
            report.status.label(),
            yes if report.is_open else no,
            _local(report.due_at),
            yes if overdue else no,
            _local(report.resolved_at),
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


def _filename(extension: str) -> str:
    return f"problem-reports-{timezone.localdate().isoformat()}.{extension}"


class _Echo:
    def write(self, value):
        return value


def _csv_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return value.isoformat(sep=" ", timespec="minutes")
    return str(value)


def csv_lines(queryset):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # spreadsheets then read the file as UTF-8
    yield writer.writerow(columns())
    for row in rows(queryset):
        yield writer.writerow([_csv_text(value) for value in row])


def _private(response, extension):
    response["Content-Disposition"] = f'attachment; filename="{_filename(extension)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def csv_response(queryset) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(queryset), content_type="text/csv; charset=utf-8")
    return _private(response, "csv")


def xlsx_bytes(queryset) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Problem reports")[:31])
    sheet.append(columns())
    for row in rows(queryset):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(queryset) -> HttpResponse:
    return _private(HttpResponse(xlsx_bytes(queryset), content_type=XLSX_TYPE), "xlsx")
