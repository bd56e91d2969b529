"""Campaign deliveries on the person's timeline."""

import pytest

from addons.accounts.persons import identities_of
from addons.mailings.timeline import contacts, entries
from tests.conftest import add_town

# shared fixtures: the entries' words in English, a Ukrainian town
from tests.contacts.test_timeline_data import (
    _in_english,  # noqa: F401  (fixtures)
    count_queries,
    make_delivery,
    make_person,
)

pytestmark = pytest.mark.django_db



def test_deliveries_to_the_person(site):
    person = make_person(site, emails=["olena.k@example.org"])
    make_delivery(site, "OLENA.K@example.org", name="Spring cleaning day")
    make_delivery(site, "else@example.org", name="Other")
    make_delivery(add_town("town2.example"), "olena.k@example.org", name="Other town")
    found = entries(site, identities_of(person), None)
    assert [entry.title for entry in found] == ["Spring cleaning day"]
    assert found[0].status == "Sent"


def test_queries_constant(site):
    person = make_person(site, emails=["olena.k@example.org"])
    identities = identities_of(person)
    for number in range(2):
        make_delivery(site, "olena.k@example.org", name=f"Campaign {number}")
    few = count_queries(entries, site, identities, None)
    for number in range(38):
        make_delivery(site, "olena.k@example.org", name=f"More {number}")
    many = count_queries(entries, site, identities, None)
    assert len(entries(site, identities, None)) == 40
    assert few == many


def test_contacts(site):
    make_delivery(site, "ivan@example.org")
    assert [row["email"] for row in contacts(site)] == ["ivan@example.org"]
