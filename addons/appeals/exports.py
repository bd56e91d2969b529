"""CSV and XLSX of a list of appeals (the admin's filtered list, with its rights).

Rows are read in chunks, so a large export does not hold every appeal in memory; the CSV is
streamed (core.exports). The applicant's name is left out where they asked not to disclose
their personal data: an export file travels beyond the system.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from addons.core import exports as spreadsheet
from addons.core.exports import CHUNK, safe


def columns() -> list[str]:
    return [
        _("Reference"), _("Received"), _("Addressee"), _("Kind"), _("Subject"),
        _("Status"), _("Due date"), _("Answered"), _("Answered on time"),
        _("Privileged category"), _("Applicant"), _("Organisation"), _("Repeated"),
        _("Type of appeal"), _("Procedure"), _("Marked urgent"), _("Return by"),
        _("Notify the decision by"), _("Forward by"), _("Refuse by"),
        _("Preferred form of the answer"),
    ]


def rows(queryset):
    """Plain values of each appeal, in ``columns()`` order (dates as dates)."""
    queryset = queryset.select_related("addressee").only(
        "pk", "reference", "received_at", "addressee__title", "kind", "appeal_type", "subject",
        "status",
        "due_date", "answered_at", "priority", "applicant_name", "organisation_name",
        "do_not_disclose", "repeated_of_id", "procedure", "urgent_at", "return_by",
        "notify_by", "forward_by", "refuse_by", "answer_format",
    )
    hidden = _("(not disclosed)")
    yes, no = _("yes"), _("no")
    for appeal in queryset.iterator(chunk_size=CHUNK):
        answered = timezone.localtime(appeal.answered_at) if appeal.answered_at else None
        on_time = ""
        if answered is not None and appeal.due_date is not None:
            on_time = yes if answered.date() <= appeal.due_date else no
        yield [
            appeal.reference,
            timezone.localtime(appeal.received_at).replace(tzinfo=None),
            appeal.addressee.title,
            appeal.get_kind_display(),
            safe(appeal.subject),
            appeal.get_status_display(),
            appeal.due_date,
            answered.replace(tzinfo=None) if answered else None,
            on_time,
            appeal.get_priority_display() if appeal.priority else "",
            hidden if appeal.do_not_disclose else safe(appeal.applicant_name),
            safe(appeal.organisation_name),
            yes if appeal.repeated_of_id else "",
            appeal.get_appeal_type_display() if appeal.appeal_type else "",
            appeal.get_procedure_display(),
            timezone.localtime(appeal.urgent_at).date() if appeal.urgent_at else None,
            appeal.return_by,
            appeal.notify_by,
            appeal.forward_by,
            appeal.refuse_by,
            appeal.get_answer_format_display() if appeal.answer_format else "",
        ]


def csv_response(queryset):
    return spreadsheet.csv_response(columns(), rows(queryset), "appeals")


def xlsx_response(queryset):
    return spreadsheet.xlsx_response(columns(), rows(queryset), "appeals", _("Appeals"))
