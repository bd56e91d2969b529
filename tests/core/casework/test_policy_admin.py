"""The assignment settings screens: scoped to the site and the user's addressees; a
capacity of 0 is refused with what was typed kept."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from addons.core.casework.models import AssignmentPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["civicdesk_language"] = "en"
    return client


@pytest.fixture
def lead(roads_staff):
    for model in ("assignmentpolicy", "staffcapacity", "staffskill"):
        for action in ("add", "change", "delete", "view"):
            roads_staff.user_permissions.add(
                Permission.objects.get(codename=f"{action}_{model}"))
    return roads_staff


def test_list_shows_only_own_addressees(client, town, town2, lead):
    mine = AssignmentPolicy.objects.create(addressee=town.roads, mode="round_robin")
    parks = AssignmentPolicy.objects.create(addressee=town.parks, mode="least_loaded")
    other = AssignmentPolicy.objects.create(addressee=town2.roads, mode="skills")
    client.force_login(lead)
    response = client.get(reverse("assignment_policies:index"))
    assert response.status_code == 200
    listed = {row.pk for row in response.context["object_list"]}
    assert listed == {mine.pk}
    for row in (parks, other):
        assert client.get(reverse("assignment_policies:edit", args=[row.pk])).status_code \
            == 404


def test_create_offers_only_own_addressees_and_refuses_zero_capacity(client, town, town2,
                                                                    lead):
    client.force_login(lead)
    response = client.get(reverse("assignment_policies:add"))
    choices = list(response.context["form"].fields["addressee"].queryset)
    assert choices == [town.roads.specific] or [p.pk for p in choices] == [town.roads.pk]
    response = client.post(reverse("assignment_policies:add"), {
        "addressee": town.roads.pk, "mode": "round_robin", "capacity": "0"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "greater than zero" in html
    assert 'value="round_robin" selected' in html
    assert not AssignmentPolicy.objects.exists()
    response = client.post(reverse("assignment_policies:add"), {
        "addressee": town2.roads.pk, "mode": "round_robin", "capacity": "5"})
    assert not AssignmentPolicy.objects.exists()
    response = client.post(reverse("assignment_policies:add"), {
        "addressee": town.roads.pk, "mode": "round_robin", "capacity": "5"})
    assert response.status_code == 302
    assert AssignmentPolicy.objects.get().capacity == 5


def test_capacity_for_another_team_member_is_refused(client, town, lead, parks_staff):
    client.force_login(lead)
    response = client.post(reverse("staff_capacities:add"), {
        "user": parks_staff.pk, "addressee": town.roads.pk, "capacity": "3"})
    assert response.status_code == 200
    from addons.core.casework.models import StaffCapacity

    assert not StaffCapacity.objects.exists()


def test_without_permission_no_access(client, town, roads_staff):
    client.force_login(roads_staff)
    assert client.get(reverse("assignment_policies:index")).status_code in (302, 403)
