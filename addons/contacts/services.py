"""The contact center's work: finding a caller, their open records, the addressee that
handles a question, recording interactions and callbacks, and the phone system's call
events. Views (views.py, cti.py) and the management command call these functions."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from addons.accounts.models import Identity, IdentityKind, Person
from addons.accounts.persons import identities_of, live, normalize_email, normalize_phone
from addons.core import registry

from . import service_events
from .models import Callback, CallState, Channel, Direction, Interaction, PhoneEndpoint

logger = logging.getLogger(__name__)

#: how long after an operator answered a call it is offered as "current call"
CURRENT_CALL_MINUTES = 15

PERMISSION = "contacts.use_console"


def may_use_console(user) -> bool:
    """Superusers and staff holding ``contacts.use_console`` see the contact center."""
    return bool(user is not None and user.is_authenticated and user.is_active and (
        user.is_superuser or user.has_perm(PERMISSION)))


def person_url(pk) -> str:
    """The person's page in the admin (built by the person screens)."""
    try:
        return reverse("contacts-admin:person", args=[pk])
    except NoReverseMatch:
        return f"{reverse('wagtailadmin_home')}contacts/persons/{pk}/"


# --- references ---------------------------------------------------------------------------

#: Cyrillic letters that look like Latin ones, as operators and callers type them
LOOK_ALIKES = str.maketrans({
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ї": "I", "Ј": "J", "Ѕ": "S",
    "а": "A", "в": "B", "е": "E", "к": "K", "м": "M", "н": "H", "о": "O", "р": "P",
    "с": "C", "т": "T", "х": "X", "у": "Y", "і": "I", "ї": "I", "ј": "J", "ѕ": "S",
    "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-",
})


def clean_reference(text: str) -> str:
    """A reference as typed, Cyrillic look-alikes read as Latin, spaces gone, upper case."""
    return re.sub(r"\s+", "", (text or "").translate(LOOK_ALIKES)).upper()


def find_references(site, text: str) -> list:
    """``[StatusAnswer]`` of every status lookup whose pattern matches ``text``."""
    reference = clean_reference(text)
    if not reference:
        return []
    answers = []
    for _addon, lookup in registry.status_lookups():
        try:
            if not re.fullmatch(lookup.pattern, reference, flags=re.IGNORECASE):
                continue
            answer = import_string(lookup.find)(site, reference)
        except Exception:  # noqa: BLE001 - one broken add-on must not break the console
            logger.exception("status lookup %s failed", lookup.key)
            continue
        if answer is not None:
            answers.append(answer)
    return answers


def records_for(site, references: list[str]) -> tuple[list[dict], list[str]]:
    """``([{source, reference, url}], [references not found])`` for references typed."""
    found, missing = [], []
    for text in references:
        text = text.strip()
        if not text:
            continue
        answers = []
        for _addon, lookup in registry.status_lookups():
            reference = clean_reference(text)
            if not re.fullmatch(lookup.pattern, reference, flags=re.IGNORECASE):
                continue
            try:
                answer = import_string(lookup.find)(site, reference)
            except Exception:  # noqa: BLE001
                logger.exception("status lookup %s failed", lookup.key)
                answer = None
            if answer is not None:
                answers.append((lookup.key, answer))
        if not answers:
            missing.append(text)
        for key, answer in answers:
            found.append({"source": key, "reference": answer.reference, "url": answer.url})
    return found, missing


# --- the console's search -----------------------------------------------------------------

@dataclass
class PersonHit:
    person: Person
    url: str
    verified: bool = True
    via: str = ""


@dataclass
class SearchResult:
    query: str
    kind: str = ""  # "phone", "email", "name", "reference"
    persons: list = field(default_factory=list)
    records: list = field(default_factory=list)  # StatusAnswer
    phone: str = ""
    phone_valid: bool = True


def _looks_like_phone(text: str) -> bool:
    return bool(re.fullmatch(r"[+()\d\s.\-/]{5,}", text)) and sum(c.isdigit() for c in text) >= 5


