"""The citizen record: persons of a town made from accounts and typed contacts."""

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from addons.accounts import persons
from addons.accounts.models import Identity, IdentityKind, Person, Verification
from tests.conftest import add_town

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    from django.utils import translation

    client.cookies["civicdesk_language"] = "en"
    with translation.override("en"):
        yield


def make_user(email="olena@example.org", **fields):
    defaults = {"username": email, "full_name": "Olena Petrenko", "phone": "",
                "email_confirmed": True, "language": "en"}
    defaults.update(fields)
    return get_user_model().objects.create_user(email=email, password="x", **defaults)


def test_person_for_user_makes_verified_account_and_email(site):
    user = make_user(phone="044 123 45 67")
    person = persons.person_for_user(site, user)
    account = person.identities.get(kind=IdentityKind.ACCOUNT)
    assert account.value == str(user.pk) and account.verified
    assert account.verified_how == Verification.LOGIN
    email = person.identities.get(kind=IdentityKind.EMAIL)
    assert email.value == "olena@example.org" and email.verified
    phone = person.identities.get(kind=IdentityKind.PHONE)
    assert phone.value == "+380441234567" and not phone.verified
    assert person.full_name == "Olena Petrenko"
    # the second time finds the same person, makes nothing
    assert persons.person_for_user(site, user) == person
    assert Person.objects.count() == 1 and Identity.objects.count() == 3


def test_unconfirmed_account_email_stays_unverified(site):
    user = make_user(email_confirmed=False)
    person = persons.person_for_user(site, user)
    assert not person.identities.get(kind=IdentityKind.EMAIL).verified


def test_login_signal_makes_the_person_of_the_requests_site(site):
    from django.contrib.auth.signals import user_logged_in

    town = add_town("town2.example.org", jurisdiction="ro")
    user = make_user()
    request = RequestFactory().get("/", HTTP_HOST="town2.example.org")
    user_logged_in.send(sender=type(user), request=request, user=user)
    person = Person.objects.get()
    assert person.site == town
    assert not Person.objects.filter(site=site).exists()


def test_cabinet_login_makes_the_person(client, site):
    make_user()
    response = client.post("/accounts/login/", {"username": "olena@example.org",
                                                "password": "x"})
    assert response.status_code == 302
    person = Person.objects.get(site=site)
    assert person.identities.filter(kind=IdentityKind.ACCOUNT, verified_at__isnull=False)


def test_record_contact_finds_the_verified_holder_and_adds_nothing(site):
    user = make_user()
    owner = persons.person_for_user(site, user)
    found = persons.record_contact(site, name="O. P.", email=" OLENA@example.org ",
                                   phone="+380 67 000 11 22")
    assert found == owner
    # the typed phone was not attached to the verified person
    assert not owner.identities.filter(kind=IdentityKind.PHONE).exists()
    assert not Identity.objects.filter(value="+380670001122").exists()


def test_record_contact_unverified_is_a_possible_match_not_a_merge(site):
    first = persons.record_contact(site, name="Ivan", email="ivan@example.org",
                                   phone="0671234567")
    again = persons.record_contact(site, name="Ivan", email="ivan@example.org",
                                   phone="0671234567")
    assert again == first  # the same typed details: one person
    other = persons.record_contact(site, name="Ivan K.", phone="+380671234567")
    assert other != first
    assert list(persons.possible_matches(other)) == [first]
    assert not first.identities.filter(verified_at__isnull=False).exists()


def test_invalid_phone_kept_as_typed_flagged_never_matched(site):
    first = persons.record_contact(site, name="Anna", phone="12-ab")
    identity = first.identities.get()
    assert (identity.raw, identity.valid, identity.value) == ("12-ab", False, "12-ab")
    other = persons.record_contact(site, name="Petro", phone="12-ab")
    assert other != first
    assert not persons.possible_matches(other).exists()
    assert not persons.find_by_identity(site, IdentityKind.PHONE, "12-ab").exists()


def test_record_contact_with_user_joins_the_account_person(site):
    user = make_user()
    person = persons.record_contact(site, name="Olena", email="olena@example.org",
                                    phone="+380441234567", user=user)
    assert person == persons.person_for_user(site, user)
    assert person.identities.filter(kind=IdentityKind.EMAIL).count() == 1  # no second one
    assert person.identities.get(kind=IdentityKind.PHONE).verified_at is None


def test_nothing_identifying_makes_no_person(site):
    assert persons.record_contact(site, name="Someone") is None
    assert not Person.objects.exists()


def test_two_towns_never_share_persons_or_identities(site):
    town = add_town("town2.example.org", jurisdiction="bg")
    user = make_user()
    here = persons.person_for_user(site, user)
    there = persons.person_for_user(town, user)
    assert here != there and here.site == site and there.site == town
    assert set(there.identities.values_list("site_id", flat=True)) == {town.pk}
    typed = persons.record_contact(town, email="olena@example.org")
    assert typed == there
    assert not persons.find_by_identity(town, IdentityKind.EMAIL, "x@example.org").exists()
    assert list(persons.possible_matches(here)) == []
    # the phone of a Bulgarian town is read as Bulgarian
    bg = persons.record_contact(town, name="Georgi", phone="02 123 4567")
    assert bg.identities.get(kind=IdentityKind.PHONE).value == "+35921234567"


def test_same_address_verified_in_each_town(site):
    from addons.accounts import verification

    town = add_town("town2.example.org")
    here = persons.record_contact(site, email="ivan@example.org").identities.get()
    there = persons.record_contact(town, email="ivan@example.org").identities.get()
    verification.confirm_email_link(verification.make_link_token(here))
    verification.confirm_email_link(verification.make_link_token(there))
    here.refresh_from_db()
    there.refresh_from_db()
    assert here.verified and there.verified and here.person.site != there.person.site
    assert list(persons.find_by_identity(town, IdentityKind.EMAIL, "ivan@example.org",
                                         verified_only=True)) == [there.person]


def test_address_of_another_account_is_not_joined(site):
    first = make_user(email="shared@example.org", username="first")
    owner = persons.person_for_user(site, first)
    # the first account moved to another address; a new account registers with the old one
    get_user_model().objects.filter(pk=first.pk).update(email="new@example.org")
    second = make_user(email="shared@example.org", username="second")
    other = persons.person_for_user(site, second)
    assert other != owner
    email = other.identities.get(kind=IdentityKind.EMAIL)
    assert not email.verified  # still the first person's: shown as a possible match
    assert owner in persons.possible_matches(other)
