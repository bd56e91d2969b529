"""Requests for public information: the same record as an appeal (inbox, cabinet, reminders,
exports, API), with the terms of each country's access-to-information law (UA Law 2939-VI
art. 20, RO Law 544/2001 art. 7, BG Access to Public Information Act art. 28 and 30) and
the staff actions of that law: answer, extend, refuse, forward."""

import uuid
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import ModelLogEntry

from addons.appeals import services
from addons.appeals.jobs import send_reminders
from addons.appeals.models import (
    Appeal,
    AppealEvent,
    AppealForm,
    AppealFormPlacement,
    AppealReminder,
    Status,
)
from addons.core import deadlines
from addons.core.models import Notification

from .conftest import upload
from .desk import LIST, action, export_row, post

pytestmark = pytest.mark.django_db

REQUEST = {
    "applicant_name": "Olena Citizen",
    "applicant_address": "1 Main Street",
    "applicant_email": "olena@example.org",
    "subject": "Road repair contracts 2026",
    "text": "Copies of the contracts for road repairs signed in 2026.",
    "answer_format": "email",
}


def new_url(form, addressee):
    return f"{reverse('appeals:new', args=[form.pk])}?addressee={addressee.pk}"




@pytest.fixture
def info_town(make_town, make_user):
    """town(code) -> the town with an information request form on its addressee and a
    moderator of that addressee."""

    def make(code, slug=None):
        town = make_town(code, slug)
        form = AppealForm.objects.create(site=town["site"], title="Public information",
                                         procedure="info_request")
        AppealFormPlacement.objects.create(page=town["addressee"], form=form)
        town["info_form"] = form
        town["moderator"] = make_user(f"mod{slug or code}", moderates=[town["addressee"]],
                                      is_staff=True)
        return town

    return make


def file_request(town, author, today=None, **data):
    appeal, _created = services.file_appeal(
        site=town["site"], form=town["info_form"], addressee=town["addressee"],
        author=author, data={**REQUEST, **data}, today=today,
    )
    return appeal


# --- the terms of each law ----------------------------------------------------------------


def test_ukraine_five_working_days_extension_to_twenty(info_town, citizen):
    town = info_town("ua")
    # Friday 4 December 2026: five working days skip the weekend.
    appeal = file_request(town, citizen, today=date(2026, 12, 4))
    assert appeal.procedure == "info_request"
    assert appeal.due_date == appeal.original_due_date == date(2026, 12, 11)
    assert appeal.refuse_by is None and appeal.return_by is None
    # 20 working days; 25 December and 1 January are working days under martial law.
    assert deadlines.due(date(2026, 12, 4), "info-request-extended", "ua") == date(2027, 1, 1)
    assert deadlines.get_term("info-request", "ua").unit == deadlines.WORKING_DAYS


def test_romania_ten_days_refusal_in_five_holidays_moved(info_town, citizen):
    town = info_town("ro")
    appeal = file_request(town, citizen, today=date(2026, 11, 20))
    # 30 November (St Andrew) and 1 December (national day) are days off.
    assert appeal.due_date == date(2026, 12, 2)
    assert appeal.refuse_by == date(2026, 11, 25)
    later = file_request(town, citizen, today=date(2026, 11, 25), subject="Another")
    assert later.refuse_by == date(2026, 12, 2)
    # 30 days at most: 20 December 2026 is a Sunday.
    assert deadlines.due(date(2026, 11, 20), "info-request-extended", "ro") == date(2026, 12, 21)


def test_bulgaria_fourteen_days_and_ten_more(info_town, citizen):
    town = info_town("bg")
    appeal = file_request(town, citizen, today=date(2026, 12, 10))
    # 24-26 December are holidays, 26 (Saturday) observed on Monday 28.
    assert appeal.due_date == date(2026, 12, 29)
    assert appeal.refuse_by is None
    assert deadlines.due(date(2026, 3, 1), "info-request-extended", "bg") == date(2026, 3, 25)


def test_an_appeal_keeps_the_appeals_law_terms(info_town, citizen):
    town = info_town("ua")
    appeal, _created = services.file_appeal(
        site=town["site"], form=town["form"], addressee=town["addressee"], author=citizen,
        data={**REQUEST, "appeal_type": "complaint"}, today=date(2026, 12, 4))
    assert appeal.procedure == "appeal" and appeal.due_date == date(2027, 1, 4)


