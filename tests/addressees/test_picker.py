"""The addressee picker: a short list of top-level addressees and a typed name resolved on
the server (works without JavaScript), suggestions as JSON while typing, one town's
addressees never offered on another, and a query count that does not grow with the
catalog."""

from __future__ import annotations

import json
import re

import pytest
from django import forms
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from wagtail.models import PageViewRestriction

from addons.addressees import picker
from addons.addressees.picker import AddresseePickerField
from tests.conftest import add_town

from .helpers import add_addressee, add_catalog, bulk_addressees

pytestmark = pytest.mark.django_db

SUGGEST = "/addressees/suggest/"


@pytest.fixture(autouse=True)
def _english_forms():
    with translation.override("en"):
        yield


class PickerForm(forms.Form):
    addressee = AddresseePickerField(label="Addressee")

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["addressee"].set_site(site)


@pytest.fixture
def tree(home, site):
    catalog = add_catalog(home)
    city_hall = add_addressee(catalog, "City hall")
    roads = add_addressee(city_hall, "Roads department", slug="roads")
    sector = add_addressee(roads, "Sector of road repairs", slug="repairs")
    water = add_addressee(catalog, "Water company", slug="water")
    water_repairs = add_addressee(water, "Sector of pipe repairs", slug="pipe-repairs")
    return {"catalog": catalog, "city_hall": city_hall, "roads": roads, "sector": sector,
            "water": water, "water_repairs": water_repairs}


def bound(site, **data):
    form = PickerForm(QueryDict(mutable=True), site=site)
    query = QueryDict(mutable=True)
    query.update(data)
    form = PickerForm(query, site=site)
    return form, form.is_valid()


def test_short_list_holds_the_top_level_only(tree, site):
    html = str(PickerForm(site=site)["addressee"])
    values = re.findall(r'<option value="(\d*)"', html)
    assert values == ["", str(tree["city_hall"].pk), str(tree["water"].pk)]
    assert 'name="addressee_name"' in html


def test_one_match_is_chosen_and_shown(tree, site):
    form, valid = bound(site, addressee_name="  roads   DEPART ")
    assert valid and form.cleaned_data["addressee"] == tree["roads"].pk
    html = str(form["addressee"])
    # a deep addressee is shown by name in the short list, selected; the text is free again
    assert f'<option value="{tree["roads"].pk}" selected>Roads department</option>' in html
    assert 'name="addressee_name" id="id_addressee_name" value=""' in html


def test_an_exact_title_wins_over_longer_ones(tree, site):
    add_addressee(tree["roads"], "Roads department archive", slug="archive")
    form, valid = bound(site, addressee_name="roads department")
    assert valid and form.cleaned_data["addressee"] == tree["roads"].pk


def test_several_matches_are_offered_with_their_parents(tree, site):
    form, valid = bound(site, addressee_name="repairs", category="kept")
    assert not valid
    assert "Several addressees are named like “repairs”" in form.errors["addressee"][0]
    html = str(form["addressee"])
    assert re.findall(r'name="addressee_pick" value="(\d+)"', html) == [
        str(tree["water_repairs"].pk), str(tree["sector"].pk)]
    assert "Sector of road repairs <span class=\"addressee-picker-parent\">(Roads department)" \
        in html
    assert 'value="repairs"' in html  # what was typed is kept
    # picking one of them chooses it (the typed text is still in the request)
    form, valid = bound(site, addressee_name="repairs", addressee_pick=str(tree["sector"].pk))
    assert valid and form.cleaned_data["addressee"] == tree["sector"].pk


def test_too_many_matches_are_cut_and_explained(tree, site):
    bulk_addressees(tree["water"], picker.MATCH_LIMIT + 5, prefix="Pump")
    form, valid = bound(site, addressee_name="pump")
    assert not valid and "Many addressees" in form.errors["addressee"][0]
    assert len(re.findall(r'name="addressee_pick"', str(form["addressee"]))) == 20


def test_no_match_is_a_clear_error_with_the_text_kept(tree, site):
    form, valid = bound(site, addressee_name="Fire brigade")
    assert not valid
    assert form.errors["addressee"] == [
        "No addressee is named like “Fire brigade”. Check the spelling, type a part of the "
        "name or choose from the list."]
    assert 'value="Fire brigade"' in str(form["addressee"])


def test_the_messages_are_translated(tree, site):
    with translation.override("uk"):
        form, valid = bound(site, addressee_name="Пожежна частина")
        assert form.errors["addressee"] == [
            "Адресата з назвою «Пожежна частина» немає. Перевірте написання, введіть частину "
            "назви або виберіть зі списку."]
        html = str(form["addressee"])
        assert "або введіть його назву" in html and 'value="Пожежна частина"' in html


def test_a_one_letter_name_asks_for_more(tree, site):
    form, valid = bound(site, addressee_name="r")
    assert not valid and "at least two letters" in form.errors["addressee"][0]


def test_by_id_works_at_any_depth_and_shows_the_name(tree, site):
    form, valid = bound(site, addressee=str(tree["sector"].pk))
    assert valid and form.cleaned_data["addressee"] == tree["sector"].pk
    assert (f'<option value="{tree["sector"].pk}" selected>Sector of road repairs</option>'
            in str(form["addressee"]))
    # an unbound form's initial value too
    initial = PickerForm(site=site, initial={"addressee": tree["sector"].pk})
    assert f'value="{tree["sector"].pk}" selected' in str(initial["addressee"])


@pytest.mark.parametrize("raw", ["999999", "0", "-1", "99999999999999999999999"])
def test_an_unknown_id_is_refused(tree, site, raw):
    form, valid = bound(site, addressee=raw)
    assert not valid and "not in the catalog of this site" in form.errors["addressee"][0]