def _persons_with(site, kind, value) -> list[PersonHit]:
    identities = (Identity.objects.filter(site=site, kind=kind, value=value, valid=True,
                                          person__merged_into__isnull=True)
                  .select_related("person").order_by("verified_at", "pk"))
    hits: dict[int, PersonHit] = {}
    for identity in identities:
        hit = hits.get(identity.person_id)
        if hit is None:
            hits[identity.person_id] = PersonHit(identity.person, person_url(identity.person_id),
                                                 identity.verified, identity.value)
        elif identity.verified:
            hit.verified = True
    return sorted(hits.values(), key=lambda hit: (not hit.verified, hit.person.pk))


def search(site, text: str) -> SearchResult:
    """What the console's one search box finds on ``site``: persons by phone, e-mail or
    name, records by reference number."""
    text = (text or "").strip()[:200]
    result = SearchResult(query=text)
    if not text:
        return result
    result.records = find_references(site, text)
    if result.records:
        result.kind = "reference"
        owners: set[tuple[str, str]] = set()
        for answer in result.records:
            for kind, values in (answer.owners or {}).items():
                owners.update((kind, value) for value in values)
        for kind, value in sorted(owners):
            for hit in _persons_with(site, kind, value):
                if all(hit.person.pk != other.person.pk for other in result.persons):
                    result.persons.append(hit)
        return result
    if "@" in text:
        result.kind = "email"
        result.persons = _persons_with(site, IdentityKind.EMAIL, normalize_email(text))
        return result
    if _looks_like_phone(text):
        result.kind = "phone"
        value, valid = normalize_phone(text, site)
        result.phone, result.phone_valid = value, valid
        if valid:
            result.persons = _persons_with(site, IdentityKind.PHONE, value)
        return result
    result.kind = "name"
    from django.db.models import F

    from addons.addressees.catalog import Casefold

    condition = Q()
    for word in text.split()[:5]:
        condition &= Q(_name__contains=word.lower())
    persons = list(live(site).alias(_name=Casefold(F("full_name"))).filter(condition)
                   .order_by("full_name", "pk")[:50])
    result.persons = [PersonHit(person, person_url(person.pk)) for person in persons]
    return result


# --- the caller pop-up ----------------------------------------------------------------------

@dataclass
class Caller:
    typed: str
    number: str
    valid: bool
    persons: list = field(default_factory=list)  # verified owners of the number
    possible: list = field(default_factory=list)  # unverified: never merged
    open_records: list = field(default_factory=list)  # TimelineEntry with open=True


def open_records(site, identities: dict, user) -> list:
    """The open entries of every timeline source for ``identities``, newest first."""
    entries = []
    if not identities:
        return entries
    for _addon, source in registry.timeline_sources():
        try:
            found = import_string(source.entries)(site, identities, user, limit=200)
        except Exception:  # noqa: BLE001 - one broken add-on must not hide the others
            logger.exception("timeline source %s failed", source.key)
            continue
        entries.extend(entry for entry in found if entry.open)
    seen, unique = set(), []
    for entry in sorted(entries, key=lambda entry: entry.at, reverse=True):
        key = (entry.source, entry.reference, entry.url, entry.title)
        if key not in seen:
            seen.add(key)
            unique.append(entry)
    return unique


def caller(site, raw: str, user, *, audit: bool = False) -> Caller:
    """Who is calling from ``raw``: persons whose verified phone it is, else possible
    matches (unverified identities with that number), and their open records. With
    ``audit``, ``user`` opening them is kept in the persons' audit (``PersonAccess``:
    their open records are shown)."""
    typed = (raw or "").strip()[:64]
    number, valid = normalize_phone(typed, site)
    found = Caller(typed=typed, number=number, valid=valid)
    if not valid:
        return found
    hits = _persons_with(site, IdentityKind.PHONE, number)
    found.persons = [hit for hit in hits if hit.verified]
    found.possible = [hit for hit in hits if not hit.verified]
    identities: dict[str, set[str]] = {IdentityKind.PHONE: {number}}
    for hit in found.persons:
        for kind, values in identities_of(hit.person).items():
            identities.setdefault(kind, set()).update(values)
    found.open_records = open_records(site, identities, user)
    if audit and found.persons:
        from addons.accounts.models import PersonAccess

        PersonAccess.objects.bulk_create([
            PersonAccess(person=hit.person, user=user, what="caller pop-up")
            for hit in found.persons])
    return found


