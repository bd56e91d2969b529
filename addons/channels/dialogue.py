"""The conversation with a citizen (see README, "The conversation").

A deterministic dialogue, no outside service: :func:`handle` answers one event of a
conversation. The report being drafted lives in ``Conversation.draft["report"]`` and
``Conversation.state`` says which question waits for an answer ("describe", "category",
"place", "photos", "nearby", "anonymous", "confirm"; "idle" when no report is drafted,
"new" before the greeting). Whatever the state, the citizen may ask for a person
("operator"), their reports, the status of a reference number, or cancel.

Reports are filed through the chat intake of the add-on that declares one
(``AddonConfig.chat_intakes``, read through ``addons.core.registry``): this add-on imports
no other add-on. Every answer goes out through ``outbound.say``, in the conversation's
language, with buttons where the platform has them, else as numbered choices.
"""

from __future__ import annotations

import base64
import logging
import re
import time
from importlib import import_module

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from addons.accounts.merges import MergeRefused
from addons.accounts.verification import VerificationError
from addons.core import registry
from addons.core.intake import Source
from addons.core.references import LOOK_ALIKES, find_reference, lookups, normalize_reference

from . import language, linking, service_events
from .adapters import get_adapter
from .adapters.base import Button, DownloadError, InboundEvent, Outgoing
from .outbound import say

logger = logging.getLogger(__name__)

#: messages a chat may send in one minute before the dialogue goes quiet until it passes
FLOOD_PER_MINUTE = 20
#: photos kept with one report
MAX_PHOTOS = 3
#: categories offered at once, and after "other"
OFFERED = 3
MORE = 5
#: reports listed by "my reports"
MINE_LISTED = 10

#: what citizens type, in every language the dialogue speaks (compared folded, without
#: punctuation); the buttons say the same
OPERATOR_WORDS = {"operator", "/operator", "оператор", "operatorul", "human", "a human",
                  "person", "a person", "людина", "жива людина", "оператора", "човек",
                  "служител", "operator uman", "om"}
MINE_WORDS = {"my reports", "/mine", "/my", "мої звернення", "мої заявки",
              "мої повідомлення", "мої скарги", "rapoartele mele", "sesizările mele",
              "sesizarile mele", "sesizari", "моите сигнали", "моите заявки",
              "моите доклади"}
CANCEL_WORDS = {"cancel", "/cancel", "stop", "скасувати", "відмінити", "скасуй", "anulează",
                "anuleaza", "renunță", "renunta", "отказ", "откажи", "отмени"}
HELLO_WORDS = {"/start", "/help", "help", "start", "hello", "hi", "привіт", "вітаю",
               "допомога", "доброго дня", "ajutor", "salut", "bună ziua", "buna ziua",
               "bună", "buna", "помощ", "здравейте", "здрасти", "добър ден"}
PUNCTUATION = re.compile(r"[^\w\s/]+", re.UNICODE)

#: a reference as typed in a sentence: two letters (Cyrillic look-alikes read as Latin),
#: then up to three groups of digits joined by dashes or spaces
REFERENCE_IN_TEXT = re.compile(
    r"(?<!\w)([A-Z]{2}\s?[-\u2010-\u2015\u2212]?\s?\d+(?:\s?[-\u2010-\u2015\u2212]?\s?\d+){0,2})"
    r"(?!\w)")

REPORT_STATES = ("describe", "category", "place", "photos", "nearby", "anonymous",
                 "confirm")


def flood_limit() -> int:
    return int(getattr(settings, "CIVICDESK_CHANNELS_FLOOD_PER_MINUTE", FLOOD_PER_MINUTE))


def chat_intake(site):
    """The service module of the first chat intake of an add-on on at ``site``, or None."""
    from addons.core.activation import enabled_labels

    enabled = enabled_labels(site)
    for addon, item in registry.chat_intakes():
        if addon.label in enabled:
            return import_module(item.service)
    return None


def words_of(text: str) -> str:
    """``text`` folded, without punctuation, single-spaced: how commands are compared."""
    return " ".join(PUNCTUATION.sub(" ", (text or "").casefold()).split())