def test_without_name_or_address_no_term(info_town, citizen):
    """Each law asks for a name and an address to answer to: without them the request is
    recorded without a legal term or reminders."""
    town = info_town("ro")
    town["info_form"].allow_anonymous = True
    town["info_form"].save()
    appeal = file_request(town, None, applicant_name="", applicant_address="",
                          applicant_email="")
    assert appeal.anonymous and appeal.due_date is None and appeal.refuse_by is None
    # A name and an email are enough.
    named = file_request(town, None, applicant_address="", subject="Second")
    assert not named.anonymous and named.due_date is not None


# --- filing on the web --------------------------------------------------------------------


def test_citizen_files_a_request_on_the_addressee_page(client, info_town, citizen):
    town = info_town("ua")
    client.force_login(citizen)
    page = client.get("/addressees/hall/", HTTP_HOST=town["host"]).content.decode()
    assert "Request public information" in page
    url = new_url(town["info_form"], town["addressee"])
    form_page = client.get(url, HTTP_HOST=town["host"]).content.decode()
    assert 'name="answer_format"' in form_page and 'name="appeal_type"' not in form_page
    assert 'name="priority"' not in form_page and "Information you ask for" in form_page
    response = client.post(url, {**REQUEST, "submission_token": str(uuid.uuid4())},
                           HTTP_HOST=town["host"])
    assert response.status_code == 302, response.content.decode()[:3000]
    appeal = Appeal.objects.get(site=town["site"])
    assert appeal.procedure == "info_request" and appeal.answer_format == "email"
    assert appeal.appeal_type == "" and appeal.priority == ""
    assert appeal.due_date == deadlines.due(timezone.localdate(), "info-request", "ua")
    note = Notification.objects.get(recipient=citizen, event="appeals.filed")
    assert "request" in note.subject.lower() and "public information" in note.body
    staff = Notification.objects.get(recipient=town["moderator"], event="appeals.new")
    assert "public information" in staff.subject
    detail = client.get(appeal.get_absolute_url(), HTTP_HOST=town["host"]).content.decode()
    assert "Request for public information" in detail and "By email" in detail
    cabinet = client.get(reverse("appeals:mine"), HTTP_HOST=town["host"]).content.decode()
    assert appeal.reference in cabinet


@pytest.mark.parametrize("changes, field, message", [
    ({"answer_format": "email", "applicant_email": ""}, "applicant_email",
     "you asked for the answer by email"),
    ({"answer_format": "post", "applicant_address": ""}, "applicant_address",
     "you asked for the answer by post"),
    ({"answer_format": "pigeon"}, "answer_format", "Select a valid choice"),
    ({"applicant_name": ""}, "applicant_name", "This field is required"),
    ({"applicant_address": "", "applicant_email": "", "answer_format": "in_person"},
     "applicant_address", "postal address or your email"),
])
def test_bad_input_keeps_what_was_typed(client, info_town, citizen, changes, field, message):
    town = info_town("ro")
    client.force_login(citizen)
    data = {**REQUEST, **changes, "submission_token": str(uuid.uuid4())}
    response = client.post(new_url(town["info_form"], town["addressee"]), data,
                           HTTP_HOST=town["host"])
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors and message in " ".join(form.errors[field])
    assert REQUEST["text"] in response.content.decode()
    assert not Appeal.objects.exists()


def test_two_towns_each_their_own_law(client, info_town, citizen):
    ua, ro = info_town("ua", "kyivtown"), info_town("ro", "clujtown")
    client.force_login(citizen)
    for town in (ua, ro):
        response = client.post(new_url(town["info_form"], town["addressee"]),
                               {**REQUEST, "submission_token": str(uuid.uuid4())},
                               HTTP_HOST=town["host"])
        assert response.status_code == 302
    today = timezone.localdate()
    one, two = Appeal.objects.get(site=ua["site"]), Appeal.objects.get(site=ro["site"])
    assert one.due_date == deadlines.due(today, "info-request", "ua")
    assert two.due_date == deadlines.due(today, "info-request", "ro")
    assert one.refuse_by is None and two.refuse_by == deadlines.due(today, "info-refusal", "ro")
    # A town's form is not offered on the other town.
    wrong = client.get(new_url(ua["info_form"], ua["addressee"]), HTTP_HOST=ro["host"])
    assert wrong.status_code == 404


# --- staff: answer, extend, refuse, forward -----------------------------------------------


