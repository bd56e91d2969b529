"""What a citizen can do with an account. Views, the API and the admin call these; the
rules live here.

- registration with a confirmed email (the account cannot log in before),
- profile changes (a new email address is confirmed before it is used),
- the download of everything the site holds about a person,
- account deletion that anonymises what the law says must be kept.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from addons.core import registry
from addons.core.notifications import notify

from . import tokens

#: notification events this add-on sends
EVENT_CONFIRM_EMAIL = "accounts.confirm_email"
EVENT_CONFIRM_NEW_EMAIL = "accounts.confirm_new_email"
EVENT_EMAIL_CHANGED = "accounts.email_changed"
EVENT_REGISTRATION_ATTEMPT = "accounts.registration_attempt"
EVENT_EMAIL_CHANGE_ATTEMPT = "accounts.email_change_attempt"

#: the profile fields a citizen edits
PROFILE_FIELDS = ("full_name", "postal_address", "phone", "language")

_USERNAME_SAFE = re.compile(r"^[\w.@+-]+\Z")


class EmailTaken(Exception):
    """Another account already uses this email address."""


class ConfirmationResult(StrEnum):
    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already"
    EXPIRED = "expired"
    INVALID = "invalid"
    TAKEN = "taken"


@dataclass(frozen=True)
class ProfileChange:
    saved_fields: list[str]
    #: the new address a confirmation link went to ("" when the email did not change)
    pending_email: str = ""


def _users():
    return get_user_model()


def email_in_use(email: str, *, exclude=None) -> bool:
    """Whether an account other than ``exclude`` has this address (case-insensitive)."""
    found = _users().objects.filter(email__iexact=email.strip())
    if exclude is not None and exclude.pk:
        found = found.exclude(pk=exclude.pk)
    return found.exists()


def _username_for(email: str) -> str:
    """The email itself when it is a valid, free username; otherwise a generated one."""
    User = _users()
    candidate = email.strip().lower()
    if (
        len(candidate) <= 150
        and _USERNAME_SAFE.match(candidate)
        and not User.objects.filter(
            models.Q(username__iexact=candidate) | models.Q(email__iexact=candidate)
        ).exists()
    ):
        return candidate
    while True:
        generated = f"citizen-{secrets.token_hex(6)}"
        if not User.objects.filter(username=generated).exists():
            return generated


def _link(base_url: str, route: str, token: str) -> str:
    return base_url.rstrip("/") + reverse(route, args=[token])


def _send_confirmation_link(user, address: str, purpose: str, *, base_url: str, site=None):
    """Mail a signed link to ``address``. The row is not the citizen's inbox copy (no
    recipient): a link that proves ownership of a mailbox must only reach that mailbox."""
    token = tokens.make_token(user, address, purpose)
    if purpose == tokens.CONFIRM_REGISTRATION:
        event, route, template = EVENT_CONFIRM_EMAIL, "accounts:confirm_email", "confirm_email"
    else:
        event, route = EVENT_CONFIRM_NEW_EMAIL, "accounts:confirm_new_email"
        template = "confirm_new_email"
    link = _link(base_url, route, token)
    context = {
        "user": user,
        "link": link,
        "email": address,
        "days": max(1, tokens.max_age() // 86400),
        "site_name": _site_name(site),
    }
    with translation.override(user.language or translation.get_language()):
        subject = render_to_string(f"accounts/emails/{template}_subject.txt", context)
        body = render_to_string(f"accounts/emails/{template}_body.txt", context)
    return notify(
        None, event, {"user_id": user.pk}, site=site, email=address,
        subject=" ".join(subject.split()), body=body,
    )


def _site_name(site) -> str:
    if site is None:
        return "CivicDesk"
    from addons.core.models import SiteProfile

    return SiteProfile.for_site(site).municipality_name or site.site_name or "CivicDesk"


# --- registration -------------------------------------------------------------------------


@transaction.atomic
def register_citizen(
    *,
    email: str,
    password: str,
    full_name: str,
    postal_address: str = "",
    phone: str = "",
    language: str = "",
    consent: bool,
    base_url: str,
    site=None,
):
    """Create an account that stays inactive until its email is confirmed, and mail the
    confirmation link. Raises EmailTaken when the address is in use, ValueError without
    consent to personal data processing."""
    if not consent:
        raise ValueError("Registration needs consent to personal data processing.")
    User = _users()
    email = User.objects.normalize_email(email.strip())
    if email_in_use(email):
        User().set_password(password)  # as long as a new registration takes
        raise EmailTaken(email)
    user = User(
        username=_username_for(email),
        email=email,
        full_name=full_name.strip(),
        postal_address=postal_address.strip(),
        phone=phone.strip(),
        language=language,
        is_active=False,
        email_confirmed=False,
        data_processing_consent_at=timezone.now(),
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise EmailTaken(email)  # a concurrent registration won the race
    _send_confirmation_link(user, email, tokens.CONFIRM_REGISTRATION, base_url=base_url, site=site)
    return user


def warn_address_owner(email: str, attempt: str, *, base_url: str, site=None) -> bool:
    """Someone asked to register (``attempt="register"``) or to move another account
    (``attempt="email_change"``) to ``email``, which an account already has. The asker is
    answered as for a free address; the owner is told by email, with links to log in and
    to reset the password. An account still awaiting confirmation gets a fresh
    confirmation link instead. Returns whether a message was sent."""
    user = _users().objects.filter(email__iexact=email.strip()).first()
    if user is None or user.anonymised_at is not None:
        return False
    if attempt == "register" and awaits_confirmation(user):
        _send_confirmation_link(
            user, user.email, tokens.CONFIRM_REGISTRATION, base_url=base_url, site=site
        )
        return True
    if attempt == "register":
        event, template = EVENT_REGISTRATION_ATTEMPT, "registration_attempt"
    else:
        event, template = EVENT_EMAIL_CHANGE_ATTEMPT, "email_change_attempt"
    context = {
        "user": user,
        "email": user.email,
        "login_link": base_url.rstrip("/") + reverse("accounts:login"),
        "reset_link": base_url.rstrip("/") + reverse("accounts:password_reset"),
        "site_name": _site_name(site),
    }
    with translation.override(user.language or translation.get_language()):
        subject = render_to_string(f"accounts/emails/{template}_subject.txt", context)
        body = render_to_string(f"accounts/emails/{template}_body.txt", context)
    notify(
        None, event, {"user_id": user.pk}, site=site, email=user.email,
        subject=" ".join(subject.split()), body=body,
    )
    return True


def awaits_confirmation(user) -> bool:
    """An account made by registration (not by staff) whose email was never confirmed:
    it cannot log in yet."""
    return (
        user is not None
        and user.data_processing_consent_at is not None
        and not user.is_active
        and not user.email_confirmed
        and user.anonymised_at is None
        and user.last_login is None
    )


def resend_confirmation(email: str, *, base_url: str, site=None) -> bool:
    """Mail a fresh link if ``email`` belongs to an account awaiting confirmation.
    Returns whether one was sent (callers must not tell the visitor)."""
    user = _users().objects.filter(email__iexact=email.strip()).first()
    if not awaits_confirmation(user):
        return False
    _send_confirmation_link(
        user, user.email, tokens.CONFIRM_REGISTRATION, base_url=base_url, site=site
    )
    return True


@transaction.atomic
def confirm_registration(token: str) -> tuple[ConfirmationResult, object | None]:
    """Activate the account the link was made for."""
    try:
        data = tokens.read_token(token, tokens.CONFIRM_REGISTRATION)
    except tokens.TokenExpired:
        return ConfirmationResult.EXPIRED, None
    except tokens.TokenInvalid:
        return ConfirmationResult.INVALID, None
    user = _users().objects.select_for_update().filter(pk=data.user_id).first()
    if user is None or user.anonymised_at is not None:
        return ConfirmationResult.INVALID, None
    if user.email.casefold() != data.email.casefold():
        return ConfirmationResult.INVALID, None
    if user.email_confirmed:
        return ConfirmationResult.ALREADY_CONFIRMED, user
    if not awaits_confirmation(user):
        # deactivated by staff after logging in once: a link does not reactivate it
        return ConfirmationResult.INVALID, None
    user.is_active = True
    user.email_confirmed = True
    user.save(update_fields=["is_active", "email_confirmed"])
    return ConfirmationResult.CONFIRMED, user


# --- profile ------------------------------------------------------------------------------


@transaction.atomic
def update_profile(user, data: dict, *, base_url: str, site=None) -> ProfileChange:
    """Save the profile fields in ``data``. A different email is not saved: a link to
    confirm it goes to the new address. When another account has that address its owner
    is told instead, and the answer is the same (no account enumeration)."""
    saved = []
    for name in PROFILE_FIELDS:
        if name in data:
            value = data[name] or ""
            setattr(user, name, value.strip() if isinstance(value, str) else value)
            saved.append(name)
    if saved:
        user.save(update_fields=saved)
    pending = ""
    new_email = (data.get("email") or "").strip()
    if new_email and new_email.casefold() != user.email.casefold():
        new_email = _users().objects.normalize_email(new_email)
        if email_in_use(new_email, exclude=user):
            warn_address_owner(new_email, "email_change", base_url=base_url, site=site)
        else:
            _send_confirmation_link(
                user, new_email, tokens.CONFIRM_NEW_EMAIL, base_url=base_url, site=site
            )
        pending = new_email
    return ProfileChange(saved_fields=saved, pending_email=pending)


#: the longest postal address a profile keeps
ADDRESS_MAX_LENGTH = 1000


def save_address(user, address: str) -> bool:
    """Keep ``address`` (typed in a form of another add-on, e.g. an appeal) as the
    citizen's postal address. Returns whether it was saved: an empty address, an account
    that is not active or an anonymous visitor changes nothing."""
    address = (address or "").strip()[:ADDRESS_MAX_LENGTH]
    if not address or user is None or not getattr(user, "is_authenticated", False) \
            or not user.is_active:
        return False
    if user.postal_address == address:
        return True
    user.postal_address = address
    user.save(update_fields=["postal_address"])
    return True


@transaction.atomic
def confirm_email_change(token: str, *, site=None) -> tuple[ConfirmationResult, object | None]:
    """Switch the account to the address the link was sent to."""
    try:
        data = tokens.read_token(token, tokens.CONFIRM_NEW_EMAIL)
    except tokens.TokenExpired:
        return ConfirmationResult.EXPIRED, None
    except tokens.TokenInvalid:
        return ConfirmationResult.INVALID, None
    User = _users()
    user = User.objects.select_for_update().filter(pk=data.user_id).first()
    if user is None or user.anonymised_at is not None or not user.is_active:
        return ConfirmationResult.INVALID, None
    if user.email.casefold() == data.email.casefold():
        return ConfirmationResult.ALREADY_CONFIRMED, user
    if user.email.casefold() != data.previous_email.casefold():
        # the address changed again since this link was made
        return ConfirmationResult.INVALID, None
    if email_in_use(data.email, exclude=user):
        return ConfirmationResult.TAKEN, None
    old_email = user.email
    user.email = data.email
    user.email_confirmed = True
    fields = ["email", "email_confirmed"]
    if user.username.casefold() == old_email.casefold():
        # the username was the old address: follow the new one when it is free
        candidate = data.email.lower()
        if _USERNAME_SAFE.match(candidate) and len(candidate) <= 150 and not (
            User.objects.filter(username__iexact=candidate).exclude(pk=user.pk).exists()
        ):
            user.username = candidate
            fields.append("username")
    try:
        with transaction.atomic():
            user.save(update_fields=fields)
    except IntegrityError:
        return ConfirmationResult.TAKEN, None
    # tell the old mailbox, in case the change was not the owner's doing
    notify(user, EVENT_EMAIL_CHANGED, {"old_email": old_email, "new_email": data.email},
           site=site, email=old_email)
    return ConfirmationResult.CONFIRMED, user


def mark_notification_read(notification) -> None:
    """Mark one inbox message read (opening it does)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        type(notification).objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )


