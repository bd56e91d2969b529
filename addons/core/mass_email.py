"""What every mass email shares: signed unsubscribe tokens, the one-click unsubscribe
(RFC 8058) and its headers (RFC 2369), and the suppression list of bounced addresses.

An add-on that sends to many people (bulletins' digests, mailings' campaigns) registers an
unsubscribe handler for its own *kind* and puts a token in every message::

    @unsubscribe_handler("bulletins")
    def end_subscription(key: str) -> bool:     # True: something was ended
        ...

    token = unsubscribe_token("bulletins", subscription.pk)
    headers = list_unsubscribe_headers(token, "https://city.example")

``/unsubscribe/<token>/`` (core) shows a confirmation page on GET and changes nothing; a
POST (the button, or a mail client's one-click POST without cookies) calls the handler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

logger = logging.getLogger(__name__)

SALT = "civicdesk.core.mass_email.unsubscribe"
#: base64 characters kept of the HMAC-SHA256 signature (132 bits): keeps
#: ``unsubscribe+<token>@domain`` within the 64 characters RFC 5321 allows a local part.
SIGNATURE_LENGTH = 22

_handlers: dict[str, Callable[[str], bool]] = {}


class BadToken(Exception):
    """An unsubscribe token that is malformed, forged or of an unknown kind."""


@dataclass(frozen=True)
class Recipient:
    """One addressee of a mass email."""

    email: str
    name: str = ""
    language: str = ""
    user_id: int | None = None


class _TokenSigner(signing.Signer):
    # "." separates payload and signature: both sides use only [A-Za-z0-9_-], so a token
    # is a valid dot-atom and fits in a mailto local part and in a URL path segment.
    def __init__(self):
        super().__init__(salt=SALT, sep=".")

    def signature(self, value, key=None):
        return super().signature(value, key)[:SIGNATURE_LENGTH]


def unsubscribe_token(kind: str, key: str | int) -> str:
    """A signed token naming what to end: ``kind`` (a registered handler) and its ``key``."""
    kind = str(kind)
    if not kind or ":" in kind:
        raise ValueError("a kind is a non-empty name without ':'")
    payload = signing.b64_encode(f"{kind}:{key}".encode()).decode()
    return _TokenSigner().sign(payload)


def read_unsubscribe_token(token) -> tuple[str, str]:
    """``(kind, key)`` of a token made by :func:`unsubscribe_token`; raises BadToken."""
    if not isinstance(token, str) or not token or len(token) > 500:
        raise BadToken("empty or oversized token")
    try:
        payload = _TokenSigner().unsign(token)
        value = signing.b64_decode(payload.encode()).decode()
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise BadToken("bad signature") from exc
    kind, colon, key = value.partition(":")
    if not kind or not colon:
        raise BadToken("bad payload")
    return kind, key


def unsubscribe_handler(kind: str):
    """Register ``fn(key: str) -> bool`` as what ends a ``kind`` token's subscription."""

    if not kind or ":" in kind:
        raise ValueError("a kind is a non-empty name without ':'")

    def decorator(fn):
        _handlers[kind] = fn
        return fn

    return decorator


def handler_for(kind: str):
    return _handlers.get(kind)


def unsubscribe(token) -> bool:
    """End what ``token`` names. True when something was ended, False when it was already
    over; raises BadToken for a forged token or a kind nobody handles."""
    kind, key = read_unsubscribe_token(token)
    handler = _handlers.get(kind)
    if handler is None:
        raise BadToken(f"no handler for {kind!r}")
    with transaction.atomic():
        return bool(handler(key))


def unsubscribe_url(token, base_url) -> str:
    """The absolute URL of the confirmation page / one-click endpoint."""
    return base_url.rstrip("/") + reverse("core:unsubscribe", args=[token])


#: the longest local part RFC 5321 allows
LOCAL_PART_LIMIT = 64
_MAILTO_PREFIX = "unsubscribe+"
_ALIAS_SALT = "civicdesk.core.mass_email.alias"


def _alias_code(token: str) -> str:
    """A short, unguessable name of ``token`` (no "." in it, unlike every token)."""
    digest = signing.Signer(salt=_ALIAS_SALT, algorithm="sha256").signature(token)
    return "a" + digest[:SIGNATURE_LENGTH]