def current_calls(site, user):
    """Calls the operator answered in the last minutes (the console offers their pop-up)."""
    since = timezone.now() - timedelta(minutes=CURRENT_CALL_MINUTES)
    return (Interaction.objects.filter(site=site, operator=user, channel=Channel.PHONE,
                                       answered_at__gte=since)
            .order_by("-answered_at"))


def caller_number(interaction) -> str:
    if interaction.direction == Direction.OUTBOUND:
        return interaction.to_number
    return interaction.from_number


# --- the phone system's call events (Zammad's generic CTI form) ---------------------------

def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(site) -> str:
    """A new call-events token for ``site`` (the old one stops working); returned once."""
    token = secrets.token_urlsafe(32)
    endpoint, _created = PhoneEndpoint.objects.get_or_create(site=site)
    endpoint.cti_token_hash = hash_token(token)
    endpoint.cti_enabled = True
    endpoint.save(update_fields=["cti_token_hash", "cti_enabled"])
    return token


def token_site_ok(site, token: str) -> bool:
    """Whether ``token`` is ``site``'s call-events token (compared in constant time)."""
    endpoint = PhoneEndpoint.objects.filter(site=site).first() if site is not None else None
    expected = endpoint.cti_token_hash if endpoint and endpoint.cti_enabled else ""
    given = hash_token(token or "")
    # compare even when nothing is set, so that timing says nothing
    same = hmac.compare_digest(given, expected or "0" * 64)
    return bool(expected) and same


def match_operator(names):
    """The member of staff named in ``user[]`` (username, e-mail or full name)."""
    users = get_user_model().objects.filter(is_active=True).filter(
        Q(is_staff=True) | Q(is_superuser=True))
    for name in names:
        name = (name or "").strip()
        if not name:
            continue
        user = (users.filter(username__iexact=name).first()
                or users.filter(email__iexact=name).first()
                or users.filter(full_name__iexact=name).first())
        if user is not None:
            return user
    return None


def _person_for(site, number: str, valid: bool):
    if not valid:
        return None
    persons = list(Identity.objects.filter(
        site=site, kind=IdentityKind.PHONE, value=number, verified_at__isnull=False,
        person__merged_into__isnull=True).values_list("person_id", flat=True)[:2])
    return persons[0] if len(persons) == 1 else None


def _new_call(site, call_id, data, now) -> Interaction:
    direction = Direction.OUTBOUND if data.get("direction") == "out" else Direction.INBOUND
    from_number, from_valid = normalize_phone(data.get("from", "")[:64], site)
    to_number, to_valid = normalize_phone(data.get("to", "")[:64], site)
    if direction == Direction.OUTBOUND:
        person_id = _person_for(site, to_number, to_valid)
        valid = to_valid
    else:
        person_id = _person_for(site, from_number, from_valid)
        valid = from_valid
    return Interaction(site=site, call_id=call_id, channel=Channel.PHONE, direction=direction,
                       from_number=from_number[:64], to_number=to_number[:64],
                       number_valid=valid, person_id=person_id, state=CallState.RINGING,
                       started_at=now)


