"""The conversation (``addons.channels.dialogue``): events stored and processed as the
webhook does (``inbound.store`` then ``inbound.process``), on the site chat (buttons, no
network) and on a platform without buttons played by the local platform server; reports
filed through a test chat intake (``fake_intake``) instead of the reports add-on."""

import itertools

import pytest
from django.contrib.auth.models import Permission

from addons.accounts.models import Identity, IdentityKind, Person, Verification
from addons.channels import dialogue, inbound, linking
from addons.channels.adapters import ADAPTERS
from addons.channels.adapters.base import InboundEvent
from addons.channels.models import Channel, Conversation, Message
from addons.core import registry
from addons.core.addon import ChatIntake, StatusLookup
from addons.core.models import Notification, SiteProfile
from tests.conftest import add_town

from . import fake_intake

pytestmark = pytest.mark.django_db

_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def intake(monkeypatch):
    """The test chat intake and status lookups are the only ones of the installation."""
    for config in registry.addons():
        monkeypatch.setattr(config, "chat_intakes", (), raising=False)
        monkeypatch.setattr(config, "status_lookup", (), raising=False)
    config = registry.get_addon("channels")
    monkeypatch.setattr(config, "chat_intakes", (ChatIntake(
        key="fake", title="Fake reports", service="tests.channels.fake_intake"),))
    monkeypatch.setattr(config, "status_lookup", (
        StatusLookup(key="fake-reports", title="Reports", pattern=r"PR-?\d{4}-?\d{1,6}",
                     find="tests.channels.fake_intake.find", prefix="PR"),
        StatusLookup(key="fake-appeals", title="Appeals", pattern=r"AP-?\d{4}-?\d{1,6}",
                     find="tests.channels.fake_intake.find", prefix="AP")))
    monkeypatch.setitem(ADAPTERS, "plainchat", "tests.channels.fake_intake.PlainChatAdapter")
    fake_intake.reset()
    yield fake_intake
    fake_intake.reset()


@pytest.fixture
def english(site):
    SiteProfile.objects.update_or_create(site=site, defaults={"default_language": "en"})
    return site


@pytest.fixture
def chat(english):
    return Channel.objects.create(site=english, platform="webchat", name="City chat")


@pytest.fixture
def plain(english, platform_server):
    return Channel.objects.create(site=english, platform="plainchat",
                                  api_base=platform_server.url)


def send(channel, kind="text", text="", *, chat="c1", user="u1", name="Olena", **fields):
    """One event delivered by ``channel``'s platform, stored and processed."""
    event = InboundEvent(external_id=f"e{next(_ids)}", chat_id=chat, kind=kind, text=text,
                         user_id=user, name=name, **fields)
    ids = inbound.store(channel, [event])
    for pk in ids:
        inbound.process(pk)
    return Conversation.objects.get(channel=channel, chat_id=chat)


def answers(conversation, since=0):
    rows = conversation.messages.filter(direction=Message.Direction.OUTBOUND).order_by("pk")
    return list(rows)[since:]


def last(conversation) -> Message:
    return answers(conversation)[-1]


def buttons(message) -> list:
    return [data for _label, data in message.payload["buttons"]]


def report_to_confirm(channel, text="There is a big pothole on Florilor street 15", **kw):
    """A report up to its summary: first message, first category, no photo."""
    send(channel, text=text, **kw)
    send(channel, "button", button="cat:0", **kw)
    conversation = send(channel, "button", button="photos:done", **kw)
    if conversation.state == "anonymous":
        conversation = send(channel, "button", button="anon:no", **kw)
    return conversation


# --- first contact and languages -----------------------------------------------------------


def test_first_message_says_it_is_automated_and_how_to_reach_a_person(chat):
    conversation = send(chat, text="Hello")
    greeting = last(conversation)
    assert "automated assistant" in greeting.text and "operator" in greeting.text
    assert buttons(greeting) == ["mine", "operator"]
    assert conversation.state == "idle" and conversation.language == "en"


def test_platform_language_is_used_when_the_site_offers_it(chat):
    conversation = send(chat, text="Hello", language="uk")
    assert conversation.language == "uk"
    assert "автоматичний помічник" in last(conversation).text