def mailto_local_part(token) -> str:
    """``unsubscribe+<token>``, or ``unsubscribe+<alias>`` (a stored short name) when the
    token would make it longer than 64 octets."""
    local = f"{_MAILTO_PREFIX}{token}"
    if len(local.encode()) <= LOCAL_PART_LIMIT:
        return local
    from .models import UnsubscribeAlias

    code = _alias_code(token)
    UnsubscribeAlias.objects.get_or_create(code=code, defaults={"token": token})
    return f"{_MAILTO_PREFIX}{code}"


def unsubscribe_mailto(token) -> str:
    """``unsubscribe+<token or its alias>@<domain of DEFAULT_FROM_EMAIL>``."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@localhost"
    domain = address.rpartition("@")[2] or "localhost"
    return f"{mailto_local_part(token)}@{domain}"


def token_from_address(address) -> str | None:
    """The token of an ``unsubscribe+<token>@…`` address (a mailbox reader's helper); an
    alias is looked up (None when unknown)."""
    local = parseaddr(address or "")[1].partition("@")[0]
    prefix, plus, token = local.partition("+")
    if prefix.lower() != "unsubscribe" or not plus or not token:
        return None
    if "." not in token and len(token) <= 32:
        from .models import UnsubscribeAlias

        row = UnsubscribeAlias.objects.filter(code=token).first()
        return row.token if row is not None else None
    return token


def list_unsubscribe_headers(token, base_url) -> dict:
    """The RFC 2369 / RFC 8058 headers of a mass email."""
    return {
        "List-Unsubscribe": (
            f"<{unsubscribe_url(token, base_url)}>, <mailto:{unsubscribe_mailto(token)}>"
        ),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- suppression list ---------------------------------------------------------------------


def normalise_email(email) -> str:
    return (email or "").strip().lower()


def soft_bounce_limit() -> int:
    return int(getattr(settings, "CIVICDESK_SOFT_BOUNCE_LIMIT", 3))


def is_suppressed(email) -> bool:
    """Whether mass email must skip ``email``: it bounced hard, or soft too many times."""
    from .models import EmailSuppression

    return EmailSuppression.objects.filter(
        email=normalise_email(email), suppressed=True
    ).exists()


def suppressed_among(emails) -> set[str]:
    """The suppressed addresses among ``emails`` (normalised), in one query per 1,000."""
    from .models import EmailSuppression

    wanted = sorted({normalise_email(e) for e in emails if e})
    found: set[str] = set()
    for start in range(0, len(wanted), 1000):
        found.update(
            EmailSuppression.objects.filter(
                email__in=wanted[start : start + 1000], suppressed=True
            ).values_list("email", flat=True)
        )
    return found


def record_bounce(email, hard: bool, reason="") -> None:
    """Record a bounce of ``email``: a hard bounce suppresses it at once, soft bounces
    after ``CIVICDESK_SOFT_BOUNCE_LIMIT`` (3) of them."""
    from django.db.models import F
    from django.utils import timezone

    from .models import EmailSuppression

    address = normalise_email(email)
    if not address:
        return
    now = timezone.now()
    with transaction.atomic():
        row, _created = EmailSuppression.objects.select_for_update().get_or_create(
            email=address
        )
        if hard:
            row.hard_bounces = F("hard_bounces") + 1
        else:
            row.soft_bounces = F("soft_bounces") + 1
        row.last_reason = str(reason)[:500]
        row.last_bounce_at = now
        row.save()
        row.refresh_from_db()
        if not row.suppressed and (row.hard_bounces or row.soft_bounces >= soft_bounce_limit()):
            row.suppressed = True
            row.suppressed_at = now
            row.save(update_fields=["suppressed", "suppressed_at"])
    logger.info("bounce recorded for %s (hard=%s)", address, hard)


def lift_suppression(email) -> bool:
    """Let mass email reach ``email`` again (the person fixed their mailbox)."""
    from .models import EmailSuppression

    return bool(
        EmailSuppression.objects.filter(email=normalise_email(email)).update(
            suppressed=False, suppressed_at=None, hard_bounces=0, soft_bounces=0
        )
    )
