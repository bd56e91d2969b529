"""Notifications on chats: each platform's rules, a blocked bot, a rate limit, the buttons.

Every platform is played by the local platform server and reached through its real adapter;
``wire.py`` reads back what was sent and answers as each platform does."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from addons.channels import transport
from addons.channels.models import Message
from addons.core.models import Notification
from addons.core.notifications import notify, retry_due

from .people import add_identity, chat_person
from .wire import answer, sent

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(hours=25)


@pytest.fixture
def server(platform_server):
    for platform in ("telegram", "viber", "whatsapp", "messenger"):
        answer(platform_server, platform, "ok")
    return platform_server


def _person(site, server, platform, *, email=True, **kwargs):
    person, conversation = chat_person(site, platform, api_base=server.url, **kwargs)
    if email:
        add_identity(person, "email", "ivan@example.org")
    return person, conversation


def _notify(capture, person, **kwargs):
    with capture(execute=True):
        row = notify(None, "notice", subject="Status changed", body="Now in progress.",
                     person=person, url="/reports/1/", **kwargs)
    row.refresh_from_db()
    return row


def _trail(row):
    return [(entry["channel"], entry["result"]) for entry in row.attempt_log]


def test_telegram_any_time(site, server, django_capture_on_commit_callbacks):
    person, conversation = _person(site, server, "telegram",
                                   last_inbound_at=timezone.now() - timedelta(days=40))
    row = _notify(django_capture_on_commit_callbacks, person)
    assert row.status == Notification.Status.SENT and row.channel == "telegram"
    (request,) = sent(server)
    assert request["chat_id"] == "chat-1"
    assert request["text"].startswith("Status changed\n\nNow in progress.")
    assert mail.outbox == []
    assert conversation.messages.get().status == Message.Status.SENT


def test_conversation_with_staff_is_still_told(site, server,
                                               django_capture_on_commit_callbacks):
    person, conversation = _person(site, server, "telegram")
    conversation.with_staff = True
    conversation.save()
    row = _notify(django_capture_on_commit_callbacks, person)
    assert row.channel == "telegram" and len(sent(server)) == 1


def test_blocked_bot_falls_back_to_the_next_channel_and_is_logged(
        site, server, django_capture_on_commit_callbacks):
    answer(server, "telegram", "blocked")
    person, conversation = _person(site, server, "telegram")
    row = _notify(django_capture_on_commit_callbacks, person)
    assert row.status == Notification.Status.SENT and row.channel == "email"
    assert _trail(row) == [("telegram", "refused"), ("email", "sent")]
    assert "blocked" in row.attempt_log[0]["detail"]
    conversation.refresh_from_db()
    assert conversation.blocked
    assert mail.outbox[0].to == ["ivan@example.org"]
    # the next notification does not try the blocked chat at all
    second = _notify(django_capture_on_commit_callbacks, person)
    assert _trail(second) == [("email", "sent")] and len(sent(server)) == 1


def test_retry_after_is_honoured_on_the_same_channel(site, server,
                                                    django_capture_on_commit_callbacks):
    answer(server, "telegram", "retry", 90)
    person, _conversation = _person(site, server, "telegram")
    before = timezone.now()
    row = _notify(django_capture_on_commit_callbacks, person)
    assert row.status == Notification.Status.PENDING and row.channel == "telegram"
    assert row.next_attempt_at >= before + timedelta(seconds=90)
    assert _trail(row) == [("telegram", "retry")] and mail.outbox == []
    # not due yet: nothing is sent again
    assert retry_due(now=before + timedelta(seconds=60)) == 0
    answer(server, "telegram", "ok", 77)
    assert retry_due(now=row.next_attempt_at) == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT and row.channel == "telegram"
    assert _trail(row) == [("telegram", "retry"), ("telegram", "sent")]
    assert row.attempt_log[-1]["detail"] == "77" and mail.outbox == []


def test_refused_send_falls_back(site, server, django_capture_on_commit_callbacks):
    answer(server, "telegram", "refused")
    person, _conversation = _person(site, server, "telegram")
    row = _notify(django_capture_on_commit_callbacks, person)
    assert _trail(row) == [("telegram", "refused"), ("email", "sent")]
    assert "chat not found" in row.attempt_log[0]["detail"]


# --- WhatsApp ------------------------------------------------------------------------------

TEMPLATES = {"templates": {"en": {"name": "status_update",
                                  "params": ["tracking_number", "status", "url"]}}}


def test_whatsapp_within_24_hours_is_free_text(site, server,
                                               django_capture_on_commit_callbacks):
    person, _conversation = _person(site, server, "whatsapp", options=TEMPLATES,
                                    last_inbound_at=timezone.now() - timedelta(hours=23))
    row = _notify(django_capture_on_commit_callbacks, person)
    assert row.channel == "whatsapp"
    assert sent(server)[0]["template"] == ""


def test_whatsapp_outside_24_hours_sends_the_approved_template(
        site, server, django_capture_on_commit_callbacks):
    person, _conversation = _person(site, server, "whatsapp", options=TEMPLATES,
                                    last_inbound_at=timezone.now() - LONG_AGO, language="en")
    row = _notify(django_capture_on_commit_callbacks, person,
                  context={"tracking_number": "RP-2026-000001", "status": "In progress"})
    assert row.channel == "whatsapp" and mail.outbox == []
    message = sent(server)[0]
    assert message["template"] == "status_update" and message["language"] == "en"
    assert message["params"] == ["RP-2026-000001", "In progress", "http://localhost/reports/1/"]


def test_whatsapp_outside_24_hours_without_a_template_in_the_language_goes_on(
        site, server, django_capture_on_commit_callbacks):
    person, _conversation = _person(site, server, "whatsapp", options=TEMPLATES,
                                    last_inbound_at=timezone.now() - LONG_AGO, language="uk")
    row = _notify(django_capture_on_commit_callbacks, person)
    assert row.language == "uk"
    assert _trail(row) == [("whatsapp", "refused"), ("email", "sent")]
    assert "24-hour" in row.attempt_log[0]["detail"]
    assert sent(server) == []


def test_whatsapp_never_written_by_the_citizen_is_outside_the_window(site, server):
    person, conversation = _person(site, server, "whatsapp")
    conversation.last_inbound_at = None
    row = Notification(site=site, person=person, language="en", subject="s", body="b")
    assert not transport.permit(conversation, row).allowed


# --- Messenger -----------------------------------------------------------------------------


def test_messenger_within_24_hours(site, server, django_capture_on_commit_callbacks):
    person, _conversation = _person(site, server, "messenger")
    assert _notify(django_capture_on_commit_callbacks, person).channel == "messenger"


def test_messenger_outside_24_hours_goes_to_the_next_channel(
        site, server, django_capture_on_commit_callbacks):
    person, _conversation = _person(site, server, "messenger",
                                    last_inbound_at=timezone.now() - LONG_AGO)
    row = _notify(django_capture_on_commit_callbacks, person)
    assert _trail(row) == [("messenger", "refused"), ("email", "sent")]
    assert sent(server) == []


# --- Viber ---------------------------------------------------------------------------------


def test_viber_answering_within_24_hours_is_free(site, server,
                                                 django_capture_on_commit_callbacks):
    person, conversation = _person(site, server, "viber")
    row = _notify(django_capture_on_commit_callbacks, person)
    assert row.channel == "viber"
    assert conversation.messages.get().payload["paid"] is False


def test_viber_bot_initiated_without_paid_messages_goes_on(
        site, server, django_capture_on_commit_callbacks):
    person, _conversation = _person(site, server, "viber",
                                    last_inbound_at=timezone.now() - LONG_AGO)
    row = _notify(django_capture_on_commit_callbacks, person)
    assert _trail(row) == [("viber", "refused"), ("email", "sent")]
    assert sent(server) == []


def test_viber_paid_messages_stop_at_the_monthly_cap(site, server,
                                                     django_capture_on_commit_callbacks):
    options = {"paid_messages": True, "monthly_cap": 1}
    person, conversation = _person(site, server, "viber", options=options,
                                   last_inbound_at=timezone.now() - LONG_AGO)
    first = _notify(django_capture_on_commit_callbacks, person)
    assert first.channel == "viber"
    assert conversation.messages.get().payload["paid"] is True
    second = _notify(django_capture_on_commit_callbacks, person)
    assert _trail(second) == [("viber", "refused"), ("email", "sent")]
    assert "cap" in second.attempt_log[0]["detail"]
    assert len(sent(server)) == 1


def test_viber_cap_counts_this_month_only(site, server):
    options = {"paid_messages": True, "monthly_cap": 1}
    person, conversation = _person(site, server, "viber", options=options,
                                   last_inbound_at=timezone.now() - LONG_AGO)
    Message.objects.create(conversation=conversation, direction=Message.Direction.OUTBOUND,
                           status=Message.Status.SENT, payload={"paid": True},
                           created_at=timezone.now() - timedelta(days=40))
    Message.objects.create(conversation=conversation, direction=Message.Direction.OUTBOUND,
                           status=Message.Status.SENT, payload={"paid": False})
    row = Notification(site=site, person=person, language="en", subject="s", body="b")
    assert transport.permit(conversation, row).allowed


# --- the "resolved" buttons ----------------------------------------------------------------

RESOLVED = {"tracking_number": "RP-2026-000042", "feedback_reference": "RP-2026-000042"}


def test_resolved_carries_the_feedback_buttons(site, server,
                                               django_capture_on_commit_callbacks):
    person, conversation = _person(site, server, "telegram")
    _notify(django_capture_on_commit_callbacks, person, context=RESOLVED)
    buttons = [data for _label, data in conversation.messages.get().payload["buttons"]]
    assert buttons == ["fb:confirm:RP-2026-000042", "fb:reopen:RP-2026-000042"] + [
        f"fb:rate:{mark}:RP-2026-000042" for mark in range(1, 6)]
    assert all(len(data.encode()) <= 64 for data in buttons)
    assert sent(server)[0]["buttons"] == buttons  # as Telegram's inline keyboard


def test_resolved_on_a_text_only_chat_gets_an_instruction(
        site, server, monkeypatch, django_capture_on_commit_callbacks):
    from addons.channels.adapters.telegram import TelegramAdapter

    # a platform without buttons: the same adapter saying it has none
    monkeypatch.setattr(TelegramAdapter, "capabilities", frozenset())
    person, conversation = _person(site, server, "telegram", language="uk")
    _notify(django_capture_on_commit_callbacks, person, context=RESOLVED)
    message = sent(server)[0]
    assert message["buttons"] == []
    assert "1 до 5" in message["text"]  # the instruction, in the citizen's language


def test_other_notifications_have_no_buttons(site, django_capture_on_commit_callbacks):
    person, conversation = chat_person(site)
    _notify(django_capture_on_commit_callbacks, person, context={"tracking_number": "X"})
    assert conversation.messages.get().payload["buttons"] == []
