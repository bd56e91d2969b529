"""The citizen's preferred notification channel (chosen in the profile among those that
reach them) and notifications by SMS (only where the town enables them, to a verified
phone)."""

import json

import pytest
from django.core import mail
from django.urls import reverse

from addons.accounts import transport as sms_transport
from addons.accounts.models import NotificationChannelSettings, Person
from addons.accounts.persons import person_for_user
from addons.core.models import Notification
from addons.core.notifications import notify
from tests.channels.people import add_identity, chat_person
from tests.conftest import add_town

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/cabinet/profile/"


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.CIVICDESK_SMS_BACKEND = "addons.accounts.sms.FileBackend"
    settings.CIVICDESK_SMS_FILE_PATH = str(tmp_path / "sms.log")
    return tmp_path / "sms.log"


def _enable_sms(site, on=True):
    row = NotificationChannelSettings.for_site(site)
    row.sms_notifications = on
    row.save()


def _linked_chat(site, citizen):
    person = person_for_user(site, citizen)
    _other, conversation = chat_person(site)
    conversation.person = person
    conversation.save()
    return person, conversation


def test_profile_offers_the_channels_the_citizen_has(site, citizen, citizen_client):
    _linked_chat(site, citizen)
    form = citizen_client.get(PROFILE).context["channel_form"]
    keys = [key for key, _label in form.fields["channel"].choices]
    assert keys == ["", "webchat", "email"]  # no Telegram, no SMS: they have neither


def test_citizen_chooses_a_channel_they_have(site, citizen, citizen_client,
                                             django_capture_on_commit_callbacks):
    person, conversation = _linked_chat(site, citizen)
    response = citizen_client.post(reverse("accounts:preferred_channel"), {"channel": "email"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:profile")
    person.refresh_from_db()
    assert person.preferred_channel == "email"
    with django_capture_on_commit_callbacks(execute=True):
        row = notify(citizen, "notice", subject="Hello")
    row.refresh_from_db()
    assert row.channel == "email" and not conversation.messages.exists()
    # back to the default chain: the chat first
    citizen_client.post(reverse("accounts:preferred_channel"), {"channel": ""})
    person.refresh_from_db()
    assert person.preferred_channel == ""


def test_a_channel_they_do_not_have_is_refused(site, citizen, citizen_client):
    person = person_for_user(site, citizen)
    for value in ("telegram", "sms", "carrier-pigeon"):
        response = citizen_client.post(reverse("accounts:preferred_channel"),
                                       {"channel": value}, follow=True)
        assert [message.level_tag for message in response.context["messages"]] == ["error"]
    person.refresh_from_db()
    assert person.preferred_channel == ""


def test_choosing_needs_a_login(client, db):
    response = client.post(reverse("accounts:preferred_channel"), {"channel": "email"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_sms_only_where_the_town_enables_it_and_to_a_verified_phone(site, sms_file):
    person = Person.objects.create(site=site, full_name="Ivan")
    add_identity(person, "phone", "+380441234567", verified=False)
    _enable_sms(site)
    assert not sms_transport.reaches(None, person, "sms")  # the phone is not verified
    add_identity(person, "phone", "+380501112233")
    assert sms_transport.reaches(None, person, "sms")
    _enable_sms(site, on=False)
    assert not sms_transport.reaches(None, person, "sms")  # off: the default


def test_sms_is_off_by_default(site):
    assert NotificationChannelSettings.for_site(site).sms_notifications is False


def test_sms_carries_the_subject_and_the_link(site, sms_file,
                                              django_capture_on_commit_callbacks):
    _enable_sms(site)
    person = Person.objects.create(site=site, full_name="Ivan", preferred_channel="sms")
    add_identity(person, "phone", "+380501112233")
    add_identity(person, "email", "ivan@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        row = notify(None, "notice", subject="Report RP-1 resolved", body="Long text " * 50,
                     url="/reports/1/", person=person)
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT and row.channel == "sms"
    (line,) = sms_file.read_text().splitlines()
    sent = json.loads(line)
    assert sent["to"] == "+380501112233"
    assert sent["text"] == "Report RP-1 resolved\nhttp://localhost/reports/1/"
    assert mail.outbox == []


def test_sms_setting_is_per_town(site, sms_file, django_capture_on_commit_callbacks):
    town = add_town("town2.example.org", jurisdiction="bg", language="bg")
    _enable_sms(site)
    people = []
    for each in (site, town):
        person = Person.objects.create(site=each, full_name="Ivan")
        add_identity(person, "phone", "+359888123456")
        people.append(person)
    assert sms_transport.reaches(None, people[0], "sms")
    assert not sms_transport.reaches(None, people[1], "sms")
    with django_capture_on_commit_callbacks(execute=True):
        row = notify(None, "notice", subject="Hi", person=people[1], site=town)
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED
    assert not sms_file.exists()


def test_failing_sms_gateway_is_tried_again(site, settings,
                                            django_capture_on_commit_callbacks):
    settings.CIVICDESK_SMS_BACKEND = "addons.accounts.sms.HttpBackend"
    settings.CIVICDESK_SMS_HTTP_URL = ""  # not set up: every send fails
    _enable_sms(site)
    person = Person.objects.create(site=site, full_name="Ivan")
    add_identity(person, "phone", "+380501112233")
    with django_capture_on_commit_callbacks(execute=True):
        row = notify(None, "notice", subject="Hi", person=person)
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING and row.channel == "sms"
    assert row.attempt_log[0]["result"] == "retry"
