"""The notifications sent to a person, on their timeline, and the helpers every source
uses to match identities."""

import pytest

from addons.accounts.persons import identities_of
from addons.core.timeline import account_ids, contacts, entries, phone_matches
from tests.conftest import add_town

# shared fixtures: the entries' words in English, a Ukrainian town
from tests.contacts.test_timeline_data import (
    _in_english,  # noqa: F401  (fixtures)
    count_queries,
    make_notification,
    make_person,
)

pytestmark = pytest.mark.django_db



def test_notifications_by_email_and_account(site, django_user_model):
    user = django_user_model.objects.create_user(username="o", email="o@example.org",
                                                 password="x")
    person = make_person(site, emails=["olena.k@example.org"], accounts=[user.pk])
    make_notification(site, email="Olena.K@example.org", subject="Your appeal is registered")
    make_notification(site, recipient=user, subject="Your report changed")
    make_notification(site, email="else@example.org", subject="Not hers")
    make_notification(add_town("town2.example"), recipient=user, subject="Other town")
    found = entries(site, identities_of(person), None)
    assert sorted(entry.title for entry in found) == ["Your appeal is registered",
                                                       "Your report changed"]


def test_queries_constant(site):
    person = make_person(site, emails=["olena.k@example.org"])
    identities = identities_of(person)
    for _ in range(2):
        make_notification(site, email="olena.k@example.org")
    few = count_queries(entries, site, identities, None)
    for _ in range(38):
        make_notification(site, email="olena.k@example.org")
    many = count_queries(entries, site, identities, None)
    assert len(entries(site, identities, None)) == 40
    assert few == many


def test_helpers():
    identities = {"account": {"12", "not-a-number"}, "phone": {"+380441234567"}}
    assert account_ids(identities) == [12]
    assert phone_matches("044 123 45 67", identities, "UA")
    assert phone_matches("+38 (044) 123-45-67", identities, "UA")
    assert not phone_matches("067 123 45 67", identities, "UA")
    assert not phone_matches("call me", identities, "UA")


def test_contacts(site):
    make_notification(site, email="ivan@example.org")
    assert [row["email"] for row in contacts(site)] == ["ivan@example.org"]
