"""Who is writing: a chat joins the citizen record (``addons.accounts``).

- The chat identity (``Identity(kind=<platform>, value=<the platform's user id>)``) is
  verified by the platform itself (``Verification.CHANNEL``): it joins the person of the
  town that holds it, or a new person.
- A deep link from the cabinet ("Follow my reports in Telegram") carries a start token
  signed by us for one account and town: the chat then joins that account's person.
  Telegram allows 64 characters of ``[A-Za-z0-9_-]`` in ``/start``, so the token is
  ``<user>-<site>-<time>-<signature>`` (base 62, the signature of
  ``django.core.signing``'s ``Signer`` with our salt), valid ``START_MAX_AGE`` seconds.
- A phone joins the person only when the citizen shares their own contact (the
  platform's contact with the sender's user id) and agrees.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.utils.crypto import constant_time_compare

from addons.accounts import merges, persons
from addons.accounts.models import Identity, IdentityKind, Person, Verification
from addons.accounts.verification import VerificationError, verify

START_SALT = "civicdesk.channels.start"
#: how long a cabinet's deep link stays valid (seconds), unless settings say otherwise
START_MAX_AGE = 7 * 24 * 3600
SIGNATURE_LENGTH = 27


def start_max_age() -> int:
    return int(getattr(settings, "CIVICDESK_CHANNELS_START_MAX_AGE", START_MAX_AGE))


def _signature(payload: str) -> str:
    signer = signing.Signer(salt=START_SALT, algorithm="sha256")
    return signer.signature(payload)[:SIGNATURE_LENGTH]


def make_start_token(site, user, *, now: float | None = None) -> str:
    """A deep link's token naming ``user``'s account on ``site``."""
    stamp = int(now if now is not None else time.time())
    payload = "-".join(signing.b62_encode(value) for value in (user.pk, site.pk, stamp))
    return f"{payload}-{_signature(payload)}"


class BadStartToken(Exception):
    """A start token that is forged, of another town, or too old."""


def read_start_token(site, token: str, *, now: float | None = None):
    """The active user a start token of ``site`` names; BadStartToken otherwise."""
    parts = (token or "").strip().split("-", 3)
    if len(parts) != 4:
        raise BadStartToken("malformed")
    payload = "-".join(parts[:3])
    if not constant_time_compare(parts[3], _signature(payload)):
        raise BadStartToken("signature")
    try:
        user_id, site_id, stamp = (signing.b62_decode(part) for part in parts[:3])
    except (ValueError, KeyError) as error:
        raise BadStartToken("malformed") from error
    if site_id != site.pk:
        raise BadStartToken("site")
    if (now if now is not None else time.time()) - stamp > start_max_age():
        raise BadStartToken("expired")
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise BadStartToken("user")
    return user


def deep_link(channel, token: str) -> str:
    """The link that opens ``channel``'s chat with ``token``: Telegram's ``t.me`` link, the
    Viber public account URI, "" for a platform without one. The bot's name is the
    channel's ``options["username"]`` (Telegram) or ``options["uri"]`` (Viber), else its
    name."""
    if channel.platform == "telegram":
        bot = (channel.options or {}).get("username") or channel.name
        bot = bot.strip().lstrip("@")
        return f"https://t.me/{quote(bot)}?start={token}" if bot else ""
    if channel.platform == "viber":
        uri = (channel.options or {}).get("uri") or channel.name
        uri = uri.strip()
        return f"viber://pa?chatURI={quote(uri)}&context={token}" if uri else ""
    return ""


# --- the chat identity --------------------------------------------------------------------


def chat_value(conversation) -> str:
    """The chat identity's value: the platform's user id (the site chat's token)."""
    return conversation.user_id or conversation.chat_id


def chat_kind(conversation) -> str:
    kind = conversation.channel.platform
    return kind if kind in IdentityKind.values else IdentityKind.WEBCHAT


def known_person(conversation):
    """The person this chat belongs to, without making one: the conversation's, else the
    holder of the chat identity verified."""
    if conversation.person_id:
        return persons.resolve(conversation.person)
    identity = (Identity.objects.filter(site_id=conversation.site_id,
                                        kind=chat_kind(conversation),
                                        value=chat_value(conversation),
                                        verified_at__isnull=False)
                .select_related("person").first())
    if identity is None:
        return None
    person = persons.resolve(identity.person)
    _remember(conversation, person)
    return person


def _remember(conversation, person) -> None:
    if conversation.person_id != person.pk:
        conversation.person = person
        conversation.save(update_fields=["person", "updated_at"])


def _chat_identity(person, conversation):
    value = chat_value(conversation)
    identity, _created = Identity.objects.get_or_create(
        person=person, kind=chat_kind(conversation), value=value,
        defaults={"site_id": person.site_id, "raw": (conversation.display_name or value)[:254]})
    verify(identity, Verification.CHANNEL)
    return identity


def person_of(conversation):
    """The person of the chat, made the first time (the chat identity verified by the
    platform, the chat's name as the person's name)."""
    person = known_person(conversation)
    if person is not None:
        return person
    with transaction.atomic():
        person = Person.objects.create(site_id=conversation.site_id,
                                       full_name=conversation.display_name[:200],
                                       language=conversation.language or "")
        _chat_identity(person, conversation)
    _remember(conversation, person)
    return person


def link_account(conversation, user):
    """Join the chat to the person of ``user``'s account. A person the chat made before
    (its reports) is merged into the account's person (``merges.merge``, undoable by
    staff). Returns the person; raises ``merges.MergeRefused`` when they conflict."""
    target = persons.person_for_user(conversation.site, user)
    current = known_person(conversation)
    if current is not None and current.pk != target.pk:
        merges.merge(target, current)
        target = persons.resolve(target)
    elif current is None:
        _chat_identity(target, conversation)
    _remember(conversation, target)
    return target


def add_phone(conversation, phone: str):
    """The citizen's own phone (shared as their contact and agreed to) joins their person,
    verified by the platform. Returns the normalised number; raises VerificationError when
    it is not a number or another person of the town holds it."""
    value, valid = persons.normalize_phone(phone, conversation.site)
    if not valid:
        raise VerificationError("invalid", code="invalid")
    person = person_of(conversation)
    identity, _created = Identity.objects.get_or_create(
        person=person, kind=IdentityKind.PHONE, value=value,
        defaults={"site_id": person.site_id, "raw": phone[:254]})
    try:
        verify(identity, Verification.CHANNEL)
    except VerificationError:
        if identity.verified_at is None:
            identity.delete()
        raise
    return value


def verified_identities(person) -> dict[str, set[str]]:
    """``{kind: {values}}`` of the person's verified identities."""
    found: dict[str, set[str]] = {}
    if person is None:
        return found
    rows = person.identities.filter(valid=True, verified_at__isnull=False)
    for kind, value in rows.values_list("kind", "value"):
        found.setdefault(kind, set()).add(value)
    return found
