# ruff: noqa: F811  (the shared fixtures imported below are parameters of the tests)
"""The problem reports of a person on the timeline: filed (account, e-mail, a phone typed
any way), co-signed and followed; nothing of another town; a constant number of queries."""

import pytest

from addons.accounts.persons import identities_of
from addons.reports.models import CoSign, Subscription
from addons.reports.timeline import contacts, entries
from tests.conftest import add_town

# shared fixtures: the entries' words in English, a Ukrainian town
from tests.contacts.test_timeline_data import (  # noqa: F401  (fixtures)
    _in_english,
    count_queries,
    make_person,
    make_report,
    town,
)

pytestmark = pytest.mark.django_db




@pytest.fixture
def olena(town, django_user_model):
    user = django_user_model.objects.create_user(username="olena2", email="o2@example.org",
                                                 password="x")
    return user, make_person(town, emails=["olena.k@example.org"], phones=["+380441234567"],
                             accounts=[user.pk])


def test_filed_cosigned_and_followed(town, olena, django_user_model):
    user, person = olena
    filed = make_report(town, reporter=user)
    by_email = make_report(town, contact_email="OLENA.K@example.org")
    by_phone = make_report(town, contact_phone="(044) 123-45-67", is_open=False)
    cosigned = make_report(town)
    CoSign.objects.create(report=cosigned, email="olena.k@example.org")
    followed = make_report(town)
    Subscription.objects.create(report=followed, user=user)
    make_report(town, contact_phone="+380501234567")  # same tail, another number
    make_report(town, contact_email="else@example.org")
    found = entries(town, identities_of(person), None)
    assert sorted(entry.reference for entry in found) == sorted(
        report.tracking_number for report in (filed, by_email, by_phone, cosigned, followed))
    by_reference = {entry.reference: entry for entry in found}
    assert by_reference[filed.tracking_number].open
    assert not by_reference[by_phone.tracking_number].open
    assert by_reference[by_phone.tracking_number].status == "Closed"
    title = by_reference[filed.tracking_number].title
    assert "Pothole" in title and "SRID" not in title and "POINT" not in title
    filed.refresh_from_db()
    place = filed.address or f"{filed.lat:.5f}, {filed.lng:.5f}"  # without an address, the point
    assert title == f"{filed.category.label()}: {place}"
    assert by_reference[cosigned.tracking_number].summary == "Co-signed: me too"
    assert by_reference[followed.tracking_number].summary == "Follows the changes"


def test_nothing_of_another_town(town, olena):
    user, person = olena
    other = add_town("town2.example")
    report = make_report(other, reporter=user, contact_email="olena.k@example.org")
    CoSign.objects.create(report=report, user=user)
    Subscription.objects.create(report=report, email="olena.k@example.org")
    assert entries(town, identities_of(person), None) == []


def test_queries_constant(town, olena):
    user, person = olena
    identities = identities_of(person)
    for _ in range(2):
        make_report(town, reporter=user)
    entries(town, identities, None)
    few = count_queries(entries, town, identities, None)
    for _ in range(19):
        make_report(town, contact_phone="0441234567")
    for _ in range(19):
        CoSign.objects.create(report=make_report(town), user=user)
    many = count_queries(entries, town, identities, None)
    assert len(entries(town, identities, None)) == 40
    assert few == many


def test_contacts(town, olena):
    make_report(town, reporter_name="Ivan", contact_email="ivan@example.org")
    assert list(contacts(town)) == [{"name": "Ivan", "email": "ivan@example.org",
                                     "phone": "", "user_id": None, "language": ""}]


def test_a_report_without_an_address_is_titled_with_its_point():
    from addons.reports.models import Report
    from addons.reports.timeline import _title

    report = Report(lat=49.2374301, lng=31.6190204, address="")
    assert _title(report) == "49.23743, 31.61902"
    assert _title(Report(address="vul. Soborna 3")) == "vul. Soborna 3"
