"""What happens to an appeal. Views, the admin, the API and jobs call these functions; the
rules live here only.

Every change runs in one transaction: the appeal, its :class:`AppealEvent`, the audit log
entry (``wagtail.log_actions.log``) and the notifications are written together.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import log

from addons.core import deadlines
from addons.core.casework.assignment import auto_assign, record_closed
from addons.core.events import (
    CLOSED,
    EXTENDED,
    FIRST_REPLY,
    FORWARDED,
    RATED,
    RECEIVED,
    REOPENED,
    RESOLVED,
    ROUTED,
    STATUS_CHANGED,
)
from addons.core.notifications import notify
from addons.core.numbering import next_reference
from addons.core.staffing import handlers_for

from . import jurisdictions, service_events
from .models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Appeal,
    AppealAttachment,
    AppealEvent,
    AppealForm,
    AppealMessage,
    AppealsSettings,
    FormKind,
    Procedure,
    RoutingMode,
    Status,
)
from .permissions import can_handle

REFERENCE_KIND = "appeal"
REFERENCE_PREFIX = "AP"

LOG_ACTIONS = {
    "appeals.file": _("File appeal"),
    "appeals.view": _("View appeal"),
    "appeals.register": _("Register appeal"),
    "appeals.forward": _("Forward appeal"),
    "appeals.start": _("Start handling appeal"),
    "appeals.extend": _("Extend appeal term"),
    "appeals.reply": _("Reply to appeal"),
    "appeals.note": _("Add internal note to appeal"),
    "appeals.comment": _("Comment on appeal"),
    "appeals.return": _("Return appeal as incomplete"),
    "appeals.urgent": _("Mark appeal urgent"),
    "appeals.notified": _("Record the notice of the decision"),
    "appeals.leave": _("Leave appeal without consideration"),
    "appeals.refuse": _("Refuse request for public information"),
    "appeals.close": _("Close appeal"),
    "appeals.reopen": _("Reopen appeal"),
    "appeals.resolve": _("Mark appeal resolved"),
    "appeals.rate": _("Rate answer to appeal"),
    "appeals.anonymise": _("Anonymise appeal"),
}


class AppealError(ValidationError):
    """A change the rules refuse; ``message`` is translated and fit for the user. A
    ``ValidationError``: the casework desk shows it on the action's form."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class AppealClosed(AppealError):
    pass


class ExtensionNotAllowed(AppealError):
    pass


class WrongStatus(AppealError):
    pass


# --- helpers ------------------------------------------------------------------------------


def normalise_substance(text: str) -> str:
    """Text reduced for comparison: case, accents, punctuation and spacing ignored."""
    text = unicodedata.normalize("NFKD", text or "").casefold()
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def substance_hash(text: str) -> str:
    return hashlib.sha256(normalise_substance(text).encode()).hexdigest()


def _site_settings(site) -> AppealsSettings:
    return AppealsSettings.for_site(site)


def appeal_context(appeal: Appeal) -> dict:
    """What notification templates get (no personal data of the applicant)."""
    return {
        "reference": appeal.reference,
        "subject": appeal.subject,
        "status": appeal.status,
        "status_label": appeal.get_status_display(),
        "procedure": appeal.procedure,
        "due_date": appeal.due_date,
        "received": appeal.received_at,
        "addressee": appeal.addressee.title if appeal.addressee_id else "",
    }


def _notify_citizen(appeal: Appeal, event: str, extra: dict | None = None, key=None):
    recipient = appeal.author
    email = None
    if recipient is None or not recipient.is_active:
        recipient = None
        email = appeal.applicant_email
        if not email:
            return None
    return notify(
        recipient, event, {**appeal_context(appeal), **(extra or {})},
        site=appeal.site, url=appeal.get_absolute_url(), email=email, key=key,
    )


def staff_recipients(addressee, site=None) -> list:
    """Who handles ``addressee``'s appeals today (core's staffing rule: its staff present or
    their delegates, else up the tree, else the reception office, else the administrators)."""
    if addressee is None:
        return []
    return handlers_for(addressee, site=site).users


def _notify_users(users, appeal, event, extra=None, key=None):
    rows = []
    seen = set()
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            notify(
                user, event, {**appeal_context(appeal), **(extra or {})}, site=appeal.site,
                url=appeal.get_absolute_url(), key=f"{key}:{user.pk}" if key else None,
            )
        )
    return [row for row in rows if row is not None]


def _record(appeal, action, actor=None, *, from_status="", data=None, log_action=None):
    """Write the history entry and the audit log entry of one change."""
    event = AppealEvent.objects.create(
        appeal=appeal, action=action, actor=actor if _is_user(actor) else None,
        from_status=from_status, to_status=appeal.status if from_status else "",
        data=data or {},
    )
    if log_action:
        log(
            appeal, log_action, user=actor if _is_user(actor) else None,
            title=appeal.reference,
            data={"appeal": appeal.pk, "reference": appeal.reference,
                  "status": appeal.status, **(data or {})},
        )
    return event


