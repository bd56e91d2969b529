"""Core notifications over pluggable transports: the chain, the channel that carried each
message, the fallbacks logged, a person known only by a chat, the outbox."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from addons.accounts.models import NotificationChannelSettings
from addons.accounts.persons import person_for_user
from addons.channels.models import Message
from addons.core import registry
from addons.core.models import Notification
from addons.core.notifications import chain, deliver, notify, retry_due
from tests.channels.people import add_identity, chat_person
from tests.conftest import add_town

pytestmark = pytest.mark.django_db


def _notify(capture, recipient=None, **kwargs):
    with capture(execute=True):
        row = notify(recipient, "notice", subject="Water off", body="From 9 to 12.",
                     url="/notices/", **kwargs)
    row.refresh_from_db()
    return row


def _enable_sms(site):
    settings_row = NotificationChannelSettings.for_site(site)
    settings_row.sms_notifications = True
    settings_row.save()


def test_transports_in_the_default_order():
    keys = [item.key for item in registry.transports()]
    assert keys == ["telegram", "viber", "whatsapp", "messenger", "webchat", "email", "sms"]


def test_chain_is_preferred_then_chats_then_email_then_sms(site, settings, tmp_path):
    _enable_sms(site)
    person, _conversation = chat_person(site)
    add_identity(person, "email", "ivan@example.org")
    add_identity(person, "phone", "+380441234567")
    row = Notification(site=site, person=person, email="ivan@example.org", subject="s")

    def reaching():
        return [(t.key, preferred) for t, preferred in chain(row, person)
                if t.can_reach(row, person)]

    assert reaching() == [("webchat", False), ("email", False), ("sms", False)]
    person.preferred_channel = "sms"
    assert reaching() == [("sms", True), ("webchat", False), ("email", False)]


def test_email_only_citizen_is_unchanged(site, citizen, django_capture_on_commit_callbacks):
    person_for_user(site, citizen)  # the person made at the first login
    row = _notify(django_capture_on_commit_callbacks, citizen)
    assert row.status == Notification.Status.SENT and row.channel == "email"
    assert [entry["result"] for entry in row.attempt_log] == ["sent"]
    assert mail.outbox[0].to == [citizen.email]
    assert row.person is not None and row.person.site == site
    assert not Message.objects.exists()


def test_person_known_only_by_a_chat_gets_it_there(site, django_capture_on_commit_callbacks):
    person, conversation = chat_person(site)
    row = _notify(django_capture_on_commit_callbacks, person=person)
    assert row.status == Notification.Status.SENT and row.channel == "webchat"
    assert row.recipient is None and row.email == "" and row.person == person
    sent = conversation.messages.get()
    assert sent.direction == Message.Direction.OUTBOUND
    assert sent.text.startswith("Water off\n\nFrom 9 to 12.")
    assert "http://localhost/notices/" in sent.text
    assert sent.payload["notification"] == row.pk
    assert mail.outbox == []


def test_a_user_whose_person_has_a_chat_is_told_there(site, citizen,
                                                     django_capture_on_commit_callbacks):
    """The cabinet account's person links a chat: notify(user) reaches it too."""
    person = person_for_user(site, citizen)
    _other, conversation = chat_person(site)
    conversation.person = person
    conversation.save()
    row = _notify(django_capture_on_commit_callbacks, citizen)
    assert row.channel == "webchat" and conversation.messages.count() == 1
    assert mail.outbox == []


def test_preferred_email_goes_before_the_chat(site, django_capture_on_commit_callbacks):
    person, conversation = chat_person(site, preferred_channel="email")
    add_identity(person, "email", "ivan@example.org")
    row = _notify(django_capture_on_commit_callbacks, person=person)
    assert row.channel == "email" and mail.outbox[0].to == ["ivan@example.org"]
    assert not conversation.messages.exists()


def test_unverified_email_is_not_written_to(site, django_capture_on_commit_callbacks):
    person, _conversation = chat_person(site)
    add_identity(person, "email", "maybe@example.org", verified=False)
    row = _notify(django_capture_on_commit_callbacks, person=person)
    assert row.email == "" and row.channel == "webchat" and mail.outbox == []


