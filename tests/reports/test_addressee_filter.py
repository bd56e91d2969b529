"""The situational center's addressee filter (the catalog's picker): a typed name resolved
on the server without JavaScript, by id at any depth, no list of every addressee in the
page, the same queries with 10 or 300 addressees, and each town its own addressees."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from addons.addressees.models import AddresseePage
from addons.addressees.picker import TOP_LEVEL_LIMIT
from tests.addressees.helpers import bulk_addressees
from tests.conftest import add_town

from .test_geojson import add_reports, scatter
from .test_public_map import attach, numbers_on, situational_map  # noqa: F401

#: what rendering costs: no whole page kept (addons/core/page_cache.py)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("render_every_view")]

LIST_URL = "/reports/map/"


def options(html: str) -> list[str]:
    return re.findall(r'<option value="(\d*)"', html)


@pytest.fixture
def filed(reports_site, addressee, water):
    add_reports(reports_site, scatter(3), addressee=addressee)
    add_reports(reports_site, scatter(2, seed=2), addressee=water)
    add_reports(reports_site, scatter(1, seed=3), addressee=water, status="resolved")
    return reports_site


def test_the_list_offers_the_top_level_and_a_name_field(client, filed, city_hall, water):
    html = client.get(LIST_URL).content.decode()
    assert options(html.split('name="addressee"')[1].split("</select>")[0]) == [
        "", str(city_hall.pk), str(water.pk)]
    assert 'name="addressee_name"' in html
    assert 'for="report-filter-addressee_name"' in html
    assert "addressees/js/picker.js" in html and 'data-suggest-url="/addressees/suggest/"' in html


def test_a_typed_name_filters_and_is_shown_by_name(client, filed, addressee):
    response = client.get(LIST_URL, {"addressee_name": "roads dep", "state": "open"})
    html = response.content.decode()
    assert len(numbers_on(response)) == 3 and "3 reports" in html
    assert f'<option value="{addressee.pk}" selected>Roads department</option>' in html
    # the map, the feeds and the pager follow the chosen addressee by id
    assert f'data-filters="state=open&amp;addressee={addressee.pk}"' in html
    assert f"/reports/map/rss/?state=open&amp;addressee={addressee.pk}" in html


def test_several_names_are_offered_and_the_rest_is_kept(client, filed, addressee):
    extra = addressee.add_child(instance=AddresseePage(title="Roads lighting", slug="light"))
    response = client.get(LIST_URL, {"addressee_name": "roads", "state": "closed",
                                      "submitted_from": "2026-01-02"})
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert "Several addressees are named like “roads”: choose one below." in html
    assert re.findall(r'name="addressee_pick" value="(\d+)"', html) == [
        str(addressee.pk), str(extra.pk)]
    assert "Roads lighting (Roads department)" in re.sub(r"<[^>]+>", "", html)
    assert 'value="roads"' in html and 'value="2026-01-02"' in html
    assert re.search(r'<option value="closed" selected>', html)
    chosen = client.get(LIST_URL, {"addressee_name": "roads", "addressee_pick": extra.pk})
    assert f'<option value="{extra.pk}" selected>' in chosen.content.decode()


def test_no_match_is_a_clear_error_with_everything_kept(client, filed):
    response = client.get(LIST_URL, {"addressee_name": "Fire brigade", "state": "open"})
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "No addressee is named like “Fire brigade”." in html
    assert 'value="Fire brigade"' in html and 'aria-invalid="true"' in html
    assert re.search(r'<option value="open" selected>', html)


def test_by_id_keeps_working_and_a_deep_addressee_shows_its_name(client, filed, addressee):
    response = client.get(LIST_URL, {"addressee": addressee.pk})
    html = response.content.decode()
    assert len(numbers_on(response)) == 3
    assert f'<option value="{addressee.pk}" selected>Roads department</option>' in html


def test_the_map_section_offers_the_short_list_only(client, home, filed, situational_map,  # noqa: F811
                                                    catalog, addressee):
    attach(home, situational_map)
    bulk_addressees(addressee, 300, prefix="Brigade")
    html = client.get("/").content.decode()
    assert len(options(html.split('name="addressee"')[1].split("</select>")[0])) == 3
    assert "Brigade 1" not in html


def _list_queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("params", [
    {}, {"addressee_name": "brigade 7"}, {"addressee_name": "roads department"},
    {"addressee": "deep"},
])
def test_queries_are_the_same_with_10_and_300_addressees(client, filed, catalog, addressee,
                                                         params):
    counts = []
    for size in (10, 290):
        bulk_addressees(addressee, size, prefix=f"Brigade{size}")
        bulk_addressees(catalog, 2, prefix=f"Top{size}")
        if params.get("addressee") == "deep":
            params = {"addressee": addressee.pk}
        client.get(LIST_URL, params)  # warm: the list's count is kept per filters
        count, html = _list_queries(client, params)
        counts.append(count)
        select = html.split('name="addressee"')[1].split("</select>")[0]
        # the short list: "any", the top level (2 + 2 per size), the chosen one
        assert len(options(select)) <= 8 and "Brigade" not in select
        assert len(re.findall(r"<option", html)) < 40 + TOP_LEVEL_LIMIT
    assert counts[0] == counts[1]


def test_another_towns_addressees_are_not_offered(client, filed, addressee):
    town = add_town("town2.example")
    theirs = town.root_page.add_child(instance=AddresseePage(title="Roads of town 2",
                                                              slug="t2-roads"))
    html = client.get(LIST_URL).content.decode()
    assert "Roads of town 2" not in html
    response = client.get(LIST_URL, {"addressee": theirs.pk})
    assert "not in the catalog of this site" in unescape(response.content.decode())
    response = client.get(LIST_URL, {"addressee_name": "roads"})
    assert f'<option value="{addressee.pk}" selected>' in response.content.decode()


def test_the_home_page_section_costs_the_same_with_10_and_300_addressees(
        client, home, filed, catalog, addressee, situational_map):  # noqa: F811
    attach(home, situational_map)
    client.get("/")
    counts = []
    for size in (10, 290):
        bulk_addressees(addressee, size, prefix=f"Brigade{size}")
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/").content.decode()
        counts.append(len(queries))
        assert "Brigade" not in html
    assert counts[0] == counts[1]