def references_in(text: str) -> list[str]:
    """The reference numbers written anywhere in ``text`` (normalised, in order)."""
    found = []
    upper = (text or "").upper().translate(LOOK_ALIKES)
    for match in REFERENCE_IN_TEXT.finditer(upper):
        value = normalize_reference(match.group(1))
        if value not in found:
            found.append(value)
    return found


def local_date(value) -> str:
    """A date in the active language's format ("" for none)."""
    if not value:
        return ""
    if hasattr(value, "date"):
        value = value.date()
    return formats.date_format(value, "DATE_FORMAT")


def current_minute() -> int:
    return int(time.time() // 60)


def _flooded(conversation) -> bool:
    """Whether this message is over the minute's limit: the first one over it gets a
    polite answer, the next ones none, until the minute passes."""
    key = f"channels:flood:{conversation.pk}:{current_minute()}"
    cache.add(key, 0, 120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 120)
        count = 1
    limit = flood_limit()
    if count <= limit:
        return False
    if count == limit + 1:
        with translation.override(conversation.language or None):
            say(conversation, Outgoing(text=_(
                "You are writing faster than I can read. Please wait a minute, then send "
                "your message again.")))
    return True


def _settle_language(conversation, event: InboundEvent) -> None:
    """Choose the conversation's language: the platform's, else the text's; a guess from
    the text may be corrected by the next messages, the platform's stays."""
    ranks = {"": -1, "site": 0, "text": 1, "platform": 2}
    current = conversation.draft.get("lang_by", "") if conversation.language else ""
    if current == "platform":
        return
    code, how = language.choose(conversation.site, event.language, event.text)
    if not conversation.language or (how != "site" and ranks[how] >= ranks[current]):
        conversation.language = code
        conversation.draft["lang_by"] = how


def handle(conversation, event: InboundEvent) -> None:
    """Answer one event of a conversation (silent while staff hold it)."""
    if conversation.with_staff:
        return
    if not isinstance(conversation.draft, dict):
        conversation.draft = {}
    if _flooded(conversation):
        return
    _settle_language(conversation, event)
    with translation.override(conversation.language):
        Dialogue(conversation, event).run()
    conversation.save(update_fields=["language", "state", "draft", "with_staff",
                                     "updated_at"])


class Dialogue:
    """One turn of a conversation: the event, and what is answered to it."""

    def __init__(self, conversation, event: InboundEvent):
        self.conversation = conversation
        self.event = event
        self.site = conversation.site
        self.draft = conversation.draft
        self.capabilities = get_adapter(conversation.channel).capabilities
        self._intake = None

    # --- saying -----------------------------------------------------------------------

    @property
    def report(self) -> dict:
        return self.draft.setdefault("report", {})

    @property
    def intake(self):
        if self._intake is None:
            self._intake = chat_intake(self.site) or False
        return self._intake or None

    def say(self, text: str, buttons=(), *, ask_location=False, ask_contact=False):
        """Send ``text``; ``buttons`` as ``(data, label)`` pairs: buttons where the platform
        has them, else numbered lines the citizen answers by typing the number."""
        buttons = [(data, str(label)) for data, label in buttons]
        if buttons:
            self.draft["choices"] = buttons
        if buttons and "buttons" not in self.capabilities:
            lines = [f"{number}. {label}" for number, (_data, label) in
                     enumerate(buttons, start=1)]
            text = "\n".join([text, "", *lines, _("Answer with the number of your choice.")])
            buttons = []
        say(self.conversation, Outgoing(
            text=text, buttons=tuple(Button(label, data) for data, label in buttons),
            ask_location=ask_location and "location" in self.capabilities,
            ask_contact=ask_contact and "contact" in self.capabilities,
            language=self.conversation.language))

    @property
    def state(self) -> str:
        return self.conversation.state

    @state.setter
    def state(self, value: str) -> None:
        self.conversation.state = value

    # --- the turn ---------------------------------------------------------------------

    def run(self) -> None:
        event, kind = self.event, self.event.kind
        text = (event.text or "").strip()
        if kind == "text" and text.startswith("/start "):
            kind, event.start = "start", text.split(None, 1)[1]
        if self.state == "new":
            self.greet()
            self.state = "idle"
            if kind == "start" and not event.start:
                return
            if kind == "text" and words_of(text) in HELLO_WORDS:
                return
        if kind == "start":
            return self.start(event.start)
        if kind == "edited":
            return self.say(_("I do not read edited messages. Please send the corrected "
                              "text as a new message."))
        if kind in ("sticker", "voice", "file", "unsupported"):
            return self.say(_("I can read text, photos and a shared location. Please write "
                              "what the problem is and where, or send a photo."))
        if kind == "contact":
            return self.contact()
        data = event.button if kind == "button" else (
            self.typed_choice(text) if kind == "text" else "")
        if data:
            return self.press(data)
        if kind == "location":
            return self.location()
        if kind == "photo":
            return self.photos()
        if kind == "text" and text:
            return self.text(text)
        return self.say(_("I can read text, photos and a shared location. Please write "
                          "what the problem is and where, or send a photo."))

    def typed_choice(self, text: str) -> str:
        """The button a typed answer stands for: its number or its label."""
        choices = self.draft.get("choices") or []
        if text.isdigit() and 1 <= int(text) <= len(choices):
            return choices[int(text) - 1][0]
        folded = words_of(text)
        for data, label in choices:
            if folded and folded == words_of(label):
                return data
        return ""

    def greet(self) -> None:
        self.say(_("Hello! I am the city’s automated assistant, not a person. Write what "
                   "the problem is and where, send a photo or your location, and I will "
                   "file a report. I also tell the status of a tracking number. To talk to "
                   "a person, write “operator”."),
                 [("mine", _("My reports")), ("operator", _("Operator"))])

    def text(self, text: str) -> None:
        folded = words_of(text)
        if folded in OPERATOR_WORDS:
            return self.operator()
        if folded in MINE_WORDS:
            return self.mine()
        if folded in CANCEL_WORDS:
            return self.cancel()
        if folded in HELLO_WORDS:
            return self.greet()
        if self.status(text):
            return None
        if self.state in ("idle", "describe", "category"):
            return self.describe(text)
        if self.state == "place":
            return self.place_from_text(text)
        return self.advance()

    def press(self, data: str) -> None:
        if data.startswith("fb:"):
            return self.feedback(data)
        simple = {"operator": self.operator, "mine": self.mine, "cancel": self.cancel,
                  "send": self.send, "ph:yes": self.keep_phone, "ph:no": self.drop_phone}
        if data in simple:
            return simple[data]()
        if not self.report or self.state not in REPORT_STATES:
            return self.say(_("That question is closed. Write what the problem is and "
                              "where, and I will file a report."))
        prefix, _sep, value = data.partition(":")
        if prefix == "cat" and self.state == "category":
            return self.choose_category(value)
        if data == "place:skip" and self.state == "place":
            if not self.intake.place_required(self.site, self.report["code"]):
                self.report["place"] = "skipped"
        elif data == "photos:done":
            self.report["photos_asked"] = True
        elif prefix == "co" and self.state == "nearby":
            return self.cosign(value)
        elif prefix == "anon" and self.state == "anonymous":
            self.report["anonymous"] = value == "yes"
        return self.advance()

    # --- the report -------------------------------------------------------------------

    def describe(self, text: str) -> None:
        """The citizen's words start a report, or add to the one being drafted."""
        if self.intake is None:
            return self.say(_("Reports cannot be filed in this chat at the moment. Write "
                              "“operator” to reach a person."))
        report = self.report
        report["text"] = f"{report['text']}\n{text}" if report.get("text") else text
        report.pop("code", None)
        if report.get("lat") is None:
            found = self.intake.locate(self.site, report["text"])
            if found:
                report.update(lat=found["lat"], lng=found["lng"],
                              address=found.get("address") or "", place="text")
        self.offer_categories()

    def offer_categories(self, more: bool = False) -> None:
        report = self.report
        limit = OFFERED + MORE if more else OFFERED
        found = self.intake.suggest(self.site, report["text"], limit=limit,
                                    lat=report.get("lat"), lng=report.get("lng"))
        if more:
            shown = set(report.get("offered") or [])
            found = [item for item in found if item["code"] not in shown]
        report["offered"] = [item["code"] for item in found]
        report["labels"] = [str(item["label"]) for item in found]
        report["more"] = more
        self.state = "category"
        if not found:
            return self.no_category()
        buttons = [(f"cat:{index}", item["label"]) for index, item in enumerate(found)]
        buttons.append(("cat:other", _("None of these") if more else _("Other")))
        lines = [_("I think it is one of these. Which one?")]
        if report.get("address"):
            lines.insert(0, _("The place: %(address)s.") % {"address": report["address"]})
        self.say("\n".join(lines), buttons)

    def no_category(self) -> None:
        self.state = "describe"
        self.report.pop("offered", None)
        self.say(_("I could not tell what kind of problem it is. Please describe it in "
                   "other words, or write “operator” to reach a person."))

    def choose_category(self, value: str) -> None:
        report = self.report
        if value == "other":
            return self.no_category() if report.get("more") else self.offer_categories(True)
        offered = report.get("offered") or []
        if not value.isdigit() or int(value) >= len(offered):
            return self.advance()
        report["code"] = offered[int(value)]
        report["label"] = report["labels"][int(value)]
        self.advance()

    def location(self) -> None:
        event = self.event
        reason = self.intake.check_place(self.site, event.lat, event.lng) if self.intake \
            else ""
        if reason:
            self.state = "place" if self.report.get("code") else self.state
            return self.say(
                _("%(reason)s Please share a place in the city, or write the address.")
                % {"reason": reason}, self.skip_button(), ask_location=True)
        self.report.update(lat=event.lat, lng=event.lng, address=event.text or "",
                           place="shared")
        self.advance(_("Thank you, I have the place."))

    def place_from_text(self, text: str) -> None:
        found = self.intake.locate(self.site, text)
        if not found:
            return self.say(_("I could not find this address in the city’s street "
                              "register. Write the street and the house number, or share "
                              "your location."), self.skip_button(), ask_location=True)
        self.report.update(lat=found["lat"], lng=found["lng"],
                           address=found.get("address") or "", place="text")
        self.advance(_("The place: %(address)s.") % {"address": self.report["address"]})

    def skip_button(self) -> list:
        code = self.report.get("code")
        if code and not self.intake.place_required(self.site, code):
            return [("place:skip", _("Skip the place"))]
        return []

    def photos(self) -> None:
        report = self.report
        kept = report.setdefault("photos", [])
        refused = 0
        adapter = get_adapter(self.conversation.channel)
        for ref in self.event.photos:
            if len(kept) >= MAX_PHOTOS:
                break
            try:
                kept.append(base64.b64encode(adapter.download(ref)).decode("ascii"))
            except DownloadError as error:
                logger.info("Channels: photo %s refused: %s", ref, error)
                refused += 1
        notes = []
        if refused:
            notes.append(_("I could not take this photo (it may be too large or not a "
                           "picture). You can send another one."))
        elif self.event.photos:
            notes.append(ngettext("I have %(count)d photo.", "I have %(count)d photos.",
                                  len(kept)) % {"count": len(kept)})
        caption = (self.event.text or "").strip()
        if caption and self.state in ("idle", "describe", "category"):
            if notes:
                self.say(" ".join(notes))
            return self.describe(caption)
        self.advance(" ".join(notes))

    def advance(self, before: str = "") -> None:
        """Ask the next question the draft needs (the current one again when unanswered)."""
        report, intake = self.report, self.intake
        lead = [before] if before else []

        def ask(state, text, buttons=(), **options):
            self.state = state
            self.say("\n".join([*lead, text]), buttons, **options)

        if not report.get("text"):
            return ask("describe", _("What is the problem? Describe it in a few words."))
        if intake is None:
            return self.describe(report["text"])
        if not report.get("code"):
            if lead:
                self.say("\n".join(lead))
            return self.offer_categories(bool(report.get("more")))
        if report.get("lat") is None and report.get("place") != "skipped":
            if not self.skip_button():
                report.pop("place", None)
            return ask("place", _("Where is it? Share your location, or write the street "
                                  "and the house number."), self.skip_button(),
                       ask_location=True)
        if "photos" in self.capabilities and not report.get("photos") \
                and not report.get("photos_asked"):
            return ask("photos", _("Do you have a photo? Send it now, or go on without "
                                   "one."), [("photos:done", _("Go on without a photo"))])
        if report.get("photos") and not report.get("photos_asked") \
                and len(report["photos"]) < MAX_PHOTOS and self.state == "photos":
            return ask("photos", _("Send another photo, or go on."),
                       [("photos:done", _("Go on"))])
        if report.get("lat") is not None and not report.get("nearby_done"):
            report["nearby_done"] = True
            near = intake.nearby(self.site, report["code"], report["lat"], report["lng"])[:3]
            if near:
                report["near"] = [answer.reference for answer in near]
                lines = [_("There are open reports close by. Is yours one of them?")]
                lines += [f"• {answer.reference}: {answer.status}" for answer in near]
                buttons = [(f"co:{answer.reference}", answer.reference) for answer in near]
                buttons.append(("co:new", _("No, mine is new")))
                return ask("nearby", "\n".join(lines), buttons)
        if report.get("anonymous") is None:
            if self.conversation.display_name and intake.anonymous_allowed(
                    self.site, report["code"]):
                return ask("anonymous", _("May your name be shown with the report?"),
                           [("anon:no", _("Yes, with my name")),
                            ("anon:yes", _("No, anonymously"))])
            report["anonymous"] = False
        ask("confirm", self.summary(), [("send", _("Send the report")),
                                         ("cancel", _("Cancel"))])

    def summary(self) -> str:
        report = self.report
        if report.get("address"):
            place = report["address"]
        elif report.get("lat") is not None:
            place = _("the location you shared")
        else:
            place = _("not given")
        lines = [_("Your report:"),
                 _("Kind: %(label)s") % {"label": report.get("label", "")},
                 _("Description: %(text)s") % {"text": report.get("text", "")},
                 _("Place: %(place)s") % {"place": place}]
        count = len(report.get("photos") or [])
        if count:
            lines.append(ngettext("%(count)d photo", "%(count)d photos", count)
                         % {"count": count})
        if report.get("anonymous"):
            lines.append(_("Filed anonymously."))
        lines.append(_("Shall I send it?"))
        return "\n".join(lines)

    def cosign(self, reference: str) -> None:
        report = self.report
        if reference == "new" or reference not in (report.get("near") or []):
            return self.advance()
        answer = self.intake.cosign(self.site, reference,
                                    person=linking.person_of(self.conversation))
        if answer is None:
            return self.advance(_("I could not add you to that report; I will file "
                                  "yours."))
        self.clear()
        self.say(_("Thank you: you have joined report %(reference)s (%(status)s). I will "
                   "tell you here how it goes.")
                 % {"reference": answer.reference, "status": answer.status})

    def send(self) -> None:
        report = self.report
        if self.state != "confirm" or self.intake is None:
            return self.advance() if report else self.say(
                _("There is no report to send. Write what the problem is and where."))
        person = linking.person_of(self.conversation)
        phone = sorted(linking.verified_identities(person).get("phone", ()))
        anonymous = bool(report.get("anonymous"))
        data = {
            "code": report["code"], "description": report["text"],
            "lat": report.get("lat"), "lng": report.get("lng"),
            "address": report.get("address", ""),
            "photos": [base64.b64decode(item) for item in report.get("photos") or []],
            "anonymous": anonymous,
            "name": "" if anonymous else self.conversation.display_name,
            "phone": phone[0] if phone else "", "language": self.conversation.language,
        }
        try:
            answer = self.intake.file(self.site, data, person=person, source=Source.CHAT)
        except ValidationError as error:
            return self.refused(error)
        self.clear()
        # saved with the conversation at the end of the turn (``handle``)
        service_events.closed(self.conversation, "filed", self.conversation.channel.platform)
        lines = [_("Thank you! Your report is filed under number %(reference)s.")
                 % {"reference": answer.reference}]
        if answer.addressee:
            lines.append(_("Who handles it: %(addressee)s.") % {"addressee": answer.addressee})
        if answer.expected:
            lines.append(_("Expected to be resolved by %(date)s.")
                         % {"date": local_date(answer.expected)})
        lines.append(_("I will tell you here of every change."))
        self.say("\n".join(lines))

    def refused(self, error: ValidationError) -> None:
        """The intake refused the report: say why, keep the draft, ask again what it
        refused (a photo refused is left out)."""
        fields = error.message_dict if hasattr(error, "error_dict") else {}
        messages = [str(message) for message in error.messages]
        report = self.report
        if "photos" in fields:
            report["photos"], report["photos_asked"] = [], True
        if {"lat", "lng", "address", "place"} & set(fields):
            for key in ("lat", "lng", "address", "place"):
                report.pop(key, None)
            report["nearby_done"] = False
        if "code" in fields:
            report.pop("code", None)
        self.advance(_("The report could not be filed: %(reasons)s")
                     % {"reasons": " ".join(messages)})

    def clear(self) -> None:
        self.draft.pop("report", None)
        self.draft.pop("choices", None)
        self.state = "idle"

    def cancel(self) -> None:
        had = bool(self.draft.get("report"))
        self.clear()
        self.say(_("The report was cancelled. Write again whenever you need.") if had
                 else _("There is nothing to cancel."))

    # --- following ----------------------------------------------------------------------

    def status(self, text: str) -> bool:
        """Answer every reference number in ``text``; False when there is none."""
        wanted = [value for value in references_in(text)
                  if any(re.fullmatch(lookup.pattern, value, re.IGNORECASE)
                         for _addon, lookup in lookups(self.site))]
        if not wanted:
            return False
        person = linking.known_person(self.conversation)
        verified = linking.verified_identities(person)
        lines, ask_contact = [], False
        for value in wanted:
            answer = find_reference(self.site, value)
            if answer is not None and (answer.public or _owns(verified, answer.owners)):
                lines.append(self.told(answer))
            else:
                # the same words whether it does not exist or is not for this chat: a
                # confidential record's existence is not told either
                ask_contact = ask_contact or "phone" not in verified
                lines.append(_("I have nothing I may tell you about %(reference)s. If it is "
                               "yours, link this chat to your account in the cabinet or "
                               "share your phone number, then ask again.")
                             % {"reference": value})
        self.say("\n\n".join(lines), ask_contact=ask_contact)
        return True

    def told(self, answer) -> str:
        lines = [_("%(kind)s %(reference)s: %(status)s.")
                 % {"kind": answer.kind, "reference": answer.reference,
                    "status": answer.status}]
        if answer.addressee:
            lines.append(_("Who handles it: %(addressee)s.") % {"addressee": answer.addressee})
        if answer.expected:
            lines.append(_("Expected by %(date)s.") % {"date": local_date(answer.expected)})
        return "\n".join(lines)

    def mine(self) -> None:
        person = linking.known_person(self.conversation)
        answers = self.intake.mine(self.site, person) if person and self.intake else []
        if not answers:
            return self.say(_("I know of no report of yours yet. Reports you file here are "
                              "listed; to see those filed on the site, link this chat in "
                              "your cabinet."))
        lines = [_("Your reports:")]
        for answer in answers[:MINE_LISTED]:
            line = f"• {answer.reference}: {answer.status}"
            if answer.expected:
                line += " " + _("(expected by %(date)s)") % {
                    "date": local_date(answer.expected)}
            lines.append(line)
        self.say("\n".join(lines))

    def feedback(self, data: str) -> None:
        parts = data.split(":")
        answer, rating, reference = parts[1] if len(parts) > 1 else "", None, ""
        if answer in ("confirm", "reopen") and len(parts) == 3:
            reference = parts[2]
        elif answer == "rate" and len(parts) == 4 and parts[2] in {"1", "2", "3", "4", "5"}:
            rating, reference = int(parts[2]), parts[3]
        if not reference or self.intake is None:
            return self.say(_("That question is closed."))
        reply = self.intake.feedback(self.site, reference,
                                     person=linking.known_person(self.conversation),
                                     answer=answer, rating=rating)
        self.say(str(reply) if reply else _("Thank you for your answer."))

    # --- people -------------------------------------------------------------------------

    def operator(self) -> None:
        self.conversation.with_staff = True
        service_events.asked_for_staff(self.conversation)
        self.say(_("I have asked a member of staff to answer you here. Until they do, I "
                   "stay silent."))
        notify_staff_of(self.conversation, self.event)

    def contact(self) -> None:
        event = self.event
        if not event.contact_phone:
            return self.say(_("I can read text, photos and a shared location. Please write "
                              "what the problem is and where, or send a photo."))
        if not event.user_id or str(event.contact_user_id) != str(event.user_id):
            return self.say(_("I can only keep your own phone number. Please share your "
                              "own contact."), ask_contact=True)
        self.draft["phone_pending"] = event.contact_phone
        self.say(_("May I keep %(phone)s as your phone number, to recognise you and to "
                   "tell you about your reports?") % {"phone": event.contact_phone},
                 [("ph:yes", _("Yes")), ("ph:no", _("No"))])

    def keep_phone(self) -> None:
        phone = self.draft.pop("phone_pending", "")
        if not phone:
            return self.say(_("That question is closed."))
        try:
            value = linking.add_phone(self.conversation, phone)
        except VerificationError as error:
            if error.code == "conflict":
                return self.say(_("This number is already confirmed for another person in "
                                  "the city’s records. The contact center can join the "
                                  "two: write “operator”."))
            return self.say(_("This does not look like a phone number."))
        self.say(_("Thank you, your phone number %(phone)s is kept.") % {"phone": value})

    def drop_phone(self) -> None:
        self.draft.pop("phone_pending", None)
        self.say(_("All right, your phone number was not kept."))

    def start(self, token: str) -> None:
        if not token:
            return self.greet()
        try:
            user = linking.read_start_token(self.site, token)
        except linking.BadStartToken:
            return self.say(_("This link is not valid or has expired, and nothing was "
                              "linked. Open it again from your cabinet."))
        try:
            linking.link_account(self.conversation, user)
        except MergeRefused:
            return self.say(_("This chat is already linked to another person in the city’s "
                              "records. The contact center can join the two: write "
                              "“operator”."))
        self.say(_("This chat is now linked to your account. Ask “my reports” at any "
                   "time."), [("mine", _("My reports"))])


def _owns(verified: dict, owners: dict) -> bool:
    return any(verified.get(kind, set()) & set(values) for kind, values in
               (owners or {}).items())


# --- staff ------------------------------------------------------------------------------

CONSOLE_PERMISSION = ("contacts", "use_console")


def staff_for(site) -> list:
    """Who answers a chat handed to a person: the contact center's staff (holders of
    ``contacts.use_console``) where the contact center is on at ``site``, else whoever
    handles the site's records (its reception office, else its administrators)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from addons.core.activation import enabled_labels
    from addons.core.staffing import handlers_for

    app, codename = CONSOLE_PERMISSION
    if app in enabled_labels(site):
        users = list(get_user_model().objects.filter(is_active=True).filter(
            Q(user_permissions__codename=codename,
              user_permissions__content_type__app_label=app)
            | Q(groups__permissions__codename=codename,
                groups__permissions__content_type__app_label=app)).distinct().order_by("pk"))
        if users:
            return users
    return handlers_for(None, site=site).users


def notify_staff_of(conversation, event: InboundEvent) -> list:
    """Tell the staff that ``conversation`` asks for a person (core notifications)."""
    from addons.core.notifications import notify_staff

    context = {"platform": conversation.channel.get_platform_display(),
               "name": conversation.display_name or conversation.chat_id,
               "text": (event.text or "")[:300], "conversation": conversation.pk}
    return notify_staff(staff_for(conversation.site), "channels.operator", context,
                        site=conversation.site,
                        key=f"channels.operator:{conversation.pk}:{event.external_id}")
