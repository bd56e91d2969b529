"""Filing a problem report on a caller's behalf: the place from the street register or a
point, the caller's contacts from the person, the source and the operator kept, the
acknowledgement e-mailed to the caller."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from addons.accounts.models import Identity, Person
from addons.reports import intake
from addons.reports.models import Report

from .conftest import CENTRE


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages checked in English, whatever language an earlier request left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_user(username="operator", email="op@example.org",
                                                 password="x", is_staff=True)


@pytest.fixture
def caller(site):
    person = Person.objects.create(site=site, full_name="Mykola Bondar")
    Identity.objects.create(person=person, site=site, kind="phone", value="+380501112233")
    Identity.objects.create(person=person, site=site, kind="email",
                            value="mykola@example.org")
    return person


@pytest.fixture
def street(reports_site):
    from addons.reports.models import Street

    return Street.objects.create(site=reports_site, name="Соборна", aliases="Soborna",
                                 lat=CENTRE.lat, lng=CENTRE.lng)


def _form(site, person, **data):
    return intake.ReportIntakeForm(data, site=site, person=person)


def test_the_form_is_prefilled_from_the_person(reports_site, caller):
    form = intake.ReportIntakeForm(site=reports_site, person=caller)
    assert form.initial["reporter_name"] == "Mykola Bondar"
    assert form.initial["contact_email"] == "mykola@example.org"
    assert form.initial["contact_phone"] == "+380501112233"


def test_a_report_by_phone_at_an_address(reports_site, category, street, caller, operator,
                                         django_capture_on_commit_callbacks):
    form = _form(reports_site, caller, category=category.pk, description="A deep pothole",
                 address="Soborna 12", reporter_name="Mykola Bondar",
                 contact_email="mykola@example.org", contact_phone="+380501112233",
                 is_public="on")
    assert form.is_valid(), form.errors
    with django_capture_on_commit_callbacks(execute=True):
        report = intake.file(reports_site, form.cleaned_data, person=caller, source="phone",
                             entered_by=operator)
    report.refresh_from_db()
    assert report.source == "phone" and report.entered_by == operator
    assert report.reporter is None and report.contact_phone == "+380501112233"
    assert (report.lat, report.lng) == (CENTRE.lat, CENTRE.lng)
    assert report.addressee.slug == "roads" and report.tracking_number
    sent = [message for message in mail.outbox if "mykola@example.org" in message.to]
    assert len(sent) == 1 and report.tracking_number in (sent[0].subject + sent[0].body)


def test_a_report_at_a_point(reports_site, category, caller, operator):
    form = _form(reports_site, caller, category=category.pk, description="Broken light",
                 lat=str(CENTRE.lat + 0.01), lng=str(CENTRE.lng))
    assert form.is_valid(), form.errors
    report = intake.file(reports_site, form.cleaned_data, person=caller, source="walk_in",
                         entered_by=operator)
    assert report.source == "walk_in" and report.lat == pytest.approx(CENTRE.lat + 0.01)


def test_an_unknown_address_is_refused_and_kept(reports_site, category, street, caller):
    form = _form(reports_site, caller, category=category.pk, description="Pothole",
                 address="Nowhere lane 3")
    assert not form.is_valid()
    assert "street register" in form.errors["address"][0]
    assert form["address"].value() == "Nowhere lane 3"


def test_no_place_at_all(reports_site, category, caller):
    form = _form(reports_site, caller, category=category.pk, description="Pothole")
    assert not form.is_valid() and "address" in form.errors


def test_a_point_outside_the_city(reports_site, category, caller, operator):
    form = _form(reports_site, caller, category=category.pk, description="Pothole",
                 lat="10", lng="10")
    assert form.is_valid()
    with pytest.raises(ValidationError) as error:
        intake.file(reports_site, form.cleaned_data, person=caller, source="phone",
                    entered_by=operator)
    assert "location" in error.value.message_dict
    assert not Report.objects.exists()


def test_a_category_that_needs_an_account(reports_site, category, caller, operator):
    category.allow_anonymous = False
    category.save()
    form = _form(reports_site, caller, category=category.pk, description="Pothole",
                 lat=str(CENTRE.lat), lng=str(CENTRE.lng))
    assert form.is_valid()
    report = intake.file(reports_site, form.cleaned_data, person=caller, source="phone",
                         entered_by=operator)
    assert report.entered_by == operator


def test_the_categories_of_another_town_are_not_offered(reports_site, category):
    from tests.conftest import add_town

    town = add_town("town2.example", jurisdiction="ua")
    form = intake.ReportIntakeForm(site=town)
    assert category not in form.fields["category"].queryset