def test_preferred_channel_that_cannot_reach_is_a_logged_fallback(
        site, django_capture_on_commit_callbacks):
    person, _conversation = chat_person(site, preferred_channel="telegram")
    row = _notify(django_capture_on_commit_callbacks, person=person)
    assert row.status == Notification.Status.SENT and row.channel == "webchat"
    assert [(e["channel"], e["result"]) for e in row.attempt_log] == [
        ("telegram", "unreachable"), ("webchat", "sent")]


def test_nothing_reaches_the_person_is_failed_with_the_reasons(
        site, django_capture_on_commit_callbacks):
    person, conversation = chat_person(site, preferred_channel="webchat")
    conversation.blocked = True
    conversation.save()
    row = _notify(django_capture_on_commit_callbacks, person=person)
    assert row.status == Notification.Status.FAILED and row.next_attempt_at is None
    assert "webchat" in row.last_error
    assert row.attempt_log[0]["result"] == "unreachable"
    assert deliver(row.pk) == Notification.Status.FAILED


def test_person_without_any_channel_fails(site, django_capture_on_commit_callbacks):
    from addons.accounts.models import Person

    person = Person.objects.create(site=site, full_name="Nobody")
    row = _notify(django_capture_on_commit_callbacks, person=person)
    assert row.status == Notification.Status.FAILED
    assert row.last_error == "no channel reaches this person"


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


def test_email_failing_for_good_falls_back_to_sms(site, settings, tmp_path,
                                                 django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.core.test_transports.FailingBackend"
    settings.CIVICDESK_NOTIFICATION_MAX_ATTEMPTS = 2
    settings.CIVICDESK_SMS_BACKEND = "addons.accounts.sms.FileBackend"
    settings.CIVICDESK_SMS_FILE_PATH = str(tmp_path / "sms.log")
    _enable_sms(site)
    from addons.accounts.models import Person

    person = Person.objects.create(site=site, full_name="Ivan")
    add_identity(person, "email", "ivan@example.org")
    add_identity(person, "phone", "+380441234567")
    row = _notify(django_capture_on_commit_callbacks, person=person)
    assert row.status == Notification.Status.PENDING and row.channel == "email"
    assert retry_due(now=row.next_attempt_at) == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT and row.channel == "sms"
    assert [(e["channel"], e["result"]) for e in row.attempt_log] == [
        ("email", "retry"), ("email", "refused"), ("sms", "sent")]
    assert "+380441234567" in (tmp_path / "sms.log").read_text()


def test_chat_of_another_town_does_not_reach(site, django_capture_on_commit_callbacks):
    town = add_town("town2.example.org", jurisdiction="ro", language="ro")
    person, _conversation = chat_person(site)
    _stranger, elsewhere = chat_person(town, chat_id="chat-2")
    elsewhere.person = person  # a wrong link across towns is never written to
    elsewhere.save()
    row = _notify(django_capture_on_commit_callbacks, person=person)
    assert row.channel == "webchat"
    assert not elsewhere.messages.exists()
    assert _conversation.messages.count() == 1


def test_chat_add_on_disabled_on_the_town_does_not_reach(site,
                                                        django_capture_on_commit_callbacks):
    from addons.core.activation import apply_states

    person, conversation = chat_person(site)
    apply_states(site, {"channels": False})
    row = _notify(django_capture_on_commit_callbacks, person=person)
    assert row.status == Notification.Status.FAILED
    assert not conversation.messages.exists()


def test_outbox_shows_the_channel(client, site, superuser, django_capture_on_commit_callbacks):
    person, _conversation = chat_person(site)
    row = _notify(django_capture_on_commit_callbacks, person=person)
    client.force_login(superuser)
    response = client.get(reverse("notification_outbox:index"))
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        label = str(registry.transport("webchat").title)  # the admin's language
    assert label in response.content.decode()
    inspect = client.get(reverse("notification_outbox:inspect", args=[row.pk]))
    assert label in inspect.content.decode()
    assert client.get(reverse("notification_outbox:index"),
                      {"channel": "webchat"}).context["object_list"][0] == row
    assert not client.get(reverse("notification_outbox:index"),
                          {"channel": "email"}).context["object_list"]


def test_retry_due_never_sends_before_the_time(site, django_capture_on_commit_callbacks):
    person, conversation = chat_person(site)
    with django_capture_on_commit_callbacks(execute=False):
        row = notify(None, "notice", subject="Later", person=person)
    assert retry_due(now=timezone.now()) == 0
    assert retry_due(now=timezone.now() + timedelta(minutes=3)) == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT and conversation.messages.count() == 1
