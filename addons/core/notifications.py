"""Notifications: an outbox delivered by django-q2 over pluggable transports.

``notify()`` writes one :class:`~addons.core.models.Notification` row in the caller's
transaction (so a rolled-back change notifies no one) and, once that transaction commits,
enqueues :func:`deliver` for it. ``deliver`` hands the message to a transport and marks the
row sent; it locks the row first, so running it twice (a retried task, ``retry_due`` racing a
slow worker) never sends twice.

Transports (``NotificationTransport``, declared by add-ons in ``AddonConfig.transports``;
e-mail is core's own) are tried in the person's chain: their preferred channel
(``Person.preferred_channel``), then every other transport that reaches them, in the
transports' order (the chats, then e-mail, then SMS where the town enables it). A transport
that cannot reach the person, or refuses for good (a blocked bot, a platform's rule), passes
the message to the next one; a transient failure (a mail server down, a rate limit's
``retry_after``) is tried again later on the same transport, with exponential backoff or
after the time the platform asked, up to ``settings.CIVICDESK_NOTIFICATION_MAX_ATTEMPTS``
times per transport. The row records the transport that carried it (``channel``) and every
try and fallback (``attempt_log``); when nothing reaches the person it is marked failed with
the reasons. A worker that is down only delays a message: ``retry_due`` (a scheduled job,
every minute) re-enqueues pending rows that are due.

Texts come from the templates ``notifications/<event>/subject.txt`` and
``notifications/<event>/body.txt`` (an add-on ships them in its own ``templates`` folder),
rendered in the recipient's language, with ``subject``/``body`` given to ``notify`` as the
fallback. The row is also the citizen's copy in the cabinet inbox, so a person without an
email address still gets it there (status "skipped").
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone, translation
from django_q import tasks as q_tasks

from . import registry
from .addon import TransportResult

logger = logging.getLogger(__name__)

DELIVER_TASK = "addons.core.notifications.deliver"
#: how long a freshly queued message is left to the worker before ``retry_due`` re-queues it
RETRY_GRACE = timedelta(minutes=2)
#: first retry after a failed send; doubles with each attempt, up to BACKOFF_MAX
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
#: rows ``retry_due`` re-queues per run
RETRY_BATCH = 500

SUBJECT_MAX_LENGTH = 300


def _model():
    from .models import Notification

    return Notification


def max_attempts() -> int:
    """How many sends are tried before a notification is marked failed."""
    return int(getattr(settings, "CIVICDESK_NOTIFICATION_MAX_ATTEMPTS", 5))


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed send: 1, 2, 4, 8... minutes, capped."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


# --- writing ------------------------------------------------------------------------------


def _default_site():
    from wagtail.models import Site

    return Site.objects.filter(is_default_site=True).first()


def recipient_language(recipient, site=None) -> str:
    """The recipient's chosen language, else the site's default language, else
    ``settings.LANGUAGE_CODE``."""
    supported = {code for code, _name in settings.LANGUAGES}
    chosen = getattr(recipient, "language", "") if recipient is not None else ""
    if chosen in supported:
        return chosen
    site = site or _default_site()
    if site is not None:
        from .models import SiteProfile

        default = SiteProfile.for_site(site).default_language
        if default in supported:
            return default
    return settings.LANGUAGE_CODE


def _json_safe(value: Any) -> Any:
    """``value`` reduced to what a JSONField stores (model instances become their text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return str(value)


def _render(template_name: str, context: dict) -> str | None:
    """Render a plain-text template without HTML escaping; None if it does not exist."""
    try:
        template = get_template(template_name)
    except TemplateDoesNotExist:
        return None
    # Plain text: no autoescape ("&" must stay "&" in a subject line).
    return template.template.render(Context(context, autoescape=False))


def render_texts(
    event: str,
    context: dict,
    language: str,
    *,
    subject: str | None = None,
    body: str | None = None,
) -> tuple[str, str]:
    """(subject, body) of ``event`` rendered in ``language``; the given texts are the
    fallback where a template is missing."""
    with translation.override(language):
        rendered_subject = _render(f"notifications/{event}/subject.txt", context)
        rendered_body = _render(f"notifications/{event}/body.txt", context)
        if rendered_subject is None:
            rendered_subject = str(subject) if subject is not None else None
        if rendered_subject is None:
            known = registry.notification_events().get(event)
            rendered_subject = str(known.label) if known else event
        if rendered_body is None:
            rendered_body = str(body) if body is not None else ""
    one_line = " ".join(rendered_subject.split())
    return one_line[:SUBJECT_MAX_LENGTH], rendered_body.strip() + "\n"


def notify(
    recipient,
    event: str,
    context: dict | None = None,
    *,
    site=None,
    url: str = "",
    key: str | None = None,
    email: str | None = None,
    subject: str | None = None,
    body: str | None = None,
    person=None,
):
    """Write a notification for ``recipient`` (a user, or None with ``email`` for someone
    without an account, or ``person``, an ``accounts.Person``, for a citizen known by any
    identity, a chat too) and deliver it on their channel once the current transaction
    commits.

    With ``person`` and no ``recipient``, the person's verified cabinet account receives the
    row in its inbox and their verified e-mail is the address, unless ``email`` is given.
    ``key`` makes the call idempotent: a second call with the same key returns the row the
    first one wrote and sends nothing. Returns the Notification, or None when there is no
    one to notify (no recipient, no person and no email).
    """
    Notification = _model()
    if person is not None:
        from addons.accounts.persons import notification_contacts

        contacts = notification_contacts(person)
        person = contacts["person"]
        if recipient is None:
            recipient = contacts["user"]
        if email is None and recipient is None:
            email = contacts["email"]
    address = email if email is not None else getattr(recipient, "email", "") or ""
    if recipient is None and person is None and not address:
        return None
    if key:
        existing = Notification.objects.filter(key=key).first()
        if existing is not None:
            return existing

    site = site or _default_site()
    language = recipient_language(recipient if recipient is not None else person, site)
    context = dict(context or {})
    template_context = {**context, "recipient": recipient, "site": site, "url": url,
                        "event": event, "language": language}
    rendered_subject, rendered_body = render_texts(
        event, template_context, language, subject=subject, body=body
    )
    deliverable = bool(address) or person is not None
    status = Notification.Status.PENDING if deliverable else Notification.Status.SKIPPED
    row = Notification(
        site=site,
        recipient=recipient,
        person=person,
        email=address,
        event=event,
        context=_json_safe(context),
        language=language,
        subject=rendered_subject,
        body=rendered_body,
        url=url or "",
        key=key or None,
        status=status,
        next_attempt_at=timezone.now() + RETRY_GRACE if deliverable else None,
    )
    try:
        # A savepoint: a concurrent notify() with the same key must not break the caller's
        # transaction.
        with transaction.atomic():
            row.save()
    except IntegrityError:
        if key:
            existing = Notification.objects.filter(key=key).first()
            if existing is not None:
                return existing
        raise
    if status == Notification.Status.PENDING:
        pk = row.pk
        transaction.on_commit(lambda: enqueue(pk))
    return row


def notify_group(group, event: str, context: dict | None = None, **kwargs) -> list:
    """Notify every active member of the Django ``group``. A ``key`` is made per member
    (``<key>:<user id>``). Returns the notifications written."""
    if group is None:
        return []
    key = kwargs.pop("key", None)
    rows = []
    for user in group.user_set.filter(is_active=True).order_by("pk"):
        row = notify(user, event, context, key=f"{key}:{user.pk}" if key else None, **kwargs)
        if row is not None:
            rows.append(row)
    return rows


def notify_staff(users, event: str, context: dict | None = None, *, on=None, **kwargs) -> list:
    """Notify members of staff: an absent person's message goes to whoever stands in for
    them (``staffing.present``; nobody when no one does), each person once. A ``key`` is
    made per recipient (``<key>:u<user id>``). Returns the notifications written."""
    from .staffing import present

    key = kwargs.pop("key", None)
    rows = []
    for user in present([user for user in users if user is not None and user.is_active], on):
        row = notify(user, event, context, key=f"{key}:u{user.pk}" if key else None, **kwargs)
        if row is not None:
            rows.append(row)
    return rows


def notify_handlers(addressee, event: str, context: dict | None = None, *, site=None,
                    **kwargs) -> list:
    """Notify whoever handles ``addressee``'s records (``staffing.handlers_for``: its staff
    present or their delegates, else up the tree, else the reception office, else the
    administrators)."""
    from .staffing import handlers_for

    handling = handlers_for(addressee, site=site)
    return notify_staff(handling.users, event, context, site=site, **kwargs)


# --- delivering ---------------------------------------------------------------------------


def enqueue(pk: int) -> None:
    """Hand notification ``pk`` to the task queue. A broker that is down is logged, not
    raised: the row stays pending and ``retry_due`` picks it up."""
    try:
        q_tasks.async_task(DELIVER_TASK, pk)
    except Exception:  # noqa: BLE001 - any broker failure only delays the message
        logger.warning("Could not enqueue notification %s; retry_due will.", pk, exc_info=True)


def absolute_link(row) -> str:
    """The notification's link, absolute on its site ("" when it has none)."""
    from .sites import absolute_url

    url = row.url
    if url.startswith("/") and row.site_id:
        return absolute_url(row.site, url)
    return url


def message_text(row) -> str:
    """The notification as one plain text (subject, body, link) for a chat or an SMS."""
    text = f"{row.subject}\n\n{row.body.strip()}"
    link = absolute_link(row)
    if link and link not in text:
        text = f"{text}\n\n{link}"
    return text


def _message_id(row) -> str:
    from email.utils import make_msgid

    from .sites import public_domain

    return make_msgid(domain=public_domain(row.site if row.site_id else None))


def build_email(row) -> EmailMultiAlternatives:
    """The email for notification ``row`` (plain text)."""
    body = row.body
    link = absolute_link(row)
    if link and link not in body:
        body = f"{body.rstrip()}\n\n{link}\n"
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.email],
        headers={"Auto-Submitted": "auto-generated", "Content-Language": row.language or "",
                 "Message-ID": _message_id(row)},
    )
    return message


