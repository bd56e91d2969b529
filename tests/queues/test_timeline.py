# ruff: noqa: F811  (the shared fixtures imported below are parameters of the tests)
"""The queue tickets of a person on the timeline: booked from their account or by an
operator with their phone or e-mail; a deputy's reception says so and keeps the citizen's
question off the timeline; nothing of another town; a constant number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from addons.accounts.persons import identities_of
from addons.queues.timeline import contacts, entries
from tests.conftest import add_town

# shared fixtures: the entries' words in English, a Ukrainian town
from tests.contacts.test_timeline_data import (  # noqa: F401  (fixtures)
    _in_english,
    count_queries,
    make_addressee,
    make_person,
    make_queue,
    make_ticket,
    town,
)

pytestmark = pytest.mark.django_db




@pytest.fixture
def olena(town, django_user_model):
    user = django_user_model.objects.create_user(username="olena2", email="o2@example.org",
                                                 password="x")
    return user, make_person(town, emails=["olena.k@example.org"], phones=["+380441234567"],
                             accounts=[user.pk])


def test_tickets_and_receptions(town, olena):
    user, person = olena
    office = make_queue(town)
    deputy = make_addressee(town, "Deputy Hnatenko")
    deputy.kind = "deputy"
    deputy.save()
    reception = make_queue(town, deputy, title="Reception of deputy Hnatenko")
    booked = make_ticket(office, citizen=user)
    by_phone = make_ticket(reception, contact_phone="044-123-45-67",
                           question="My neighbour's secret trouble")
    past = make_ticket(office, contact_email="Olena.K@example.org", status="served",
                       start=timezone.now() - timedelta(days=3))
    make_ticket(office, contact_phone="0671234567")
    found = {entry.reference: entry for entry in entries(town, identities_of(person), None)}
    assert set(found) == {booked.number, by_phone.number, past.number}
    assert found[booked.number].open and not found[past.number].open
    assert found[booked.number].title == "Queue: Passport office"
    assert found[by_phone.number].title == "Reception: Reception of deputy Hnatenko"
    assert "secret" not in repr(found[by_phone.number])
    assert found[past.number].status == "Served"


def test_nothing_of_another_town(town, olena):
    user, person = olena
    other = add_town("town2.example")
    make_ticket(make_queue(other), citizen=user, contact_email="olena.k@example.org")
    assert entries(town, identities_of(person), None) == []


def test_queries_constant(town, olena):
    user, person = olena
    identities = identities_of(person)
    office = make_queue(town, make_addressee(town))
    for _ in range(2):
        make_ticket(office, citizen=user)
    entries(town, identities, None)
    few = count_queries(entries, town, identities, None)
    for _ in range(38):
        make_ticket(make_queue(town, make_addressee(town)), contact_phone="0441234567")
    many = count_queries(entries, town, identities, None)
    assert len(entries(town, identities, None)) == 40
    assert few == many


def test_contacts(town):
    make_ticket(make_queue(town), contact_name="Ivan", contact_phone="0501112233")
    assert list(contacts(town)) == [{"name": "Ivan", "email": "", "phone": "0501112233",
                                     "user_id": None, "language": ""}]
