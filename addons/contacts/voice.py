"""The status line: a phone robot speaking TwiML (the XML Twilio, SignalWire and Telnyx TeXML
accept) that tells a caller the state of their appeal, problem report or ticket.

The provider posts every step of a call to ``/contacts/voice/`` on the town's host name;
every request is checked with the provider's signature (``X-Twilio-Signature``) against the
town's voice token (``PhoneEndpoint.voice_token``): a bad one gets 403 and leaves no trace.
The state of the call (language, kind, reference) travels in the query string of the URLs
the robot gives the provider, which the provider signs in turn.

Steps: the language menu (skipped when the line speaks one language), the kind of record
(the add-ons' status lookups that can be typed as digits, in their order: 1 appeal,
2 problem report, 3 ticket), the reference digits, then identification before anything
personal is said: the caller's number is a phone of the record's owner (typed on the
record, or a verified phone of a person owning it), else the status PIN printed on the
receipt (three wrong PINs within 15 minutes lock the reference for 15 minutes). Public
problem reports are told to anyone. 9 repeats, 0 transfers to the contact center.

A town may replace any fixed phrase with a recording: ``<MEDIA_ROOT>/voice/<site id>/
<language>/<phrase key>.mp3`` (or ``voice/<site id>/<phrase key>.mp3`` for every language)
is played instead of the spoken text when it exists (the keys are those of ``PHRASES``).
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext, pgettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from wagtail.models import Site

from addons.accounts.models import Identity, IdentityKind
from addons.accounts.persons import find_by_identity, normalize_phone
from addons.core.references import digits_to_reference, lookups

from .models import Channel, Direction, Interaction, PhoneEndpoint, PinAttempt

#: the languages the robot speaks and the voice code of each
VOICE_LANGUAGES = {"uk": "uk-UA", "ro": "ro-RO", "bg": "bg-BG", "en": "en-GB"}
#: wrong PINs that lock a reference, and for how long (and the window they are counted in)
PIN_TRIES = 3
LOCK = timedelta(minutes=15)
GATHER_TIMEOUT = 8
CALL_ID_PREFIX = "voice:"


def _phrases():
    """The fixed phrases a recording may replace: ``{key: text}`` in the active language."""
    return {
        "welcome": gettext("Welcome to the city's status line."),
        "repeat_operator": gettext("To hear this again press 9. To speak to an operator "
                                   "press 0."),
        "ask_year_number": gettext("Type the year and the number of the record, then press "
                                   "the hash key. For this year's records the number alone "
                                   "is enough."),
        "ask_number": gettext("Type the number of the record, then press the hash key."),
        "not_found": gettext("We found no record with this number. Nothing can be told "
                             "about it on this line."),
        "try_again": gettext("To type another number press 1. To speak to an operator "
                             "press 0."),
        "ask_pin": gettext("To hear about this record, type its status PIN printed on your "
                           "receipt, then press the hash key."),
        "operator_hash": gettext("To speak to an operator, press 0 and the hash key."),
        "wrong_pin": gettext("This PIN is not right."),
        "locked": gettext("Too many wrong PINs were typed for this record. Please try again "
                          "in fifteen minutes, or speak to an operator."),
        "transfer": gettext("Please hold, we are connecting you to an operator."),
        "no_operator": gettext("No operator can take your call on this line. Please call "
                               "the city's contact center."),
        "no_input": gettext("We did not hear your choice. Goodbye."),
        "goodbye": gettext("Thank you for calling. Goodbye."),
        "closed": gettext("The status line is not open. Goodbye."),
    }


def _digit_words():
    return [pgettext("digit", "zero"), pgettext("digit", "one"), pgettext("digit", "two"),
            pgettext("digit", "three"), pgettext("digit", "four"), pgettext("digit", "five"),
            pgettext("digit", "six"), pgettext("digit", "seven"), pgettext("digit", "eight"),
            pgettext("digit", "nine")]


def spell_digits(text: str) -> str:
    """``"2026"`` -> ``"two, zero, two, six"`` in the active language: read one by one."""
    words = _digit_words()
    return ", ".join(words[int(char)] for char in text if char.isdigit())


def spell_reference(reference: str) -> str:
    """A reference's digits for speech: ``AP-2026-000123`` -> "two, zero, two, six; one,
    two, three" (the letters are said by the kind, leading zeros of a number left out)."""
    groups = [part for part in reference.split("-") if part.isdigit()]
    spoken = []
    for group in groups:
        group = group.lstrip("0") or "0"
        spoken.append(spell_digits(group))
    return "; ".join(spoken)