def reaches_email(notification, person, channel) -> bool:
    """E-mail reaches the row's address; outside a delivery, a person's verified e-mail."""
    if notification is not None:
        return bool(notification.email)
    if person is None:
        return False
    from addons.accounts.persons import notification_contacts

    return bool(notification_contacts(person)["email"])


def send_email(notification, person, channel) -> TransportResult:
    """Core's transport: the notification as a plain-text e-mail. Any failure of the mail
    back-end is transient (tried again with backoff)."""
    try:
        build_email(notification).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any failure of the mail backend is retried
        return TransportResult(False, f"{type(exc).__name__}: {exc}", transient=True)
    return TransportResult(True)


def _person_of(row):
    """The person the row is for: the one given to ``notify``, else the person of the
    recipient's account on the row's site (not made when there is none)."""
    if row.person_id:
        return row.person
    if not (row.recipient_id and row.site_id):
        return None
    from addons.accounts.persons import person_of_account

    person = person_of_account(row.site, row.recipient_id)
    if person is not None:
        row.person = person
    return person


def chain(row, person) -> list:
    """``[(transport, preferred)]`` to try for ``row``: the person's preferred transport
    first (tried even when it cannot reach them, so that the fallback is logged), then the
    others in their order."""
    transports = registry.transports()
    preferred = getattr(person, "preferred_channel", "") or ""
    first = [(item, True) for item in transports if item.key == preferred]
    return first + [(item, False) for item in transports if item.key != preferred]


