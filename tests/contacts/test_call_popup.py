import pytest

from addons.accounts.models import PersonAccess
from addons.contacts.models import Callback, Interaction, WrapUpCode
from tests.conftest import add_town

from .helpers import person_with_phone

POPUP = "/admin/contacts/call/"


@pytest.mark.django_db
def test_popup_shows_the_verified_person_and_their_open_records(operator_client, operator,
                                                                site, fake_records):
    taras = person_with_phone(site, "Taras Melnyk", "+380441234567")
    fake_records["AP-2026-000007"] = (site.pk, "+380441234567")
    html = operator_client.get(POPUP, {"from": "+380441234567"}).content.decode()
    assert "Taras Melnyk" in html and f"/admin/contacts/persons/{taras.pk}/" in html
    assert "Pothole AP-2026-000007" in html
    assert "Closed one" not in html  # only open records
    access = PersonAccess.objects.get(person=taras)
    assert access.user == operator and access.what == "caller pop-up"


@pytest.mark.django_db
def test_popup_offers_unverified_owners_as_possible_matches(operator_client, site):
    person_with_phone(site, "Maybe Marko", "+380441234567", verified=False)
    html = operator_client.get(POPUP, {"from": "0441234567"}).content.decode()
    assert "Maybe Marko" in html and "Possible matches" in html
    assert "No person has this phone verified." in html


@pytest.mark.django_db
def test_popup_with_an_unparsable_number(operator_client, site):
    person_with_phone(site, "Taras Melnyk", "+380441234567")
    html = operator_client.get(POPUP, {"from": "12-ab"}).content.decode()
    assert "cannot be read as a phone number" in html and "12-ab" in html
    assert "Taras Melnyk" not in html


@pytest.mark.django_db
def test_popup_does_not_show_another_towns_person(operator_client, site):
    town = add_town("town2.example")
    person_with_phone(town, "Far Away", "+380441234567")
    html = operator_client.get(POPUP, {"from": "+380441234567"}).content.decode()
    assert "Far Away" not in html


@pytest.mark.django_db
def test_popup_wraps_up_the_current_call_with_a_callback(operator_client, operator, site):
    taras = person_with_phone(site, "Taras Melnyk", "+380441234567")
    call = Interaction.objects.create(site=site, call_id="abc", from_number="+380441234567",
                                      person=taras, operator=operator, state="answered")
    code = WrapUpCode.objects.create(site=site, title="Information given")
    html = operator_client.get(POPUP, {"from": "+380441234567", "call": "abc"}).content.decode()
    assert "abc" in html and "Information given" in html
    response = operator_client.post(f"{POPUP}?from=%2B380441234567&call=abc", {
        "summary": "Asked about heating", "wrap_up": code.pk,
        "resolved_first_contact": "on", "callback_owner": operator.pk,
        "callback_due": "2099-01-05T10:00", "callback_note": "Tell the date"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.summary == "Asked about heating" and call.wrap_up == code
    assert call.resolved_first_contact
    callback = Callback.objects.get()
    assert callback.owner == operator and callback.person == taras
    assert callback.phone == "+380441234567" and callback.interaction == call


@pytest.mark.django_db
def test_popup_refuses_a_callback_due_in_the_past_and_keeps_the_summary(operator_client,
                                                                         operator, site):
    response = operator_client.post(f"{POPUP}?from=%2B380441234567", {
        "summary": "Keep me", "callback_owner": operator.pk,
        "callback_due": "2001-01-05T10:00"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "A callback cannot be due in the past." in html
    assert "Keep me" in html
    assert not Interaction.objects.exists() and not Callback.objects.exists()


@pytest.mark.django_db
def test_popup_records_touched_by_reference(operator_client, operator, site, fake_records):
    fake_records["AP-2026-000007"] = (site.pk, "+380441234567")
    response = operator_client.post(f"{POPUP}?from=%2B380441234567", {
        "summary": "Status asked", "references": "АР-2026-000007"})
    assert response.status_code == 302
    call = Interaction.objects.get()
    assert call.records == [{"source": "fake", "reference": "AP-2026-000007",
                             "url": "/admin/fake/AP-2026-000007/"}]
    assert call.operator == operator and call.from_number == "+380441234567"
    response = operator_client.post(f"{POPUP}?from=%2B380441234567", {
        "summary": "Wrong one", "references": "AP-2026-999999"})
    assert "No record has the reference AP-2026-999999." in response.content.decode()
    assert Interaction.objects.count() == 1


@pytest.mark.django_db
def test_another_towns_wrap_up_code_is_refused(operator_client, site):
    town = add_town("town2.example")
    far = WrapUpCode.objects.create(site=town, title="Far code")
    response = operator_client.post(f"{POPUP}?from=%2B380441234567", {
        "summary": "Kept", "wrap_up": far.pk})
    html = response.content.decode()
    assert response.status_code == 200 and "Select a valid choice" in html and "Kept" in html
    assert not Interaction.objects.exists()


#: the pop-up's queries with the admin's menu (whether records with nobody at work reach the
#: operator is asked once per request, not once per desk of the menu)
POPUP_QUERIES = 34


@pytest.mark.django_db
def test_the_popups_queries_do_not_grow_with_the_records(operator_client, site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .test_timeline_data import (
        make_addressee,
        make_appeal,
        make_queue,
        make_report,
        make_ticket,
    )

    person_with_phone(site, "Taras Melnyk", "+380441234567")
    addressee = make_addressee(site)
    queue = make_queue(site, addressee)

    def records(count):
        for _ in range(count):
            make_appeal(site, addressee, applicant_phone="044 123 45 67")
            make_report(site, contact_phone="+380441234567")
            make_ticket(queue, contact_phone="0441234567")

    def queries():
        operator_client.get(POPUP, {"from": "+380441234567"})  # per-process caches warm
        with CaptureQueriesContext(connection) as captured:
            html = operator_client.get(POPUP, {"from": "+380441234567"}).content.decode()
        return len(captured), html.count("AP-2026-")

    records(1)
    few, shown_few = queries()
    records(15)
    many, shown_many = queries()
    assert (shown_few, shown_many) == (1, 16)
    assert few == many <= POPUP_QUERIES, (few, many)
