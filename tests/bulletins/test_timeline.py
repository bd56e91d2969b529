"""Bulletin subscriptions on the person's timeline."""

import pytest

from addons.accounts.persons import identities_of
from addons.bulletins.timeline import contacts, entries
from tests.conftest import add_town

# shared fixtures: the entries' words in English, a Ukrainian town
from tests.contacts.test_timeline_data import (
    _in_english,  # noqa: F401  (fixtures)
    count_queries,
    make_person,
    make_subscription,
)

pytestmark = pytest.mark.django_db



def test_subscriptions_by_email_and_account(site, django_user_model):
    user = django_user_model.objects.create_user(username="o", email="o@example.org",
                                                 password="x")
    person = make_person(site, emails=["olena.k@example.org"], accounts=[user.pk])
    make_subscription(site, "Olena.K@example.org")
    make_subscription(site, "o@example.org", user)
    make_subscription(site, "else@example.org")
    make_subscription(add_town("town2.example"), "olena.k@example.org")
    found = entries(site, identities_of(person), None)
    assert len(found) == 2
    assert all(entry.status == "Active" for entry in found)
    assert all("All bulletins" in entry.title for entry in found)


def test_queries_constant(site):
    person = make_person(site, emails=["olena.k@example.org"])
    identities = identities_of(person)
    for _ in range(2):
        make_subscription(site, "olena.k@example.org")
    few = count_queries(entries, site, identities, None)
    for _ in range(38):
        make_subscription(site, "olena.k@example.org")
    many = count_queries(entries, site, identities, None)
    assert len(entries(site, identities, None)) == 40
    assert few == many


def test_contacts(site):
    make_subscription(site, "ivan@example.org")
    assert [row["email"] for row in contacts(site)] == ["ivan@example.org"]