def spell_date(value) -> str:
    """A date in words in the active language ("7 грудня 2026 року", "7 December 2026")."""
    # Translators: a date as said on the phone, in Django's date format characters
    # (j: day, E: month name as in a date, F: month name, Y: year); text other than
    # Latin letters is kept as is ("j E Y року")
    return formats.date_format(value, pgettext("spoken date", "j E Y"))


class Line:
    """One request of a call: the town, its settings, the state from the URL."""

    def __init__(self, request, site, endpoint):
        self.request = request
        self.site = site
        self.endpoint = endpoint
        self.state = {key: request.GET.get(key, "") for key in ("step", "lang", "kind", "ref")}
        self.digits = (request.POST.get("Digits") or "").strip()
        self.call_sid = (request.POST.get("CallSid") or "").strip()[:100]
        self.caller = (request.POST.get("From") or "").strip()
        self.languages = line_languages(site, endpoint)
        lang = self.state["lang"]
        self.lang = lang if lang in self.languages else self.languages[0]

    # -- building responses -------------------------------------------------------------

    def url(self, **state) -> str:
        query = {"lang": self.lang, **state}
        query = {key: value for key, value in query.items() if value}
        return self.request.build_absolute_uri(
            f"{reverse('contacts:voice')}?{urlencode(query)}")

    def say(self, text, lang=None) -> dict:
        lang = lang or self.lang
        voices = getattr(settings, "CIVICDESK_VOICE_NAMES", {}) or {}
        return {"say": str(text), "language": VOICE_LANGUAGES[lang], "voice": voices.get(lang, "")}

    def phrase(self, key) -> dict:
        """The phrase ``key``: the town's recording when there is one, else spoken."""
        recording = recorded_prompt(self.site, self.lang, key)
        if recording:
            return {"play": recording}
        return self.say(_phrases()[key])

    def gather(self, parts, action, *, num_digits=1, repeat=True) -> HttpResponse:
        if repeat:
            parts = [*parts, self.phrase("repeat_operator")]
        return self.render("gather.xml", {"parts": parts, "action": action,
                                          "num_digits": num_digits,
                                          "timeout": GATHER_TIMEOUT,
                                          "goodbye": [self.phrase("no_input")]})

    def hang_up(self, parts) -> HttpResponse:
        return self.render("hangup.xml", {"parts": parts})

    def render(self, template, context) -> HttpResponse:
        body = render_to_string(f"contacts/voice/{template}", context)
        return HttpResponse(body, content_type="text/xml; charset=utf-8")

    def transfer(self) -> HttpResponse:
        number = self.endpoint.transfer_number.strip()
        if not number:
            return self.hang_up([self.phrase("no_operator")])
        self.note(transferred=True)
        return self.render("dial.xml", {"parts": [self.phrase("transfer")], "number": number,
                                        "caller_id": ""})

    # -- the interaction ----------------------------------------------------------------

    def interaction(self) -> Interaction | None:
        """The call's interaction, made on its first request."""
        if not self.call_sid:
            return None
        call_id = CALL_ID_PREFIX + self.call_sid
        found = Interaction.objects.filter(site=self.site, call_id=call_id).first()
        if found is not None:
            return found
        phone, valid = normalize_phone(self.caller, self.site)
        person = find_by_identity(self.site, IdentityKind.PHONE, self.caller,
                                  verified_only=True).first() if valid else None
        try:
            with transaction.atomic():
                return Interaction.objects.create(
                    site=self.site, person=person, channel=Channel.PHONE,
                    direction=Direction.INBOUND, call_id=call_id,
                    from_number=phone if valid else self.caller[:64],
                    to_number=(self.request.POST.get("To") or "")[:64],
                    summary=gettext("status line"))
        except IntegrityError:  # the provider sent the first step twice
            return Interaction.objects.filter(site=self.site, call_id=call_id).first()

    def note(self, *, answer=None, lookup=None, told=None, transferred=False) -> None:
        """Write what the call asked on its interaction: the references (never what a
        record says), whether they were told."""
        interaction = self.interaction()
        if interaction is None:
            return
        fields = []
        if answer is not None:
            records = list(interaction.records or [])
            entry = next((item for item in records
                          if item.get("reference") == answer.reference), None)
            if entry is None:
                entry = {"source": lookup.key if lookup else "", "reference": answer.reference,
                         "url": answer.url, "told": False}
                records.append(entry)
            if told:
                entry["told"] = True
            interaction.records = records
            references = [item["reference"] for item in records]
            interaction.summary = gettext("status line: %(references)s") % {
                "references": ", ".join(references)}
            fields += ["records", "summary"]
        if transferred and gettext("transferred") not in interaction.summary:
            interaction.summary = f"{interaction.summary} ({gettext('transferred')})"
            fields.append("summary")
        if fields:
            interaction.ended_at = timezone.now()
            interaction.duration = interaction.ended_at - interaction.started_at
            interaction.save(update_fields=[*fields, "ended_at", "duration", "updated_at"])

    def told(self, reference) -> bool:
        """Whether this call was already told ``reference`` (a repeat needs no new PIN)."""
        interaction = self.interaction()
        return interaction is not None and any(
            item.get("reference") == reference and item.get("told")
            for item in interaction.records or [])


