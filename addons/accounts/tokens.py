"""Signed, expiring links that prove someone reads a mailbox.

A token names the user, the address it was sent to and what it is for; it is signed with
the project's SECRET_KEY (``django.core.signing``) and expires after
``CIVICDESK_ACCOUNTS_CONFIRMATION_MAX_AGE`` seconds (three days unless set). No token is
stored: the service that reads one checks that the account is still in the state the link
was made for, so a used link does nothing a second time.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "civicdesk.accounts.email"
DEFAULT_MAX_AGE = 3 * 24 * 3600

#: a new account's first address
CONFIRM_REGISTRATION = "register"
#: a new address chosen in the profile
CONFIRM_NEW_EMAIL = "change"


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


@dataclass(frozen=True)
class EmailToken:
    user_id: int
    email: str
    purpose: str
    #: for an address change, the address the account had when the link was made
    previous_email: str = ""


def max_age() -> int:
    return int(getattr(settings, "CIVICDESK_ACCOUNTS_CONFIRMATION_MAX_AGE", DEFAULT_MAX_AGE))


def make_token(user, email: str, purpose: str) -> str:
    payload = {"u": user.pk, "e": email, "p": purpose}
    if purpose == CONFIRM_NEW_EMAIL:
        payload["o"] = user.email
    return signing.dumps(payload, salt=SALT, compress=True)


def read_token(token: str, purpose: str) -> EmailToken:
    """The token's content; raises TokenExpired or TokenInvalid."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.SignatureExpired:
        raise TokenExpired
    except signing.BadSignature:
        raise TokenInvalid
    if not isinstance(payload, dict) or payload.get("p") != purpose:
        raise TokenInvalid
    try:
        return EmailToken(
            user_id=int(payload["u"]),
            email=str(payload["e"]),
            purpose=purpose,
            previous_email=str(payload.get("o", "")),
        )
    except (KeyError, TypeError, ValueError):
        raise TokenInvalid
