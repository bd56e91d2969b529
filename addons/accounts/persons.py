"""The citizen record: one person per citizen and town, whatever the channel.

A person has identities (``Identity``): e-mails, phones in E.164, their cabinet account,
chat ids. An identity joins a person only when it is verified (a cabinet login, a confirmed
e-mail link, a code sent by SMS, an operator who checked it and says so, the messaging
platform); anything else stays on a person of its own and is offered to operators as a
*possible match*, never merged by itself.

This module is the platform's API for it; the contact center and the channels call it, the
add-ons feed the timeline through ``AddonConfig.timeline`` (``addons.core.addon``).
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from . import backfill
from .models import Identity, IdentityKind, Person

logger = logging.getLogger(__name__)

#: a jurisdiction's country: the default region of a phone number typed without +
REGION = {"ua": "UA", "ro": "RO", "bg": "BG"}


def site_region(site) -> str:
    """The two-letter region phone numbers of ``site`` are read in (its jurisdiction)."""
    from addons.core.models import SiteProfile

    profile = SiteProfile.for_site(site) if site is not None else None
    return REGION.get(getattr(profile, "jurisdiction", "") or "ua", "UA")


def normalize_phone(raw: str, site=None, *, region: str | None = None) -> tuple[str, bool]:
    """``(value, valid)``: the number in E.164 ("+380441234567") and True, or the digits
    as typed and False when it is not a possible number of any country."""
    import phonenumbers

    text = (raw or "").strip()
    region = region or site_region(site)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text, False
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        return text, False
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), True


def normalize_email(raw: str) -> str:
    return (raw or "").strip().casefold()


def normalize(kind: str, raw: str, site=None) -> tuple[str, bool]:
    """``(value, valid)`` of an identity of ``kind`` as typed."""
    if kind == IdentityKind.PHONE:
        return normalize_phone(raw, site)
    if kind == IdentityKind.EMAIL:
        value = normalize_email(raw)
        return value, "@" in value
    return (raw or "").strip(), bool((raw or "").strip())


def live(site):
    """The persons of ``site`` that were not merged into another."""
    return Person.objects.filter(site=site, merged_into__isnull=True)


def find_by_identity(site, kind: str, raw: str, *, verified_only: bool = False):
    """The persons of ``site`` with an identity of ``kind`` equal to ``raw`` once
    normalised (verified ones first); an invalid phone matches nobody."""
    value, valid = normalize(kind, raw, site)
    if not valid:
        return Person.objects.none()
    identities = Identity.objects.filter(site=site, kind=kind, value=value)
    if verified_only:
        identities = identities.filter(verified_at__isnull=False)
    return live(site).filter(pk__in=identities.values("person_id")).distinct()


def identities_of(person) -> dict[str, set[str]]:
    """``{kind: {normalised values}}`` of a person's valid identities: what the timeline
    sources are asked with (``TimelineSource.entries``)."""
    found: dict[str, set[str]] = {}
    for kind, value in person.identities.filter(valid=True).values_list("kind", "value"):
        found.setdefault(kind, set()).add(value)
    return found


def possible_matches(person):
    """Other persons of the same town sharing a valid identity value with ``person``,
    verified or not: shown to operators, never merged by themselves."""
    pairs = list(person.identities.filter(valid=True).values_list("kind", "value"))
    if not pairs:
        return Person.objects.none()
    condition = Q()
    for kind, value in pairs:
        condition |= Q(kind=kind, value=value)
    others = Identity.objects.filter(condition, site_id=person.site_id).exclude(
        person=person).values("person_id")
    return live(person.site).filter(pk__in=others).distinct()


def resolve(person):
    """``person``, or the person it was merged into (a merge can be undone, so records
    keep pointing at the person they were made for)."""
    return backfill.live_person(Person, person)


def _user_row(site, user) -> dict:
    return {
        "site_id": site.pk, "user_id": user.pk, "name": user.full_name or user.get_full_name(),
        "email": user.email or "", "email_confirmed": bool(user.email_confirmed),
        "phone": user.phone or "", "address": user.postal_address or "",
        "language": user.language or "", "region": site_region(site),
    }


def _settle(row):
    """``backfill.contact_person`` for ``row`` in a savepoint: two requests making the same
    person at once meet the unique constraints; the loser reads what the winner made."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                return backfill.contact_person(Person, Identity, row, timezone.now())[0]
        except IntegrityError:
            if attempt == 2:
                raise
    return None  # pragma: no cover


