"""Booking a visit on a caller's behalf: a ticket without an account keeps the caller's
contacts, the source and the operator; a time just taken comes back as a field error."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from addons.accounts.models import Identity, Person
from addons.queues import intake, services
from addons.queues.models import Slot, Ticket

from .conftest import at


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_user(username="operator", email="op@example.org",
                                                 password="x", is_staff=True)


@pytest.fixture
def caller(site):
    person = Person.objects.create(site=site, full_name="Ion Popescu")
    Identity.objects.create(person=person, site=site, kind="phone", value="+40722000111")
    Identity.objects.create(person=person, site=site, kind="email",
                            value="ion@example.org")
    return person


def _data(queue, service, day, hour=9, **extra):
    data = {"queue": str(queue.pk), "service": str(service.pk), "day": day.isoformat(),
            "time": f"{hour:02d}:00", "contact_name": "Ion Popescu",
            "contact_phone": "+40722000111", "contact_email": "ion@example.org"}
    data.update(extra)
    return data


def test_the_form_is_prefilled_from_the_person(site, queue, service, caller):
    form = intake.BookingIntakeForm(site=site, person=caller)
    assert form.initial["contact_name"] == "Ion Popescu"
    assert form.initial["contact_phone"] == "+40722000111"
    assert form.initial["contact_email"] == "ion@example.org"


def test_booking_without_an_account(site, queue, service, day, caller, operator,
                                    django_capture_on_commit_callbacks):
    form = intake.BookingIntakeForm(_data(queue, service, day), site=site, person=caller)
    assert form.is_valid(), form.errors
    with django_capture_on_commit_callbacks(execute=True):
        ticket = intake.file(site, form.cleaned_data, person=caller, source="phone",
                             entered_by=operator)
    ticket.refresh_from_db()
    assert ticket.citizen is None and ticket.source == "phone"
    assert ticket.entered_by == operator
    assert (ticket.contact_name, ticket.contact_phone, ticket.contact_email) == (
        "Ion Popescu", "+40722000111", "ion@example.org")
    assert Slot.objects.get(queue=queue, start=at(day, 9)).taken == 1
    sent = [message for message in mail.outbox if message.to == ["ion@example.org"]]
    assert len(sent) == 1 and ticket.number in sent[0].subject
    assert ticket.get_absolute_url() in sent[0].body


def test_a_citizen_with_an_account_gets_the_ticket(site, queue, service, day, citizen,
                                                   operator):
    person = Person.objects.create(site=site, full_name=citizen.full_name)
    from django.utils import timezone

    Identity.objects.create(person=person, site=site, kind="account", value=str(citizen.pk),
                            verified_at=timezone.now())
    form = intake.BookingIntakeForm(_data(queue, service, day, contact_email=""), site=site,
                                    person=person)
    assert form.is_valid(), form.errors
    ticket = intake.file(site, form.cleaned_data, person=person, source="walk_in",
                         entered_by=operator)
    assert ticket.citizen == citizen and ticket.source == "walk_in"


def test_a_time_just_taken_is_a_field_error(site, queue, service, day, caller, operator,
                                            make_citizen):
    services.book(queue, service, make_citizen(), at(day, 9))
    form = intake.BookingIntakeForm(_data(queue, service, day), site=site, person=caller)
    assert form.is_valid()
    with pytest.raises(ValidationError) as error:
        intake.file(site, form.cleaned_data, person=caller, source="phone",
                    entered_by=operator)
    messages = error.value.message_dict["time"]
    assert "just taken" in messages[0] and "09:30" in messages[0]
    assert Ticket.objects.filter(contact_name="Ion Popescu").count() == 0


def test_a_service_of_another_queue_is_refused(site, queue, service, day, caller):
    from addons.queues.models import QueueService

    from .conftest import make_queue

    other = make_queue(site, title="Passports", letter="P")
    foreign = QueueService.objects.create(queue=other, name="Passport")
    form = intake.BookingIntakeForm(_data(queue, foreign, day), site=site, person=caller)
    assert not form.is_valid() and "service" in form.errors


def test_the_free_times_of_the_day(site, queue, service, day, caller, make_citizen):
    services.book(queue, service, make_citizen(), at(day, 9))
    form = intake.BookingIntakeForm(_data(queue, service, day, time=""), site=site)
    assert not form.is_valid() and "time" in form.errors
    times = [f"{moment:%H:%M}" for moment in form.free_times()]
    assert "09:00" not in times and "09:30" in times and "11:00" not in times


def test_a_caller_without_a_name_where_the_queue_needs_it(site, queue, service, day,
                                                          operator):
    form = intake.BookingIntakeForm(_data(queue, service, day, contact_name=""), site=site)
    assert form.is_valid()
    with pytest.raises(ValidationError) as error:
        intake.file(site, form.cleaned_data, person=None, source="phone",
                    entered_by=operator)
    assert "contact_name" in error.value.message_dict
    assert not Ticket.objects.exists()


def test_the_web_booking_is_unchanged(queue, service, day, citizen):
    ticket = services.book(queue, service, citizen, at(day, 10))
    assert ticket.source == "web" and ticket.entered_by is None and ticket.contact_name == ""
