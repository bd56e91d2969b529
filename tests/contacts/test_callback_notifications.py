"""A callback's owner is told when it is planned for them or handed over to them (core's
notifications, event ``contacts.callback``), and nobody else is."""

import datetime

import pytest
from django.utils import timezone

from addons.contacts.models import Callback, Interaction
from addons.core.models import Notification
from addons.core.notifications import build_email
from tests.conftest import add_town

from .conftest import make_staff
from .helpers import person_with_phone

LIST = "/admin/contacts/callbacks/"
EVENT = "contacts.callback"


def told(user):
    return list(Notification.objects.filter(recipient=user, event=EVENT))


@pytest.fixture
def team(site):
    return {"petro": make_staff("petro", full_name="Petro Bondar", language="en"),
            "maria": make_staff("maria", full_name="Maria Shevchuk", language="en")}


@pytest.mark.django_db
def test_planning_a_callback_for_a_colleague_tells_them_and_nobody_else(
        operator_client, operator, team, site):
    person = person_with_phone(site, "Ivan Caller", "+380441234567")
    response = operator_client.post(f"{LIST}?person={person.pk}", {
        "owner": team["petro"].pk, "due_at": "2099-02-03T10:00", "phone": "044 765 43 21",
        "note": "About the heating bill"})
    assert response.status_code == 302
    callback = Callback.objects.get()
    [row] = told(team["petro"])
    assert row.site == site and row.email == "petro@example.org"
    assert "Call back Ivan Caller by" in row.subject and "2099" in row.subject
    assert "Olena handed you a callback: call Ivan Caller back by" in row.body
    assert "Phone: +380447654321" in row.body and "Note: About the heating bill" in row.body
    assert row.url == f"{LIST}?mine=1"
    assert callback.owner == team["petro"]
    assert Notification.objects.filter(event=EVENT).count() == 1
    assert not told(operator) and not told(team["maria"])


@pytest.mark.django_db
def test_nobody_is_told_of_a_callback_they_planned_for_themselves(operator_client, operator,
                                                                   site):
    response = operator_client.post(LIST, {"owner": operator.pk, "due_at": "2099-02-03T10:00",
                                           "phone": "0441234567", "note": "mine"})
    assert response.status_code == 302 and Callback.objects.get().owner == operator
    assert not Notification.objects.filter(event=EVENT).exists()


@pytest.mark.django_db
def test_a_refused_callback_tells_nobody(operator_client, team, site):
    response = operator_client.post(LIST, {"owner": team["petro"].pk,
                                           "due_at": "2001-02-03T10:00", "note": "too late"})
    assert response.status_code == 200 and not Callback.objects.exists()
    assert not Notification.objects.filter(event=EVENT).exists()


@pytest.mark.django_db
def test_the_wrap_up_of_a_call_tells_the_callbacks_owner(operator_client, operator, team,
                                                         site):
    taras = person_with_phone(site, "Taras Melnyk", "+380441234567")
    Interaction.objects.create(site=site, call_id="abc", from_number="+380441234567",
                               person=taras, operator=operator, state="answered")
    response = operator_client.post("/admin/contacts/call/?from=%2B380441234567&call=abc", {
        "summary": "Asked about heating", "callback_owner": team["maria"].pk,
        "callback_due": "2099-01-05T10:00", "callback_note": "Tell the date"})
    assert response.status_code == 302
    [row] = told(team["maria"])
    assert "Taras Melnyk" in row.subject and "Note: Tell the date" in row.body
    assert Notification.objects.filter(event=EVENT).count() == 1


@pytest.mark.django_db
def test_handing_a_callback_over_tells_the_new_owner_only(operator_client, operator, team,
                                                          site):
    callback = Callback.objects.create(site=site, owner=team["petro"], phone="+380441234567",
                                       due_at=timezone.now() + datetime.timedelta(hours=2),
                                       note="Call about the permit")
    html = operator_client.get(LIST).content.decode()
    assert f'action="{LIST}{callback.pk}/owner/"' in html and "Hand over" in html
    response = operator_client.post(f"{LIST}{callback.pk}/owner/",
                                    {"owner": team["maria"].pk})
    assert response.status_code == 302
    callback.refresh_from_db()
    assert callback.owner == team["maria"]
    [row] = told(team["maria"])
    assert "Call back +380441234567 by" in row.subject
    assert "Note: Call about the permit" in row.body
    assert not told(team["petro"]) and not told(operator)
    # handed to whom it belongs already: nothing new
    operator_client.post(f"{LIST}{callback.pk}/owner/", {"owner": team["maria"].pk})
    assert Notification.objects.filter(event=EVENT).count() == 1
    # taken by the operator themselves: nobody is told
    operator_client.post(f"{LIST}{callback.pk}/owner/", {"owner": operator.pk})
    callback.refresh_from_db()
    assert callback.owner == operator
    assert Notification.objects.filter(event=EVENT).count() == 1


@pytest.mark.django_db
def test_a_done_callback_or_an_owner_outside_the_console_is_refused(operator_client, team,
                                                                    site):
    outsider = make_staff("outsider", console=False)
    callback = Callback.objects.create(site=site, owner=team["petro"],
                                       due_at=timezone.now() + datetime.timedelta(hours=2))
    response = operator_client.post(f"{LIST}{callback.pk}/owner/", {"owner": outsider.pk},
                                    follow=True)
    assert "Select a valid choice" in response.content.decode()
    response = operator_client.post(f"{LIST}{callback.pk}/owner/", {"owner": "nobody"},
                                    follow=True)
    assert "Select a valid choice" in response.content.decode()
    Callback.objects.filter(pk=callback.pk).update(done_at=timezone.now())
    response = operator_client.post(f"{LIST}{callback.pk}/owner/",
                                    {"owner": team["maria"].pk}, follow=True)
    assert "This callback is done: it cannot be handed over." in response.content.decode()
    callback.refresh_from_db()
    assert callback.owner == team["petro"]
    assert not Notification.objects.filter(event=EVENT).exists()


@pytest.mark.django_db
def test_on_a_second_town_the_owner_is_told_with_that_towns_link(operator_client, team, site):
    town = add_town("town2.example")
    far = Callback.objects.create(site=town, owner=team["petro"],
                                  due_at=timezone.now() + datetime.timedelta(hours=2))
    # another town's callback is not handed over from this one
    assert operator_client.post(f"{LIST}{far.pk}/owner/",
                                {"owner": team["maria"].pk}).status_code == 404
    assert not Notification.objects.filter(event=EVENT).exists()
    response = operator_client.post(LIST, {"owner": team["maria"].pk,
                                           "due_at": "2099-02-03T10:00",
                                           "phone": "0441234567", "note": "Town two"},
                                    HTTP_HOST="town2.example")
    assert response.status_code == 302
    assert Callback.objects.get(note="Town two").site == town
    [row] = told(team["maria"])
    assert row.site == town
    assert f"http://town2.example{LIST}?mine=1" in build_email(row).body
    response = operator_client.post(f"{LIST}{far.pk}/owner/", {"owner": team["maria"].pk},
                                    HTTP_HOST="town2.example")
    assert response.status_code == 302
    assert [item.site for item in told(team["maria"])] == [town, town]
    assert not told(team["petro"])
