"""The django-q2 worker of campaigns: claim a batch, send it at the configured rate, mark
every delivery sent the moment the SMTP server accepts it.

Claiming: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL (concurrent workers never wait
for or take each other's rows), then a conditional ``UPDATE`` that only takes rows still
claimable; on SQLite, which has no row locks but runs one writer at a time, that
conditional ``UPDATE`` alone is the claim. A claim is a lease: rows of a worker that was
killed stay ``sending`` and become claimable again ``CIVICDESK_MAILINGS_LEASE_SECONDS``
after their claim, while every row marked ``sent`` is never sent again. The only message
that can go out twice is the single one in flight when a worker dies after the SMTP server
accepted it and before the row was marked; it is re-sent with the same Message-ID.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.headerregistry import Address

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from addons.core import mass_email

from . import placeholders
from .models import Campaign, CampaignStatus, Delivery, DeliveryStatus

logger = logging.getLogger(__name__)


def rate_for(campaign: Campaign) -> float:
    """Messages per second of one worker (0: as fast as the server takes them)."""
    if campaign.rate:
        return float(campaign.rate)
    return float(getattr(settings, "CIVICDESK_MAILINGS_RATE", 10))


def batch_size() -> int:
    return int(getattr(settings, "CIVICDESK_MAILINGS_BATCH", 100))


def lease_seconds() -> float:
    return float(getattr(settings, "CIVICDESK_MAILINGS_LEASE_SECONDS", 300))


def task_seconds() -> float:
    """How long one task sends before it hands over to a fresh task (under Q_CLUSTER's
    timeout)."""
    return float(getattr(settings, "CIVICDESK_MAILINGS_TASK_SECONDS", 90))


def max_attempts() -> int:
    return int(getattr(settings, "CIVICDESK_MAILINGS_MAX_ATTEMPTS", 5))


def enqueue(campaign_id: int) -> None:
    from django_q.tasks import async_task

    async_task("addons.mailings.sending.run_campaign", campaign_id,
               task_name=f"mailings-campaign-{campaign_id}")


# --- messages -----------------------------------------------------------------------------


@dataclass
class Context:
    """What every message of a campaign shares, read once per task."""

    base_url: str
    from_email: str
    municipality: str
    list_name: str
    list_id: str
    variants: dict
    domain: str = "localhost"

    @classmethod
    def of(cls, campaign: Campaign) -> Context:
        from addons.core.models import SiteProfile

        site = campaign.site
        profile = SiteProfile.for_site(site)
        template = campaign.template
        variants = {v.language: v for v in template.variants.all()}
        default = variants.get(template.default_language) or next(iter(variants.values()),
                                                                  None)
        variants[""] = default
        from addons.core.sites import public_base_url, public_domain

        domain = public_domain(site)
        return cls(
            base_url=public_base_url(site),
            from_email=settings.DEFAULT_FROM_EMAIL,
            municipality=profile.municipality_name or site.site_name or "",
            list_name=campaign.recipient_list.name,
            list_id=f"<list-{campaign.recipient_list_id}.mailings.{domain}>",
            variants=variants,
            domain=domain,
        )


def build_message(campaign: Campaign, delivery: Delivery, context: Context) -> EmailMessage:
    variant = context.variants.get(delivery.language) or context.variants[""]
    token = mass_email.unsubscribe_token("mailings", delivery.pk)
    values = {
        "name": delivery.name or delivery.email,
        "email": delivery.email,
        "unsubscribe_url": mass_email.unsubscribe_url(token, context.base_url),
        "site": context.base_url,
        "municipality": context.municipality,
        "list": context.list_name,
    }
    subject = " ".join(placeholders.render(variant.subject, values).split())
    body = placeholders.render(variant.body, values)
    headers = {
        **mass_email.list_unsubscribe_headers(token, context.base_url),
        "List-Id": context.list_id,
        "Precedence": "bulk",
        "Auto-Submitted": "auto-generated",
        "Message-ID": delivery.message_id_at(context.domain),
    }
    to = delivery.email
    if delivery.name:
        try:
            to = str(Address(display_name=delivery.name, addr_spec=delivery.email))
        except (ValueError, IndexError):
            to = delivery.email
    return EmailMessage(subject, body, context.from_email, [to], headers=headers)


# --- claiming -----------------------------------------------------------------------------


def _claimable(now):
    stale = now - timedelta(seconds=lease_seconds())
    return Q(status=DeliveryStatus.QUEUED) | Q(status=DeliveryStatus.SENDING,
                                               claimed_at__lt=stale)


def claim(campaign_id: int, size: int, now=None, after: int = 0) -> tuple[str, list[Delivery]]:
    """Take up to ``size`` claimable deliveries of the campaign for this worker.

    ``after``: the highest id this worker claimed so far. The queue is taken in id order,
    so the scan starts there rather than over every row already sent; rows put back below
    it (a server that was down) are found by a last scan from the start."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimable = _claimable(now)
    stale = Q(status=DeliveryStatus.SENDING,
              claimed_at__lt=now - timedelta(seconds=lease_seconds()))
    queued = Q(status=DeliveryStatus.QUEUED)
    conditions = [stale, queued & Q(pk__gt=after), queued] if after else [stale, queued]
    with transaction.atomic():
        ids = []
        # expired leases first (a killed worker's rows), then the queue: index range scans
        # on (campaign, status, id) instead of one scan of the whole campaign
        for condition in conditions:
            rows = Delivery.objects.filter(condition, campaign_id=campaign_id).order_by("pk")
            if db_connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            ids += list(rows.exclude(pk__in=ids).values_list("pk", flat=True)[: size - len(ids)]
                        if ids else rows.values_list("pk", flat=True)[:size])
            if len(ids) >= size:
                break
        if not ids:
            return token, []
        Delivery.objects.filter(pk__in=ids).filter(claimable).update(
            status=DeliveryStatus.SENDING, claim=token, claimed_at=now,
            attempts=F("attempts") + 1,
        )
    return token, list(Delivery.objects.filter(pk__in=ids, claim=token).order_by("pk"))


