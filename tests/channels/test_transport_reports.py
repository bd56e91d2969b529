"""A report filed from a chat: every status change reaches its person on their chat, and
"resolved" carries the confirm / reopen / rate buttons."""

import pytest
from django.core import mail

from addons.core.models import Notification
from addons.reports import services
from tests.reports.conftest import *  # noqa: F403 - the reports' fixtures

from .people import chat_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat_report(make_report, reports_site):
    person, conversation = chat_person(reports_site)
    report = make_report(reporter=None, reporter_name="Ivan")
    report.person = person
    report.save(update_fields=["person"])
    return report, person, conversation


def test_every_status_change_reaches_the_chat(chat_report, moderator,
                                              django_capture_on_commit_callbacks):
    report, person, conversation = chat_report
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(report, services.IN_PROGRESS, moderator, public_note="Crew sent")
    row = Notification.objects.get(person=person, event="reports.status")
    assert row.status == Notification.Status.SENT and row.channel == "webchat"
    assert report.tracking_number in conversation.messages.get().text
    assert mail.outbox == []


def test_resolved_asks_on_the_chat_with_buttons(chat_report, moderator,
                                                django_capture_on_commit_callbacks):
    report, person, conversation = chat_report
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(report, services.RESOLVED, moderator, public_note="Patched")
    rows = Notification.objects.filter(person=person)
    assert [row.event for row in rows] == ["reports.resolved"]  # one message, not two
    message = conversation.messages.get()
    ref = report.tracking_number
    assert [data for _label, data in message.payload["buttons"]][:2] == [
        f"fb:confirm:{ref}", f"fb:reopen:{ref}"]
    assert f"fb:rate:5:{ref}" in [data for _label, data in message.payload["buttons"]]


def test_the_reporter_with_an_account_and_a_chat_is_told_once(
        make_report, reports_site, citizen, moderator, django_capture_on_commit_callbacks):
    person, conversation = chat_person(reports_site)
    report = make_report()
    report.person = person
    report.save(update_fields=["person"])
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(report, services.IN_PROGRESS, moderator)
    rows = list(Notification.objects.filter(event="reports.status"))
    assert len(rows) == 1 and rows[0].recipient == citizen and rows[0].person == person
    assert rows[0].channel == "webchat" and conversation.messages.count() == 1


def test_report_without_a_person_is_told_as_before(make_report, citizen, moderator,
                                                   django_capture_on_commit_callbacks):
    report = make_report()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(report, services.IN_PROGRESS, moderator)
    row = Notification.objects.get(event="reports.status")
    assert row.recipient == citizen and row.channel == "email"
    assert mail.outbox[-1].to == [citizen.email]
