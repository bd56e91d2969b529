"""The targets' admin screens: management of the town sets a figure's target (red, amber,
green) for the town or an addressee; a target out of range is refused with the reason on
the field; other staff are kept out; another town's targets are neither listed nor opened;
the dashboard shows the status in words."""

import pytest

from addons.insights.models import Target

from .screens import (
    RECORD_TYPE,
    file,
    make_staff,
    period_query,
)

pytestmark = pytest.mark.django_db

INDEX = "/admin/insights-targets/"
ADD = INDEX + "new/"


@pytest.fixture
def target_manager(places):
    return make_staff("chief", "view_figures", "add_target", "change_target",
                      "delete_target", "view_target")


def form(**fields):
    return {"figure": "on_time", "record_type": RECORD_TYPE, "addressee": "",
            "green": "90", "amber": "75", **fields}


def test_management_sets_a_target(english, places, target_manager):
    english.force_login(target_manager)
    assert english.get(ADD).status_code == 200
    response = english.post(ADD, form())
    assert response.status_code == 302, response.content.decode()[:3000]
    target = Target.objects.get()
    assert (target.site, target.figure, target.green, target.amber) == (
        places.site, "on_time", 90, 75)
    assert english.get(INDEX).status_code == 200


@pytest.mark.parametrize("fields, field", [
    ({"green": "150"}, "green"),
    ({"amber": "-5"}, "amber"),
])
def test_a_target_out_of_range_is_refused_on_its_field(english, places, target_manager,
                                                       fields, field):
    english.force_login(target_manager)
    response = english.post(ADD, form(**fields))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert not Target.objects.exists()


def test_another_towns_addressee_cannot_be_chosen(english, places, target_manager):
    english.force_login(target_manager)
    response = english.post(ADD, form(addressee=str(places.parks.pk)))
    assert response.status_code == 200
    assert "addressee" in response.context["form"].errors
    assert not Target.objects.exists()


def test_another_towns_targets_are_out_of_reach(english, places, target_manager):
    theirs = Target.objects.create(site=places.town2, figure="on_time", green=90, amber=70)
    ours = Target.objects.create(site=places.site, figure="on_time", green=80, amber=60)
    english.force_login(target_manager)
    html = english.get(INDEX).content.decode()
    assert f"/edit/{ours.pk}/" in html and f"/edit/{theirs.pk}/" not in html
    assert english.get(f"{INDEX}edit/{theirs.pk}/").status_code == 404
    assert english.post(f"{INDEX}delete/{theirs.pk}/").status_code == 404
    assert Target.objects.filter(pk=theirs.pk).exists()


def test_other_staff_are_kept_out(english, places, roads_clerk, nobody):
    for user in (roads_clerk, nobody):
        english.force_login(user)
        assert english.get(INDEX).status_code in (302, 403)
        assert english.post(ADD, form()).status_code in (302, 403)
    assert not Target.objects.exists()


def test_the_dashboard_shows_the_status_in_words(english, places, target_manager):
    Target.objects.create(site=places.site, figure="on_time", record_type=RECORD_TYPE,
                          green=90, amber=75)
    file(places.site, places.roads, days_ago=10, resolved_after=9, term_days=5)  # late
    english.force_login(target_manager)
    html = english.get("/admin/insights/", period_query()).content.decode()
    assert "insights-status-red" in html
    assert "off target" in html