def line_languages(site, endpoint) -> list[str]:
    """The languages the line offers, in menu order: those set on the endpoint, else the
    town's offered languages the robot speaks, else the town's own or English."""
    from addons.core.content_languages import site_language, site_languages
    from addons.core.models import SiteProfile

    chosen = [code.strip() for code in (endpoint.voice_languages or "").split(",")]
    chosen = [code for code in chosen if code in VOICE_LANGUAGES]
    if chosen:
        return list(dict.fromkeys(chosen))
    profile = SiteProfile.for_site(site)
    offered = [code for code in site_languages(profile) if code in VOICE_LANGUAGES]
    if offered:
        return offered
    own = site_language(profile)
    return [own if own in VOICE_LANGUAGES else "en"]


def recorded_prompt(site, lang, key) -> str:
    """The URL of the town's recording of phrase ``key`` in ``lang``, or ""."""
    for name in (f"voice/{site.pk}/{lang}/{key}.mp3", f"voice/{site.pk}/{key}.mp3"):
        try:
            if default_storage.exists(name):
                return default_storage.url(name)
        except (OSError, NotImplementedError, ValueError):
            return ""
    return ""


def phone_lookups(site):
    """The status lookups of the add-ons on at ``site`` that can be typed on a keypad, with
    the key each is chosen with: ``[(digit, lookup)]``."""
    items = [lookup for _addon, lookup in lookups(site) if lookup.digits]
    return [(str(index), lookup) for index, lookup in enumerate(items[:8], start=1)]


def caller_owns(site, answer, caller) -> bool:
    """Whether ``caller`` (the From number) is a phone of the record's owner: the phone
    typed on it, or a verified phone of a person who owns it by a verified identity."""
    phone, valid = normalize_phone(caller, site)
    if not valid:
        return False
    if phone in (answer.owners.get("phone") or ()):
        return True
    condition = Q()
    for kind, values in (answer.owners or {}).items():
        if values:
            condition |= Q(kind=kind, value__in=list(values))
    if not condition:
        return False
    owners = Identity.objects.filter(condition, site=site, valid=True,
                                     verified_at__isnull=False).values("person_id")
    return Identity.objects.filter(site=site, kind=IdentityKind.PHONE, value=phone,
                                   verified_at__isnull=False, person_id__in=owners).exists()


