import datetime

import pytest
from django.utils import timezone

from addons.contacts.models import Interaction, WrapUpCode
from tests.conftest import add_town

from .conftest import make_staff
from .helpers import person_with_phone, refused

LIST = "/admin/contacts/interactions/"


@pytest.mark.django_db
def test_list_filters_by_channel_operator_date_and_wrap_up(operator_client, operator, site):
    other = make_staff("petro")
    code = WrapUpCode.objects.create(site=site, title="Transferred")
    old = timezone.now() - datetime.timedelta(days=10)
    Interaction.objects.create(site=site, channel="phone", from_number="+380441110001",
                               operator=operator, wrap_up=code)
    Interaction.objects.create(site=site, channel="walk_in", from_number="+380441110002",
                               operator=other)
    Interaction.objects.create(site=site, channel="phone", from_number="+380441110003",
                               operator=other, started_at=old)
    html = operator_client.get(LIST).content.decode()
    assert all(f"+38044111000{n}" in html for n in (1, 2, 3))
    html = operator_client.get(LIST, {"channel": "walk_in"}).content.decode()
    assert "+380441110002" in html and "+380441110001" not in html
    html = operator_client.get(LIST, {"operator": operator.pk}).content.decode()
    assert "+380441110001" in html and "+380441110002" not in html
    html = operator_client.get(LIST, {"day": timezone.localdate(old).isoformat()}).content.decode()
    assert "+380441110003" in html and "+380441110001" not in html
    html = operator_client.get(LIST, {"wrap_up": code.pk}).content.decode()
    assert "+380441110001" in html and "+380441110003" not in html


@pytest.mark.django_db
def test_a_visit_is_logged_by_hand_for_a_person(operator_client, operator, site):
    person = person_with_phone(site, "Walk In", "+380441234567")
    response = operator_client.post(f"/admin/contacts/interactions/new/?person={person.pk}", {
        "channel": "walk_in", "direction": "in", "phone": "044 123 45 67",
        "summary": "Brought documents", "minutes": "12", "person": person.pk})
    assert response.status_code == 302
    item = Interaction.objects.get()
    assert item.channel == "walk_in" and item.person == person and item.operator == operator
    assert item.from_number == "+380441234567" and item.duration == datetime.timedelta(
        minutes=12)


@pytest.mark.django_db
def test_an_outbound_call_with_an_unreadable_number_is_kept_and_flagged(operator_client, site):
    response = operator_client.post("/admin/contacts/interactions/new/", {
        "channel": "phone", "direction": "out", "phone": "ext 12", "summary": "Called back"})
    assert response.status_code == 302
    item = Interaction.objects.get()
    assert item.to_number == "ext 12" and not item.number_valid


@pytest.mark.django_db
def test_an_interaction_cannot_start_in_the_future(operator_client, site):
    response = operator_client.post("/admin/contacts/interactions/new/", {
        "channel": "walk_in", "direction": "in", "summary": "Not yet",
        "started_at": "2099-01-01T10:00"})
    assert "An interaction cannot start in the future." in response.content.decode()
    assert not Interaction.objects.exists()


@pytest.mark.django_db
def test_another_towns_person_or_interaction_is_404(operator_client, site):
    town = add_town("town2.example")
    far = person_with_phone(town, "Far Away", "+380441234567")
    item = Interaction.objects.create(site=town, from_number="+380441234567",
                                      summary="Secret of town 2")
    assert operator_client.get(f"{LIST}{item.pk}/").status_code == 404
    assert operator_client.get(f"{LIST}new/?person={far.pk}").status_code == 404
    assert operator_client.get(f"{LIST}nonsense/").status_code == 404
    html = operator_client.get(LIST).content.decode()
    assert "+380441234567" not in html


@pytest.mark.django_db
def test_interactions_are_confidential(client, site):
    item = Interaction.objects.create(site=site, from_number="+380441234567",
                                      summary="Private matter")
    editor = make_staff("editor", console=False)
    client.force_login(editor)
    response = client.get(f"{LIST}{item.pk}/")
    assert refused(response) and b"Private matter" not in response.content
    assert refused(client.get(LIST))
    client.logout()
    response = client.get(f"{LIST}{item.pk}/")
    assert response.status_code in (302, 403) and b"Private matter" not in response.content
    boss = make_staff("boss", console=False, is_superuser=True)
    client.force_login(boss)
    assert b"Private matter" in client.get(f"{LIST}{item.pk}/").content