def test_platform_language_the_site_does_not_offer_falls_back_to_the_text(chat):
    SiteProfile.objects.filter(site=chat.site).update(content_languages=["en", "ro", "bg"])
    conversation = send(chat, text="Este o groapă mare pe strada Florilor", language="uk")
    assert conversation.language == "ro"
    assert "asistentul automat" in answers(conversation)[0].text


@pytest.mark.parametrize(("text", "code", "phrase"), [
    ("Біля будинку велика яма на Городоцькій", "uk", "автоматичний помічник"),
    ("Este o groapa mare pe strada Florilor", "ro", "asistentul automat"),
    ("Има голяма дупка на ул. Раковски", "bg", "автоматизираният помощник"),
    ("There is a pothole near my house", "en", "automated assistant"),
])
def test_language_is_detected_from_the_text_and_answers_are_translated(chat, text, code,
                                                                        phrase):
    conversation = send(chat, text=text)
    assert conversation.language == code
    greeting, offer = answers(conversation)[:2]
    assert phrase in greeting.text
    if code != "en":
        assert "I think it is one of these" not in offer.text


def test_detector_rules():
    assert language_detect("Ліхтар не світить") == "uk"
    assert language_detect("Счупена лампа пред блока, няма ток") == "bg"
    assert language_detect("Becul nu functioneaza pe strada Unirii") == "ro"
    assert language_detect("Nu merge becul în parc") == "ro"
    assert language_detect("ima dupka na ulica") == "bg"
    assert language_detect("12345") == ""


def language_detect(text):
    from addons.channels.language import detect

    return detect(text)


def test_ukrainian_conversation_gets_ukrainian_questions(chat):
    conversation = send(chat, text="Велика яма біля школи", language="uk")
    offer = last(conversation)
    assert "Що саме?" in offer.text
    assert offer.payload["buttons"][0][0] == "Яма"  # the intake answered in Ukrainian


# --- the report ----------------------------------------------------------------------------


def test_whole_report_with_address_in_the_text(chat, intake):
    conversation = send(chat, text="There is a big pothole on Florilor street 15")
    offer = last(conversation)
    assert conversation.state == "category"
    assert buttons(offer) == ["cat:0", "cat:1", "cat:2", "cat:other"]
    assert "strada Florilor 15" in offer.text
    conversation = send(chat, "button", button="cat:0")
    assert conversation.state == "photos"  # the place came from the text
    conversation = send(chat, "button", button="photos:done")
    assert conversation.state == "anonymous"
    conversation = send(chat, "button", button="anon:no")
    summary = last(conversation)
    assert conversation.state == "confirm"
    assert "Pothole" in summary.text and "strada Florilor 15" in summary.text
    assert buttons(summary) == ["send", "cancel"]
    conversation = send(chat, "button", button="send")
    done = last(conversation).text
    assert "PR-2026-000001" in done and "Roads department" in done
    assert "Dec. 21, 2026" in done
    site_id, data, person, source = intake.FILED[0]
    assert source == "chat" and data["code"] == "pothole"
    assert data["description"] == "There is a big pothole on Florilor street 15"
    assert data["lat"] == 47.02 and data["address"] == "strada Florilor 15"
    assert data["anonymous"] is False and data["name"] == "Olena"
    assert person == conversation.person
    identity = Identity.objects.get(person=person, kind=IdentityKind.WEBCHAT)
    assert identity.value == "u1" and identity.verified_how == Verification.CHANNEL
    assert conversation.state == "idle" and "report" not in conversation.draft


def test_expected_date_is_formatted_in_the_language(chat):
    conversation = report_to_confirm(chat, "Велика яма на Городоцькій 5", )
    assert conversation.language == "uk"
    conversation = send(chat, "button", button="send")
    assert "21 грудня 2026" in last(conversation).text


def test_other_offers_more_categories_then_asks_for_other_words(chat):
    send(chat, text="pothole on Florilor 3")
    conversation = send(chat, "button", button="cat:other")
    more = last(conversation)
    assert "cat:0" in buttons(more) and len(buttons(more)) == 3  # two more and "none"
    assert conversation.draft["report"]["offered"] == ["graffiti", "tree"]
    conversation = send(chat, "button", button="cat:other")
    assert conversation.state == "describe"
    assert "other words" in last(conversation).text
    conversation = send(chat, text="a fallen tree")
    assert conversation.state == "category"
    assert conversation.draft["report"]["text"] == "pothole on Florilor 3\na fallen tree"