def _log(row, channel: str, result: str, detail: str = "", *, at=None) -> None:
    row.attempt_log = [*(row.attempt_log or []), {
        "channel": channel, "at": (at or timezone.now()).isoformat(), "result": result,
        "detail": str(detail)[:500]}]


def _tries(row, channel: str) -> int:
    return sum(1 for entry in row.attempt_log or []
               if entry.get("channel") == channel and entry.get("result") == "retry")


_FIELDS = ["attempts", "last_error", "status", "sent_at", "next_attempt_at", "channel",
           "attempt_log", "person"]


def deliver(pk: int) -> str | None:
    """Send notification ``pk`` if it is still pending, on the first transport of its chain
    that takes it (see the module's docstring). Idempotent.

    Returns the row's status afterwards (None if the row is gone).
    """
    Notification = _model()
    with transaction.atomic():
        # No select_related: PostgreSQL cannot lock the nullable side of an outer join.
        row = Notification.objects.select_for_update().filter(pk=pk).first()
        if row is None:
            return None
        if row.status != Notification.Status.PENDING:
            return row.status
        now = timezone.now()
        person = _person_of(row)
        if person is None and not row.email:
            row.status = Notification.Status.SKIPPED
            row.next_attempt_at = None
            row.save(update_fields=["status", "next_attempt_at"])
            return row.status
        done = {entry.get("channel") for entry in row.attempt_log or []
                if entry.get("result") in ("refused", "unreachable")}
        for transport, preferred in chain(row, person):
            if transport.key in done:
                continue
            if not transport.can_reach(row, person):
                if preferred:
                    _log(row, transport.key, "unreachable", "cannot reach the person now",
                         at=now)
                continue
            row.channel = transport.key
            row.attempts += 1
            try:
                result = transport.carry(row, person)
            except Exception as exc:  # noqa: BLE001 - a broken transport is tried again later
                logger.exception("Transport %s failed on notification %s", transport.key, pk)
                result = TransportResult(False, f"{type(exc).__name__}: {exc}", transient=True)
            if result.ok:
                _log(row, transport.key, "sent", result.detail, at=now)
                row.status = Notification.Status.SENT
                row.sent_at = now
                row.next_attempt_at = None
                row.save(update_fields=_FIELDS)
                return row.status
            row.last_error = result.detail[:2000]
            tries = _tries(row, transport.key) + 1
            if result.retry and tries < max_attempts():
                _log(row, transport.key, "retry", result.detail, at=now)
                wait = (timedelta(seconds=result.retry_after) if result.retry_after is not None
                        else backoff(tries))
                row.next_attempt_at = now + wait
                row.save(update_fields=_FIELDS)
                logger.warning("Notification %s not sent by %s (attempt %s): %s", pk,
                               transport.key, row.attempts, result.detail)
                return row.status
            _log(row, transport.key, "refused", result.detail, at=now)
        # Nothing carried it: failed, with every reason in the log and the last error.
        reasons = [f"{entry['channel']}: {entry['detail']}" for entry in row.attempt_log
                   if entry.get("result") in ("refused", "unreachable")]
        row.last_error = ("; ".join(reasons) or "no channel reaches this person")[:2000]
        row.status = Notification.Status.FAILED
        row.next_attempt_at = None
        row.save(update_fields=_FIELDS)
        logger.warning("Notification %s failed: %s", pk, row.last_error)
        return row.status


def retry_due(now: datetime | None = None) -> int:
    """Re-enqueue pending notifications whose next attempt is due (a scheduled job).

    Each re-queued row gets ``RETRY_GRACE`` before it is due again, so a queue that is slow
    does not fill up with copies. Returns how many rows were queued.
    """
    Notification = _model()
    now = now or timezone.now()
    due = list(
        Notification.objects.filter(
            status=Notification.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:RETRY_BATCH]
    )
    if not due:
        return 0
    Notification.objects.filter(pk__in=due, status=Notification.Status.PENDING).update(
        next_attempt_at=now + RETRY_GRACE
    )
    for pk in due:
        enqueue(pk)
    return len(due)


def mark_read(notifications: Iterable) -> int:
    """Mark the given notifications (a queryset or rows) read now; returns how many."""
    Notification = _model()
    pks = [getattr(item, "pk", item) for item in notifications]
    return Notification.objects.filter(pk__in=pks, read_at__isnull=True).update(
        read_at=timezone.now()
    )
