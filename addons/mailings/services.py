"""Business rules of mass mailing: who is in a list, CSV import, starting, scheduling and
cancelling a campaign, its report, unsubscribing and bounces. The admin screens, the
webhook, the mailbox reader and the scheduled job all call these functions."""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from addons.core import mass_email, registry
from addons.core.mass_email import Recipient

from .models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    ListKind,
    ListMember,
    RecipientList,
    Unsubscription,
)

logger = logging.getLogger(__name__)

TOKEN_KIND = "mailings"
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_IMPORT_ROWS = 200_000
CREATE_CHUNK = 5000

CAMPAIGN_STARTED = "mailings.campaign_started"
CAMPAIGN_SCHEDULED = "mailings.campaign_scheduled"
CAMPAIGN_CANCELLED = "mailings.campaign_cancelled"
LOG_ACTIONS = {
    CAMPAIGN_STARTED: gettext_lazy("Campaign sending started"),
    CAMPAIGN_SCHEDULED: gettext_lazy("Campaign scheduled"),
    CAMPAIGN_CANCELLED: gettext_lazy("Campaign cancelled"),
}


class MailingError(Exception):
    """A refusal with a translated message for the member of staff."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# --- segments -----------------------------------------------------------------------------


def segments():
    """``{key: RecipientSegment}`` of the installed add-ons."""
    return {key: segment for key, (_addon, segment) in registry.recipient_segments().items()}


def segment_choices():
    return [(key, segment.title) for key, segment in segments().items()]


def segment_value_choices(site, key) -> list[tuple[str, str]]:
    segment = segments().get(key)
    if segment is None or not segment.choices:
        return []
    return [(str(value), str(label)) for value, label in import_string(segment.choices)(site)]


# --- who is in a list ---------------------------------------------------------------------


def _valid_email(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def resolve_recipients(recipient_list: RecipientList) -> list[Recipient]:
    """Everyone the list reaches now: one per address (normalised), valid addresses only,
    without those who unsubscribed from the list. Suppressed (bounced) addresses stay:
    the campaign records them as skipped."""
    if recipient_list.kind == ListKind.DYNAMIC:
        segment = segments().get(recipient_list.segment)
        if segment is None:
            raise MailingError(_("The segment of this list is not available any more."))
        found = import_string(segment.resolve)(recipient_list.site, recipient_list.segment_value)
    else:
        found = (
            Recipient(email=m.email, name=m.name, language=m.language)
            for m in recipient_list.members.all().iterator(chunk_size=5000)
        )
    gone = set(
        Unsubscription.objects.filter(recipient_list=recipient_list).values_list("email",
                                                                                  flat=True)
    )
    seen: set[str] = set()
    result = []
    for recipient in found:
        email = mass_email.normalise_email(recipient.email)
        if not email or email in seen or email in gone or not _valid_email(email):
            continue
        seen.add(email)
        result.append(Recipient(email=email, name=recipient.name or "",
                                language=recipient.language or "", user_id=recipient.user_id))
    return result


# --- CSV import ---------------------------------------------------------------------------


@dataclass
class ImportReport:
    imported: list[tuple[int, str]] = field(default_factory=list)  # (line, email)
    already: list[tuple[int, str]] = field(default_factory=list)
    broken: list[tuple[int, str, str]] = field(default_factory=list)  # (line, text, reason)
    committed: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and not self.broken


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise MailingError(_("The file is not a text file in UTF-8 or Windows-1251."))


def import_csv(recipient_list: RecipientList, data: bytes, *, skip_broken: bool = False
               ) -> ImportReport:
    """Import members into a static list from CSV (a header with ``email``, optionally
    ``name`` and ``language``; comma or semicolon separated).

    All or nothing: with a broken row nothing is imported unless ``skip_broken`` (then the
    good rows are, in one transaction). The report lists every row by its line number."""
    report = ImportReport()
    if recipient_list.kind != ListKind.STATIC:
        report.error = _("Only a static list has members to import.")
        return report
    if len(data) > MAX_IMPORT_BYTES:
        report.error = _("The file is larger than 10 MB.")
        return report
    try:
        text = _decode(data)
    except MailingError as exc:
        report.error = exc.message
        return report
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(rows, None)
    columns = [c.strip().lower() for c in header or []]
    if "email" not in columns:
        report.error = _("The first line must name the columns, one of them \"email\".")
        return report
    at = {name: columns.index(name) for name in ("email", "name", "language") if name in columns}
    existing = set(recipient_list.members.values_list("email", flat=True))
    first_line: dict[str, int] = {}
    new = []
    for row in rows:
        line = rows.line_num
        if line > MAX_IMPORT_ROWS:
            report.error = _("The file has more than %(n)s rows.") % {"n": MAX_IMPORT_ROWS}
            return report
        if not any(cell.strip() for cell in row):
            continue
        shown = delimiter.join(row)[:200]

        def cell(name, row=row):
            index = at.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        email = mass_email.normalise_email(cell("email"))
        name, language = cell("name"), cell("language").lower()
        if not email:
            report.broken.append((line, shown, _("The email address is empty.")))
        elif not _valid_email(email):
            report.broken.append((line, shown, _("Not a valid email address.")))
        elif email in first_line:
            report.broken.append((line, shown, _("Duplicate of line %(line)s.")
                                  % {"line": first_line[email]}))
        elif len(name) > 200:
            report.broken.append((line, shown, _("The name is longer than 200 characters.")))
        elif language and language not in LANGUAGE_CODES:
            report.broken.append((line, shown, _("Unknown language \"%(code)s\": use one of "
                                                 "%(codes)s.")
                                  % {"code": language, "codes": ", ".join(sorted(LANGUAGE_CODES))}))
        elif email in existing:
            first_line[email] = line
            report.already.append((line, email))
        else:
            first_line[email] = line
            report.imported.append((line, email))
            new.append(ListMember(recipient_list=recipient_list, email=email, name=name,
                                  language=language))
    if report.broken and not skip_broken:
        report.imported = []
        return report
    with transaction.atomic():
        ListMember.objects.bulk_create(new, batch_size=CREATE_CHUNK)
    report.committed = True
    return report


# --- campaigns ----------------------------------------------------------------------------


def _log(campaign: Campaign, action: str, user, **data) -> None:
    """The audit log entry of a change (no user: the scheduled job did it)."""
    log(campaign, action, user=user if user is not None and user.is_authenticated else None,
        title=campaign.name, data={"campaign": campaign.pk, "status": campaign.status, **data})


def _lock(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().select_related("recipient_list").get(
        pk=campaign.pk)


def _check_template(campaign: Campaign):
    if not campaign.template.variants.exists():
        raise MailingError(_("The template has no language version to send."))


def _check_site(campaign: Campaign):
    if campaign.template.site_id != campaign.site_id or (
        campaign.recipient_list.site_id != campaign.site_id
    ):
        raise MailingError(_("The template and the list must belong to the campaign's site."))


def start_campaign(campaign: Campaign, *, user=None, now: datetime | None = None) -> int:
    """Send now: materialise one delivery per recipient, once, and hand the campaign to
    the workers. Returns the number of deliveries. Refuses an empty list."""
    from . import sending

    now = now or timezone.now()
    with transaction.atomic():
        campaign = _lock(campaign)
        if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            raise MailingError(_("This campaign was already sent or cancelled."))
        _check_site(campaign)
        _check_template(campaign)
        recipients = resolve_recipients(campaign.recipient_list)
        if not recipients:
            raise MailingError(_("The list has no one to send to: import members or choose "
                                 "another list. Nothing was sent."))
        suppressed = mass_email.suppressed_among(r.email for r in recipients)
        rows = [
            Delivery(
                campaign=campaign, email=r.email, name=r.name[:200], language=r.language[:8],
                user_id=r.user_id,
                status=DeliveryStatus.SKIPPED if r.email in suppressed else DeliveryStatus.QUEUED,
            )
            for r in recipients
        ]
        # unique (campaign, email): a second materialisation could add nobody twice
        Delivery.objects.bulk_create(rows, batch_size=CREATE_CHUNK, ignore_conflicts=True)
        campaign.status = CampaignStatus.SENDING
        campaign.started_at = now
        campaign.note = ""
        campaign.save(update_fields=["status", "started_at", "note"])
        _log(campaign, CAMPAIGN_STARTED, user, deliveries=len(rows),
             skipped=sum(1 for row in rows if row.status == DeliveryStatus.SKIPPED))
        pk = campaign.pk
        transaction.on_commit(lambda: sending.enqueue(pk))
    logger.info("campaign %s started: %s deliveries", pk, len(rows))
    return len(rows)


def schedule_campaign(campaign: Campaign, when: datetime, *, user=None) -> Campaign:
    """Send at ``when`` (the job ``mailings.tick`` starts it). Refuses a time in the past and
    a list that is empty now."""
    if when <= timezone.now():
        raise MailingError(_("Choose a time in the future."))
    with transaction.atomic():
        campaign = _lock(campaign)
        if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            raise MailingError(_("This campaign was already sent or cancelled."))
        _check_site(campaign)
        _check_template(campaign)
        if not resolve_recipients(campaign.recipient_list):
            raise MailingError(_("The list has no one to send to: import members or choose "
                                 "another list. Nothing was sent."))
        campaign.status = CampaignStatus.SCHEDULED
        campaign.scheduled_at = when
        campaign.note = ""
        campaign.save(update_fields=["status", "scheduled_at", "note"])
        _log(campaign, CAMPAIGN_SCHEDULED, user, scheduled_at=when.isoformat())
    return campaign


def cancel_campaign(campaign: Campaign, *, user=None) -> int:
    """Stop a scheduled or sending campaign: what was not sent yet is never sent.
    Returns how many deliveries were cancelled."""
    with transaction.atomic():
        campaign = _lock(campaign)
        if campaign.status not in (CampaignStatus.SCHEDULED, CampaignStatus.SENDING,
                                   CampaignStatus.DRAFT):
            raise MailingError(_("This campaign is already finished."))
        from .sending import lease_seconds

        # queued rows, and rows a killed worker had claimed (their lease is over); a live
        # worker finishes the batch it holds and then stops
        expired = timezone.now() - timedelta(seconds=lease_seconds())
        cancelled = Delivery.objects.filter(campaign=campaign).filter(
            Q(status=DeliveryStatus.QUEUED)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=expired)
        ).update(status=DeliveryStatus.CANCELLED, claim="")
        campaign.status = CampaignStatus.CANCELLED
        campaign.finished_at = timezone.now()
        campaign.save(update_fields=["status", "finished_at"])
        _log(campaign, CAMPAIGN_CANCELLED, user, cancelled=cancelled)
    return cancelled


# --- the campaigns desk: ``service(campaign, user, **cleaned_data)`` ----------------------


def site_time_zone(site) -> ZoneInfo:
    """The site's time zone (UTC when its profile names none that exists)."""
    from addons.core.models import SiteProfile

    try:
        return ZoneInfo(SiteProfile.for_site(site).time_zone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def may_send(user) -> bool:
    return bool(user is not None and user.is_active and user.has_perm("mailings.send_campaign"))


def can_start(campaign: Campaign, user=None) -> bool:
    """Whether "send now" and "schedule" are offered: a draft or a scheduled campaign."""
    return campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


def can_cancel(campaign: Campaign, user=None) -> bool:
    return campaign.status in (CampaignStatus.SCHEDULED, CampaignStatus.SENDING)


def _refuse_without_permission(user) -> None:
    if not may_send(user):
        raise ValidationError(_("You may not send mass-mail campaigns."))


def send_now(campaign: Campaign, user, **data) -> str:
    """Send now (desk action); a refusal is a translated ValidationError."""
    _refuse_without_permission(user)
    try:
        count = start_campaign(campaign, user=user)
    except MailingError as exc:
        raise ValidationError(exc.message) from None
    return _("Sending to %(count)s recipients has started.") % {"count": count}


def schedule(campaign: Campaign, user, *, when: datetime, **data) -> str:
    """Send at ``when`` (desk action, ``ScheduleForm``)."""
    _refuse_without_permission(user)
    try:
        schedule_campaign(campaign, when, user=user)
    except MailingError as exc:
        raise ValidationError({"when": exc.message}) from None
    return _("The campaign is scheduled.")


def cancel(campaign: Campaign, user, **data) -> str:
    """Stop the campaign (desk action): what was not sent is never sent."""
    _refuse_without_permission(user)
    try:
        count = cancel_campaign(campaign, user=user)
    except MailingError as exc:
        raise ValidationError(exc.message) from None
    return _("The campaign is cancelled: %(count)s messages will not be sent.") % {
        "count": count}


def campaign_scope(user, site):
    """The campaigns of ``site`` ``user`` works on: campaigns belong to no addressee, so
    the model permissions decide (webmasters and administrators), everything or nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Campaign.objects.none()
    if not (user.has_perm("mailings.view_campaign") or user.has_perm("mailings.change_campaign")
            or may_send(user)):
        return Campaign.objects.none()
    campaigns = Campaign.objects.select_related("template", "recipient_list", "site")
    return campaigns.filter(site_id=site.pk) if site is not None else campaigns


def open_q() -> Q:
    """Campaigns still to be dealt with: drafts, scheduled, being sent."""
    return Q(status__in=[CampaignStatus.DRAFT, CampaignStatus.SCHEDULED,
                         CampaignStatus.SENDING])


def start_due(now: datetime | None = None) -> int:
    """Start the scheduled campaigns whose time has come (the job calls it every minute).
    One that cannot start goes back to draft with the reason in its note."""
    now = now or timezone.now()
    started = 0
    for campaign in Campaign.objects.filter(status=CampaignStatus.SCHEDULED,
                                            scheduled_at__lte=now):
        try:
            start_campaign(campaign, now=now)
            started += 1
        except MailingError as exc:
            Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SCHEDULED).update(
                status=CampaignStatus.DRAFT, note=exc.message[:300])
    return started


def report(campaign: Campaign) -> dict:
    """Counts of the campaign's deliveries: one query."""
    counts = Delivery.objects.filter(campaign=campaign).aggregate(
        total=Count("pk"),
        queued=Count("pk", filter=Q(status__in=[DeliveryStatus.QUEUED,
                                                DeliveryStatus.SENDING])),
        sent=Count("pk", filter=Q(status=DeliveryStatus.SENT)),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
        bounced=Count("pk", filter=Q(status=DeliveryStatus.BOUNCED)),
        skipped=Count("pk", filter=Q(status=DeliveryStatus.SKIPPED)),
        cancelled=Count("pk", filter=Q(status=DeliveryStatus.CANCELLED)),
        unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
    )
    return counts


def preview(campaign: Campaign, recipient: Recipient | None = None):
    """(subject, body, headers) the first recipient (or ``recipient``) would get."""
    from . import sending

    if recipient is None:
        try:
            recipients = resolve_recipients(campaign.recipient_list)
        except MailingError:
            recipients = []
        recipient = recipients[0] if recipients else Recipient(
            email="resident@example.org", name=_("Resident"))
    delivery = Delivery(campaign=campaign, pk=0, email=recipient.email, name=recipient.name,
                        language=recipient.language)
    message = sending.build_message(campaign, delivery, sending.Context.of(campaign))
    return message.subject, message.body, message.extra_headers


# --- unsubscribing and bounces ------------------------------------------------------------


@mass_email.unsubscribe_handler(TOKEN_KIND)
def unsubscribe_delivery(key: str) -> bool:
    """The recipient of delivery ``key`` leaves the campaign's list."""
    try:
        pk = int(key)
    except ValueError:
        return False
    delivery = Delivery.objects.select_related("campaign").filter(pk=pk).first()
    if delivery is None:
        return False
    _row, created = Unsubscription.objects.get_or_create(
        recipient_list_id=delivery.campaign.recipient_list_id, email=delivery.email,
        defaults={"campaign": delivery.campaign},
    )
    Delivery.objects.filter(pk=pk, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now())
    # anything of later campaigns to this list not sent yet is not sent
    Delivery.objects.filter(
        campaign__recipient_list_id=delivery.campaign.recipient_list_id,
        email=delivery.email, status=DeliveryStatus.QUEUED,
    ).exclude(pk=pk).update(status=DeliveryStatus.CANCELLED)
    return created


_MESSAGE_ID = re.compile(r"<mailing-(\d+)-(\d+)@")


def record_bounce(email: str, *, hard: bool, reason: str = "", message_id: str = "") -> int:
    """An address bounced: the suppression list learns it (core), and the delivery it
    bounced (named by its Message-ID, else the address's last sent one) is marked bounced.
    Returns the number of deliveries marked."""
    email = mass_email.normalise_email(email)
    if not email or not _valid_email(email):
        raise MailingError(_("Not a valid email address."))
    mass_email.record_bounce(email, hard=hard, reason=reason)
    now = timezone.now()
    match = _MESSAGE_ID.search(message_id or "")
    rows = Delivery.objects.filter(email=email, status=DeliveryStatus.SENT)
    if match:
        rows = rows.filter(pk=int(match.group(2)), campaign_id=int(match.group(1)))
    else:
        last = rows.order_by("-sent_at").values_list("pk", flat=True).first()
        rows = rows.filter(pk=last) if last else rows.none()
    if not hard:
        return 0
    return rows.update(status=DeliveryStatus.BOUNCED, bounced_at=now, error=str(reason)[:500])


# --- personal data ------------------------------------------------------------------------


def personal_data(user) -> dict:
    """What mass mailing holds about ``user``: list memberships, mails sent, unsubscribes."""
    email = mass_email.normalise_email(user.email)
    if not email:
        return {}
    return {
        "lists": list(ListMember.objects.filter(email=email).values_list(
            "recipient_list__name", flat=True)),
        "mails": [
            {"campaign": name, "status": status,
             "sent": sent.isoformat() if sent else None}
            for name, status, sent in Delivery.objects.filter(
                Q(email=email) | Q(user_id=user.pk)).values_list("campaign__name", "status",
                                                                 "sent_at")
        ],
        "unsubscribed_from": list(Unsubscription.objects.filter(email=email).values_list(
            "recipient_list__name", flat=True)),
    }


def anonymise(user) -> None:
    """Remove the person from static lists and from the mail records (the counts stay)."""
    email = mass_email.normalise_email(user.email)
    ListMember.objects.filter(email=email).delete()
    for delivery in Delivery.objects.filter(Q(email=email) | Q(user_id=user.pk)).only("pk"):
        Delivery.objects.filter(pk=delivery.pk).update(
            email=f"erased-{delivery.pk}@invalid", name="", user_id=None)