def test_text_without_any_category_asks_again(chat):
    conversation = send(chat, text="zzz")
    assert conversation.state == "describe"


def test_location_shared(chat):
    send(chat, text="a pothole here")
    conversation = send(chat, "button", button="cat:0")
    assert conversation.state == "place" and last(conversation).payload["ask_location"]
    assert "place:skip" not in buttons(last(conversation))  # required for potholes
    conversation = send(chat, "location", lat=47.5, lng=28.5)
    assert conversation.state == "photos"
    assert conversation.draft["report"]["lat"] == 47.5


def test_location_outside_the_city_is_said_and_asked_again(chat):
    send(chat, text="a pothole here")
    send(chat, "button", button="cat:0")
    conversation = send(chat, "location", lat=10.0, lng=10.0)
    message = last(conversation)
    assert "outside the city" in message.text and message.payload["ask_location"]
    assert conversation.state == "place" and conversation.draft["report"].get("lat") is None


def test_address_typed_when_asked_and_an_unknown_one(chat):
    send(chat, text="a pothole here")
    send(chat, "button", button="cat:0")
    conversation = send(chat, text="Nowhere lane")
    assert "street register" in last(conversation).text and conversation.state == "place"
    conversation = send(chat, text="on Florilor 8")
    assert conversation.draft["report"]["address"] == "strada Florilor 8"
    assert conversation.state == "photos"


def test_place_skipped_where_the_category_allows(chat, intake):
    send(chat, text="the street light is broken")
    conversation = send(chat, "button", button="cat:0")
    assert conversation.draft["report"]["code"] == "light"
    assert "place:skip" in buttons(last(conversation))
    send(chat, "button", button="place:skip")
    conversation = send(chat, "button", button="photos:done")
    assert conversation.state == "confirm"  # lights are never anonymous: not asked
    assert "not given" in last(conversation).text
    send(chat, "button", button="send")
    assert intake.FILED[0][1]["lat"] is None


def test_skip_refused_where_the_place_is_required(chat):
    send(chat, text="a pothole here")
    send(chat, "button", button="cat:0")
    conversation = send(chat, "button", button="place:skip")
    assert conversation.state == "place"


def test_photos_downloaded_and_filed_as_bytes(plain, platform_server, intake):
    platform_server.route("GET", "/files/1", (200, b"\xff\xd8JPEG-1"))
    conversation = send(plain, "photo", text="pothole on Florilor 2",
                        photos=(f"{platform_server.url}/files/1",))
    assert conversation.draft["report"]["photos"]
    send(plain, text="1")  # the first category, typed
    conversation = send(plain, text="1")  # "with my name"
    assert conversation.state == "confirm"
    assert "1 photo" in last(conversation).text
    send(plain, text="1")  # send
    assert intake.FILED[0][1]["photos"] == [b"\xff\xd8JPEG-1"]
    assert platform_server.sent("/files/1", "GET")


def test_photo_too_large_is_refused_and_the_conversation_goes_on(plain, platform_server):
    platform_server.route("GET", "/files/big", (200, b"x" * 5000))
    send(plain, text="pothole on Florilor 2")
    send(plain, text="1")
    conversation = send(plain, "photo", photos=(f"{platform_server.url}/files/big",))
    assert "could not take this photo" in last(conversation).text
    assert conversation.state == "photos" and not conversation.draft["report"]["photos"]
    platform_server.route("GET", "/files/ok", (200, b"small"))
    conversation = send(plain, "photo", photos=(f"{platform_server.url}/files/ok",))
    assert "I have 1 photo." in last(conversation).text


def test_photo_refused_by_the_pipeline_at_filing(plain, platform_server, intake):
    platform_server.route("GET", "/files/bomb", (200, b"BOMB" + b"0" * 10))
    send(plain, "photo", text="pothole on Florilor 2",
         photos=(f"{platform_server.url}/files/bomb",))
    send(plain, text="1")
    send(plain, text="1")
    conversation = send(plain, text="1")  # send: refused for the photo
    message = last(conversation)
    assert "not a valid image" in message.text and conversation.state == "confirm"
    assert conversation.draft["report"]["photos"] == []
    send(plain, text="1")
    assert intake.FILED and intake.FILED[0][1]["photos"] == []


