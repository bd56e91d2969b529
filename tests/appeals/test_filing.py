import uuid
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from addons.appeals.models import Appeal, AppealEvent, AppealFormField, AppealsSettings, Status
from addons.appeals.services import file_appeal
from addons.core.models import Notification, SiteProfile

from .conftest import DATA, JPEG, PDF, PNG, docx_bytes, odt_bytes, upload

pytestmark = pytest.mark.django_db


def new_url(form, addressee):
    return f"{reverse('appeals:new', args=[form.pk])}?addressee={addressee.pk}"


def post_data(**extra):
    return {**DATA, "submission_token": str(uuid.uuid4()), **extra}


def test_addressee_page_shows_the_form_link(client, appeal_form, addressee):
    response = client.get(addressee.url)
    assert response.status_code == 200
    assert new_url(appeal_form, addressee) in response.content.decode()
    assert "File an appeal" in response.content.decode()


def test_form_is_prefilled_from_the_profile(client, citizen, appeal_form, addressee):
    client.force_login(citizen)
    response = client.get(new_url(appeal_form, addressee))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["applicant_name"] == citizen.full_name
    assert form.initial["applicant_address"] == citizen.postal_address
    assert form.initial["applicant_email"] == citizen.email
    assert response.context["barrier"] is None


def test_filing_registers_numbers_and_notifies(client, citizen, moderator, appeal_form, addressee,
                                               django_capture_on_commit_callbacks):
    client.force_login(citizen)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(new_url(appeal_form, addressee), post_data(
            attachments=[upload(), upload("photo.png", PNG, "image/png")],
            priority="veteran", do_not_disclose="on",
        ))
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:detail", args=[appeal.pk])
    year = appeal.received_at.year
    assert appeal.reference == f"AP-{year}-000001"
    assert appeal.status == Status.REGISTERED
    assert appeal.addressee_id == addressee.pk and appeal.author == citizen
    assert appeal.priority == "veteran" and appeal.do_not_disclose
    assert appeal.attachments.count() == 2
    assert appeal.due_date > timezone.localdate(appeal.received_at)
    assert appeal.events.filter(action=AppealEvent.Action.FILED).exists()
    to_citizen = Notification.objects.get(recipient=citizen, event="appeals.filed")
    assert appeal.reference in to_citizen.subject
    assert appeal.due_date.strftime("%Y") in to_citizen.body
    assert Notification.objects.filter(recipient=moderator, event="appeals.new").exists()
    assert {message.to[0] for message in mail.outbox} == {citizen.email, moderator.email}
    page = client.get(response["Location"])
    assert appeal.reference in page.content.decode()


def test_due_date_follows_the_site_jurisdiction(site, appeal_form, addressee, citizen):
    from addons.core.deadlines import due

    for code, rule in (("ua", "appeal"), ("ro", "petition"), ("bg", "signal")):
        profile = SiteProfile.for_site(site)
        profile.jurisdiction = code
        profile.save()
        appeal, _ = file_appeal(site=site, form=appeal_form, addressee=addressee,
                                author=citizen, data=DATA, today=date(2026, 1, 31))
        assert appeal.due_date == due(date(2026, 1, 31), rule, code)


def test_missing_required_fields_keep_what_was_typed(client, citizen, appeal_form, addressee):
    client.force_login(citizen)
    response = client.post(new_url(appeal_form, addressee), post_data(
        applicant_address="", text="", subject="Kept subject"))
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"applicant_address", "text"}
    assert form["subject"].value() == "Kept subject"
    assert not Appeal.objects.exists()


def test_legal_entity_needs_organisation(client, citizen, legal_form, addressee):
    client.force_login(citizen)
    response = client.post(new_url(legal_form, addressee), post_data())
    assert response.status_code == 400
    assert {"organisation_name", "organisation_code"} <= set(response.context["form"].errors)
    response = client.post(new_url(legal_form, addressee), post_data(
        organisation_name="Roads LLC", organisation_code="12345678"))
    assert response.status_code == 302
    assert Appeal.objects.get().organisation_code == "12345678"


def test_romanian_law_asks_address_or_email(client, citizen, appeal_form, addressee, profile):
    profile.jurisdiction = "ro"
    profile.save()
    client.force_login(citizen)
    response = client.post(new_url(appeal_form, addressee), post_data(
        applicant_address="", applicant_email=""))
    assert response.status_code == 400
    assert "applicant_address" in response.context["form"].errors
    response = client.post(new_url(appeal_form, addressee), post_data(applicant_address=""))
    assert response.status_code == 302


