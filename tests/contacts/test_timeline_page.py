"""The person's record page in the admin: identities, possible matches with the link to
compare and merge, the timeline with its filters, every opening logged; the list of
persons with its search; the log of openings. Operators only; nothing of another town."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from addons.accounts.models import Identity, PersonAccess
from tests.conftest import add_town
from tests.contacts.test_timeline_data import (  # noqa: F401  (fixtures)
    SUBJECT,
    citizen_fixture,
    make_addressee,
    make_appeal,
    make_operator,
    make_person,
    make_report,
    person_fixture,
    town_fixture,
)

pytestmark = pytest.mark.django_db

REFUSED = (302, 403)


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["civicdesk_language"] = "en"
    return client


def record_url(person):
    return reverse("contacts-admin:person", args=[person.pk])


@pytest.fixture
def operator(django_user_model):
    return make_operator(django_user_model)


@pytest.fixture
def housing(town):
    return make_addressee(town)


def test_operator_without_appeal_rights_sees_only_that_an_appeal_exists(
        client, town, citizen, person, housing, operator):
    appeal = make_appeal(town, housing, author=citizen)
    client.force_login(operator)
    response = client.get(record_url(person))
    assert response.status_code == 200
    html = response.content.decode()
    assert appeal.reference in html
    assert SUBJECT not in html
    assert "radiators" not in html
    assert "Its content is confidential" in html


def test_staff_who_handle_the_appeal_read_it(client, town, citizen, person, housing,
                                             operator):
    appeal = make_appeal(town, housing, author=citizen)
    housing.refresh_from_db()
    operator.groups.add(housing.moderators)
    client.force_login(operator)
    html = client.get(record_url(person)).content.decode()
    assert appeal.reference in html and SUBJECT in html


def test_every_opening_is_logged(client, person, operator):
    client.force_login(operator)
    assert PersonAccess.objects.filter(person=person).count() == 0
    client.get(record_url(person))
    assert PersonAccess.objects.filter(person=person, user=operator).count() == 1
    client.get(record_url(person), {"open_only": "on"})
    assert PersonAccess.objects.filter(person=person, user=operator).count() == 2


def test_identities_and_possible_matches(client, town, citizen, person, operator):
    twin = make_person(town, "O. Kovalenko")
    Identity.objects.create(person=twin, site=town, kind="phone", value="+380441234567",
                            raw="044 123 45 67")
    client.force_login(operator)
    html = client.get(record_url(person)).content.decode()
    assert "olena.k@example.org" in html
    assert "olena@example.org" in html  # the cabinet account, by its address
    assert "Checked by an operator" in html
    assert "O. Kovalenko" in html
    assert f"/admin/persons/merge/?a={person.pk}&amp;b={twin.pk}" in html
    assert "Compare and merge" in html


def test_filters_and_their_bad_input(client, town, citizen, person, operator):
    report = make_report(town, reporter=citizen, is_open=False)
    client.force_login(operator)
    response = client.get(record_url(person), {"sources": ["reports"], "open_only": "on"})
    assert report.tracking_number not in response.content.decode()
    response = client.get(record_url(person), {"sources": ["reports"]})
    assert report.tracking_number in response.content.decode()

    response = client.get(record_url(person), {"since": "2026-05-10", "until": "2026-05-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The end of the period is before its start." in html
    assert 'value="2026-05-10"' in html  # what was typed stays in the form

    response = client.get(record_url(person), {"since": "2026-13-45"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()

    response = client.get(record_url(person), {"sources": ["no-such-source"]})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()

    response = client.get(record_url(person), {"page": "0"})
    assert response.status_code == 400


def test_staff_of_another_town_do_not_find_the_person(client, person, django_user_model):
    other = add_town("town2.example")
    elsewhere = make_addressee(other, "Town 2 hall")
    stranger = make_operator(django_user_model, "stranger")
    elsewhere.refresh_from_db()
    stranger.groups.add(elsewhere.moderators)
    client.force_login(stranger)
    assert client.get(record_url(person), HTTP_HOST="town2.example").status_code == 404
    assert client.get(record_url(person)).status_code == 404
    assert not PersonAccess.objects.filter(person=person).exists()
    listing = client.get(reverse("contacts-admin:persons"), {"q": "Olena"})
    assert "Olena Kovalenko" not in listing.content.decode()


def test_operators_only(client, person, django_user_model):
    staff = django_user_model.objects.create_user("clerk", "clerk@city.example", "x",
                                                  is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    # the admin refuses (Wagtail sends a refused request back to the dashboard)
    assert client.get(record_url(person)).status_code in REFUSED
    assert client.get(reverse("contacts-admin:persons")).status_code in REFUSED
    assert not PersonAccess.objects.exists()


def test_search_by_name_email_and_phone_typed_any_way(client, town, person, operator):
    make_person(town, "Ivan Petrenko", emails=["ivan@example.org"])
    client.force_login(operator)
    url = reverse("contacts-admin:persons")
    for query in ("kovalenko", "OLENA.K@example.org", "044 123-45-67", "+380441234567"):
        html = client.get(url, {"q": query}).content.decode()
        assert "Olena Kovalenko" in html, query
        assert "Ivan Petrenko" not in html, query
    html = client.get(url).content.decode()
    assert "Olena Kovalenko" in html and "Ivan Petrenko" in html
    html = client.get(url, {"q": "nobody-like-this"}).content.decode()
    assert "No person matches this search." in html


def test_the_log_of_openings(client, person, operator, django_user_model):
    client.force_login(operator)
    client.get(record_url(person))
    accesses = reverse("contacts-admin:person-accesses", args=[person.pk])
    assert client.get(accesses).status_code in REFUSED
    auditor = make_operator(django_user_model, "auditor")
    auditor.user_permissions.add(Permission.objects.get(codename="view_personaccess"))
    client.force_login(auditor)
    html = client.get(accesses).content.decode()
    assert "operator" in html
    superuser = django_user_model.objects.create_superuser("root", "root@city.example", "x")
    client.force_login(superuser)
    assert client.get(accesses).status_code == 200


def test_the_page_costs_the_same_whatever_the_entries(client, town, citizen, person,
                                                      housing, operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fill(count):
        for _ in range(count):
            make_appeal(town, housing, author=citizen)
            make_report(town, contact_phone="044 123 45 67")

    def cost():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(record_url(person)).status_code == 200
        # the site of the host name comes from a cache that other changes empty
        return len([query for query in captured.captured_queries
                    if not query["sql"].startswith('SELECT "wagtailcore_site"')])

    client.force_login(operator)
    fill(2)
    cost()
    few = cost()
    fill(20)
    assert cost() == few