def test_numbered_choices_without_buttons(plain, platform_server):
    conversation = send(plain, text="pothole on Florilor 2")
    offer = last(conversation)
    assert offer.payload["buttons"] == []
    assert "1. Pothole" in offer.text and "4. Other" in offer.text
    assert "number of your choice" in offer.text
    conversation = send(plain, text="Pothole")  # the label typed works too
    assert conversation.draft["report"]["code"] == "pothole"
    assert platform_server.sent("/send", "POST")


def test_validation_error_says_what_is_wrong_and_keeps_the_draft(chat, intake,
                                                                 monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(site, data, *, person, source):
        raise ValidationError({"description": ["Write at least ten words."]})

    report_to_confirm(chat)
    monkeypatch.setattr(fake_intake, "file", refuse)
    conversation = send(chat, "button", button="send")
    assert "Write at least ten words." in last(conversation).text
    assert conversation.state == "confirm" and conversation.draft["report"]["code"]


def test_anonymous_asked_only_where_allowed_and_filed(chat, intake):
    report_to_confirm(chat)  # answered "with my name"
    send(chat, "button", button="cancel")
    send(chat, text="pothole on Florilor 1")
    send(chat, "button", button="cat:0")
    send(chat, "button", button="photos:done")
    conversation = send(chat, "button", button="anon:yes")
    assert "anonymously" in last(conversation).text
    send(chat, "button", button="send")
    assert intake.FILED[0][1]["anonymous"] is True and intake.FILED[0][1]["name"] == ""


def test_open_report_nearby_is_cosigned_instead_of_filed(chat, intake):
    intake.add_record(chat.site, "PR-2026-000077", lat=47.021, lng=28.831,
                      status="In progress")
    send(chat, text="pothole on Florilor 15")
    send(chat, "button", button="cat:0")
    conversation = send(chat, "button", button="photos:done")
    assert conversation.state == "nearby"
    assert "PR-2026-000077: In progress" in last(conversation).text
    assert buttons(last(conversation)) == ["co:PR-2026-000077", "co:new"]
    conversation = send(chat, "button", button="co:PR-2026-000077")
    assert "joined report PR-2026-000077" in last(conversation).text
    assert intake.COSIGNED[0][1] == "PR-2026-000077" and not intake.FILED
    assert conversation.state == "idle"


def test_nearby_declined_files_a_new_report(chat, intake):
    intake.add_record(chat.site, "PR-2026-000077", lat=47.021, lng=28.831)
    send(chat, text="pothole on Florilor 15")
    send(chat, "button", button="cat:0")
    send(chat, "button", button="photos:done")
    conversation = send(chat, "button", button="co:new")
    assert conversation.state == "anonymous"


def test_cancel_drops_the_draft(chat):
    send(chat, text="pothole on Florilor 15")
    conversation = send(chat, text="cancel")
    assert conversation.state == "idle" and "report" not in conversation.draft
    assert "cancelled" in last(conversation).text


def test_stale_button_is_answered_politely(chat):
    send(chat, text="Hello")
    conversation = send(chat, "button", button="cat:2")
    assert "question is closed" in last(conversation).text


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sticker", "voice", "file", "unsupported"])
def test_what_is_not_read_gets_a_polite_answer(chat, kind):
    send(chat, text="Hello")
    conversation = send(chat, kind)
    assert "text, photos and a shared location" in last(conversation).text


def test_sticker_in_ukrainian(chat):
    send(chat, text="Привіт", language="uk")
    conversation = send(chat, "sticker", language="uk")
    assert "текст, фото" in last(conversation).text


def test_edited_message_is_not_read(chat):
    send(chat, text="pothole on Florilor 15")
    conversation = send(chat, "edited", text="pothole on Florilor 17")
    assert "edited messages" in last(conversation).text
    assert conversation.draft["report"]["text"] == "pothole on Florilor 15"


def test_flood_gets_one_answer_then_silence_until_the_minute_passes(chat, settings,
                                                                     monkeypatch):
    settings.CIVICDESK_CHANNELS_FLOOD_PER_MINUTE = 3
    now = [1_000_000]
    monkeypatch.setattr(dialogue, "current_minute", lambda: now[0])
    for _ in range(3):
        conversation = send(chat, text="Hello")
    count = len(answers(conversation))
    conversation = send(chat, text="hello?")
    assert len(answers(conversation)) == count + 1
    assert "faster than I can read" in last(conversation).text
    for _ in range(4):
        conversation = send(chat, text="hello??")
    assert len(answers(conversation)) == count + 1
    now[0] += 1
    conversation = send(chat, text="Hello")
    assert len(answers(conversation)) == count + 2


def test_flood_is_counted_per_chat(chat, settings):
    settings.CIVICDESK_CHANNELS_FLOOD_PER_MINUTE = 2
    for _ in range(3):
        send(chat, text="Hello", chat="a")
    other = send(chat, text="Hello", chat="b")
    assert "automated" in last(other).text


# --- references ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [
    "What about PR-2026-000042?", "pr 2026 42 please", "статус РR2026000042",
    "PR\u20132026\u201342",
])
def test_reference_anywhere_in_a_message_answers_its_status(chat, intake, typed):
    intake.add_record(chat.site, "PR-2026-000042", status="In progress")
    send(chat, text="Hello")
    conversation = send(chat, text=typed)
    message = last(conversation).text
    assert "PR-2026-000042: In progress" in message and "Roads department" in message
    assert "Dec. 21, 2026" in message


