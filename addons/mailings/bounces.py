"""Bounces and mailed unsubscribes, from the webhook's JSON and from a mailbox.

A mailbox (IMAP, or an mbox file) gets delivery status notifications (RFC 3464) for the
campaigns' Message-IDs and mails to ``unsubscribe+<token>@…`` (the List-Unsubscribe
mailto). ``read_mailbox`` records both; ``manage.py read_bounces`` runs it.
"""

from __future__ import annotations

import email
import email.policy
import logging
from email.message import Message

from django.conf import settings

from addons.core import mass_email

from . import services

logger = logging.getLogger(__name__)

HARD_TYPES = {"hard", "permanent", "hard_bounce", "hardbounce"}
SOFT_TYPES = {"soft", "transient", "soft_bounce", "softbounce"}


def record_events(payload) -> dict:
    """Record webhook events; returns ``{"recorded": n, "errors": [{"index", "error"}]}``."""
    if isinstance(payload, list):
        events = payload
    elif isinstance(payload, dict):
        events = payload.get("events", [payload])
    else:
        events = None
    errors: list[dict] = []
    recorded = 0
    if not isinstance(events, list):
        return {"recorded": 0, "errors": [{"index": 0, "error": "expected an object or a list"}]}
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            errors.append({"index": index, "error": "expected an object"})
            continue
        kind = str(event.get("type", "hard")).lower()
        if kind not in HARD_TYPES | SOFT_TYPES:
            errors.append({"index": index, "error": f"unknown type {kind!r}"})
            continue
        try:
            services.record_bounce(
                str(event.get("email", "")), hard=kind in HARD_TYPES,
                reason=str(event.get("reason", ""))[:500],
                message_id=str(event.get("message_id", "")),
            )
        except services.MailingError as exc:
            errors.append({"index": index, "error": str(exc.message)})
            continue
        recorded += 1
    return {"recorded": recorded, "errors": errors}


# --- delivery status notifications ---------------------------------------------------------


def _fields(part: Message) -> list[Message]:
    """The per-message and per-recipient field groups of a message/delivery-status part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    text = payload if isinstance(payload, str) else ""
    return [email.message_from_string(block + "\n") for block in text.strip().split("\n\n")]


def parse_dsn(message: Message) -> list[tuple[str, bool, str, str]]:
    """``[(email, hard, reason, original Message-ID)]`` of a bounce report; empty for any
    other message. A failed action with a 5.x.x status is hard, 4.x.x soft."""
    if message.get_content_type() != "multipart/report":
        return []
    original_id = ""
    statuses: list[Message] = []
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            statuses.extend(_fields(part)[1:])
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else (
                email.message_from_string(payload) if isinstance(payload, str) else None)
            if inner is not None and inner.get("Message-ID"):
                original_id = str(inner.get("Message-ID"))
    events = []
    for group in statuses:
        action = (group.get("Action") or "").strip().lower()
        if action != "failed":
            continue
        recipient = (group.get("Final-Recipient") or group.get("Original-Recipient") or "")
        address = recipient.split(";", 1)[-1].strip()
        status = (group.get("Status") or "").strip()
        reason = " ".join(str(group.get("Diagnostic-Code") or status).split())
        events.append((address, not status.startswith("4"), reason, original_id))
    return events


def unsubscribe_token_of(message: Message) -> str | None:
    for header in ("Delivered-To", "X-Original-To", "To"):
        for value in message.get_all(header) or []:
            for address in str(value).split(","):
                token = mass_email.token_from_address(address.strip())
                if token:
                    return token
    return None


def process_message(message: Message) -> str:
    """Record one mailbox message; returns what it was: bounce, unsubscribe or ignored."""
    events = parse_dsn(message)
    if events:
        for address, hard, reason, original_id in events:
            try:
                services.record_bounce(address, hard=hard, reason=reason,
                                       message_id=original_id)
            except services.MailingError:
                logger.warning("bounce for an invalid address %r ignored", address)
        return "bounce"
    token = unsubscribe_token_of(message)
    if token:
        try:
            mass_email.unsubscribe(token)
        except mass_email.BadToken:
            return "ignored"
        return "unsubscribe"
    return "ignored"


def read_mbox(path, *, delete: bool = False) -> dict:
    """Process every message of an mbox file (``delete``: remove the processed ones)."""
    import mailbox  # only the mailbox job reads mail: not loaded by web workers

    counts = {"bounce": 0, "unsubscribe": 0, "ignored": 0}
    box = mailbox.mbox(path, factory=None, create=False)
    box.lock()
    try:
        for key in list(box.keys()):
            raw = box.get_bytes(key)
            counts[process_message(email.message_from_bytes(raw))] += 1
            if delete:
                box.remove(key)
        box.flush()
    finally:
        box.unlock()
        box.close()
    return counts


def read_imap(config: dict | None = None) -> dict:
    """Process the unseen messages of an IMAP folder (``CIVICDESK_MAILINGS_IMAP``:
    host, port, user, password, folder, ssl); processed messages are marked seen."""
    import imaplib  # only the mailbox job reads mail: not loaded by web workers

    config = {**getattr(settings, "CIVICDESK_MAILINGS_IMAP", {}), **(config or {})}
    counts = {"bounce": 0, "unsubscribe": 0, "ignored": 0}
    cls = imaplib.IMAP4_SSL if config.get("ssl", True) else imaplib.IMAP4
    client = cls(config["host"], int(config.get("port") or (993 if config.get("ssl", True)
                                                               else 143)))
    try:
        client.login(config["user"], config["password"])
        client.select(config.get("folder", "INBOX"))
        _status, data = client.search(None, "UNSEEN")
        for number in (data[0] or b"").split():
            _status, parts = client.fetch(number, "(RFC822)")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), b"")
            counts[process_message(email.message_from_bytes(raw))] += 1
            client.store(number, "+FLAGS", "\\Seen")
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return counts