def call_event(site, data, users) -> Interaction | None:
    """Apply one call event (``event``, ``from``, ``to``, ``direction``, ``callId``,
    ``cause`` and the ``user[]`` names) to ``site``'s interaction of that call. A repeated
    event changes nothing; an answer or hangup of a call never announced creates it."""
    event = (data.get("event") or "").strip()
    call_id = (data.get("callId") or "").strip()[:120]
    if event not in ("newCall", "answer", "hangup") or not call_id:
        return None
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                interaction = (Interaction.objects.select_for_update()
                               .filter(site=site, call_id=call_id).first())
                if interaction is None:
                    interaction = _new_call(site, call_id, data, now)
                    interaction.save()
                    service_events.received(interaction)
                    if event == "newCall":
                        return interaction
                elif event == "newCall":
                    return interaction  # already announced: nothing changes
                if event == "answer" and interaction.answered_at is None:
                    interaction.answered_at = now
                    operator = match_operator(users)
                    if operator is not None and interaction.operator_id is None:
                        interaction.operator = operator
                    if interaction.state != CallState.ENDED:
                        interaction.state = CallState.ANSWERED
                    interaction.save()
                    service_events.answered(interaction)
                elif event == "hangup" and interaction.ended_at is None:
                    interaction.ended_at = now
                    talk_from = interaction.answered_at or now
                    interaction.duration = max(now - talk_from, timedelta(0))
                    interaction.cause = (data.get("cause") or "")[:40]
                    interaction.state = CallState.ENDED
                    if interaction.operator_id is None:
                        operator = match_operator(users)
                        if operator is not None and interaction.answered_at is not None:
                            interaction.operator = operator
                    interaction.save()
                    if interaction.answered_at is None:
                        service_events.abandoned(interaction)
                return interaction
        except IntegrityError:
            continue  # the same call created at the same moment: read it again
    return Interaction.objects.filter(site=site, call_id=call_id).first()


def save_wrap_up(interaction, user, *, summary: str, wrap_up, resolved_first_contact: bool,
                 records: list) -> Interaction:
    """Write the operator's wrap-up on ``interaction`` (a call of the phone system, or a
    call or visit logged by hand and not saved yet) with its service events in the same
    transaction: a new one is received (and, a call, answered) and closed; an existing one
    is closed when its outcome (wrap-up code, resolved at first contact) is new."""
    new = interaction.pk is None
    before = None if new else service_events.outcome(interaction)
    wrapped = bool(interaction.summary or interaction.wrap_up_id
                   or interaction.resolved_first_contact)
    interaction.summary = summary
    interaction.wrap_up = wrap_up
    interaction.resolved_first_contact = resolved_first_contact
    known = {(item.get("source"), item.get("reference")) for item in interaction.records}
    interaction.records = list(interaction.records) + [
        item for item in records if (item["source"], item["reference"]) not in known]
    if interaction.operator_id is None:
        interaction.operator = user
    with transaction.atomic():
        interaction.save()
        if new:
            service_events.received(interaction)
            if interaction.channel == Channel.PHONE:
                service_events.answered(interaction, value=None)
        if new or not wrapped or service_events.outcome(interaction) != before:
            service_events.closed(interaction, actor=user)
    return interaction


# --- the catalog: who handles what -----------------------------------------------------------

@dataclass
class CatalogRow:
    addressee: object
    status: object  # addons.addressees.hours.OpeningStatus
    hours: list  # the main schedule as a weekly table
    absences: list  # the addressee's absences running today
    handlers: str  # who handles its records today, in words
    staff_away: list  # the day's staff absences of those who work for it