def test_reference_of_another_town_is_not_found(chat, intake):
    town = add_town("town2.example.org", jurisdiction="ro", language="en")
    intake.add_record(town, "PR-2026-000042", status="In progress")
    conversation = send(chat, text="PR-2026-000042")
    message = last(conversation).text
    assert "nothing I may tell you about PR-2026-000042" in message
    assert "In progress" not in message


def test_appeal_asked_by_an_unverified_chat_says_nothing_personal(chat, intake):
    intake.add_record(chat.site, "AP-2026-000005", public=False, kind="Appeal",
                      status="Answer being prepared", owners={"phone": {"+380501234567"}})
    conversation = send(chat, text="my appeal АР-2026-5?")
    message = last(conversation)
    assert "nothing I may tell you about AP-2026-5" in message.text
    assert "Answer being prepared" not in message.text
    assert "Roads department" not in message.text and "2026" not in message.text.replace(
        "AP-2026-5", "")


def test_appeal_told_to_a_chat_with_the_owners_verified_phone(chat, intake):
    intake.add_record(chat.site, "AP-2026-000005", public=False, kind="Appeal",
                      status="Answer being prepared", owners={"phone": {"+380501234567"}})
    send(chat, "contact", contact_phone="+380501234567", contact_user_id="u1")
    send(chat, "button", button="ph:yes")
    conversation = send(chat, text="AP-2026-000005")
    assert "Appeal AP-2026-000005: Answer being prepared" in last(conversation).text


def test_my_reports_lists_the_persons_reports(chat, intake):
    conversation = send(chat, text="my reports")
    assert "no report of yours" in last(conversation).text
    report_to_confirm(chat)
    send(chat, "button", button="send")
    conversation = send(chat, "button", button="mine")
    assert "PR-2026-000001: Registered" in last(conversation).text


def test_my_reports_in_every_language(chat):
    for words, phrase in [("мої звернення", "Я ще не знаю"), ("sesizările mele", "Nu știu încă"),
                          ("моите сигнали", "Не знам все още")]:
        conversation = send(chat, text=words)
        assert phrase in last(conversation).text, words


# --- after "resolved" ----------------------------------------------------------------------


@pytest.mark.parametrize(("data", "answer", "rating", "reply"), [
    ("fb:confirm:PR-2026-000003", "confirm", None, "Glad it is fixed."),
    ("fb:reopen:PR-2026-000003", "reopen", None, "The report is open again."),
    ("fb:rate:4:PR-2026-000003", "rate", 4, "Thank you for the 4."),
])
def test_feedback_buttons(chat, intake, data, answer, rating, reply):
    send(chat, text="Hello")
    conversation = send(chat, "button", button=data)
    assert last(conversation).text == reply
    assert intake.FEEDBACK == [(chat.site.pk, "PR-2026-000003", None, answer, rating)]


def test_feedback_with_a_bad_rating_is_refused(chat, intake):
    conversation = send(chat, "button", button="fb:rate:9:PR-2026-000003")
    assert "question is closed" in last(conversation).text and not intake.FEEDBACK


# --- people --------------------------------------------------------------------------------


def _console_operator(username="olena"):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="x-Long-Pass-42",
        is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="use_console"))
    return user