def test_a_name_in_the_address_is_looked_up(tree, site):
    form, valid = bound(site, addressee="Water company")
    assert valid and form.cleaned_data["addressee"] == tree["water"].pk


def test_drafts_and_private_addressees_are_never_offered(tree, site):
    tree["water_repairs"].unpublish()
    PageViewRestriction.objects.create(page=tree["roads"], restriction_type="login")
    form, valid = bound(site, addressee_name="repairs")
    assert not valid and "No addressee" in form.errors["addressee"][0]
    form, valid = bound(site, addressee=str(tree["sector"].pk))
    assert not valid
    form, valid = bound(site, addressee=str(tree["city_hall"].pk))
    assert valid


def test_another_towns_addressees_are_never_offered(tree, site):
    town = add_town("town2.localhost")
    other = add_addressee(add_catalog(town.root_page, slug="catalog-2"), "Roads office",
                          slug="roads-office")
    form, valid = bound(site, addressee=str(other.pk))
    assert not valid
    form, valid = bound(site, addressee_name="roads")
    assert valid and form.cleaned_data["addressee"] == tree["roads"].pk
    html = str(PickerForm(site=site)["addressee"])
    assert "Roads office" not in html
    there, valid = bound(town, addressee_name="roads")
    assert valid and there.cleaned_data["addressee"] == other.pk
    assert "City hall" not in str(PickerForm(site=town)["addressee"])


def _render_queries(site, data):
    query = QueryDict(mutable=True)
    query.update(data)
    with CaptureQueriesContext(connection) as queries:
        form = PickerForm(query, site=site)
        form.is_valid()
        html = str(form["addressee"])
    return len(queries), html


@pytest.mark.parametrize("data", [{}, {"addressee_name": "node 1"}, {"addressee": "by-id"}])
def test_queries_do_not_grow_with_the_catalog(tree, site, data):
    counts = []
    for size in (10, 300):
        bulk_addressees(tree["roads"], size, prefix=f"Node{size}")
        bulk_addressees(tree["catalog"], 3, prefix=f"Top{size}")
        if data.get("addressee") == "by-id":
            data = {"addressee": str(tree["sector"].pk)}
        count, html = _render_queries(site, data)
        counts.append(count)
        assert len(re.findall(r"<option", html)) <= picker.TOP_LEVEL_LIMIT + 2
    assert counts[0] == counts[1] <= 4


# -- the suggestions -----------------------------------------------------------------------


def test_suggestions(client, tree, site):
    response = client.get(SUGGEST, {"q": "repairs"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"results": [
        {"id": tree["water_repairs"].pk, "title": "Sector of pipe repairs",
         "parent": "Water company"},
        {"id": tree["sector"].pk, "title": "Sector of road repairs",
         "parent": "Roads department"},
    ]}
    assert client.get(SUGGEST, {"q": "r"}).json() == {"results": []}
    assert client.get(SUGGEST).json() == {"results": []}
    assert client.get(SUGGEST, {"q": "x" * 5000}).json() == {"results": []}


def test_suggestions_are_limited_and_cost_the_same_at_any_size(client, tree, site):
    bulk_addressees(tree["water"], 300, prefix="Pump")
    client.get(SUGGEST, {"q": "warm"})  # the site and the catalog version read once
    with CaptureQueriesContext(connection) as first:
        results = client.get(SUGGEST, {"q": "pump"}).json()["results"]
    assert len(results) == picker.SUGGEST_LIMIT
    assert [row["parent"] for row in results] == ["Water company"] * picker.SUGGEST_LIMIT
    with CaptureQueriesContext(connection) as again:
        client.get(SUGGEST, {"q": "pump"})
    bulk_addressees(tree["roads"], 5, prefix="Pumpkin")
    with CaptureQueriesContext(connection) as small:
        client.get(SUGGEST, {"q": "pumpkin"})
    assert len(small) == len(first)
    # a second ask is served from the cache: no catalog query
    assert not [q for q in again.captured_queries if "addressees_addresseepage" in q["sql"]]


def test_suggestions_follow_changes_of_the_catalog(client, tree):
    assert client.get(SUGGEST, {"q": "fire"}).json() == {"results": []}
    add_addressee(tree["catalog"], "Fire brigade", slug="fire")
    assert [row["title"] for row in client.get(SUGGEST, {"q": "fire"}).json()["results"]] == [
        "Fire brigade"]


def test_suggestions_are_live_public_and_of_the_site(client, tree, site):
    town = add_town("town2.localhost")
    add_addressee(add_catalog(town.root_page, slug="catalog-2"), "Repairs office",
                  slug="repairs-office")
    tree["water_repairs"].unpublish()
    PageViewRestriction.objects.create(page=tree["roads"], restriction_type="login")
    assert client.get(SUGGEST, {"q": "repairs"}).json() == {"results": []}
    there = client.get(SUGGEST, {"q": "repairs"}, HTTP_HOST="town2.localhost").json()
    assert [row["title"] for row in there["results"]] == ["Repairs office"]


def test_suggestions_in_the_visitors_language(client, tree, site):
    from addons.core.models import SiteProfile

    profile = SiteProfile.for_site(site)
    profile.default_language = "uk"
    profile.save()
    client.cookies["civicdesk_language"] = "uk"
    roads = tree["roads"]
    roads.translations = {"en": {"title": "Road works department"}}
    roads.save_revision().publish()
    english = client.get("/en" + SUGGEST, {"q": "road works"})
    ukrainian = client.get(SUGGEST, {"q": "road works"})
    assert [row["title"] for row in json.loads(english.content)["results"]] == [
        "Road works department"]
    assert ukrainian.json() == {"results": []}