def mark_all_read(user) -> int:
    """Mark every unread inbox message of ``user`` read; returns how many."""
    from addons.core.models import Notification

    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- personal data ------------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if value else None


def profile_data(user) -> dict:
    return {
        "username": user.username,
        "email": user.email,
        "email_confirmed": user.email_confirmed,
        "full_name": user.full_name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "postal_address": user.postal_address,
        "phone": user.phone,
        "language": user.language,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "data_processing_consent_at": _iso(user.data_processing_consent_at),
    }


def notifications_data(user) -> list[dict]:
    from addons.core.models import Notification

    rows = Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")
    return [
        {
            "created_at": _iso(row.created_at),
            "event": row.event,
            "subject": row.subject,
            "body": row.body,
            "url": row.url,
            "email": row.email,
            "status": row.status,
            "sent_at": _iso(row.sent_at),
            "read_at": _iso(row.read_at),
        }
        for row in rows.iterator()
    ]


def own_personal_data(user) -> dict:
    """What the accounts add-on itself holds: the profile and the notification inbox."""
    return {"profile": profile_data(user), "notifications": notifications_data(user)}


def export_personal_data(user) -> dict:
    """Everything the site holds about ``user``: the profile, the notifications and each
    installed add-on's ``personal_data(user)`` (under ``addons``, by label)."""
    accounts = apps.get_app_config("accounts")
    export = {
        "format": "civicdesk-personal-data",
        "version": 1,
        "exported_at": timezone.now().isoformat(),
        **accounts.personal_data(user),
        "addons": {},
    }
    for addon in registry.addons():
        if addon.label == accounts.label:
            continue
        data = addon.personal_data(user)
        if data:
            export["addons"][addon.label] = data
    return export


