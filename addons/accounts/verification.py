"""Verifying an identity: the only way one joins a person.

- an e-mail link: a signed link (``django.core.signing``) naming the identity and its
  address, sent with the core notifications, valid ``CIVICDESK_PERSONS_EMAIL_LINK_MAX_AGE``
  seconds (three days unless set);
- a phone code: 6 digits sent by SMS (``addons.accounts.sms``), kept as a keyed hash,
  valid 10 minutes, locked after 5 wrong tries;
- an operator who checked it and says so (their name and note are kept).

A verified identity equal to a verified identity of another person of the town is refused
(``VerificationConflict``; the database's unique constraint backs it): staff merge the two
persons instead.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from .models import Identity, IdentityKind, PhoneCode, Verification

EVENT_CONFIRM_IDENTITY = "accounts.confirm_identity"
LINK_SALT = "civicdesk.accounts.identity"
CODE_SALT = "civicdesk.accounts.phone-code"
CODE_LIFETIME = timedelta(minutes=10)
CODE_ATTEMPTS = 5
CODE_DIGITS = 6


class VerificationError(ValidationError):
    """A verification that cannot be done; the message says why, in the active language."""


class VerificationConflict(VerificationError):
    pass


class LinkExpired(VerificationError):
    pass


class LinkInvalid(VerificationError):
    pass


class CodeExpired(VerificationError):
    pass


class CodeLocked(VerificationError):
    pass


class CodeWrong(VerificationError):
    pass


def _conflict(identity):
    return VerificationConflict(
        _("%(identity)s is already confirmed for another person of this town. Merge the two "
          "persons instead.") % {"identity": identity.raw or identity.value},
        code="conflict",
    )


def verify(identity, how: str, *, by=None, note: str = ""):
    """Mark ``identity`` verified (``Verification`` ``how``); a verified identity stays as
    it was. Raises VerificationConflict when another person of the town holds it verified,
    VerificationError for an invalid one."""
    if not identity.valid:
        raise VerificationError(
            _("%(identity)s is not a valid number or address and cannot be confirmed.")
            % {"identity": identity.raw or identity.value}, code="invalid")
    if identity.verified_at is not None:
        return identity
    others = Identity.objects.filter(site_id=identity.site_id, kind=identity.kind,
                                     value=identity.value, verified_at__isnull=False)
    if others.exclude(pk=identity.pk).exists():
        raise _conflict(identity)
    identity.verified_at = timezone.now()
    identity.verified_how = how
    identity.verified_by = by
    identity.verification_note = (note or "")[:500]
    try:
        with transaction.atomic():
            identity.save(update_fields=["verified_at", "verified_how", "verified_by",
                                         "verification_note"])
    except IntegrityError:
        identity.verified_at = None
        raise _conflict(identity)
    return identity


def verify_by_operator(identity, operator, note: str = ""):
    """An operator checked ``identity`` (called back, saw a document) and says so: they
    and their note are recorded."""
    if not (note or "").strip():
        raise VerificationError(_("Say how you checked it."), code="note")
    return verify(identity, Verification.OPERATOR, by=operator, note=note.strip())


# -- e-mail link ---------------------------------------------------------------------------


def link_max_age() -> int:
    return int(getattr(settings, "CIVICDESK_PERSONS_EMAIL_LINK_MAX_AGE", 3 * 24 * 3600))


def make_link_token(identity) -> str:
    return signing.dumps({"i": identity.pk, "v": identity.value}, salt=LINK_SALT,
                         compress=True)


def send_email_link(identity, *, base_url: str, site=None):
    """Send the link confirming the e-mail ``identity``; returns the notification."""
    from django.urls import reverse

    from addons.core.notifications import notify

    if identity.kind != IdentityKind.EMAIL or not identity.valid:
        raise VerificationError(_("Only a valid e-mail address is confirmed by a link."),
                                code="kind")
    url = base_url.rstrip("/") + reverse("accounts:confirm_identity",
                                         args=[make_link_token(identity)])
    return notify(
        None, EVENT_CONFIRM_IDENTITY, {"address": identity.raw or identity.value},
        site=site or identity.site, url=url, email=identity.value,
        subject=_("Confirm your e-mail address"),
        body=_("To confirm that this address is yours, open this link: %(url)s")
        % {"url": url},
    )


def confirm_email_link(token: str):
    """The e-mail identity the link confirms, now verified. Raises LinkExpired,
    LinkInvalid, VerificationConflict."""
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=link_max_age())
    except signing.SignatureExpired:
        raise LinkExpired(_("This link has expired. Ask for a new one."), code="expired")
    except signing.BadSignature:
        raise LinkInvalid(_("This link is not valid."), code="invalid")
    identity = Identity.objects.filter(pk=payload.get("i"), kind=IdentityKind.EMAIL,
                                       value=payload.get("v")).first()
    if identity is None:
        raise LinkInvalid(_("This link is not valid."), code="invalid")
    return verify(identity, Verification.EMAIL_LINK)


# -- phone code ----------------------------------------------------------------------------


def _hash(identity_id, code: str) -> str:
    return salted_hmac(CODE_SALT, f"{identity_id}:{code}", algorithm="sha256").hexdigest()


def send_phone_code(identity):
    """Send a new 6-digit code to the phone ``identity`` by SMS; earlier codes stop
    working. Returns the PhoneCode (the code itself is never stored)."""
    from . import sms

    if identity.kind != IdentityKind.PHONE or not identity.valid:
        raise VerificationError(_("This phone number cannot receive a code."), code="kind")
    code = "".join(secrets.choice("0123456789") for _n in range(CODE_DIGITS))
    now = timezone.now()
    with transaction.atomic():
        PhoneCode.objects.filter(identity=identity, used_at__isnull=True).update(used_at=now)
        row = PhoneCode.objects.create(identity=identity, code_hash=_hash(identity.pk, code),
                                       expires_at=now + CODE_LIFETIME)
    sms.send_sms(identity.value, _("Your confirmation code: %(code)s. It is valid for 10 "
                                   "minutes.") % {"code": code})
    return row


def check_phone_code(identity, code: str):
    """Verify the phone ``identity`` with ``code``. Raises CodeWrong (the tries left are
    said), CodeLocked after 5 wrong tries, CodeExpired, VerificationConflict."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    with transaction.atomic():
        row = (PhoneCode.objects.select_for_update()
               .filter(identity=identity, used_at__isnull=True).order_by("-created_at").first())
        if row is None:
            raise CodeExpired(_("There is no code waiting for this number. Ask for a new "
                                "one."), code="none")
        if row.attempts >= CODE_ATTEMPTS:
            raise CodeLocked(_("Too many wrong codes. Ask for a new one."), code="locked")
        if row.expires_at <= timezone.now():
            raise CodeExpired(_("This code has expired. Ask for a new one."), code="expired")
        if not constant_time_compare(row.code_hash, _hash(identity.pk, code)):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = CODE_ATTEMPTS - row.attempts
            if left <= 0:
                wrong = CodeLocked(_("Too many wrong codes. Ask for a new one."),
                                   code="locked")
            else:
                wrong = CodeWrong(_("Wrong code. Tries left: %(left)s.") % {"left": left},
                                  code="wrong")
        else:
            row.used_at = timezone.now()
            row.save(update_fields=["used_at"])
            wrong = None
    if wrong is not None:
        raise wrong
    return verify(identity, Verification.SMS_CODE)