def test_operator_hands_the_chat_to_staff_who_are_notified(chat):
    operator = _console_operator()
    send(chat, text="pothole on Florilor 15")
    conversation = send(chat, text="Operator!")
    assert conversation.with_staff
    assert "member of staff" in last(conversation).text
    row = Notification.objects.get(recipient=operator, event="channels.operator")
    assert "Olena" in row.subject and "Operator!" in row.body
    count = len(answers(conversation))
    conversation = send(chat, text="hello? anyone?")
    assert len(answers(conversation)) == count  # silent while with staff


def test_operator_in_ukrainian_and_by_button(chat):
    conversation = send(chat, text="оператор", language="uk")
    assert conversation.with_staff and "працівник" in last(conversation).text
    other = send(chat, "button", button="operator", chat="c2")
    assert other.with_staff


def test_without_console_staff_the_administrators_are_told(chat):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser(
        username="admin", email="admin@example.org", password="x-Long-Pass-42")
    send(chat, text="operator")
    assert Notification.objects.filter(recipient=admin, event="channels.operator").exists()


def test_own_contact_joins_the_person_after_agreeing(chat):
    conversation = send(chat, "contact", contact_phone="+380 50 123 4567",
                        contact_user_id="u1")
    assert buttons(last(conversation)) == ["ph:yes", "ph:no"]
    assert not Identity.objects.filter(kind=IdentityKind.PHONE).exists()
    conversation = send(chat, "button", button="ph:yes")
    phone = Identity.objects.get(kind=IdentityKind.PHONE)
    assert phone.value == "+380501234567" and phone.verified_how == Verification.CHANNEL
    assert phone.person == conversation.person
    assert Identity.objects.get(kind=IdentityKind.WEBCHAT).person == conversation.person


def test_own_contact_declined_is_not_kept(chat):
    send(chat, "contact", contact_phone="+380501234567", contact_user_id="u1")
    conversation = send(chat, "button", button="ph:no")
    assert "not kept" in last(conversation).text
    assert not Identity.objects.filter(kind=IdentityKind.PHONE).exists()


def test_someone_elses_contact_is_refused(chat):
    conversation = send(chat, "contact", contact_phone="+380501234567",
                        contact_user_id="u999")
    assert "only keep your own" in last(conversation).text
    send(chat, "button", button="ph:yes")
    assert not Identity.objects.filter(kind=IdentityKind.PHONE).exists()


def test_phone_confirmed_for_another_person_is_not_taken(chat):
    other = Person.objects.create(site=chat.site, full_name="Other")
    Identity.objects.create(person=other, site=chat.site, kind="phone",
                            value="+380501234567", verified_at="2026-01-01T00:00Z",
                            verified_how="sms_code")
    send(chat, "contact", contact_phone="+380501234567", contact_user_id="u1")
    conversation = send(chat, "button", button="ph:yes")
    assert "already confirmed for another person" in last(conversation).text
    assert Identity.objects.filter(kind="phone").count() == 1


def _citizen(username="maria"):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="x-Long-Pass-42",
        full_name="Maria Popescu")


def test_deep_link_joins_the_chat_to_the_cabinet_account(chat):
    user = _citizen()
    token = linking.make_start_token(chat.site, user)
    assert len(token) <= 64 and all(c.isalnum() or c in "-_" for c in token)
    conversation = send(chat, "start", start=token)
    assert "linked to your account" in last(conversation).text
    person = conversation.person
    assert person.identities.filter(kind="account", value=str(user.pk)).exists()
    chat_identity = Identity.objects.get(kind=IdentityKind.WEBCHAT, value="u1")
    assert chat_identity.person == person and chat_identity.verified


def test_deep_link_after_a_report_merges_the_chat_person(chat, intake):
    report_to_confirm(chat)
    conversation = send(chat, "button", button="send")
    chat_person = conversation.person
    user = _citizen()
    conversation = send(chat, "start", start=linking.make_start_token(chat.site, user))
    chat_person.refresh_from_db()
    assert chat_person.merged_into == conversation.person
    assert Identity.objects.get(kind=IdentityKind.WEBCHAT).person == conversation.person