def locked(site, reference, now=None) -> bool:
    """Three wrong PINs within 15 minutes lock ``reference`` for 15 minutes after the
    last of them."""
    now = now or timezone.now()
    recent = list(PinAttempt.objects.filter(site=site, reference=reference,
                                            at__gte=now - 2 * LOCK)
                  .order_by("-at").values_list("at", flat=True)[:PIN_TRIES])
    return (len(recent) == PIN_TRIES and recent[0] > now - LOCK
            and recent[0] - recent[-1] <= LOCK)


def pin_matches(answer, typed: str) -> bool:
    return bool(answer.pin) and hmac.compare_digest(answer.pin.encode(), typed.encode())


# -- the steps ---------------------------------------------------------------------------


def step_start(line: Line) -> HttpResponse:
    line.interaction()
    if len(line.languages) == 1:
        return step_menu(line, welcome=True)
    parts = []
    for index, code in enumerate(line.languages, start=1):
        with translation.override(code):
            # Translators: said in the language itself, naming the language
            parts.append(line.say(gettext("For English, press %(digit)s.") % {
                "digit": spell_digits(str(index))}, code))
    with translation.override(line.languages[0]):
        return line.gather([line.phrase("welcome"), *parts], line.url(step="lang"),
                           repeat=False)


def step_lang(line: Line) -> HttpResponse:
    if line.digits == "0":
        return line.transfer()
    try:
        line.lang = line.languages[int(line.digits) - 1]
    except (ValueError, IndexError):
        return step_start(line)
    with translation.override(line.lang):
        return step_menu(line)


def step_menu(line: Line, *, welcome=False) -> HttpResponse:
    parts = [line.phrase("welcome")] if welcome else []
    kinds = phone_lookups(line.site)
    if not kinds:
        return line.hang_up([line.phrase("closed")])
    for digit, lookup in kinds:
        parts.append(line.say(gettext("%(kind)s: press %(digit)s.") % {
            "kind": lookup.title, "digit": spell_digits(digit)}))
    return line.gather(parts, line.url(step="kind"))


def step_kind(line: Line) -> HttpResponse:
    if line.digits == "0":
        return line.transfer()
    chosen = dict(phone_lookups(line.site)).get(line.digits)
    if chosen is None:  # 9 or a key that is no kind: the menu again
        return step_menu(line)
    return ask_reference(line, chosen)


def ask_reference(line: Line, lookup) -> HttpResponse:
    key = "ask_year_number" if lookup.digits == "year+number" else "ask_number"
    return line.gather([line.phrase(key), line.phrase("operator_hash")],
                       line.url(step="ref", kind=lookup.key),
                       num_digits=None, repeat=False)


def _lookup(line: Line):
    return next((lookup for _digit, lookup in phone_lookups(line.site)
                 if lookup.key == line.state["kind"]), None)


def step_ref(line: Line) -> HttpResponse:
    lookup = _lookup(line)
    if lookup is None:
        return step_menu(line)
    if line.digits.rstrip("#") == "0":
        return line.transfer()
    reference = digits_to_reference(lookup, line.digits)
    answer = import_string(lookup.find)(line.site, reference) if reference else None
    return identify(line, lookup, answer)


def not_found(line: Line) -> HttpResponse:
    return line.gather([line.phrase("not_found"), line.phrase("try_again")],
                       line.url(step="again"), repeat=False)


def identify(line: Line, lookup, answer, *, pin_ok=False) -> HttpResponse:
    """Tell ``answer`` when the caller may hear it, else ask the PIN."""
    if answer is None:
        return not_found(line)
    line.note(answer=answer, lookup=lookup)
    if (answer.public or pin_ok or line.told(answer.reference)
            or caller_owns(line.site, answer, line.caller)):
        return tell(line, lookup, answer)
    if locked(line.site, answer.reference):
        return line.gather([line.phrase("locked"), line.phrase("try_again")],
                           line.url(step="again"), repeat=False)
    if not answer.pin:  # nothing the caller could prove it with: an operator can help
        return not_found(line)
    return line.gather([line.phrase("ask_pin"), line.phrase("operator_hash")],
                       line.url(step="pin", kind=lookup.key, ref=answer.reference),
                       num_digits=None, repeat=False)


