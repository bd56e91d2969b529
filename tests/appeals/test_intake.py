"""Oral appeals taken by an operator: allowed where the site's law allows them (Ukraine,
Bulgaria: by phone and in person; Romania: in person only), numbered, with the legal term,
the source and the operator kept and the acknowledgement e-mailed to the applicant."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from addons.accounts.models import Identity, Person
from addons.appeals import intake
from addons.appeals.models import Appeal
from addons.core.models import SiteProfile


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_user(username="operator", email="op@example.org",
                                                 password="x", is_staff=True)


@pytest.fixture
def caller(site):
    person = Person.objects.create(site=site, full_name="Oksana Kovalenko",
                                   postal_address="vul. Sadova 1, Kyiv")
    Identity.objects.create(person=person, site=site, kind="email",
                            value="oksana@example.org")
    return person


def _law(site, code):
    profile = SiteProfile.for_site(site)
    profile.jurisdiction = code
    profile.save()


def _data(addressee, **extra):
    data = {"addressee": str(addressee.pk), "appeal_type": "complaint",
            "subject": "Street lights", "text": "The lights on our street are off.",
            "applicant_name": "Oksana Kovalenko", "applicant_address": "vul. Sadova 1, Kyiv",
            "applicant_email": "oksana@example.org", "applicant_phone": "",
            "submission_token": "2b1d6c0e-8d0e-4e7c-9a55-0c7a3c1d2e11"}
    data.update(extra)
    return data


@pytest.mark.parametrize("code, source, ok", [
    ("ua", "phone", True), ("ua", "walk_in", True), ("ua", "email", True),
    ("bg", "phone", True), ("bg", "walk_in", True),
    ("ro", "phone", False), ("ro", "walk_in", True), ("ro", "email", True),
])
def test_what_each_law_allows(site, profile, code, source, ok):
    _law(site, code)
    allowed, reason = intake.allowed(site, source)
    assert allowed is ok
    assert bool(reason) is not ok
    if not ok:
        assert "27/2002" in reason


def test_the_form_is_prefilled_from_the_person(site, profile, addressee, caller):
    form = intake.AppealIntakeForm(site=site, person=caller)
    assert form.initial["applicant_name"] == "Oksana Kovalenko"
    assert form.initial["applicant_address"] == "vul. Sadova 1, Kyiv"
    assert form.initial["applicant_email"] == "oksana@example.org"


def test_an_oral_appeal_by_phone_in_ukraine(site, profile, addressee, caller, operator,
                                            django_capture_on_commit_callbacks):
    form = intake.AppealIntakeForm(_data(addressee), site=site, person=caller)
    assert form.is_valid(), form.errors
    with django_capture_on_commit_callbacks(execute=True):
        appeal = intake.file(site, form.cleaned_data, person=caller, source="phone",
                             entered_by=operator)
    appeal.refresh_from_db()
    assert appeal.reference.startswith("AP") and appeal.due_date is not None
    assert appeal.source == "phone" and appeal.entered_by == operator
    assert appeal.author is None and not appeal.anonymous
    sent = [message for message in mail.outbox if "oksana@example.org" in message.to]
    assert len(sent) == 1 and appeal.reference in (sent[0].subject + sent[0].body)


def test_a_second_submit_files_nothing_new(site, profile, addressee, caller, operator):
    for _ in range(2):
        form = intake.AppealIntakeForm(_data(addressee), site=site, person=caller)
        assert form.is_valid()
        intake.file(site, form.cleaned_data, person=caller, source="phone",
                    entered_by=operator)
    assert Appeal.objects.count() == 1


def test_by_phone_in_romania_nothing_is_filed(site, profile, addressee, caller, operator):
    _law(site, "ro")
    form = intake.AppealIntakeForm(_data(addressee, appeal_type="request"), site=site,
                                   person=caller)
    assert form.is_valid(), form.errors
    with pytest.raises(ValidationError) as error:
        intake.file(site, form.cleaned_data, person=caller, source="phone",
                    entered_by=operator)
    assert "27/2002" in error.value.messages[0]
    assert not Appeal.objects.exists()


def test_the_applicant_must_be_identified(site, profile, addressee, caller):
    from django.utils import translation

    form = intake.AppealIntakeForm(_data(addressee, applicant_address=""), site=site)
    with translation.override("en"):
        assert not form.is_valid()
        assert "place of residence" in form.errors["applicant_address"][0]
    assert form["subject"].value() == "Street lights"


def test_only_addressees_of_the_town(site, profile, addressee):
    from tests.conftest import add_town

    town = add_town("town2.example", jurisdiction="ua")
    form = intake.AppealIntakeForm(site=town)
    assert addressee not in form.fields["addressee"].queryset
    assert addressee in intake.AppealIntakeForm(site=site).fields["addressee"].queryset