# --- deletion -----------------------------------------------------------------------------


def anonymise_account(user) -> None:
    """Blank the account itself: profile, inbox, address, name, password, rights."""
    from addons.core.models import Notification

    old_email, old_username = user.email, user.username
    Notification.objects.filter(recipient=user).delete()
    if old_email:
        # confirmation links mailed to this address (rows without a recipient)
        Notification.objects.filter(recipient__isnull=True, email__iexact=old_email).delete()

    user.email = f"deleted-{user.pk}@invalid"
    user.username = f"deleted-{user.pk}"
    user.full_name = user.first_name = user.last_name = ""
    user.postal_address = user.phone = user.language = ""
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = user.email_confirmed = False
    user.anonymised_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    _forget_elsewhere(user, {old_email, old_username} - {""})


def _forget_elsewhere(user, logins: set[str]) -> None:
    """Rows of installed infrastructure apps that name the person."""
    if apps.is_installed("guardian"):
        from guardian.models import UserObjectPermission

        UserObjectPermission.objects.filter(user=user).delete()
    if apps.is_installed("rest_framework.authtoken"):
        from rest_framework.authtoken.models import Token

        Token.objects.filter(user=user).delete()
    if apps.is_installed("wagtail.users"):
        from wagtail.users.models import UserProfile

        UserProfile.objects.filter(user=user).delete()
    if apps.is_installed("axes") and logins:
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            model.objects.filter(username__in=logins).delete()


@transaction.atomic
def delete_account(user) -> None:
    """Delete a citizen's account: every add-on anonymises what it holds (records the law
    says must be kept lose their link to the person), then the account itself is blanked.
    The row stays, so kept records still point at an (anonymous) account."""
    accounts = apps.get_app_config("accounts")
    for addon in registry.addons():
        if addon.label != accounts.label:
            addon.anonymise(user)
    accounts.anonymise(user)