def _is_user(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def _lock(appeal: Appeal) -> Appeal:
    """The appeal re-read under a row lock (two staff acting at once wait for each other),
    with its addressee page in the same query (its service events name it)."""
    locked = (Appeal.objects.select_for_update(of=("self",)).select_related("addressee")
              .get(pk=appeal.pk))
    appeal.__dict__.update({
        field.attname: getattr(locked, field.attname) for field in Appeal._meta.concrete_fields
    })
    appeal._state.fields_cache["addressee"] = locked.addressee
    return appeal


def _require_staff(user, appeal):
    if not can_handle(user, appeal):
        raise PermissionDenied


def _require_author(user, appeal):
    if not _is_user(user) or appeal.author_id != user.pk:
        raise PermissionDenied


def _require_not_final(appeal):
    if appeal.status in FINAL_STATUSES:
        raise AppealClosed(_("This appeal is closed; nothing more can be added to it."))


def _save_files(appeal, checked_files, *, message=None, user=None,
                written=None) -> list[AppealAttachment]:
    """Store checked uploads under names the system makes, in private storage."""
    saved = []
    for checked in checked_files:
        attachment = AppealAttachment(
            appeal=appeal, message=message, original_name=checked.name,
            extension=checked.extension, size=checked.size,
            content_type=checked.content_type, uploaded_by=user if _is_user(user) else None,
        )
        checked.upload.seek(0)
        attachment.file.save("upload", checked.upload, save=False)
        if written is not None:
            written.append((attachment.file.storage, attachment.file.name))
        attachment.save()
        saved.append(attachment)
    return saved


# --- filing -------------------------------------------------------------------------------

#: days over which an account's stored files count against its quota
QUOTA_DAYS = 30
MB = 1024 * 1024


class LimitReached(AppealError):
    """The citizen has filed as much as one account (or address) may for now."""


def appeals_per_day() -> int:
    """Appeals one account may file through the public form in 24 hours (0: no limit)."""
    return int(getattr(settings, "CIVICDESK_APPEALS_PER_DAY", 10))


def anonymous_appeals_per_day() -> int:
    """Appeals one address may file without an account in 24 hours (0: no limit)."""
    return int(getattr(settings, "CIVICDESK_APPEALS_ANONYMOUS_PER_DAY", 10))


def storage_quota() -> int:
    """Bytes of files one account may store with its appeals in QUOTA_DAYS (0: no limit)."""
    return int(getattr(settings, "CIVICDESK_APPEALS_STORAGE_QUOTA_MB", 100)) * MB


def daily_limit_message(limit: int) -> str:
    return ngettext(
        "You have filed %(count)s appeal in the last 24 hours, as many as one applicant may "
        "file in a day. Please try again tomorrow. What you typed is kept below; the files "
        "must be attached again.",
        "You have filed %(count)s appeals in the last 24 hours, as many as one applicant may "
        "file in a day. Please try again tomorrow. What you typed is kept below; the files "
        "must be attached again.",
        limit,
    ) % {"count": limit}


def check_filing_limits(author, files=(), now=None) -> None:
    """Refuse (LimitReached, with a message for the citizen) an appeal ``author`` may not
    file now: more appeals in 24 hours than ``appeals_per_day()``, or files beyond the
    storage quota. The public form calls it; staff entering appeals do not."""
    if not _is_user(author):
        return
    now = now or timezone.now()
    limit = appeals_per_day()
    if limit and Appeal.objects.filter(
        author=author, received_at__gte=now - timedelta(days=1)
    ).count() >= limit:
        raise LimitReached(daily_limit_message(limit))
    check_storage_quota(author, files, now=now)


def stored_bytes(author, now=None) -> int:
    """Bytes of the files ``author`` stored with appeals in the last QUOTA_DAYS days."""
    since = (now or timezone.now()) - timedelta(days=QUOTA_DAYS)
    total = AppealAttachment.objects.filter(
        uploaded_by=author, created_at__gte=since
    ).aggregate(total=Sum("size"))["total"]
    return int(total or 0)


def check_storage_quota(author, files=(), now=None) -> None:
    """LimitReached when ``files`` would take ``author`` beyond the storage quota."""
    quota = storage_quota()
    adding = sum(int(getattr(item, "size", 0) or 0) for item in files)
    if not quota or not adding or not _is_user(author):
        return
    used = stored_bytes(author, now)
    if used + adding > quota:
        raise LimitReached(
            _("These files would take you beyond the %(quota)s MB of files one applicant may "
              "send in %(days)s days (%(used)s MB sent already). Send smaller files, fewer "
              "files or none. What you typed is kept below; the files must be attached "
              "again.") % {"quota": quota // MB, "days": QUOTA_DAYS,
                           "used": f"{used / MB:.1f}"}
        )


def file_appeal(
    *,
    site,
    form: AppealForm | None,
    addressee,
    author=None,
    data: dict,
    files=(),
    token=None,
    today: date | None = None,
    source: str = "web",
    entered_by=None,
) -> tuple[Appeal, bool]:
    """File an appeal. Returns ``(appeal, created)``; ``created`` is False when ``token``
    was already used (a second submit of the same form): nothing new is made.

    ``data``: applicant_name, applicant_address, applicant_email, applicant_phone,
    organisation_name, organisation_code, subject, text, answers (dict), do_not_disclose,
    priority. ``files``: ``uploads.CheckedFile`` items (already checked by the form).
    ``source`` and ``entered_by``: how it reached the city and the operator who recorded
    it (an oral appeal taken by phone or in person).
    """
    if token is not None:
        existing = Appeal.objects.filter(submission_token=token).first()
        if existing is not None:
            return existing, False
    written = []
    try:
        with transaction.atomic():
            appeal = _file(site=site, form=form, addressee=addressee, author=author,
                           data=data, files=files, token=token, today=today, written=written,
                           source=source, entered_by=entered_by)
    except BaseException as error:
        # A filing that failed leaves no file behind.
        for storage, name in written:
            storage.delete(name)
        if not isinstance(error, IntegrityError):
            raise
        # The same token committed by a concurrent request meanwhile.
        if token is not None:
            existing = Appeal.objects.filter(submission_token=token).first()
            if existing is not None:
                return existing, False
        raise
    return appeal, True


def _file(*, site, form, addressee, author, data, files, token, today, written,
          source="web", entered_by=None):
    code = jurisdictions.jurisdiction_of(site)
    options = _site_settings(site)
    now = timezone.now()
    received = today or timezone.localdate(now)
    procedure = form.procedure if form else (data.get("procedure") or Procedure.APPEAL)
    info = procedure == Procedure.INFO_REQUEST

    via_department = (
        options.routing_mode == RoutingMode.DEPARTMENT
        and options.department_id
        and options.department_id != addressee.pk
    )
    appeal = Appeal(
        site=site,
        form=form,
        kind=form.kind if form else FormKind.INDIVIDUAL,
        author=author if _is_user(author) else None,
        requested_addressee=addressee,
        addressee_id=options.department_id if via_department else addressee.pk,
        status=Status.SUBMITTED if via_department else Status.REGISTERED,
        received_at=now,
        submission_token=token,
        source=source or "web",
        entered_by=entered_by if _is_user(entered_by) else None,
        applicant_name=data.get("applicant_name", "").strip(),
        applicant_address=data.get("applicant_address", "").strip(),
        applicant_email=data.get("applicant_email", "").strip(),
        applicant_phone=data.get("applicant_phone", "").strip(),
        organisation_name=data.get("organisation_name", "").strip(),
        organisation_code=data.get("organisation_code", "").strip(),
        subject=data["subject"].strip(),
        text=data["text"].strip(),
        answers=data.get("answers") or {},
        do_not_disclose=bool(data.get("do_not_disclose")),
        priority="" if info else (data.get("priority") or ""),
        appeal_type="" if info else (data.get("appeal_type") or ""),
        procedure=procedure,
        answer_format=(data.get("answer_format") or "") if info else "",
        occurred_on=data.get("occurred_on") or None,
    )
    if not via_department:
        appeal.addressee = addressee  # in hand: its events name it without a query
    # An anonymous appeal is not considered under any of the three laws (nor is a request
    # for public information without a name and an address to answer to): it is recorded,
    # without a legal term or reminders.
    appeal.anonymous = jurisdictions.is_anonymous(code, data, procedure)
    if not appeal.anonymous:
        appeal.due_date = appeal.original_due_date = deadlines.due(
            received, jurisdictions.procedure_rule(code, procedure, "appeal"), code
        )
    if via_department and not appeal.anonymous:
        appeal.forward_by = forward_term(code, received)
    return_rule = jurisdictions.optional_rule(code, "return")
    if return_rule and not appeal.anonymous and not info:
        appeal.return_by = deadlines.due(received, return_rule, code)
    refuse_rule = jurisdictions.optional_rule(code, "refuse")
    if refuse_rule and info and not appeal.anonymous:
        # RO Law 544/2001 art. 7(2): a refusal is communicated within 5 days.
        appeal.refuse_by = deadlines.due(received, refuse_rule, code)
    appeal.substance_hash = substance_hash(appeal.text)
    if appeal.author_id:
        appeal.repeated_of = (
            Appeal.objects.filter(
                author_id=appeal.author_id, substance_hash=appeal.substance_hash,
                answered_at__isnull=False,
            )
            .order_by("-received_at")
            .first()
        )
    appeal.reference = next_reference(REFERENCE_KIND, site, prefix=REFERENCE_PREFIX,
                                      year=received.year)
    appeal.save()
    _save_files(appeal, files, user=author, written=written)
    _record(appeal, AppealEvent.Action.FILED, author or appeal.entered_by, data={
        "addressee": addressee.pk, "repeated_of": appeal.repeated_of_id,
        **({"source": appeal.source} if appeal.entered_by_id else {}),
    }, log_action="appeals.file")
    service_events.write(appeal, RECEIVED, author or appeal.entered_by,
                         at=appeal.received_at)
    _notify_citizen(appeal, "appeals.filed", {"status_pin": appeal.status_pin},
                    key=f"appeals.filed:{appeal.pk}")
    recipients = staff_recipients(appeal.addressee, appeal.site)
    if options.department_id and options.department_id != appeal.addressee_id:
        recipients += staff_recipients(options.department_id, appeal.site)
    _notify_users(recipients, appeal, "appeals.new", {"repeated": appeal.is_repeated},
                  key=f"appeals.new:{appeal.pk}")
    # the addressee's team (or the appeals department) gets it by its assignment policy
    auto_assign(appeal)
    return appeal


# --- handling by staff --------------------------------------------------------------------


def _transition(appeal, actor, *, to_status, action, log_action, allowed_from, kind, data=None,
                notify_event="appeals.status", notify_extra=None, changes=None):
    """Move ``appeal`` to ``to_status`` if its status is one of ``allowed_from``, setting the
    field values ``changes`` too (applied after the row is locked and re-read), and write
    the service event ``kind``."""
    _lock(appeal)
    if appeal.status in FINAL_STATUSES:
        raise AppealClosed(_("This appeal is closed; nothing more can be added to it."))
    if appeal.status not in allowed_from:
        raise WrongStatus(
            _("This cannot be done to an appeal with the status \"%(status)s\".")
            % {"status": appeal.get_status_display()}
        )
    previous = appeal.status
    changes = changes or {}
    for name, value in changes.items():
        setattr(appeal, name, value)
    appeal.status = to_status
    appeal.save(update_fields=["status", "updated_at", *changes])
    event = _record(appeal, action, actor, from_status=previous, data=data,
                    log_action=log_action)
    service_events.write(appeal, kind, actor)
    if previous in OPEN_STATUSES and to_status not in OPEN_STATUSES:
        record_closed(appeal)
    if notify_event:
        _notify_citizen(appeal, notify_event, {"previous_status": previous,
                                               **(notify_extra or {})},
                        key=f"{notify_event}:{appeal.pk}:{event.pk}")
    return appeal


@transaction.atomic
def register(appeal: Appeal, actor) -> Appeal:
    """The appeals department registers an appeal that came through it."""
    _require_staff(actor, appeal)
    return _transition(appeal, actor, to_status=Status.REGISTERED,
                       action=AppealEvent.Action.REGISTERED, log_action="appeals.register",
                       allowed_from=(Status.SUBMITTED,), kind=STATUS_CHANGED)


def same_site(appeal: Appeal, addressee) -> bool:
    """Whether ``addressee`` (a page) belongs to the site of ``appeal``."""
    root_path = appeal.site.root_page.path
    return bool(addressee is not None and getattr(addressee, "path", "").startswith(root_path))


def forward_term(code: str, received: date) -> date:
    """The last day to forward an appeal received on ``received`` to the competent body
    (UA and RO 5 days, BG 7 days)."""
    return deadlines.due(received, jurisdictions.rule(code, "forward"), code)


@transaction.atomic
def forward(appeal: Appeal, actor, to_addressee, reason: str = "") -> Appeal:
    """Hand the appeal to ``to_addressee`` (the competent one). The citizen is told.
    Whenever it happens, the forwarding is measured against the forwarding term of the
    law (from the day of receipt): a late forwarding is recorded as such."""
    _require_staff(actor, appeal)
    if to_addressee.pk == appeal.addressee_id:
        raise AppealError(_("The appeal is already with this addressee."))
    if not same_site(appeal, to_addressee):
        raise AppealError(_("An appeal can be forwarded only to an addressee of its own "
                            "municipality."))
    if not getattr(to_addressee, "live", False):
        raise AppealError(_("This addressee does not take appeals now."))
    previous_addressee = appeal.addressee
    # the first forwarding of an appeal that came through the appeals department is its
    # routing to the competent addressee; any other is a forwarding
    kind = (ROUTED if appeal.forwarded_from_id is None
            and appeal.addressee_id != appeal.requested_addressee_id else FORWARDED)
    code = jurisdictions.jurisdiction_of(appeal.site)
    term = appeal.forward_by or forward_term(code, timezone.localdate(appeal.received_at))
    _transition(
        appeal, actor, to_status=Status.FORWARDED, action=AppealEvent.Action.FORWARDED,
        log_action="appeals.forward", allowed_from=OPEN_STATUSES, kind=kind,
        data={"from": previous_addressee.pk, "to": to_addressee.pk, "reason": reason,
              "forward_by": term.isoformat(), "late": timezone.localdate() > term},
        notify_extra={"forwarded_from": previous_addressee.title, "reason": reason},
        changes={"addressee": to_addressee, "forwarded_from": previous_addressee,
                 "forward_by": term, "assignee": None, "assigned_at": None,
                 "waiting_since": None},
    )
    # the previous addressee's person no longer holds it: the new team's policy decides
    auto_assign(appeal)
    _notify_users(staff_recipients(to_addressee, appeal.site), appeal, "appeals.forwarded")
    return appeal


@transaction.atomic
def start(appeal: Appeal, actor) -> Appeal:
    """The addressee takes the appeal in hand."""
    _require_staff(actor, appeal)
    return _transition(appeal, actor, to_status=Status.IN_PROGRESS,
                       action=AppealEvent.Action.STARTED, log_action="appeals.start",
                       allowed_from=(Status.SUBMITTED, Status.REGISTERED, Status.FORWARDED),
                       kind=STATUS_CHANGED)


def extension_limit(appeal: Appeal) -> date:
    """The latest due date the law allows for ``appeal`` (UA: 45 days from receipt; a
    request for public information: UA 20 working days, RO 30 days, BG 24 days)."""
    code = jurisdictions.jurisdiction_of(appeal.site)
    received = timezone.localdate(appeal.received_at)
    return deadlines.due(
        received, jurisdictions.procedure_rule(code, appeal.procedure, "extended"), code)


@transaction.atomic
def extend(appeal: Appeal, actor, until: date, reason: str) -> Appeal:
    """Extend the term to ``until``, within the law's maximum; the citizen gets the reason."""
    _require_staff(actor, appeal)
    reason = (reason or "").strip()
    if not reason:
        raise ExtensionNotAllowed(_("Give the reason for the extension: the applicant is told."))
    _lock(appeal)
    if appeal.due_date is None:
        raise ExtensionNotAllowed(_("An anonymous appeal has no legal term to extend."))
    limit = extension_limit(appeal)
    if (appeal.procedure == Procedure.INFO_REQUEST and appeal.original_due_date
            and timezone.localdate() > appeal.original_due_date):
        # UA 2939-VI art. 20(4), RO 544/2001 art. 7(1): the requester is told of the
        # extension within the first term.
        raise ExtensionNotAllowed(
            _("The term of a request for public information can be extended only within "
              "its first term (until %(due)s): the requester must be told by then.")
            % {"due": appeal.original_due_date.isoformat()}
        )
    if until <= appeal.due_date:
        raise ExtensionNotAllowed(
            _("The new due date must be later than the current one (%(due)s).")
            % {"due": appeal.due_date.isoformat()}
        )
    if until > limit:
        raise ExtensionNotAllowed(
            _("The law allows extending this appeal's term to %(limit)s at the latest.")
            % {"limit": limit.isoformat()}
        )
    previous_due = appeal.due_date
    return _transition(
        appeal, actor, to_status=Status.EXTENDED, action=AppealEvent.Action.EXTENDED,
        log_action="appeals.extend", allowed_from=OPEN_STATUSES, kind=EXTENDED,
        data={"from": previous_due.isoformat(), "until": until.isoformat(), "reason": reason},
        notify_extra={"reason": reason, "previous_due_date": previous_due},
        changes={"due_date": until, "extended_until": until, "extension_reason": reason},
    )


def urgent_term(appeal: Appeal) -> date | None:
    """The due date ``appeal`` gets when marked urgent: the urgent term of the site's law
    from the day of receipt, never later than the current due date. None where the law has
    no urgent term or the appeal has no term (anonymous)."""
    code = jurisdictions.jurisdiction_of(appeal.site)
    key = jurisdictions.optional_rule(code, "urgent")
    if key is None or appeal.due_date is None:
        return None
    received = timezone.localdate(appeal.received_at)
    return min(deadlines.due(received, key, code), appeal.due_date)


def can_mark_urgent(appeal: Appeal) -> bool:
    """Whether the "mark urgent" action applies: the site's law has an urgent term, the
    appeal is open, has a term and is not urgent already."""
    return (appeal.status in OPEN_STATUSES and appeal.urgent_at is None
            and appeal.procedure == Procedure.APPEAL
            and appeal.due_date is not None
            and jurisdictions.optional_rule(appeal.site, "urgent") is not None)


@transaction.atomic
def mark_urgent(appeal: Appeal, actor, reason: str) -> Appeal:
    """Staff find that the appeal needs no further study (UA 393/96 art. 20): the due date
    becomes the urgent term from the day of receipt (15 days), never later than it was.
    The citizen is told the new date."""
    _require_staff(actor, appeal)
    reason = (reason or "").strip()
    if not reason:
        raise AppealError(_("Say why the appeal is urgent: it is kept in the history."))
    _lock(appeal)
    _require_not_final(appeal)
    if jurisdictions.optional_rule(appeal.site, "urgent") is None:
        raise AppealError(_("The law of this site sets no urgent term for appeals."))
    if appeal.procedure != Procedure.APPEAL:
        raise AppealError(_("Only an appeal can be marked urgent."))
    if appeal.due_date is None:
        raise AppealError(_("An anonymous appeal has no legal term to shorten."))
    if appeal.urgent_at is not None:
        raise AppealError(_("This appeal is already marked urgent."))
    if appeal.status not in OPEN_STATUSES:
        raise WrongStatus(
            _("This cannot be done to an appeal with the status \"%(status)s\".")
            % {"status": appeal.get_status_display()}
        )
    previous_due = appeal.due_date
    appeal.due_date = urgent_term(appeal)
    appeal.urgent_at = timezone.now()
    appeal.urgent_reason = reason
    appeal.save(update_fields=["due_date", "urgent_at", "urgent_reason", "updated_at"])
    event = _record(appeal, AppealEvent.Action.URGENT, actor, data={
        "from": previous_due.isoformat(), "until": appeal.due_date.isoformat(),
        "reason": reason,
    }, log_action="appeals.urgent")
    # the term in force is shortened (the status stays)
    service_events.write(appeal, STATUS_CHANGED, actor)
    _notify_citizen(appeal, "appeals.urgent", {"previous_due_date": previous_due},
                    key=f"appeals.urgent:{appeal.pk}:{event.pk}")
    return appeal


def render_template_text(template, appeal: Appeal) -> str:
    """A reply template's text with the appeal's details filled in."""
    values = {
        "reference": appeal.reference,
        "applicant": appeal.applicant_name,
        "subject": appeal.subject,
        "received": timezone.localdate(appeal.received_at).isoformat(),
    }
    text = template.text
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


@transaction.atomic
def reply(appeal: Appeal, actor, text: str = "", files=(), *, template=None) -> AppealMessage:
    """Answer the applicant (text and files; the text may start from ``template``). The
    reply goes to the citizen's email and cabinet."""
    _require_staff(actor, appeal)
    _lock(appeal)
    _require_not_final(appeal)
    text = (text or "").strip()
    if not text and template is not None:
        text = render_template_text(template, appeal)
    if not text:
        raise AppealError(_("Write the reply."))
    message = AppealMessage.objects.create(
        appeal=appeal, kind=AppealMessage.Kind.REPLY, author=actor, text=text
    )
    _save_files(appeal, files, message=message, user=actor)
    previous = appeal.status
    first_answer = appeal.answered_at is None
    appeal.status = Status.ANSWERED
    fields = ["status", "updated_at"]
    if first_answer:
        appeal.answered_at = message.created_at
        fields.append("answered_at")
    notify_rule = jurisdictions.optional_rule(appeal.site, "notify")
    if notify_rule and appeal.notify_by is None and not appeal.anonymous:
        # BG: the applicant is informed of the decision within 7 days of it.
        code = jurisdictions.jurisdiction_of(appeal.site)
        appeal.notify_by = deadlines.due(timezone.localdate(message.created_at),
                                         notify_rule, code)
        fields.append("notify_by")
    appeal.save(update_fields=fields)
    if previous in OPEN_STATUSES:
        record_closed(appeal)
    _record(appeal, AppealEvent.Action.REPLIED, actor, from_status=previous,
            data={"message": message.pk, "template": getattr(template, "pk", None)},
            log_action="appeals.reply")
    # the first reply answers the appeal; a reply after it was taken in hand again answers
    # it anew; a further reply to an answered appeal changes nothing of its course
    if first_answer:
        service_events.write(appeal, FIRST_REPLY, actor, at=message.created_at)
    if first_answer or previous in OPEN_STATUSES:
        service_events.write(appeal, RESOLVED, actor, at=message.created_at)
    sent = _notify_citizen(appeal, "appeals.reply", {"text": text},
                           key=f"appeals.reply:{message.pk}")
    if sent is not None and appeal.awaits_notice:
        _notice_given(appeal, None, how="reply")
    return message


def _notice_given(appeal: Appeal, actor, *, how: str, note: str = "") -> None:
    appeal.notified_at = timezone.now()
    appeal.save(update_fields=["notified_at", "updated_at"])
    _record(appeal, AppealEvent.Action.NOTIFIED, actor,
            data={"how": how, "notify_by": appeal.notify_by.isoformat(),
                  **({"reason": note} if note else {})},
            log_action="appeals.notified")


@transaction.atomic
def record_notice(appeal: Appeal, actor, note: str) -> Appeal:
    """Staff record that the applicant was informed of the decision another way (by post,
    in person) when no notification could reach them."""
    _require_staff(actor, appeal)
    note = (note or "").strip()
    if not note:
        raise AppealError(_("Say how the applicant was informed: it is kept in the history."))
    _lock(appeal)
    if not appeal.awaits_notice:
        raise AppealError(_("No notice of a decision is awaited for this appeal."))
    _notice_given(appeal, actor, how="staff", note=note)
    return appeal


@transaction.atomic
def add_note(appeal: Appeal, actor, text: str) -> AppealMessage:
    """An internal note: staff only, the citizen never sees it."""
    _require_staff(actor, appeal)
    text = (text or "").strip()
    if not text:
        raise AppealError(_("Write the note."))
    message = AppealMessage.objects.create(
        appeal=appeal, kind=AppealMessage.Kind.NOTE, author=actor, text=text
    )
    _record(appeal, AppealEvent.Action.NOTE, actor, data={"message": message.pk},
            log_action="appeals.note")
    return message


@transaction.atomic
def return_incomplete(appeal: Appeal, actor, reason: str) -> Appeal:
    """Return an appeal that lacks what the law requires (UA: within 10 days)."""
    _require_staff(actor, appeal)
    reason = (reason or "").strip()
    if not reason:
        raise AppealError(_("Say what the appeal lacks: the applicant is told."))
    data = {"reason": reason}
    if appeal.return_by is not None:
        # The term of the law (UA: 10 days of receipt): a late return is recorded as such.
        data["return_by"] = appeal.return_by.isoformat()
        data["late"] = timezone.localdate() > appeal.return_by
    return _transition(
        appeal, actor, to_status=Status.RETURNED, action=AppealEvent.Action.RETURNED,
        log_action="appeals.return", allowed_from=OPEN_STATUSES, kind=CLOSED, data=data,
        notify_extra={"reason": reason}, changes={"closed_at": timezone.now()},
    )


@transaction.atomic
def leave_without_consideration(appeal: Appeal, actor, reason: str) -> Appeal:
    """Anonymous, repeated or otherwise inadmissible appeals (UA art. 8)."""
    _require_staff(actor, appeal)
    reason = (reason or "").strip()
    if not reason:
        raise AppealError(_("Give the reason: the applicant is told."))
    return _transition(
        appeal, actor, to_status=Status.LEFT_WITHOUT_CONSIDERATION,
        action=AppealEvent.Action.LEFT, log_action="appeals.leave",
        allowed_from=OPEN_STATUSES, kind=CLOSED, data={"reason": reason},
        notify_extra={"reason": reason},
        changes={"closed_at": timezone.now()},
    )


@transaction.atomic
def refuse(appeal: Appeal, actor, reason: str) -> Appeal:
    """Refuse a request for public information, with the reason the requester is told
    (UA 2939-VI art. 22; RO 544/2001 art. 7(2): within 5 days; BG APIA art. 38). Where the
    law sets a term for the refusal, a late refusal is recorded as such."""
    _require_staff(actor, appeal)
    reason = (reason or "").strip()
    if not reason:
        raise AppealError(_("Give the reason for the refusal: the requester is told."))
    if appeal.procedure != Procedure.INFO_REQUEST:
        raise AppealError(_("Only a request for public information can be refused."))
    data = {"reason": reason}
    term = appeal.refuse_by or appeal.due_date
    if term is not None:
        data["refuse_by"] = term.isoformat()
        data["late"] = timezone.localdate() > term
    return _transition(
        appeal, actor, to_status=Status.REFUSED, action=AppealEvent.Action.REFUSED,
        log_action="appeals.refuse", allowed_from=OPEN_STATUSES, kind=CLOSED, data=data,
        notify_extra={"reason": reason}, changes={"closed_at": timezone.now()},
    )


@transaction.atomic
def close(appeal: Appeal, actor) -> Appeal:
    """Close the appeal: the conversation ends."""
    _require_staff(actor, appeal)
    return _transition(
        appeal, actor, to_status=Status.CLOSED, action=AppealEvent.Action.CLOSED,
        log_action="appeals.close", allowed_from=(*OPEN_STATUSES, Status.ANSWERED),
        kind=CLOSED,
        changes={"closed_at": timezone.now()},
    )


@transaction.atomic
def reopen(appeal: Appeal, actor, reason: str) -> Appeal:
    """The answer did not settle the matter (the applicant's comment shows what it left
    out, or the answer was wrong): the addressee takes the answered appeal in hand again and
    answers anew. The first answer stays recorded as the first; the applicant is told."""
    _require_staff(actor, appeal)
    reason = (reason or "").strip()
    if not reason:
        raise AppealError(_("Say why the appeal is taken in hand again: the applicant is told."))
    return _transition(
        appeal, actor, to_status=Status.IN_PROGRESS, action=AppealEvent.Action.REOPENED,
        log_action="appeals.reopen", allowed_from=(Status.ANSWERED,), kind=REOPENED,
        data={"reason": reason}, notify_extra={"reason": reason},
    )


# --- the casework desk's actions ---------------------------------------------------------
# ``action(appeal, user, **cleaned_data) -> message``: the service of each action, with the
# message the desk shows when it is done (the forms are in ``staff_forms``).

DESK_HEADINGS = {
    "register": _("Register the appeal"),
    "start": _("Take it in hand"),
    "reply": _("Reply"),
    "forward": _("Forward to the competent addressee"),
    "extend": _("Extend the term"),
    "note": _("Internal note"),
    "return": _("Return as incomplete"),
    "urgent": _("Mark urgent: the appeal needs no further study"),
    "notice": _("The applicant was informed of the decision"),
    "refuse": _("Refuse the request for public information"),
    "leave": _("Leave without consideration"),
    "close": _("Close"),
    "reopen": _("Take the answered appeal in hand again"),
}


def _done(key, appeal) -> str:
    return gettext("%(action)s: done for appeal %(reference)s.") % {
        "action": DESK_HEADINGS[key], "reference": appeal.reference,
    }


def _desk(service, key):
    """The desk's action ``key``: ``service`` called with the form's data, then the "done"
    message the desk shows (the service returns the appeal)."""
    def action(appeal, user, **data):
        service(appeal, user, **data)
        return _done(key, appeal)

    action.__name__ = f"desk_{key}"
    action.__doc__ = f"``{service.__name__}`` from the casework desk."
    return action


desk_register = _desk(register, "register")
desk_start = _desk(start, "start")
desk_reply = _desk(reply, "reply")
desk_forward = _desk(forward, "forward")
desk_extend = _desk(extend, "extend")
desk_note = _desk(add_note, "note")
desk_return = _desk(return_incomplete, "return")
desk_urgent = _desk(mark_urgent, "urgent")
desk_notice = _desk(record_notice, "notice")
desk_refuse = _desk(refuse, "refuse")
desk_leave = _desk(leave_without_consideration, "leave")
desk_close = _desk(close, "close")
desk_reopen = _desk(reopen, "reopen")


# --- the citizen --------------------------------------------------------------------------


@transaction.atomic
def comment(appeal: Appeal, user, text: str, files=()) -> AppealMessage:
    """The applicant writes more: the conversation continues; the addressee is told."""
    _require_author(user, appeal)
    _lock(appeal)
    _require_not_final(appeal)
    text = (text or "").strip()
    if not text:
        raise AppealError(_("Write your comment."))
    check_storage_quota(user, files)
    message = AppealMessage.objects.create(
        appeal=appeal, kind=AppealMessage.Kind.COMMENT, author=user, text=text
    )
    _save_files(appeal, files, message=message, user=user)
    _record(appeal, AppealEvent.Action.COMMENTED, user, data={"message": message.pk},
            log_action="appeals.comment")
    _notify_users(staff_recipients(appeal.addressee, appeal.site), appeal, "appeals.comment",
                  key=f"appeals.comment:{message.pk}")
    return message


@transaction.atomic
def mark_resolved(appeal: Appeal, user) -> Appeal:
    """The applicant says the matter is settled: the appeal is closed."""
    _require_author(user, appeal)
    now = timezone.now()
    _transition(
        appeal, user, to_status=Status.CLOSED, action=AppealEvent.Action.RESOLVED,
        log_action="appeals.resolve", allowed_from=(*OPEN_STATUSES, Status.ANSWERED),
        kind=CLOSED,
        changes={"resolved_by_citizen_at": now, "closed_at": now},
    )
    _notify_users(staff_recipients(appeal.addressee, appeal.site), appeal, "appeals.status",
                  key=f"appeals.resolved:{appeal.pk}")
    return appeal


@transaction.atomic
def rate(appeal: Appeal, user, rating: int) -> Appeal:
    """The applicant rates the answer, 1 to 5 (again to change it)."""
    _require_author(user, appeal)
    _lock(appeal)
    if appeal.answered_at is None:
        raise AppealError(_("The appeal can be rated once it is answered."))
    rating = int(rating)
    if not 1 <= rating <= 5:
        raise AppealError(_("Choose a rating from 1 to 5."))
    appeal.rating = rating
    appeal.rated_at = timezone.now()
    appeal.save(update_fields=["rating", "rated_at", "updated_at"])
    _record(appeal, AppealEvent.Action.RATED, user, data={"rating": rating},
            log_action="appeals.rate")
    service_events.write(appeal, RATED, user, at=appeal.rated_at, value=rating)
    return appeal


def record_view(appeal: Appeal, user) -> bool:
    """Write a staff view of ``appeal`` to its history and the audit log (the author's own
    views are not recorded). Returns whether it was recorded."""
    if not _is_user(user) or appeal.author_id == user.pk or not can_handle(user, appeal):
        return False
    with transaction.atomic():
        _record(appeal, AppealEvent.Action.VIEWED, user, log_action="appeals.view")
    return True


# --- default content, personal data -------------------------------------------------------

DEFAULT_FORMS = (
    ("individual", FormKind.INDIVIDUAL, Procedure.APPEAL, _("Appeal from an individual")),
    ("legal-entity", FormKind.LEGAL_ENTITY, Procedure.APPEAL, _("Appeal from a legal entity")),
    ("public-information", FormKind.INDIVIDUAL, Procedure.INFO_REQUEST,
     _("Request for public information")),
)


def create_default_forms(site) -> list[AppealForm]:
    """The site's default appeal forms, titled in its language (idempotent)."""
    from addons.core.models import SiteProfile

    language = SiteProfile.for_site(site).default_language
    forms = []
    with translation.override(language):
        for key, kind, procedure, title in DEFAULT_FORMS:
            # Anyone may ask for public information (UA 2939-VI art. 12, RO 544/2001
            # art. 1, BG APIA art. 4): the default request form needs no account.
            form, _created = AppealForm.objects.get_or_create(
                site=site, key=key,
                defaults={"kind": kind, "procedure": procedure, "title": str(title),
                          "requires_login": procedure != Procedure.INFO_REQUEST},
            )
            forms.append(form)
    return forms


def personal_data(user) -> dict:
    """The citizen's appeals for their data download."""
    result = []
    appeals = (
        Appeal.objects.filter(author=user)
        .select_related("addressee")
        .prefetch_related("messages", "attachments")
        .order_by("received_at")
    )
    for appeal in appeals:
        result.append({
            "reference": appeal.reference,
            "addressee": appeal.addressee.title,
            "received_at": appeal.received_at.isoformat(),
            "status": appeal.status,
            "due_date": appeal.due_date.isoformat() if appeal.due_date else None,
            "procedure": appeal.procedure,
            "answer_format": appeal.answer_format,
            "applicant_name": appeal.applicant_name,
            "applicant_address": appeal.applicant_address,
            "applicant_email": appeal.applicant_email,
            "applicant_phone": appeal.applicant_phone,
            "organisation_name": appeal.organisation_name,
            "organisation_code": appeal.organisation_code,
            "subject": appeal.subject,
            "text": appeal.text,
            "answers": appeal.answers,
            "do_not_disclose": appeal.do_not_disclose,
            "priority": appeal.priority,
            "appeal_type": appeal.appeal_type,
            "rating": appeal.rating,
            "messages": [
                {"kind": message.kind, "created_at": message.created_at.isoformat(),
                 "text": message.text}
                for message in appeal.messages.all()
                if message.kind != AppealMessage.Kind.NOTE
            ],
            "attachments": [attachment.original_name for attachment in appeal.attachments.all()],
        })
    return {"appeals": result}


ANONYMISED_NAME = "—"


@transaction.atomic
def anonymise_author(user) -> int:
    """Appeals are kept as the law requires (their substance, the replies, the history);
    the link to the person is removed and the applicant's snapshot blanked: name, address,
    email and phone. A legal entity's name and code are not personal data and stay.
    Returns how many appeals were anonymised."""
    now = timezone.now()
    appeals = list(Appeal.objects.filter(author=user))
    for appeal in appeals:
        appeal.author = None
        appeal.applicant_name = ANONYMISED_NAME
        appeal.applicant_address = ""
        appeal.applicant_email = ""
        appeal.applicant_phone = ""
        appeal.anonymised_at = now
        appeal.save(update_fields=["author", "applicant_name", "applicant_address",
                                   "applicant_email", "applicant_phone", "anonymised_at",
                                   "updated_at"])
        _record(appeal, AppealEvent.Action.ANONYMISED, None, log_action="appeals.anonymise")
    AppealMessage.objects.filter(author=user).update(author=None)
    AppealEvent.objects.filter(actor=user).update(actor=None)
    AppealAttachment.objects.filter(uploaded_by=user).update(uploaded_by=None)
    return len(appeals)
