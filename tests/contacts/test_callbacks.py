import datetime

import pytest
from django.utils import timezone

from addons.contacts.models import Callback, ReplyTemplate, WrapUpCode
from tests.conftest import add_town

from .conftest import make_staff
from .helpers import refused

LIST = "/admin/contacts/callbacks/"


@pytest.mark.django_db
def test_my_callbacks_and_overdue_ones_come_first(operator_client, operator, site):
    other = make_staff("petro")
    now = timezone.now()
    Callback.objects.create(site=site, owner=other, due_at=now - datetime.timedelta(hours=2),
                            note="theirs late")
    Callback.objects.create(site=site, owner=operator, due_at=now + datetime.timedelta(hours=3),
                            note="mine later")
    Callback.objects.create(site=site, owner=operator, due_at=now - datetime.timedelta(hours=1),
                            note="mine late")
    Callback.objects.create(site=site, owner=other, due_at=now + datetime.timedelta(hours=1),
                            note="theirs later")
    html = operator_client.get(LIST).content.decode()
    order = [html.index(note) for note in ("mine late", "mine later", "theirs late",
                                            "theirs later")]
    assert order == sorted(order)
    assert html.count("overdue") >= 2


@pytest.mark.django_db
def test_mark_done(operator_client, operator, site):
    item = Callback.objects.create(site=site, owner=operator,
                                   due_at=timezone.now() + datetime.timedelta(hours=1),
                                   note="call Ivan")
    response = operator_client.post(f"{LIST}{item.pk}/done/")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.done_at is not None and item.done_by == operator
    assert "call Ivan" not in operator_client.get(LIST).content.decode()
    assert "call Ivan" in operator_client.get(LIST, {"done": "1"}).content.decode()


@pytest.mark.django_db
def test_a_callback_due_in_the_past_is_refused(operator_client, operator, site):
    response = operator_client.post(LIST, {"phone": "0441234567", "owner": operator.pk,
                                           "due_at": "2001-02-03T10:00", "note": "too late"})
    html = response.content.decode()
    assert "A callback cannot be due in the past." in html and "too late" in html
    assert not Callback.objects.exists()
    response = operator_client.post(LIST, {"phone": "0441234567", "owner": operator.pk,
                                           "due_at": "2099-02-03T10:00", "note": "fine"})
    assert response.status_code == 302
    assert Callback.objects.get().phone == "+380441234567"


@pytest.mark.django_db
def test_another_towns_callback_is_404_and_not_listed(operator_client, operator, site):
    town = add_town("town2.example")
    item = Callback.objects.create(site=town, owner=operator, note="town two task",
                                   due_at=timezone.now() + datetime.timedelta(hours=1))
    assert operator_client.post(f"{LIST}{item.pk}/done/").status_code == 404
    assert "town two task" not in operator_client.get(LIST).content.decode()
    item.refresh_from_db()
    assert item.done_at is None


@pytest.mark.django_db
def test_wrap_up_codes_and_templates_are_managed_per_town(client, site):
    boss = make_staff("boss", is_superuser=True)
    client.force_login(boss)
    response = client.post("/admin/contacts/manage/wrapups/new/", {"title": "Transferred",
                                                                    "active": "on",
                                                                    "sort_order": "1"})
    assert response.status_code == 302
    assert WrapUpCode.objects.get().site == site
    response = client.post("/admin/contacts/manage/wrapups/new/", {"title": "transferred",
                                                                    "sort_order": "2"})
    assert "This town already has this wrap-up code." in response.content.decode()
    client.post("/admin/contacts/manage/templates/new/", {"title": "Hours", "body": "8 to 17",
                                                          "language": "en", "sort_order": "0"})
    assert ReplyTemplate.objects.get().site == site
    town = add_town("town2.example")
    far = WrapUpCode.objects.create(site=town, title="Far code")
    assert client.get(f"/admin/contacts/manage/wrapups/{far.pk}/").status_code == 404
    assert "Far code" not in client.get("/admin/contacts/manage/wrapups/").content.decode()
    assert client.get("/admin/contacts/manage/nothing/").status_code == 404


@pytest.mark.django_db
def test_operators_without_the_model_permission_cannot_edit_templates(operator_client, site):
    assert operator_client.get("/admin/contacts/manage/templates/").status_code == 200
    assert refused(operator_client.get("/admin/contacts/manage/templates/new/"))


@pytest.mark.django_db
def test_my_callbacks_and_a_callback_for_a_person(operator_client, operator, site):
    from .helpers import person_with_phone

    other = make_staff("petro")
    due = timezone.now() + datetime.timedelta(hours=1)
    Callback.objects.create(site=site, owner=other, due_at=due, note="not mine")
    Callback.objects.create(site=site, owner=operator, due_at=due, note="all mine")
    html = operator_client.get(LIST, {"mine": "1"}).content.decode()
    assert "all mine" in html and "not mine" not in html
    person = person_with_phone(site, "Ivan Caller", "+380441234567")
    response = operator_client.post(f"{LIST}?person={person.pk}", {
        "owner": operator.pk, "due_at": "2099-02-03T10:00", "note": "for Ivan"})
    assert response.status_code == 302
    assert Callback.objects.get(note="for Ivan").person == person
    town = add_town("town2.example")
    far = person_with_phone(town, "Far Away", "+380441234567")
    response = operator_client.post(f"{LIST}?person={far.pk}", {
        "owner": operator.pk, "due_at": "2099-02-03T10:00", "note": "crossing"})
    assert response.status_code == 404
    assert not Callback.objects.filter(note="crossing").exists()


@pytest.mark.django_db
def test_a_wrap_up_with_the_owner_filled_in_beforehand_asks_no_callback(operator, site):
    """The form fills in the operator as who calls back: saving without a time or a note
    plans no callback and is not refused; a note without a time is."""
    from addons.contacts.forms import WrapUpForm

    form = WrapUpForm({"summary": "Told the hours", "resolved_first_contact": "on",
                       "callback_owner": operator.pk}, site=site)
    assert form.is_valid(), form.errors
    form = WrapUpForm({"summary": "Needs an answer", "callback_owner": operator.pk,
                       "callback_note": "ask the roads department"}, site=site)
    assert not form.is_valid()
    assert form.errors["callback_due"] == ["Say when to call back."]