def person_for_user(site, user):
    """The person of ``user`` on ``site``: made the first time with the account as a
    verified identity (``Verification.LOGIN``) and the user's e-mail (verified when the
    account confirmed it) and profile phone (unverified)."""
    if user is None or not user.pk:
        return None
    return _settle(_user_row(site, user))


def record_contact(site, *, name="", email="", phone="", user=None):
    """The person a record's typed contacts belong to: the account's person when ``user``
    is given, else the person holding one of them *verified*, else a person of these
    unverified contacts (made when new). An unverified contact is never added to a person
    found by another one: that is a possible match for operators. Returns None when nothing
    identifies anyone."""
    row = {"site_id": site.pk, "name": name or "", "email": email or "", "phone": phone or "",
           "region": site_region(site), "user_id": None, "email_confirmed": False}
    if user is not None and user.pk:
        person_for_user(site, user)
        row["user_id"] = user.pk
        row["email_confirmed"] = backfill.confirmed_for(email, user.email,
                                                        user.email_confirmed)
    return _settle(row)


def on_login(sender, request, user, **kwargs):
    """A login on a town's site makes or finds the user's person there (connected to
    ``user_logged_in`` in ``AccountsConfig.ready``). A failure here never stops a login."""
    if request is None or user is None:
        return
    if not (request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME")):
        return  # a login made in code (a test client's force_login): no town to read
    from wagtail.models import Site

    try:
        site = Site.find_for_request(request)
        if site is not None:
            person_for_user(site, user)
    except Exception:  # the login itself must go on
        logger.exception("The person of user %s could not be made", user.pk)


def contact_details(person) -> dict:
    """What a form filed on ``person``'s behalf is prefilled with: their name, postal
    address, first e-mail and phone (verified ones first) and their cabinet account (a
    verified one, active), or empty values without a person."""
    from django.contrib.auth import get_user_model

    details = {"name": "", "address": "", "email": "", "phone": "", "user": None}
    if person is None:
        return details
    details["name"] = person.full_name
    details["address"] = person.postal_address
    identities = person.identities.filter(valid=True).order_by("pk")
    for identity in sorted(identities, key=lambda row: row.verified_at is None):
        if identity.kind == IdentityKind.EMAIL and not details["email"]:
            details["email"] = identity.value
        elif identity.kind == IdentityKind.PHONE and not details["phone"]:
            details["phone"] = identity.value
        elif identity.kind == IdentityKind.ACCOUNT and details["user"] is None \
                and identity.verified:
            details["user"] = get_user_model().objects.filter(
                pk=identity.value if identity.value.isdigit() else None, is_active=True
            ).first()
    return details


def notification_contacts(person) -> dict:
    """What core's notifications reach ``person`` by besides their chats: ``person`` (the
    live one, merges followed), their verified cabinet account (``user``, active) and
    verified e-mail and phone ("" when none). Unverified contacts are never written to."""
    from django.contrib.auth import get_user_model

    person = resolve(person)
    found = {"person": person, "user": None, "email": "", "phone": ""}
    identities = person.identities.filter(valid=True, verified_at__isnull=False).order_by(
        "-verified_at", "pk")
    for kind, value in identities.values_list("kind", "value"):
        if kind == IdentityKind.EMAIL and not found["email"]:
            found["email"] = value
        elif kind == IdentityKind.PHONE and not found["phone"]:
            found["phone"] = value
        elif kind == IdentityKind.ACCOUNT and found["user"] is None and value.isdigit():
            found["user"] = get_user_model().objects.filter(pk=value, is_active=True).first()
    return found


def person_of_account(site, user_id):
    """The live person of ``site`` whose verified cabinet account is ``user_id``, or None
    (nothing is made)."""
    identity = Identity.objects.filter(site=site, kind=IdentityKind.ACCOUNT, value=str(user_id),
                                       verified_at__isnull=False).first()
    return resolve(identity.person) if identity is not None else None
