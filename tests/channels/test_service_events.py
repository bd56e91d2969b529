"""Chat conversations write their service events (``channels.chat``): received when the
conversation opens (channel = platform), answered by the first staff reply with the seconds
waited, closed the first time the business ends (report filed, handed back); one INSERT each;
the data migration builds the events of existing conversations."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from wagtail.log_actions import log

from addons.channels import inbox, service_events
from addons.channels.models import Channel, Conversation, Message
from addons.core import registry
from addons.core.models import ServiceEvent
from tests.channels import test_dialogue as dialogue_tests
from tests.conftest import add_town
from tests.contacts.conftest import make_staff

from .wire import answer

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("addons.channels.migrations.0002_service_events")

# the dialogue's test set-up: the test chat intake, an English town, its site chat
intake = dialogue_tests.intake
english = dialogue_tests.english
chat = dialogue_tests.chat
send = dialogue_tests.send


def chat_events(conversation, kind=None):
    rows = ServiceEvent.objects.filter(record_type="channels.chat", record_id=conversation.pk)
    return list(rows.filter(kind=kind) if kind else rows.order_by("at", "pk"))


@pytest.fixture
def operator(site):
    return make_staff("olena")


@pytest.fixture
def bot(site, platform_server):
    return Channel.objects.create(site=site, platform="telegram", name="Town bot",
                                  token="1:town-bot", api_base=platform_server.url)


def telegram_chat(bot, chat_id="555", **fields):
    conversation = Conversation.objects.create(channel=bot, site=bot.site, chat_id=chat_id,
                                               **fields)
    return Conversation.objects.select_related("channel").get(pk=conversation.pk)


def test_the_first_message_opens_a_received_conversation(chat, site):
    conversation = send(chat, text="Hello")
    [received] = chat_events(conversation)
    assert received.kind == "received" and received.channel == "webchat"
    assert received.site_id == site.pk and received.public is False
    assert received.at == conversation.created_at
    send(chat, text="There is a pothole")
    assert len(chat_events(conversation)) == 1


def test_the_received_conversation_adds_one_insert(chat):
    send(chat, text="Hello", chat="warm")
    with CaptureQueriesContext(connection) as queries:
        send(chat, text="Hello", chat="c9")
    touching = [q["sql"] for q in queries.captured_queries if "core_serviceevent" in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("INSERT")


def test_a_filed_report_closes_the_conversation_once(chat, intake):
    dialogue_tests.report_to_confirm(chat)
    conversation = send(chat, "button", button="send")
    assert intake.FILED
    [closed] = chat_events(conversation, "closed")
    assert closed.status == "filed" and closed.channel == "webchat"
    conversation.refresh_from_db()
    assert conversation.draft[service_events.MARKS]["closed"]
    dialogue_tests.report_to_confirm(chat)
    send(chat, "button", button="send")
    assert len(chat_events(conversation, "closed")) == 1


def test_the_first_staff_reply_answers_from_the_request_for_a_person(
        bot, operator, platform_server):
    answer(platform_server, "telegram", "ok", 77)
    conversation = telegram_chat(bot, with_staff=True, staff_owner=operator, draft={
        service_events.ASKED: (timezone.now() - timedelta(seconds=90)).isoformat()})
    inbox.reply(conversation, "We are on it.", operator)
    [answered] = chat_events(conversation, "answered")
    assert 90 <= answered.value < 100
    assert answered.actor_id == operator.pk and answered.channel == "telegram"
    answer(platform_server, "telegram", "ok", 78)
    inbox.reply(Conversation.objects.select_related("channel").get(pk=conversation.pk),
                "Anything else?", operator)
    assert len(chat_events(conversation, "answered")) == 1


def test_without_a_request_the_wait_is_from_the_last_message(bot, operator,
                                                             platform_server):
    answer(platform_server, "telegram", "ok", 77)
    conversation = telegram_chat(bot, last_inbound_at=timezone.now() - timedelta(seconds=30))
    inbox.reply(conversation, "Hello from the city hall.", operator)
    [answered] = chat_events(conversation, "answered")
    assert 30 <= answered.value < 40


def test_a_failed_reply_is_no_answer(bot, operator, platform_server):
    answer(platform_server, "telegram", "blocked")
    conversation = telegram_chat(bot)
    inbox.reply(conversation, "Are you there?", operator)
    assert not chat_events(conversation, "answered")


def test_asking_for_a_person_starts_the_wait(chat):
    conversation = send(chat, text="operator")
    assert conversation.with_staff
    assert service_events.ASKED in conversation.draft


def test_the_first_reply_adds_one_insert_and_no_select(monkeypatch, bot, operator,
                                                       platform_server):
    answer(platform_server, "telegram", "ok", 77)
    first, second = telegram_chat(bot, "1"), telegram_chat(bot, "2")
    with CaptureQueriesContext(connection) as quiet:
        with monkeypatch.context() as patch:
            patch.setattr(service_events.events, "record", lambda *a, **k: None)
            inbox.reply(second, "Hello", operator)
    with CaptureQueriesContext(connection) as loud:
        inbox.reply(first, "Hello", operator)
    touching = [q["sql"] for q in loud.captured_queries if "core_serviceevent" in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("INSERT")
    assert len(loud.captured_queries) == len(quiet.captured_queries) + 1


def test_handing_back_closes_it(bot, operator):
    conversation = telegram_chat(bot, with_staff=True, staff_owner=operator)
    inbox.hand_back_by(conversation, operator)
    [closed] = chat_events(conversation, "closed")
    assert closed.status == "handed_back" and closed.actor_id == operator.pk
    conversation.refresh_from_db()
    assert not conversation.with_staff and conversation.draft[service_events.MARKS]["closed"]
    inbox.hand_back_by(conversation, operator)
    assert len(chat_events(conversation, "closed")) == 1


def test_another_towns_conversation_carries_its_site(site):
    town = add_town("town2.example.org")
    ours = Channel.objects.create(site=site, platform="webchat")
    theirs = Channel.objects.create(site=town, platform="viber", token="t")
    a = send(ours, text="Hello", chat="a")
    b = send(theirs, text="Hello", chat="b")
    assert chat_events(a)[0].site_id == site.pk
    assert (chat_events(b)[0].site_id, chat_events(b)[0].channel) == (town.pk, "viber")


def test_the_declaration(site):
    declared = registry.service_event_type("channels.chat")
    assert declared.public is False
    assert set(declared.kinds) == {"received", "answered", "closed"}
    assert declared.admin_url(7) == "/admin/channels/7/"
    with translation.override("en"):
        assert declared.label_map(site)["channel"]["webchat"] == "Site chat"
    with translation.override("uk"):
        assert declared.label_map(site)["channel"]["webchat"] == "Чат на сайті"


# --- the data migration ---------------------------------------------------------------------


def test_the_migration_builds_events_of_existing_conversations(bot, operator):
    now = timezone.now()
    answered = telegram_chat(bot, "1")
    Conversation.objects.filter(pk=answered.pk).update(created_at=now - timedelta(minutes=1))
    Message.objects.create(conversation=answered, direction="in", text="Hi",
                           created_at=now - timedelta(seconds=50))
    Message.objects.create(conversation=answered, direction="out", text="Bot",
                           created_at=now - timedelta(seconds=49))
    Message.objects.create(conversation=answered, direction="in", text="A person please",
                           created_at=now - timedelta(seconds=40))
    Message.objects.create(conversation=answered, direction="out", text="Here I am",
                           sent_by=operator, status="sent", created_at=now)
    log(answered, "channels.hand_back", user=operator)
    quiet = telegram_chat(bot, "2")
    MIGRATION.forwards(django_apps, None)

    assert [e.kind for e in chat_events(answered)] == ["received", "answered", "closed"]
    [event] = chat_events(answered, "answered")
    assert event.value == 40 and event.actor_id == operator.pk
    assert chat_events(answered, "closed")[0].status == "handed_back"
    assert [e.kind for e in chat_events(quiet)] == ["received"]
    answered.refresh_from_db()
    assert set(answered.draft[service_events.MARKS]) == {"answered", "closed"}

    count = ServiceEvent.objects.count()
    MIGRATION.forwards(django_apps, None)
    assert ServiceEvent.objects.count() == count
    MIGRATION.backwards(django_apps, None)
    assert not ServiceEvent.objects.filter(record_type="channels.chat").exists()
    answered.refresh_from_db()
    assert service_events.MARKS not in answered.draft