@pytest.mark.parametrize("spoil", ["forged", "expired", "other town", "garbage"])
def test_bad_deep_link_links_nothing(chat, spoil):
    user = _citizen()
    site = chat.site
    if spoil == "forged":
        token = linking.make_start_token(site, user)[:-3] + "AAA"
    elif spoil == "expired":
        token = linking.make_start_token(site, user, now=0)
    elif spoil == "other town":
        token = linking.make_start_token(add_town("town2.example.org"), user)
    else:
        token = "hello-world"
    conversation = send(chat, "start", start=token)
    assert "not valid or has expired" in last(conversation).text
    assert conversation.person is None
    assert not Identity.objects.filter(kind="webchat").exists()


def test_start_typed_as_text_is_read_as_a_deep_link(chat):
    user = _citizen()
    token = linking.make_start_token(chat.site, user)
    conversation = send(chat, text=f"/start {token}")
    assert "linked to your account" in last(conversation).text


# --- two towns -----------------------------------------------------------------------------


def test_two_towns_keep_their_own_records_and_language(chat, intake):
    town = add_town("town2.example.org", jurisdiction="bg", language="bg")
    other = Channel.objects.create(site=town, platform="webchat")
    intake.add_record(town, "PR-2026-000009", status="Done")
    conversation = send(other, text="Hi there PR-2026-000009", chat="x")
    assert conversation.site == town and conversation.language == "en"
    assert "PR-2026-000009: Done" in last(conversation).text
    conversation = send(chat, text="PR-2026-000009", chat="x")
    assert "Done" not in last(conversation).text
    bulgarian = send(other, text="Ok", chat="y")
    assert bulgarian.language == "bg"
    report_to_confirm(other, chat="y")
    send(other, "button", button="send", chat="y")
    assert intake.FILED[-1][0] == town.pk
    assert intake.FILED[-1][2].site == town


def test_same_platform_user_in_two_towns_has_two_persons(chat, intake):
    town = add_town("town2.example.org", jurisdiction="ro", language="ro")
    other = Channel.objects.create(site=town, platform="webchat")
    for channel in (chat, other):
        report_to_confirm(channel)
        send(channel, "button", button="send")
    persons = {filed[2].pk: filed[2].site_id for filed in intake.FILED}
    assert sorted(persons.values()) == sorted([chat.site.pk, town.pk])


# --- the cabinet -----------------------------------------------------------------------------


def test_cabinet_offers_signed_links_for_the_towns_bots(client, english):
    from addons.channels.cabinet import cabinet_context

    Channel.objects.create(site=english, platform="telegram", name="CityBot",
                           options={"username": "@city_bot"})
    Channel.objects.create(site=english, platform="viber", name="City",
                           options={"uri": "citypa"})
    town = add_town("town2.example.org")
    Channel.objects.create(site=town, platform="telegram", name="OtherBot")
    user = _citizen()
    client.force_login(user)
    request = client.get("/").wsgi_request
    links = cabinet_context(request)["chat_links"]
    urls = sorted(link["url"] for link in links)
    assert len(urls) == 2
    assert urls[0].startswith("https://t.me/city_bot?start=")
    assert urls[1].startswith("viber://pa?chatURI=citypa&context=")
    token = urls[0].split("start=")[1]
    assert linking.read_start_token(english, token) == user


def test_cabinet_section_renders_the_links_in_the_citizens_language():
    from django.template.loader import render_to_string
    from django.utils import translation

    from addons.channels.apps import ChannelsConfig

    section = ChannelsConfig.cabinet_sections[0]
    links = [{"platform": "Telegram", "name": "CityBot",
              "url": "https://t.me/city_bot?start=x"}]
    with translation.override("uk"):
        html = render_to_string(section.template, {"section": section, "chat_links": links})
    assert 'href="https://t.me/city_bot?start=x"' in html
    assert "Стежити за моїми зверненнями в Telegram" in html
    assert not render_to_string(section.template, {"section": section, "chat_links": []}).strip()


def test_registry_lists_the_chat_intakes_in_order(monkeypatch):
    config = registry.get_addon("channels")
    later = ChatIntake(key="later", title="Later", service="x", order=200)
    monkeypatch.setattr(config, "chat_intakes", (later, *config.chat_intakes))
    keys = [item.key for _addon, item in registry.chat_intakes()]
    assert keys == ["fake", "later"]


def test_chat_intake_of_an_addon_switched_off_is_not_used(chat):
    from addons.core.activation import disable

    disable(chat.site, "channels")
    assert dialogue.chat_intake(chat.site) is None
