"""Survey answers on the person's timeline: only those of surveys that are not anonymous,
of the person's own town, in a constant number of queries."""

import pytest

from addons.accounts.persons import identities_of
from addons.surveys.timeline import contacts, entries
from tests.conftest import add_town

# shared fixtures: the entries' words in English, a Ukrainian town
from tests.contacts.test_timeline_data import (
    _in_english,  # noqa: F401  (fixtures)
    count_queries,
    make_answer,
    make_person,
)

pytestmark = pytest.mark.django_db



@pytest.fixture
def olena(site, django_user_model):
    user = django_user_model.objects.create_user(username="olena2", email="o2@example.org",
                                                 password="x", full_name="Olena K")
    return user, make_person(site, accounts=[user.pk])


def test_only_answers_that_are_not_anonymous(site, olena):
    user, person = olena
    named = make_answer(site, user, title="Quality of the passport office")
    make_answer(site, user, anonymous=True, title="Anonymous poll")
    make_answer(add_town("town2.example"), user, title="Other town's survey")
    found = entries(site, identities_of(person), None)
    assert [entry.title for entry in found] == ["Quality of the passport office"]
    assert found[0].reference == str(named.pk)


def test_queries_constant(site, olena):
    user, person = olena
    identities = identities_of(person)
    for _ in range(2):
        make_answer(site, user)
    few = count_queries(entries, site, identities, None)
    for _ in range(38):
        make_answer(site, user)
    many = count_queries(entries, site, identities, None)
    assert len(entries(site, identities, None)) == 40
    assert few == many


def test_contacts(site, olena):
    user, _person = olena
    make_answer(site, user)
    make_answer(site, user, anonymous=True)
    assert [row["user_id"] for row in contacts(site)] == [user.pk]
