"""Terms the laws set that are applied, not only known: Ukraine's urgent term and the return
of an incomplete appeal, Bulgaria's own forwarding term and notice of the decision."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry

from addons.appeals import services
from addons.appeals.jobs import send_reminders
from addons.appeals.models import Appeal, AppealEvent, AppealReminder, AppealsSettings, Status
from addons.core import deadlines
from addons.core.models import Notification

from .conftest import DATA
from .desk import LIST, action, post

pytestmark = pytest.mark.django_db




def detail(appeal):
    return reverse("casework_appeals:inspect", args=[appeal.pk])


def received(appeal):
    return timezone.localdate(appeal.received_at)


@pytest.fixture
def town_appeal(make_town, citizen, make_user):
    """file(code, **data) -> (appeal, town, moderator of the town's addressee)."""

    def make(code, **data):
        town = make_town(code)
        mod = make_user(f"mod{code}", moderates=[town["addressee"]], is_staff=True)
        kind = {"ua": "complaint", "ro": "request", "bg": "signal"}[code]
        appeal, _created = services.file_appeal(
            site=town["site"], form=town["form"], addressee=town["addressee"],
            author=citizen, data={**DATA, "appeal_type": kind, **data},
        )
        return appeal, town, mod

    return make


# --- Ukraine: the urgent term (393/96 art. 20) --------------------------------------------


def test_mark_urgent_shortens_the_term_audits_and_tells_the_citizen(client, town_appeal,
                                                                    citizen):
    appeal, _town, mod = town_appeal("ua")
    month_due = appeal.due_date
    client.force_login(mod)
    page = client.get(detail(appeal)).content.decode()
    assert action(appeal, "urgent") in page
    response = post(client, appeal, "urgent", {"reason": "A leaking roof"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    expected = deadlines.due(received(appeal), "appeal-urgent", "ua")
    assert appeal.due_date == expected < month_due
    assert appeal.urgent_at is not None and appeal.urgent_reason == "A leaking roof"
    assert appeal.original_due_date == month_due
    event = appeal.events.get(action=AppealEvent.Action.URGENT)
    assert event.actor == mod and event.data["until"] == expected.isoformat()
    assert ModelLogEntry.objects.filter(action="appeals.urgent",
                                        object_id=str(appeal.pk)).exists()
    note = Notification.objects.get(recipient=citizen, event="appeals.urgent")
    assert expected.strftime("%Y") in note.body and appeal.reference in note.subject
    # Offered once only.
    assert action(appeal, "urgent") not in client.get(detail(appeal)).content.decode()


def test_urgent_term_is_never_later_than_the_current_due_date(town_appeal):
    appeal, _town, mod = town_appeal("ua")
    earlier = received(appeal) + timedelta(days=3)
    Appeal.objects.filter(pk=appeal.pk).update(due_date=earlier)
    appeal.refresh_from_db()
    services.mark_urgent(appeal, mod, "Needs no study")
    appeal.refresh_from_db()
    assert appeal.due_date == earlier


def test_mark_urgent_needs_a_reason(client, town_appeal):
    appeal, _town, mod = town_appeal("ua")
    due = appeal.due_date
    client.force_login(mod)
    response = post(client, appeal, "urgent", {"reason": "  "})
    assert response.status_code == 200
    assert "Say why the appeal is urgent." in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.due_date == due and appeal.urgent_at is None


def test_mark_urgent_refused_to_a_moderator_out_of_scope(client, town_appeal, moderator):
    appeal, _town, _mod = town_appeal("ua")
    due = appeal.due_date
    client.force_login(moderator)  # moderates an addressee of the first town only
    response = post(client, appeal, "urgent", {"reason": "Because"})
    assert response.status_code == 404
    appeal.refresh_from_db()
    assert appeal.due_date == due and appeal.urgent_at is None
    assert not AppealEvent.objects.filter(action=AppealEvent.Action.URGENT).exists()


@pytest.mark.parametrize("code", ["ro", "bg"])
def test_mark_urgent_is_neither_offered_nor_accepted_where_the_law_has_no_urgent_term(
        client, town_appeal, code):
    appeal, _town, mod = town_appeal(code)
    due = appeal.due_date
    client.force_login(mod)
    assert action(appeal, "urgent") not in client.get(detail(appeal)).content.decode()
    response = post(client, appeal, "urgent", {"reason": "Because"})
    assert response.status_code == 200
    assert "This action is not available for this record now." in response.content.decode()
    with translation.override("en"), pytest.raises(services.AppealError, match="no urgent term"):
        services.mark_urgent(appeal, mod, "Because")
    appeal.refresh_from_db()
    assert appeal.due_date == due and appeal.urgent_at is None


# --- Ukraine: returning an incomplete appeal within 10 days (art. 5) ----------------------


def test_return_by_is_set_at_filing_where_the_law_has_the_term(town_appeal):
    ua, _t, _m = town_appeal("ua")
    assert ua.return_by == deadlines.due(received(ua), "return-incomplete", "ua")
    Appeal.objects.all().delete()
    ro, _t, _m = town_appeal("ro", applicant_name="Ion Popescu")
    assert ro.return_by is None


def test_return_by_shown_flagged_when_passed_and_gone_once_handled(client, town_appeal):
    appeal, _town, mod = town_appeal("ua")
    client.force_login(mod)
    page = client.get(detail(appeal)).content.decode()
    assert "Return if incomplete by" in page and "term to return passed" not in page
    assert "return term passed" not in client.get(LIST).content.decode()
    past = received(appeal) - timedelta(days=1)
    Appeal.objects.filter(pk=appeal.pk).update(return_by=past)
    assert "term to return passed" in client.get(detail(appeal)).content.decode()
    inbox = client.get(LIST).content.decode()
    assert "return term passed" in inbox
    services.start(appeal, mod)
    assert "Return if incomplete by" not in client.get(detail(appeal)).content.decode()
    assert "return term passed" not in client.get(
        LIST).content.decode()


def test_staff_are_reminded_before_the_return_term_passes(town_appeal):
    appeal, _town, mod = town_appeal("ua")
    send_reminders(today=appeal.return_by - timedelta(days=1))
    reminder = Notification.objects.get(recipient=mod, event="appeals.reminder")
    assert "returned to the applicant" in reminder.body
    assert AppealReminder.objects.filter(appeal=appeal, point="return-1",
                                         due_date=appeal.return_by).exists()
    # Once sent, never again; and no reminder once the appeal is taken in hand.
    send_reminders(today=appeal.return_by - timedelta(days=1))
    assert Notification.objects.filter(recipient=mod, event="appeals.reminder").count() == 1
    services.start(appeal, mod)
    send_reminders(today=appeal.return_by)
    assert Notification.objects.filter(recipient=mod, event="appeals.reminder").count() == 1


def test_the_return_records_whether_it_was_late(town_appeal):
    appeal, _town, mod = town_appeal("ua")
    services.return_incomplete(appeal, mod, "No signature")
    event = appeal.events.get(action=AppealEvent.Action.RETURNED)
    assert event.data["return_by"] == appeal.return_by.isoformat()
    assert event.data["late"] is False
    assert appeal.status == Status.RETURNED


# --- Bulgaria: forwarding in 7 days, notice of the decision in 7 days ---------------------


def test_bulgaria_forwards_under_its_own_term(town_appeal):
    term = deadlines.get_term("forward", "bg")
    assert (term.amount, term.unit) == (7, deadlines.DAYS)
    with translation.override("en"):
        assert "forwarding" in str(term.label)
        assert "notifying" not in str(term.label)
    appeal, town, _mod = town_appeal("bg")
    # Filed through the appeals department: it must be forwarded within 7 days.
    from addons.addressees.models import AddresseePage

    department = town["addressee"].get_parent().add_child(
        instance=AddresseePage(title="Registry", slug="registry"))
    options = AppealsSettings.for_site(town["site"])
    options.routing_mode = "department"
    options.department = department
    options.save()
    second, _created = services.file_appeal(
        site=town["site"], form=town["form"], addressee=town["addressee"],
        author=appeal.author, data={**DATA, "appeal_type": "signal", "subject": "Other"},
    )
    assert second.forward_by == deadlines.due(received(second), "forward", "bg")
    assert second.forward_by >= received(second) + timedelta(days=7)  # a day off moves it


def test_bulgarian_decision_is_notified_within_seven_days(town_appeal, citizen):
    appeal, _town, mod = town_appeal("bg")
    assert appeal.return_by is None and appeal.notify_by is None
    services.reply(appeal, mod, "The signal is founded; the street will be repaired.")
    appeal.refresh_from_db()
    assert appeal.notify_by == deadlines.due(timezone.localdate(), "notify-decision", "bg")
    assert appeal.notified_at is not None  # the reply notification informed the citizen
    assert Notification.objects.filter(recipient=citizen, event="appeals.reply").exists()
    assert appeal.events.filter(action=AppealEvent.Action.NOTIFIED).exists()
    send_reminders(today=appeal.notify_by - timedelta(days=1))
    assert not AppealReminder.objects.filter(point__startswith="notify").exists()


def test_unreached_applicant_gets_a_reminder_and_staff_record_the_notice(client,
                                                                         town_appeal):
    appeal, _town, mod = town_appeal("bg")
    author = appeal.author
    author.is_active = False
    author.save()
    Appeal.objects.filter(pk=appeal.pk).update(applicant_email="")
    appeal.refresh_from_db()
    services.reply(appeal, mod, "Decision: founded.")
    appeal.refresh_from_db()
    assert appeal.notify_by is not None and appeal.notified_at is None
    mail.outbox.clear()
    send_reminders(today=appeal.notify_by - timedelta(days=1))
    reminder = Notification.objects.get(recipient=mod, event="appeals.reminder")
    assert "informed of the decision" in reminder.body
    client.force_login(mod)
    assert action(appeal, "notice") in client.get(detail(appeal)).content.decode()
    response = post(client, appeal, "notice", {"note": "Letter sent by post"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.notified_at is not None
    assert action(appeal, "notice") not in client.get(detail(appeal)).content.decode()


@pytest.mark.parametrize("code", ["ua", "ro"])
def test_no_notice_term_outside_bulgaria(town_appeal, code):
    appeal, _town, mod = town_appeal(code, applicant_name="Ion Popescu")
    services.reply(appeal, mod, "Answer.")
    appeal.refresh_from_db()
    assert appeal.notify_by is None and appeal.notified_at is None