def _mark(delivery: Delivery, token: str, **fields) -> None:
    Delivery.objects.filter(pk=delivery.pk, claim=token).update(**fields)


class _Limiter:
    def __init__(self, rate: float):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = time.monotonic()

    def wait(self):
        if not self.interval:
            return
        now = time.monotonic()
        if self.next_at > now:
            time.sleep(self.next_at - now)
        self.next_at = max(self.next_at, now) + self.interval


class _ServerDown(Exception):
    pass


def send_batch(campaign, context, token, deliveries, mail_connection, limiter) -> int:
    """Send the claimed ``deliveries``; returns how many the server accepted. Raises
    _ServerDown (the rest of the batch goes back to the queue) when the server fails."""
    suppressed = mass_email.suppressed_among(d.email for d in deliveries)
    sent = 0
    for index, delivery in enumerate(deliveries):
        if delivery.email in suppressed:
            _mark(delivery, token, status=DeliveryStatus.SKIPPED, claim="")
            continue
        message = build_message(campaign, delivery, context)
        limiter.wait()
        try:
            mail_connection.send_messages([message])
        except smtplib.SMTPRecipientsRefused as exc:
            # the server refuses this address for good: a hard bounce
            reason = "; ".join(f"{code} {text!r}" for code, text in exc.recipients.values())
            mass_email.record_bounce(delivery.email, hard=True, reason=reason)
            _mark(delivery, token, status=DeliveryStatus.BOUNCED, bounced_at=timezone.now(),
                  error=reason[:500], claim="")
            continue
        except (smtplib.SMTPException, OSError) as exc:
            rest = deliveries[index:]
            for item in rest:
                if item.attempts >= max_attempts():
                    _mark(item, token, status=DeliveryStatus.FAILED, error=str(exc)[:500],
                          claim="")
                else:
                    _mark(item, token, status=DeliveryStatus.QUEUED, error=str(exc)[:500],
                          claim="", claimed_at=None)
            raise _ServerDown(str(exc)) from exc
        # accepted: mark it at once, outside any transaction (autocommit)
        _mark(delivery, token, status=DeliveryStatus.SENT, sent_at=timezone.now(), error="",
              claim="")
        sent += 1
    return sent


def finish_if_done(campaign_id: int) -> bool:
    """A campaign without queued or sending deliveries is sent."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status != CampaignStatus.SENDING:
            return campaign.status == CampaignStatus.SENT
        if Delivery.objects.filter(
            campaign_id=campaign_id,
            status__in=[DeliveryStatus.QUEUED, DeliveryStatus.SENDING],
        ).exists():
            return False
        campaign.status = CampaignStatus.SENT
        campaign.finished_at = timezone.now()
        campaign.save(update_fields=["status", "finished_at"])
    return True


def run_campaign(campaign_id: int, *, seconds: float | None = None, mail_connection=None,
                 requeue: bool = True) -> int:
    """The task: send the campaign's deliveries for up to ``seconds``, then hand over to a
    new task if some remain. Returns how many messages this run sent."""
    deadline = time.monotonic() + (task_seconds() if seconds is None else seconds)
    campaign = Campaign.objects.select_related("site", "template", "recipient_list").filter(
        pk=campaign_id).first()
    if campaign is None or campaign.status != CampaignStatus.SENDING:
        return 0
    context = Context.of(campaign)
    limiter = _Limiter(rate_for(campaign))
    size = batch_size()
    rate = rate_for(campaign)
    if rate:  # a batch must be sent well within its lease
        size = max(1, min(size, int(rate * lease_seconds() / 2)))
    own_connection = mail_connection is None
    mail_connection = mail_connection or get_connection()
    total = 0
    after = 0
    timed_out = False
    try:
        # one SMTP session for the whole run (a backend not opened first would connect and
        # quit around every single message)
        mail_connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("campaign %s: mail server unreachable (%s); retried later",
                       campaign_id, exc)
        return 0
    try:
        while True:
            if time.monotonic() >= deadline:
                timed_out = True
                break
            alive = Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING
                                            ).update(heartbeat_at=timezone.now())
            if not alive:  # cancelled meanwhile
                return total
            token, batch = claim(campaign_id, size, after=after)
            if not batch:
                break
            after = max(after, batch[-1].pk)
            try:
                total += send_batch(campaign, context, token, batch, mail_connection, limiter)
            except _ServerDown as exc:
                logger.warning("campaign %s: mail server failed (%s); retried later",
                               campaign_id, exc)
                return total
    finally:
        if own_connection:
            try:
                mail_connection.close()
            except Exception:  # noqa: BLE001 - closing a dead connection
                pass
    if not finish_if_done(campaign_id) and timed_out and requeue:
        enqueue(campaign_id)
    return total


def resume_stalled(now=None) -> int:
    """Hand the campaigns nobody works on (their worker died, or the broker lost the task)
    to a new task. Called every minute by the job ``mailings.tick``."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=max(60.0, min(lease_seconds(), 300.0)))
    resumed = 0
    for pk in Campaign.objects.filter(status=CampaignStatus.SENDING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, started_at__lt=stale)
    ).values_list("pk", flat=True):
        if Delivery.objects.filter(campaign_id=pk).filter(_claimable(now)).exists():
            enqueue(pk)
            resumed += 1
        else:
            finish_if_done(pk)
    return resumed