def catalog(site, topic: str, *, limit: int = 10) -> list[CatalogRow]:
    """Addressees of ``site`` whose name, duties or specialists match ``topic``, with their
    hours, today's absences and the people who handle their records."""
    from addons.addressees import catalog as addressee_catalog
    from addons.addressees import hours as office_hours
    from addons.addressees.models import AddresseePage
    from addons.core import staffing
    from addons.core.models import SiteProfile

    topic = (topic or "").strip()[:200]
    if not topic or site is None:
        return []
    profile = SiteProfile.for_site(site)
    tz = office_hours.site_time_zone(profile)
    today = office_hours.local_now(profile).date()
    pages = AddresseePage.objects.live().descendant_of(site.root_page).prefetch_related(
        "office_hours", "absences").order_by("path")
    found = list(addressee_catalog.search(pages, topic)[:limit])
    away = staffing.absences_today(site, on=today)
    rows = []
    for page in found:
        hours = list(page.office_hours.all())
        absences = [row for row in page.absences.all() if row.start <= today <= row.end]
        status = office_hours.opening_status(
            hours, list(page.absences.all()), jurisdiction=profile.jurisdiction or None, tz=tz)
        handling = staffing.handlers_for(page, site=site, on=today)
        moderator_ids = set()
        if page.moderators_id:
            moderator_ids = set(page.moderators.user_set.values_list("pk", flat=True))
        rows.append(CatalogRow(
            addressee=page, status=status,
            hours=office_hours.weekly_table(office_hours.main_schedule(hours)),
            absences=absences, handlers=staffing.describe(handling),
            staff_away=[row for row in away if row.user_id in moderator_ids]))
    return rows


#: the wrap-up codes a town starts with (``ContactsConfig.setup``)
DEFAULT_WRAP_UP_CODES = (
    _("Information given"),
    _("Problem report filed"),
    _("Appeal taken"),
    _("Visit booked"),
    _("Transferred to a department"),
    _("Callback promised"),
)


#: the notification telling an operator a callback is theirs (``AddonConfig.notification_events``)
CALLBACK_EVENT = "contacts.callback"


class CallbackRefused(Exception):
    pass


def notify_callback_owner(callback, by) -> list:
    """Tell the callback's owner it is theirs now (planned for them or handed over), through
    core's notifications (an absent owner's goes to whoever stands in for them). Nobody is
    told of a callback they planned or took themselves."""
    from addons.core.notifications import notify_staff

    if callback.owner_id is None or callback.owner_id == getattr(by, "pk", None):
        return []
    context = {
        "whom": str(callback.person) if callback.person_id else callback.phone,
        "phone": callback.phone,
        "due_at": callback.due_at,
        "note": callback.note,
        "by": (getattr(by, "full_name", "") or by.get_username()) if by is not None else "",
    }
    return notify_staff([callback.owner], CALLBACK_EVENT, context, site=callback.site,
                        url=reverse("contacts-admin:callbacks") + "?mine=1")


def plan_callback(site, *, owner, due_at, by, note: str = "", person=None,
                  interaction=None, phone: str = "") -> Callback:
    """A new callback for ``owner``, who is told of it."""
    with transaction.atomic():
        callback = Callback.objects.create(site=site, person=person, interaction=interaction,
                                           phone=phone, owner=owner, due_at=due_at,
                                           note=note, created_by=by)
        notify_callback_owner(callback, by)
    return callback


def reassign_callback(callback, owner, by) -> Callback:
    """Hand an open callback over to ``owner``, who is told of it (nothing happens when it
    is theirs already). A done callback is refused."""
    with transaction.atomic():
        # the callback's row only: the person is on the nullable side of an outer join
        callback = (Callback.objects.select_for_update(of=("self",))
                    .select_related("site", "person").get(pk=callback.pk))
        if callback.done_at is not None:
            raise CallbackRefused(_("This callback is done: it cannot be handed over."))
        if callback.owner_id == owner.pk:
            return callback
        callback.owner = owner
        callback.save(update_fields=["owner"])
        notify_callback_owner(callback, by)
    return callback


def create_default_wrap_up_codes(site) -> None:
    from django.utils import translation

    from addons.core.models import SiteProfile

    from .models import WrapUpCode

    profile = SiteProfile.for_site(site)
    language = getattr(profile, "default_language", "") or settings.LANGUAGE_CODE
    if WrapUpCode.objects.filter(site=site).exists():
        return  # the town's own list is never touched again
    with translation.override(language):
        WrapUpCode.objects.bulk_create([
            WrapUpCode(site=site, title=str(title), sort_order=order)
            for order, title in enumerate(DEFAULT_WRAP_UP_CODES, start=1)
        ])