def test_extra_fields_are_answered(client, citizen, appeal_form, addressee):
    AppealFormField.objects.create(form=appeal_form, label="District", field_type="choice",
                                   choices="North\nSouth", required=True)
    AppealFormField.objects.create(form=appeal_form, label="Since", field_type="date")
    AppealFormField.objects.create(form=appeal_form, label="Plan", field_type="file")
    client.force_login(citizen)
    response = client.post(new_url(appeal_form, addressee), post_data())
    assert "extra_district" in response.context["form"].errors
    response = client.post(new_url(appeal_form, addressee), post_data(
        extra_district="South", extra_since="2026-01-05", extra_plan=upload("plan.pdf")))
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.answers["district"]["value"] == "South"
    assert appeal.answers["since"]["value"] == "2026-01-05"
    assert appeal.attachments.get().original_name == "plan.pdf"


@pytest.mark.parametrize("name,content", [
    ("scan.jpg", JPEG), ("letter.docx", docx_bytes()), ("letter.odt", odt_bytes()),
])
def test_accepted_types(client, citizen, appeal_form, addressee, name, content):
    client.force_login(citizen)
    response = client.post(new_url(appeal_form, addressee),
                           post_data(attachments=[upload(name, content, "x/y")]))
    assert response.status_code == 302
    item = Appeal.objects.get().attachments.get()
    assert item.original_name == name
    assert name not in item.file.name  # a name the system made


@pytest.mark.parametrize("name,content,message", [
    ("virus.exe", b"MZ\x90\x00", "not accepted"),
    ("fake.pdf", b"<html>not a pdf</html>", "content does not match"),
    ("fake.png", PDF, "content does not match"),
    ("fake.docx", b"PK\x03\x04broken", "content does not match"),
    ("odt-as-docx.docx", odt_bytes(), "content does not match"),
])
def test_bad_files_are_refused(client, citizen, appeal_form, addressee, name, content, message):
    client.force_login(citizen)
    response = client.post(new_url(appeal_form, addressee),
                           post_data(attachments=[upload(name, content, "application/pdf")]))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["attachments"])
    assert response.context["form"]["subject"].value() == DATA["subject"]
    assert not Appeal.objects.exists()


def test_size_limits(client, citizen, appeal_form, addressee):
    appeal_form.max_file_size_mb = 1
    appeal_form.max_total_size_mb = 1
    appeal_form.max_files = 2
    appeal_form.save()
    client.force_login(citizen)
    big = PDF + b"0" * (1024 * 1024)
    response = client.post(new_url(appeal_form, addressee),
                           post_data(attachments=[upload("big.pdf", big)]))
    assert response.status_code == 400
    assert "too large" in " ".join(response.context["form"].errors["attachments"])
    half = PDF + b"0" * (600 * 1024)
    response = client.post(new_url(appeal_form, addressee), post_data(
        attachments=[upload("a.pdf", half), upload("b.pdf", half)]))
    assert "together are too large" in " ".join(response.context["form"].errors["attachments"])
    response = client.post(new_url(appeal_form, addressee), post_data(
        attachments=[upload("a.pdf"), upload("b.pdf"), upload("c.pdf")]))
    assert "at most 2 files" in " ".join(response.context["form"].errors["attachments"])
    appeal_form.allowed_types = ["pdf"]
    appeal_form.save()
    response = client.post(new_url(appeal_form, addressee),
                           post_data(attachments=[upload("p.png", PNG)]))
    assert "not accepted" in " ".join(response.context["form"].errors["attachments"])
    assert not Appeal.objects.exists()


def test_double_submit_files_one_appeal(client, citizen, appeal_form, addressee):
    client.force_login(citizen)
    data = post_data()
    first = client.post(new_url(appeal_form, addressee), data)
    second = client.post(new_url(appeal_form, addressee), data)
    appeal = Appeal.objects.get()
    assert first["Location"] == second["Location"] == appeal.get_absolute_url()
    assert Notification.objects.filter(event="appeals.filed").count() == 1
    page = client.get(second["Location"])
    assert "already filed" in page.content.decode()