def step_pin(line: Line) -> HttpResponse:
    lookup = _lookup(line)
    if lookup is None or not line.state["ref"]:
        return step_menu(line)
    answer = import_string(lookup.find)(line.site, line.state["ref"])
    if answer is None:
        return not_found(line)
    typed = "".join(char for char in line.digits if char.isdigit())
    if typed == "0":
        return line.transfer()
    phone, valid = normalize_phone(line.caller, line.site)
    with transaction.atomic():
        # PINs typed at once on several calls are checked one after the other: no more
        # than three guesses get past the lock
        list(PhoneEndpoint.objects.select_for_update().filter(pk=line.endpoint.pk)
             .values_list("pk", flat=True))
        if locked(line.site, answer.reference):
            right = None
        elif pin_matches(answer, typed):
            right = True
        else:
            right = False
            PinAttempt.objects.create(site=line.site, reference=answer.reference,
                                      from_number=(phone if valid else line.caller)[:64])
    if right:
        return identify(line, lookup, answer, pin_ok=True)
    if right is None or locked(line.site, answer.reference):
        return identify(line, lookup, answer)
    return line.gather([line.phrase("wrong_pin"), line.phrase("ask_pin"),
                        line.phrase("operator_hash")],
                       line.url(step="pin", kind=lookup.key, ref=answer.reference),
                       num_digits=None, repeat=False)


def tell(line: Line, lookup, answer) -> HttpResponse:
    line.note(answer=answer, lookup=lookup, told=True)
    parts = [line.say(gettext("%(kind)s number %(digits)s.") % {
        "kind": answer.kind, "digits": spell_reference(answer.reference)})]
    parts.append(line.say(gettext("Status: %(status)s.") % {"status": answer.status}))
    if answer.addressee:
        parts.append(line.say(gettext("Handled by: %(addressee)s.") % {
            "addressee": answer.addressee}))
    if answer.expected:
        parts.append(line.say(gettext("Expected by %(date)s.") % {
            "date": spell_date(answer.expected)}))
    return line.gather(parts, line.url(step="told", kind=lookup.key, ref=answer.reference))


def step_told(line: Line) -> HttpResponse:
    lookup = _lookup(line)
    if line.digits == "0":
        return line.transfer()
    if lookup is None or not line.state["ref"]:
        return step_menu(line)
    if line.digits == "9":
        answer = import_string(lookup.find)(line.site, line.state["ref"])
        return identify(line, lookup, answer)
    return line.hang_up([line.phrase("goodbye")])


def step_again(line: Line) -> HttpResponse:
    if line.digits == "0":
        return line.transfer()
    return step_menu(line)


STEPS = {"": step_start, "lang": step_lang, "kind": step_kind, "ref": step_ref,
         "pin": step_pin, "told": step_told, "again": step_again}


def signature_ok(request, endpoint) -> bool:
    from twilio.request_validator import RequestValidator

    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not endpoint.voice_token:
        return False
    validator = RequestValidator(endpoint.voice_token)
    return validator.validate(request.build_absolute_uri(), request.POST, signature)


@csrf_exempt
@require_POST
def webhook(request):
    """Every step of a call to the status line of the town of this host name."""
    from addons.core.activation import is_enabled

    site = Site.find_for_request(request)
    endpoint = (PhoneEndpoint.objects.filter(site=site, voice_enabled=True).first()
                if site is not None and is_enabled("contacts", site) else None)
    if endpoint is None or not endpoint.voice_token:
        return HttpResponseNotFound()
    if not signature_ok(request, endpoint):
        return HttpResponseForbidden()
    line = Line(request, site, endpoint)
    step = STEPS.get(line.state["step"], step_start)
    with translation.override(line.lang):
        return step(line)