def test_answer_with_a_file(client, info_town, citizen):
    town = info_town("ua")
    appeal = file_request(town, citizen)
    client.force_login(town["moderator"])
    response = post(client, appeal, "reply", {
        "text": "The contracts are attached.", "files": [upload("contracts.pdf")],
    })
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.ANSWERED
    assert appeal.messages.get().attachments.get().original_name == "contracts.pdf"
    note = Notification.objects.get(recipient=citizen, event="appeals.reply")
    assert "request" in note.subject


def test_extend_within_the_first_term_with_reason(client, info_town, citizen):
    town = info_town("ua")
    appeal = file_request(town, citizen)
    limit = services.extension_limit(appeal)
    assert limit == deadlines.due(timezone.localdate(), "info-request-extended", "ua")
    client.force_login(town["moderator"])
    page = client.get(reverse("casework_appeals:inspect", args=[appeal.pk])).content.decode()
    assert action(appeal, "refuse") in page and action(appeal, "extend") in page
    assert action(appeal, "urgent") not in page and action(appeal, "return") not in page
    # No reason: refused, with what was typed kept.
    response = post(client, appeal, "extend", {"until": limit.isoformat(),
                                                      "reason": ""})
    assert response.status_code == 200
    response = post(client, appeal, "extend", {
        "until": (limit + timedelta(days=1)).isoformat(),
        "reason": "A large volume of documents"})
    assert response.status_code == 200
    assert "at the latest" in response.content.decode()
    response = post(client, appeal, "extend", {
        "until": limit.isoformat(), "reason": "A large volume of documents"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.EXTENDED and appeal.due_date == limit
    note = Notification.objects.filter(recipient=citizen, event="appeals.status").last()
    assert "A large volume of documents" in note.body


def test_no_extension_after_the_first_term(info_town, citizen):
    town = info_town("ro")
    appeal = file_request(town, citizen)
    Appeal.objects.filter(pk=appeal.pk).update(
        original_due_date=timezone.localdate() - timedelta(days=1),
        due_date=timezone.localdate() - timedelta(days=1))
    appeal.refresh_from_db()
    with pytest.raises(services.ExtensionNotAllowed, match="first term"):
        services.extend(appeal, town["moderator"], services.extension_limit(appeal), "Volume")


def test_refuse_with_reason_records_the_term(client, info_town, citizen):
    town = info_town("ro")
    appeal = file_request(town, citizen)
    client.force_login(town["moderator"])
    response = post(client, appeal, "refuse", {"reason": ""})
    assert response.status_code == 200
    assert Appeal.objects.get(pk=appeal.pk).status == Status.REGISTERED
    response = post(client, appeal, "refuse", {"reason": "Classified information (art. 12)"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == Status.REFUSED and appeal.is_final
    event = appeal.events.get(action=AppealEvent.Action.REFUSED)
    assert event.data["refuse_by"] == appeal.refuse_by.isoformat() and event.data["late"] is False
    assert ModelLogEntry.objects.filter(action="appeals.refuse",
                                        object_id=str(appeal.pk)).exists()
    note = Notification.objects.filter(recipient=citizen, event="appeals.status").last()
    assert "Classified information" in note.body


def test_a_late_refusal_is_recorded_and_flagged(client, info_town, citizen):
    town = info_town("ro")
    appeal = file_request(town, citizen)
    Appeal.objects.filter(pk=appeal.pk).update(refuse_by=timezone.localdate() - timedelta(days=1))
    appeal.refresh_from_db()
    client.force_login(town["moderator"])
    assert "appeal-refuse-overdue" in client.get(
        LIST, HTTP_HOST=town["host"]).content.decode()
    assert "term to refuse passed" in client.get(
        reverse("casework_appeals:inspect", args=[appeal.pk])).content.decode()
    services.refuse(appeal, town["moderator"], "Not held by this body")
    assert appeal.events.get(action=AppealEvent.Action.REFUSED).data["late"] is True


def test_only_requests_are_refused_and_requests_are_not_urgent(info_town, citizen):
    town = info_town("ua")
    appeal, _created = services.file_appeal(
        site=town["site"], form=town["form"], addressee=town["addressee"], author=citizen,
        data={**REQUEST, "appeal_type": "complaint"})
    with pytest.raises(services.AppealError):
        services.refuse(appeal, town["moderator"], "No")
    request = file_request(town, citizen)
    assert not services.can_mark_urgent(request)
    with pytest.raises(services.AppealError):
        services.mark_urgent(request, town["moderator"], "Quick")


def test_forward_to_the_holder(info_town, citizen, make_user):
    from addons.addressees.models import AddresseePage

    town = info_town("ua")
    holder = town["addressee"].get_parent().add_child(
        instance=AddresseePage(title="Archive", slug="archive"))
    appeal = file_request(town, citizen)
    services.forward(appeal, town["moderator"], holder, "The archive holds it")
    appeal.refresh_from_db()
    assert appeal.addressee_id == holder.pk and appeal.status == Status.FORWARDED
    assert appeal.procedure == "info_request"
    event = appeal.events.get(action=AppealEvent.Action.FORWARDED)
    assert event.data["late"] is False


def test_refusal_term_reminders(info_town, citizen):
    town = info_town("ro")
    appeal = file_request(town, citizen)
    refuse_by = appeal.refuse_by
    send_reminders(today=refuse_by - timedelta(days=1))
    assert AppealReminder.objects.filter(appeal=appeal, point="refuse-1",
                                         due_date=refuse_by).exists()
    sent = [note.subject for note in Notification.objects.filter(
        recipient=town["moderator"], event="appeals.reminder")]
    assert any("refusal" in subject and appeal.reference in subject for subject in sent)
    # Answered: no more refusal reminders.
    services.reply(appeal, town["moderator"], "Here it is")
    count = AppealReminder.objects.filter(point__startswith="refuse").count()
    send_reminders(today=refuse_by)
    assert AppealReminder.objects.filter(point__startswith="refuse").count() == count


# --- who may see it -----------------------------------------------------------------------


def test_another_citizen_and_other_staff_cannot_see_it(client, info_town, citizen,
                                                       other_citizen, make_user):
    town = info_town("ua")
    stranger_staff = make_user("otherstaff", is_staff=True)
    appeal = file_request(town, citizen)
    for user in (other_citizen, stranger_staff):
        client.force_login(user)
        assert client.get(appeal.get_absolute_url(),
                          HTTP_HOST=town["host"]).status_code == 404
        assert client.get(reverse("casework_appeals:inspect", args=[appeal.pk]),
                          HTTP_HOST=town["host"]).status_code in (302, 403, 404)
        listed = client.get("/api/v1/appeals/", HTTP_HOST=town["host"]).json()
        assert listed["count"] == 0
    client.force_login(citizen)
    assert client.get(appeal.get_absolute_url(), HTTP_HOST=town["host"]).status_code == 200


def test_request_in_api_exports_and_report(client, info_town, citizen):
    from addons.appeals import reports

    town = info_town("ro")
    appeal = file_request(town, citizen)
    client.force_login(citizen)
    row = client.get(f"/api/v1/appeals/{appeal.pk}/", HTTP_HOST=town["host"]).json()
    assert row["procedure"] == "info_request" and row["answer_format"] == "email"
    assert row["refuse_by"] == appeal.refuse_by.isoformat()
    listed = client.get("/api/v1/appeals/", {"procedure": "info_request"},
                        HTTP_HOST=town["host"]).json()
    assert [item["id"] for item in listed["results"]] == [appeal.pk]
    assert client.get("/api/v1/appeals/", {"procedure": "appeal"},
                      HTTP_HOST=town["host"]).json()["count"] == 0
    with translation.override("en"):
        values = export_row(Appeal.objects.get(pk=appeal.pk))
    assert values["Procedure"] == "Request for public information"
    assert values["Refuse by"] == appeal.refuse_by
    assert values["Preferred form of the answer"] == "By email"
    today = timezone.localdate()
    figures = reports.compute(Appeal.objects.all(), today, today, site=town["site"])
    assert figures.by_procedure == {"appeal": 0, "info_request": 1}


def test_a_visitor_without_an_account_files_a_request(client, info_town):
    town = info_town("bg")
    town["info_form"].requires_login = False
    town["info_form"].save()
    client.logout()
    response = client.post(new_url(town["info_form"], town["addressee"]),
                           {**REQUEST, "submission_token": str(uuid.uuid4())},
                           HTTP_HOST=town["host"])
    assert response.status_code == 200
    appeal = Appeal.objects.get()
    assert appeal.author is None and appeal.procedure == "info_request"
    assert appeal.reference in response.content.decode()
    assert "Request registered" in response.content.decode()
    note = Notification.objects.get(event="appeals.filed")
    assert note.email == REQUEST["applicant_email"]
