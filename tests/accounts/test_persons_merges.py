"""Merging persons: preview, conflicts, audit, undo within 30 days, the admin screens."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.utils import timezone

from addons.accounts import merges, persons, verification
from addons.accounts.models import Identity, IdentityKind, Person, PersonMerge, Verification
from tests.conftest import add_town

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    from django.utils import translation

    client.cookies["civicdesk_language"] = "en"
    with translation.override("en"):
        yield


def verified(person, kind, value):
    return Identity.objects.create(person=person, site_id=person.site_id, kind=kind,
                                   value=value, raw=value, verified_at=timezone.now(),
                                   verified_how=Verification.OPERATOR)


@pytest.fixture
def pair(site):
    a = persons.record_contact(site, name="Olena Petrenko", email="olena@example.org")
    b = persons.record_contact(site, name="", phone="+380671112233")
    Person.objects.filter(pk=b.pk).update(postal_address="1 Main St")
    b.refresh_from_db()
    return a, b


@pytest.fixture
def operator(db):
    user = get_user_model().objects.create_user(username="op", email="op@example.org",
                                                password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"),
                              Permission.objects.get(codename="change_person"))
    return get_user_model().objects.get(pk=user.pk)


def test_preview_shows_both_values_and_identities(pair):
    a, b = pair
    shown = merges.preview(a, b)
    by_name = {item.name: item for item in shown.fields}
    assert (by_name["full_name"].a, by_name["full_name"].b) == ("Olena Petrenko", "")
    assert by_name["postal_address"].differs
    assert [i.value for i in shown.identities_a] == ["olena@example.org"]
    assert [i.value for i in shown.identities_b] == ["+380671112233"]
    assert shown.conflicts == []


def test_merge_moves_identities_takes_chosen_values_and_is_audited(pair, operator):
    a, b = pair
    record = merges.merge(a, b, {"postal_address": "merged"}, operator)
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.merged_into == a
    assert a.full_name == "Olena Petrenko" and a.postal_address == "1 Main St"
    assert set(a.identities.values_list("value", flat=True)) == {
        "olena@example.org", "+380671112233"}
    assert record.before["postal_address"] == "" and record.merged_by == operator
    assert record.moved_identities and record.chosen["postal_address"] == "merged"
    assert list(persons.find_by_identity(a.site, IdentityKind.PHONE, "0671112233")) == [a]
    with pytest.raises(merges.MergeRefused):  # merged once only
        merges.merge(a, b, {}, operator)


def test_conflicting_verified_identities_refused_unless_confirmed(pair, operator):
    a, b = pair
    verified(a, IdentityKind.PHONE, "+380441234567")
    verified(b, IdentityKind.PHONE, "+380501234567")
    assert [c.kind for c in merges.preview(a, b).conflicts] == [IdentityKind.PHONE]
    with pytest.raises(merges.MergeRefused, match=r"different confirmed identities \(Phone\)"):
        merges.merge(a, b, {}, operator)
    b.refresh_from_db()
    assert b.merged_into is None and not PersonMerge.objects.exists()
    merges.merge(a, b, {}, operator, confirm_conflict=True)
    b.refresh_from_db()
    assert b.merged_into == a


def test_undo_restores_fields_identities_and_verifications(pair, operator):
    a, b = pair
    # the same address typed on a, confirmed on b
    twin_a = Identity.objects.create(person=a, site=a.site, kind=IdentityKind.PHONE,
                                     value="+380501234567")
    twin_b = verified(b, IdentityKind.PHONE, "+380501234567")
    record = merges.merge(a, b, {"full_name": "merged", "postal_address": "merged"},
                          operator)
    twin_a.refresh_from_db()
    assert twin_a.verified  # the survivor carries the confirmation now
    assert list(persons.find_by_identity(a.site, IdentityKind.PHONE, "+380501234567",
                                         verified_only=True)) == [a]
    merges.undo(record, operator)
    a.refresh_from_db()
    b.refresh_from_db()
    twin_a.refresh_from_db()
    twin_b.refresh_from_db()
    assert (a.full_name, a.postal_address) == ("Olena Petrenko", "")
    assert b.merged_into is None
    assert set(b.identities.values_list("value", flat=True)) == {"+380671112233",
                                                                 "+380501234567"}
    assert twin_b.verified and not twin_a.verified
    record.refresh_from_db()
    assert record.undone_by == operator and record.undone_at
    with pytest.raises(merges.MergeRefused, match="already undone"):
        merges.undo(record, operator)


def test_undo_after_30_days_refused_with_the_reason(pair, operator):
    a, b = pair
    record = merges.merge(a, b, {}, operator)
    PersonMerge.objects.filter(pk=record.pk).update(merged_at=timezone.now()
                                                    - timedelta(days=31))
    with pytest.raises(merges.MergeRefused, match="for 30 days only"):
        merges.undo(record, operator)
    b.refresh_from_db()
    assert b.merged_into == a


def test_verified_identity_of_other_person_points_to_merge(pair):
    a, b = pair
    verified(a, IdentityKind.EMAIL, "x@example.org")
    copy = Identity.objects.create(person=b, site=b.site, kind=IdentityKind.EMAIL,
                                   value="x@example.org")
    with pytest.raises(verification.VerificationConflict, match="Merge"):
        verification.verify(copy, Verification.EMAIL_LINK)


def test_persons_of_two_towns_cannot_be_merged(pair, operator):
    a, _b = pair
    town = add_town("town2.example.org")
    there = persons.record_contact(town, email="olena@example.org")
    with pytest.raises(merges.MergeRefused, match="different towns"):
        merges.merge(a, there, {}, operator)


# -- the admin screens ---------------------------------------------------------------------


def test_admin_merge_preview_and_merge(client, pair, operator):
    a, b = pair
    client.force_login(operator)
    url = f"/admin/persons/merge/?a={a.pk}&b={b.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert b"Olena Petrenko" in page.content and b"1 Main St" in page.content
    done = client.post(url, {"survivor": "b", "field_full_name": "a",
                             "field_postal_address": "b"})
    assert done.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.merged_into == b and b.full_name == "Olena Petrenko"
    listing = client.get("/admin/persons/merges/")
    assert listing.status_code == 200 and b"Undo the merge" in listing.content
    record = PersonMerge.objects.get()
    undone = client.post(f"/admin/persons/merges/{record.pk}/undo/", follow=True)
    assert b"The merge was undone" in undone.content
    a.refresh_from_db()
    assert a.merged_into is None


def test_admin_conflict_needs_the_confirmation(client, pair, operator):
    a, b = pair
    verified(a, IdentityKind.EMAIL, "a@example.org")
    verified(b, IdentityKind.EMAIL, "b@example.org")
    client.force_login(operator)
    url = f"/admin/persons/merge/?a={a.pk}&b={b.pk}"
    assert b"Conflicting confirmed identities" in client.get(url).content
    refused = client.post(url, {"survivor": "a"})
    assert refused.status_code == 400 and b"may be two people" in refused.content
    assert not PersonMerge.objects.exists()
    assert client.post(url, {"survivor": "a", "confirm_conflict": "1"}).status_code == 302
    assert PersonMerge.objects.count() == 1


def test_admin_undo_after_30_days_shows_the_reason(client, pair, operator):
    a, b = pair
    record = merges.merge(a, b, {}, operator)
    PersonMerge.objects.filter(pk=record.pk).update(merged_at=timezone.now()
                                                    - timedelta(days=40))
    client.force_login(operator)
    listing = client.get("/admin/persons/merges/")
    assert b"for 30 days only" in listing.content and b"Undo the merge" not in listing.content
    answer = client.post(f"/admin/persons/merges/{record.pk}/undo/", follow=True)
    assert b"for 30 days only" in answer.content
    b.refresh_from_db()
    assert b.merged_into == a


def test_admin_needs_change_person(client, pair, operator):
    a, b = pair
    operator.user_permissions.remove(Permission.objects.get(codename="change_person"))
    client.force_login(operator)
    # the Wagtail admin answers a refusal with a redirect to its dashboard
    refused = client.post(f"/admin/persons/merge/?a={a.pk}&b={b.pk}", {"survivor": "a"})
    assert refused.status_code == 302 and refused.url == "/admin/"
    assert client.get("/admin/persons/merges/").url == "/admin/"
    b.refresh_from_db()
    assert b.merged_into is None and not PersonMerge.objects.exists()


def test_admin_never_shows_another_towns_persons(client, pair, operator):
    a, _b = pair
    town = add_town("town2.example.org")
    there = persons.record_contact(town, name="Far", email="far@example.org")
    here = persons.record_contact(a.site, name="Near", email="near@example.org")
    merges.merge(there, persons.record_contact(town, email="far2@example.org"), {}, operator)
    client.force_login(operator)
    assert client.get(f"/admin/persons/merge/?a={a.pk}&b={there.pk}").status_code == 404
    listing = client.get("/admin/persons/merges/")
    assert b"Far" not in listing.content and b"No persons were merged yet" in listing.content
    assert here.site == a.site


# -- two merges at once (PostgreSQL) -------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_merges_at_once_do_not_both_succeed(site):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    rounds = 5
    outcomes = []
    for index in range(rounds):
        merged = persons.record_contact(site, email=f"m{index}@example.org")
        first = persons.record_contact(site, email=f"f{index}@example.org")
        second = persons.record_contact(site, email=f"s{index}@example.org")
        barrier = threading.Barrier(2)
        results = []

        def run(survivor, merged=merged, barrier=barrier, results=results):
            from django.db import connection as own

            try:
                barrier.wait()
                merges.merge(survivor, merged, {}, None)
                results.append("merged")
            except merges.MergeRefused:
                results.append("refused")
            finally:
                own.close()

        threads = [threading.Thread(target=run, args=(p,)) for p in (first, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outcomes.append(sorted(results))
        assert PersonMerge.objects.filter(merged=merged).count() == 1
        merged.refresh_from_db()
        assert merged.merged_into_id in (first.pk, second.pk)
        # the identities went to the one survivor
        assert merged.identities.count() == 0
    assert outcomes == [["merged", "refused"]] * rounds


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_first_logins_at_once_make_one_person(site):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    user = get_user_model().objects.create_user(username="o", email="olena@example.org",
                                                password="x", email_confirmed=True)
    barrier = threading.Barrier(4)
    found = []

    def run():
        from django.db import connection as own

        try:
            barrier.wait()
            found.append(persons.person_for_user(site, user).pk)
        finally:
            own.close()

    threads = [threading.Thread(target=run) for _n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 4 and len(set(found)) == 1
    assert Person.objects.filter(identities__kind=IdentityKind.ACCOUNT).count() == 1
    assert Identity.objects.filter(kind=IdentityKind.ACCOUNT).count() == 1


def test_admin_preview_says_languages_and_accounts_in_words(client, pair, operator):
    """Staff read a language's name and a cabinet account's holder, not a code or a number."""
    a, b = pair
    holder = get_user_model().objects.create_user(
        username="olena", email="olena.cabinet@example.org", password="x-Long-Pass-42",
        full_name="Olena Cabinet")
    Identity.objects.create(person=a, site_id=a.site_id, kind=IdentityKind.ACCOUNT,
                            value=str(holder.pk), verified_at=timezone.now(),
                            verified_how=Verification.LOGIN)
    Person.objects.filter(pk=b.pk).update(language="uk")
    client.force_login(operator)
    html = client.get(f"/admin/persons/merge/?a={a.pk}&b={b.pk}").content.decode()
    assert "Olena Cabinet (olena.cabinet@example.org)" in html
    assert f"Cabinet account: {holder.pk}<" not in html
    assert "Ukrainian" in html or "Українська" in html
