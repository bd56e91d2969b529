"""CSV and XLSX of a list of appeals (the admin's filtered list, with its rights).

Rows are read in chunks, so a large export does not hold every appeal in memory; the CSV is
streamed. The applicant's name is left out where they asked not to disclose their personal
data: an export file travels beyond the system.
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


def columns() -> list[str]:
    return [
        _("Reference"), _("Received"), _("Addressee"), _("Kind"), _("Subject"),
        _("Status"), _("Due date"), _("Answered"), _("Answered on time"),
        _("Privileged category"), _("Applicant"), _("Organisation"), _("Repeated"),
    ]


def _safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def rows(queryset):
    """Plain values of each appeal, in ``columns()`` order (dates as dates)."""
    queryset = queryset.select_related("addressee").only(
        "pk", "reference", "received_at", "addressee__title", "kind", "subject", "status",
        "due_date", "answered_at", "priority", "applicant_name", "organisation_name",
        "do_not_disclose", "repeated_of_id",
    )
    hidden = _("(not disclosed)")
    yes, no = _("yes"), _("no")
    for appeal in queryset.iterator(chunk_size=CHUNK):
        answered = timezone.localtime(appeal.answered_at) if appeal.answered_at else None
        on_time = ""
        if answered is not None:
            on_time = yes if answered.date() <= appeal.due_date else no
        yield [
            appeal.reference,
            timezone.localtime(appeal.received_at).replace(tzinfo=None),
            appeal.addressee.title,
            appeal.get_kind_display(),
            _safe(appeal.subject),
            appeal.get_status_display(),
            appeal.due_date,
            answered.replace(tzinfo=None) if answered else None,
            on_time,
            appeal.get_priority_display() if appeal.priority else "",
            hidden if appeal.do_not_disclose else _safe(appeal.applicant_name),
            _safe(appeal.organisation_name),
            yes if appeal.repeated_of_id else "",
        ]


def _filename(extension: str) -> str:
    return f"appeals-{timezone.localdate().isoformat()}.{extension}"


class _Echo:
    def write(self, value):
        return value


def _csv_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ", timespec="minutes") if hasattr(value, "hour") \
            else value.isoformat()
    return str(value)


def csv_lines(queryset):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # spreadsheets then read the file as UTF-8
    yield writer.writerow(columns())
    for row in rows(queryset):
        yield writer.writerow([_csv_text(value) for value in row])


def csv_response(queryset) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(queryset), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_bytes(queryset) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Appeals")[:31])
    sheet.append(columns())
    for row in rows(queryset):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(queryset) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes(queryset),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
