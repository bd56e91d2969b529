"""The situational center's pages: the list with its filters (works without JavaScript) and
the map section attached to the home page and addressee pages."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.utils import timezone

from .conftest import CENTRE
from .test_geojson import add_reports, scatter

pytestmark = pytest.mark.django_db

LIST_URL = "/reports/map/"


def numbers_on(response) -> set[str]:
    return set(re.findall(r"PR-T-\d{6}", response.content.decode()))


def test_list_shows_public_reports_only(client, reports_site):
    public = add_reports(reports_site, scatter(3))
    private = add_reports(reports_site, scatter(2, seed=2), is_public=False)
    hidden = add_reports(reports_site, scatter(1, seed=3), is_hidden=True)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert numbers_on(response) == {r.tracking_number for r in public}
    assert not numbers_on(response) & {r.tracking_number for r in private + hidden}
    html = response.content.decode()
    assert 'class="situational-map"' in html and "reports/js/situational-map.js" in html
    assert "/api/v1/reports.geojson" in html
    assert 'type="application/rss+xml"' in html and 'type="application/atom+xml"' in html


def test_list_filters_paginate_and_keep_the_filters(client, reports_site, water):
    from addons.reports.models import ReportCategory

    leak = ReportCategory.objects.get(site=reports_site, code="water.leak")
    add_reports(reports_site, scatter(3), addressee=water, category=leak)
    add_reports(reports_site, scatter(25, seed=4))
    response = client.get(LIST_URL, {"category": "roads"})
    html = response.content.decode()
    assert "25 reports" in html
    assert len(numbers_on(response)) == 20  # first page
    assert 'href="?category=roads&amp;page=2"' in html
    page_two = client.get(LIST_URL, {"category": "roads", "page": 2})
    assert len(numbers_on(page_two)) == 5
    # The map and the feeds follow the same filters.
    assert 'data-filters="category=roads"' in html
    assert "/reports/map/rss/?category=roads" in html
    only_water = client.get(LIST_URL, {"addressee": water.pk})
    assert "3 reports" in only_water.content.decode()
    # The chosen value stays selected in the form.
    assert re.search(r'<option value="roads" selected>', html)


def test_list_date_filters(client, reports_site):
    old = timezone.now() - datetime.timedelta(days=60)
    add_reports(reports_site, scatter(2), created_at=old)
    add_reports(reports_site, scatter(4, seed=2))
    since = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    response = client.get(LIST_URL, {"submitted_from": since})
    assert "4 reports" in response.content.decode()
    assert f'value="{since}"' in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"submitted_from": "not-a-date"},
        {"category": "no.such.category"},
        {"status": "nope"},
        {"addressee": "abc"},
        {"resolved_from": "2026-03-10", "resolved_to": "2026-03-01"},
    ],
)
def test_list_bad_filters_are_explained_and_kept(client, reports_site, params):
    add_reports(reports_site, scatter(2))
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and 'aria-invalid="true"' in html
    assert numbers_on(response) == set()
    value = list(params.values())[-1]
    if "date" not in value and "-" not in value:
        assert value in unescape(html)


def test_list_escapes_report_text(client, reports_site):
    add_reports(reports_site, scatter(1), description="<script>alert(1)</script> hole")
    html = client.get(LIST_URL).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_disabled_addon_hides_the_situational_center(client, reports_site):
    from addons.core.activation import disable

    disable(reports_site, "reports")
    assert client.get(LIST_URL).status_code == 404
    assert client.get("/api/v1/reports.geojson?bbox=31,49,32,50&zoom=12").status_code == 404
    assert client.get(LIST_URL + "rss/").status_code == 404


# -- the snippet and its section ------------------------------------------------------------


@pytest.fixture
def situational_map(reports_site):
    from addons.reports.models import SituationalMap

    return SituationalMap.objects.create(title="Problems in the city", intro="What is broken.")


def attach(page, snippet):
    from addons.reports.models import SituationalMapPlacement

    return SituationalMapPlacement.objects.create(page=page, map=snippet, sort_order=0)


def test_map_section_on_the_home_page(client, home, situational_map):
    attach(home, situational_map)
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Problems in the city" in html and "What is broken." in html
    assert 'class="situational-map"' in html
    assert 'data-geojson-url="/api/v1/reports.geojson"' in html
    # City bounds from the reports settings: the map fits them.
    assert re.search(r'data-bounds="31\.473000,49\.135000,31\.773000,49\.335000"', html)
    # A plain GET form to the list works without JavaScript.
    assert 'action="/reports/map/"' in html and 'method="get"' in html
    for name in ("category", "status", "addressee", "submitted_from", "resolved_to"):
        assert f'name="{name}"' in html


def test_map_section_on_an_addressee_page_defaults_to_that_addressee(
    client, addressee, situational_map
):
    attach(addressee, situational_map)
    html = client.get(addressee.url).content.decode()
    assert f'data-filters="addressee={addressee.pk}"' in html
    assert f'<option value="{addressee.pk}" selected>' in html
    assert f"/reports/map/?addressee={addressee.pk}" in html


def test_snippet_defaults_become_the_filters(client, home, situational_map, reports_site):
    from addons.reports.models import ReportCategory

    situational_map.categories.set(ReportCategory.objects.filter(code="water"))
    situational_map.state = "open"
    situational_map.follow_page_addressee = False
    situational_map.zoom = 15
    situational_map.save()
    attach(home, situational_map)
    html = client.get("/").content.decode()
    assert 'data-filters="category=water&amp;state=open"' in html
    assert 'data-zoom="15"' in html and 'data-bounds=""' in html


def test_map_section_is_gone_when_the_addon_is_disabled(client, home, situational_map, site):
    from addons.core.activation import disable

    attach(home, situational_map)
    assert "situational-map" in client.get("/").content.decode()
    disable(site, "reports")
    assert "situational-map" not in client.get("/").content.decode()


def test_map_centre_falls_back_to_the_site_profile(client, home, site, profile):
    from addons.reports.models import SituationalMap
    from addons.reports.services import create_defaults

    create_defaults(site)
    attach(home, SituationalMap.objects.create(title="Map"))
    html = client.get("/").content.decode()
    assert f'data-lat="{CENTRE.lat}"' in html and 'data-bounds=""' in html


@pytest.mark.parametrize(("language", "zoom_in", "zoom_out"), [
    ("uk", "Збільшити", "Зменшити"), ("ro", "Măriți", "Micșorați"), ("bg", "Увеличи", "Намали"),
])
def test_report_forms_map_buttons_speak_the_pages_language(client, reports_site, language,
                                                           zoom_in, zoom_out):
    client.cookies["civicdesk_language"] = language
    response = client.get("/reports/new/")
    assert response.status_code == 200
    assert f'data-zoom-in="{zoom_in}"'.encode() in response.content
    assert f'data-zoom-out="{zoom_out}"'.encode() in response.content
