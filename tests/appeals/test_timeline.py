# ruff: noqa: F811  (the shared fixtures imported below are parameters of the tests)
"""The appeals of a person on the timeline: found by account, e-mail and a phone typed any
way; their content only for staff who handle them; nothing of another town; a constant
number of queries."""

import pytest

from addons.accounts.persons import identities_of
from addons.appeals.timeline import contacts, entries
from tests.conftest import add_town

# shared fixtures: the entries' words in English, a Ukrainian town
from tests.contacts.test_timeline_data import (  # noqa: F401  (fixtures)
    SUBJECT,
    _in_english,
    count_queries,
    make_addressee,
    make_appeal,
    make_operator,
    make_person,
    town,
)

pytestmark = pytest.mark.django_db




@pytest.fixture
def housing(town):
    return make_addressee(town)


@pytest.fixture
def olena(town, django_user_model):
    user = django_user_model.objects.create_user(username="olena2", email="o2@example.org",
                                                 password="x")
    person = make_person(town, emails=["olena.k@example.org"], phones=["+380441234567"],
                         accounts=[user.pk])
    return user, person


def test_found_by_account_email_and_typed_phone(town, housing, olena, django_user_model):
    user, person = olena
    mine = [
        make_appeal(town, housing, author=user),
        make_appeal(town, housing, applicant_email="Olena.K@Example.org"),
        make_appeal(town, housing, applicant_phone="044 123-45-67"),
        make_appeal(town, housing, applicant_phone="+38 (044) 123 45 67"),
    ]
    make_appeal(town, housing, applicant_email="someone@example.org")
    # the same last digits, another number
    make_appeal(town, housing, applicant_phone="+380671234567")
    superuser = django_user_model.objects.create_superuser("root", "root@x.org", "x")
    found = entries(town, identities_of(person), superuser)
    assert sorted(entry.reference for entry in found) == sorted(a.reference for a in mine)
    assert all(entry.readable and entry.title == SUBJECT for entry in found)
    assert all(entry.open for entry in found)
    assert [entry.at for entry in found] == sorted((e.at for e in found), reverse=True)


def test_content_only_for_staff_who_handle_it(town, housing, olena, django_user_model):
    user, person = olena
    appeal = make_appeal(town, housing, author=user)
    operator = make_operator(django_user_model)
    [entry] = entries(town, identities_of(person), operator)
    assert entry.reference == appeal.reference
    assert not entry.readable
    assert entry.title == "" and entry.summary == "" and entry.url == ""
    assert SUBJECT not in repr(entry)

    handler = make_operator(django_user_model, "handler")
    housing.refresh_from_db()
    handler.groups.add(housing.moderators)
    [entry] = entries(town, identities_of(person), handler)
    assert entry.readable and entry.title == SUBJECT
    assert entry.url.endswith(f"/{appeal.pk}/")


def test_nothing_of_another_town(town, housing, olena, django_user_model):
    user, person = olena
    other = add_town("town2.example")
    make_appeal(other, make_addressee(other), author=user,
                applicant_email="olena.k@example.org", applicant_phone="0441234567")
    superuser = django_user_model.objects.create_superuser("root", "root@x.org", "x")
    assert entries(town, identities_of(person), superuser) == []


def test_period_and_limit(town, housing, olena, django_user_model):
    from datetime import timedelta

    from django.utils import timezone

    user, person = olena
    now = timezone.now()
    old = make_appeal(town, housing, author=user, at=now - timedelta(days=40))
    new = make_appeal(town, housing, author=user, at=now - timedelta(days=1))
    superuser = django_user_model.objects.create_superuser("root", "root@x.org", "x")
    identities = identities_of(person)
    since = now - timedelta(days=10)
    assert [e.reference for e in entries(town, identities, superuser, since=since)] == [
        new.reference]
    assert [e.reference for e in entries(town, identities, superuser, until=since)] == [
        old.reference]
    assert len(entries(town, identities, superuser, limit=1)) == 1


def test_queries_constant(town, housing, olena, django_user_model):
    user, person = olena
    handler = make_operator(django_user_model, "handler")
    housing.refresh_from_db()
    handler.groups.add(housing.moderators)
    identities = identities_of(person)
    for _ in range(2):
        make_appeal(town, housing, author=user, applicant_phone="044 123 45 67")
    entries(town, identities, handler)  # the settings read once per process
    handler = type(handler).objects.get(pk=handler.pk)
    few = count_queries(entries, town, identities, handler)
    for _ in range(38):
        make_appeal(town, housing, applicant_email="olena.k@example.org")
    handler = type(handler).objects.get(pk=handler.pk)  # no cached rights
    many = count_queries(entries, town, identities, handler)
    assert len(entries(town, identities, handler)) == 40
    assert few == many


def test_contacts_typed_on_appeals(town, housing):
    make_appeal(town, housing, applicant_name="Ivan Petrenko",
                applicant_email="ivan@example.org", applicant_phone="0501112233")
    rows = list(contacts(town))
    assert rows == [{"name": "Ivan Petrenko", "email": "ivan@example.org",
                     "phone": "0501112233", "user_id": None, "language": ""}]
