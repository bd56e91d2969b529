"""Appeals on the casework desk: what the ``Casework`` declaration of ``apps.py`` names.

Which appeals are still worked on, which are escalated, whose they are (the desk's scope),
when each action is offered and what the appeal's detail screen shows. The rules of the
actions themselves live in ``services``.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from . import jurisdictions, services
from .models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Appeal,
    AppealAttachment,
    AppealMessage,
    AppealReminder,
    Status,
)
from .permissions import can_handle

#: the reminder point that alerts the municipality's leadership (see ``jobs``)
LEADERSHIP_POINT = "overdue-leadership"


# --- what the desk counts -----------------------------------------------------------------


def open_q() -> Q:
    """Appeals still waiting for the addressee: submitted, registered, forwarded, in
    progress or extended (not answered, closed, refused, returned or left). The partial
    indexes of ``Appeal.Meta`` carry exactly this condition."""
    return Q(status__in=[status.value for status in OPEN_STATUSES])


def escalated_q() -> Q:
    """Overdue appeals the municipality's leadership has been alerted of for their current
    term (the reminder job's ``overdue-leadership`` point; an extension is a new term)."""
    return Q(Exists(AppealReminder.objects.filter(
        appeal_id=OuterRef("pk"), point=LEADERSHIP_POINT, due_date=OuterRef("due_date"),
    )))


def scope(user, site):
    """The appeals ``user`` handles on ``site``: those of the addressees they moderate or
    that the staffing rule routes to them and, for the staff of a town's appeals
    department, every appeal of that town. Appeals hold
    personal data: a model-wide permission opens nothing, only superusers see all."""
    from addons.core.staffing import handled_addressee_ids

    queryset = Appeal.objects.handled_by(user)
    if site is not None:
        queryset = queryset.filter(site_id=site.pk)
        # and what the staffing rule routes to them (an addressee with nobody at work:
        # the staff above it, the reception office, the administrators)
        routed = handled_addressee_ids(user, site)
        if routed:
            queryset = queryset | Appeal.objects.filter(site_id=site.pk,
                                                        addressee_id__in=routed)
    return queryset


# --- when each action is offered ----------------------------------------------------------


def _status_in(*statuses):
    def available(record, user=None) -> bool:
        return record.status in statuses

    return available


can_register = _status_in(Status.SUBMITTED)
can_start = _status_in(Status.SUBMITTED, Status.REGISTERED, Status.FORWARDED)
can_forward = _status_in(*OPEN_STATUSES)
can_extend = _status_in(*OPEN_STATUSES)
can_reply = _status_in(*OPEN_STATUSES, Status.ANSWERED)
can_close = _status_in(*OPEN_STATUSES, Status.ANSWERED)
can_reopen = _status_in(Status.ANSWERED)


def can_note(record, user=None) -> bool:
    return True


def can_mark_urgent(record, user=None) -> bool:
    """Where the site's law has an urgent term and the appeal is open, with a term and not
    urgent yet."""
    return services.can_mark_urgent(record)


def can_record_notice(record, user=None) -> bool:
    return record.awaits_notice


def can_refuse(record, user=None) -> bool:
    """A request for public information is answered or refused, with its reason."""
    return record.is_info_request and record.status in OPEN_STATUSES


def can_return(record, user=None) -> bool:
    """The appeals law's return and "left without consideration" do not apply to a request
    for public information."""
    return not record.is_info_request and record.status in OPEN_STATUSES


can_leave = can_return


# --- the detail screen --------------------------------------------------------------------


def barred_reason(appeal) -> str:
    """The law's words when the signal reports a violation too old to be considered."""
    if not appeal.is_time_barred():
        return ""
    return str(jurisdictions.TIME_BARRED_REASON.get(
        jurisdictions.jurisdiction_of(appeal.site), ""))


def summary_context(record, request) -> dict:
    """The appeal and its terms: due date, the law's limit for an extension, the terms to
    return, forward, refuse and inform, and which of them passed. Opening the appeal's
    screen is written to its history and the audit log (``services.record_view``)."""
    if request is not None and request.method == "GET":
        services.record_view(record, request.user)
    today = timezone.localdate()
    return {
        "appeal": record,
        "today": today,
        "limit": services.extension_limit(record) if record.is_open and record.due_date
        else None,
        "overdue": record.is_overdue(today),
        "return_overdue": record.is_return_overdue(today),
        "notice_overdue": record.awaits_notice and record.notify_by < today,
        "refusal_overdue": record.is_refusal_overdue(today),
        "forward_overdue": (record.forward_by is not None and record.forward_by < today
                            and record.status in (Status.SUBMITTED, Status.REGISTERED)),
        "time_barred": barred_reason(record),
        "urgent_until": services.urgent_term(record) if services.can_mark_urgent(record)
        else None,
        "final": record.status in FINAL_STATUSES,
    }


def applicant_context(record, request) -> dict:
    """The applicant as they filed, for staff who handle the appeal (the detail screen is
    reached only by them); ``do_not_disclose`` is shown as a warning not to pass it on."""
    user = getattr(request, "user", None)
    return {"appeal": record, "may_see": can_handle(user, record)}


def files_context(record, request) -> dict:
    """The files filed with the appeal (those of messages are shown with their message)."""
    return {
        "appeal": record,
        "files": list(record.attachments.filter(message__isnull=True).order_by("pk")),
    }


def conversation_context(record, request) -> dict:
    """Replies, the applicant's comments and staff notes, each with its files."""
    conversation = record.messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=AppealAttachment.objects.order_by("pk"))
    )
    return {"appeal": record, "conversation": list(conversation),
            "note_kind": AppealMessage.Kind.NOTE}


def history_context(record, request) -> dict:
    return {"appeal": record, "events": list(record.events.select_related("actor"))}