def test_anonymous_is_refused_with_the_law_and_keeps_the_draft(client, citizen, appeal_form,
                                                               addressee):
    url = new_url(appeal_form, addressee)
    response = client.post(url, post_data(subject="Typed before login"))
    assert response.status_code == 403
    text = response.content.decode()
    assert "Law of Ukraine" in text and "full name" in text
    assert f"{reverse('accounts:login')}?next=" in text
    assert not Appeal.objects.exists()
    client.force_login(citizen)
    response = client.get(url)
    assert response.context["form"].initial["subject"] == "Typed before login"


def test_refusal_is_in_the_citizens_language(client, appeal_form, addressee):
    client.cookies["civicdesk_language"] = "uk"
    response = client.post(new_url(appeal_form, addressee), post_data())
    assert response.status_code == 403
    assert "Закону України" in response.content.decode()


def test_incomplete_profile_types_what_it_lacks(client, make_user, appeal_form, addressee):
    user = make_user("vasyl", complete=False)
    client.force_login(user)
    url = new_url(appeal_form, addressee)
    response = client.post(url, post_data(subject="Kept", applicant_address=""))
    assert response.status_code == 400
    assert response.context["barrier"] is None
    assert response.context["form"]["subject"].value() == "Kept"
    response = client.post(url, post_data(applicant_address="2 Side Street"))
    assert response.status_code == 302
    assert Appeal.objects.get().applicant_address == "2 Side Street"


def test_open_form_accepts_anonymous_applicants(client, appeal_form, addressee):
    appeal_form.requires_login = False
    appeal_form.save()
    response = client.post(new_url(appeal_form, addressee), post_data())
    assert response.status_code == 200
    appeal = Appeal.objects.get()
    assert appeal.author is None
    assert appeal.reference in response.content.decode()
    assert Notification.objects.filter(email=DATA["applicant_email"],
                                       event="appeals.filed").exists()


def test_form_must_be_attached_to_the_addressee(client, citizen, appeal_form, other_addressee):
    client.force_login(citizen)
    assert client.get(new_url(appeal_form, other_addressee)).status_code == 404
    url = reverse("appeals:new", args=[appeal_form.pk])
    assert client.get(url).status_code == 404
    assert client.get(url + "?addressee=abc").status_code == 404


def test_department_routing(site, appeal_form, addressee, citizen, department, moderator,
                            department_moderator):
    options = AppealsSettings.for_site(site)
    options.routing_mode = "department"
    options.save()
    appeal, _ = file_appeal(site=site, form=appeal_form, addressee=addressee, author=citizen,
                            data=DATA)
    assert appeal.status == Status.SUBMITTED
    assert appeal.addressee_id == department.pk
    assert appeal.requested_addressee_id == addressee.pk
    assert appeal.forward_by is not None
    assert Notification.objects.filter(recipient=department_moderator,
                                       event="appeals.new").exists()
    assert not Notification.objects.filter(recipient=moderator).exists()


def test_repeated_appeal_is_flagged(site, file_one, moderator):
    from addons.appeals import services

    first = file_one()
    services.reply(first, moderator, "Repaired.")
    again = file_one(text="  There is a DEEP pothole in front of house 1 -- please repair it! ")
    assert again.repeated_of == first
    other = file_one(text="Another matter entirely.")
    assert other.repeated_of is None


def test_numbers_are_per_site_and_year(site, file_one):
    first, second = file_one(), file_one()
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1


def test_failed_filing_leaves_no_number_and_no_file(site, appeal_form, addressee, citizen,
                                                    monkeypatch, settings):
    from addons.appeals import services
    from addons.appeals.uploads import check_for_form

    checked = check_for_form([upload()], appeal_form)

    def boom(*args, **kwargs):
        raise RuntimeError("mail system down")

    monkeypatch.setattr(services, "_notify_citizen", boom)
    with pytest.raises(RuntimeError):
        file_appeal(site=site, form=appeal_form, addressee=addressee, author=citizen,
                    data=DATA, files=checked)
    assert not Appeal.objects.exists()
    from django.core.files.storage import storages

    location = storages["private"].location
    import os

    assert not any(files for _root, _dirs, files in os.walk(location))
    monkeypatch.undo()
    appeal, _ = file_appeal(site=site, form=appeal_form, addressee=addressee, author=citizen,
                            data=DATA)
    assert appeal.reference.endswith("000001")
