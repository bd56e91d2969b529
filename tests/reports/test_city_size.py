"""The reports' public pages at city size: the situational center's list (capped count, bad
page numbers, filters matching nothing), the city-wide GeoJSON (cached per town, version
and grid, invalidated by any report change, a whole-world box) and Open311's listing (paged,
cached, ten years refused). Query counts are the same with 20 or 200 reports in two towns."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from addons.reports.models import Report, ReportCategory, ReportStatus
from addons.reports.situational import clustering
from tests.conftest import add_town

from .conftest import CENTRE
from .test_geojson import CITY, add_reports, bbox_param, scatter

pytestmark = pytest.mark.django_db

GEOJSON = "/api/v1/reports.geojson"
LIST = "/reports/map/"
OPEN311 = "/open311/v2/requests.json"
TOWN2 = "town2.example"


@pytest.fixture
def town2(reports_site):
    from addons.reports.services import create_defaults

    site2 = add_town(TOWN2)
    create_defaults(site2)
    return site2


def fill(site, count, seed=1, **fields):
    category = ReportCategory.objects.get(site=site, code="roads.pothole")
    return add_reports(site, scatter(count, seed=seed), category=category, **fields)


def saved_report(site, number, lat=CENTRE.lat, lng=CENTRE.lng, **fields):
    """One report saved as the services save them (its signals run)."""
    return Report.objects.create(
        site=site, tracking_number=number,
        category=ReportCategory.objects.get(site=site, code="roads.pothole"),
        status=ReportStatus.objects.get(code="new"), lat=lat, lng=lng,
        description="Saved one", **fields)


def report_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "reports_" in q["sql"]]


#: what every request reads before the view (the site, its profile, the add-on switches)
CHROME = ("wagtailcore_site", "core_siteprofile", "core_addonactivation")


def view_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if not any(table in q["sql"] for table in CHROME)]


def geojson(client, box=CITY, zoom=12, host=None, **params):
    extra = {"HTTP_HOST": host} if host else {}
    return client.get(GEOJSON, {"bbox": bbox_param(box), "zoom": zoom, **params}, **extra)


# --- the GeoJSON cache ---------------------------------------------------------------------


def test_a_cached_city_wide_answer_is_reused(client, reports_site):
    fill(reports_site, 150)
    first = geojson(client)
    assert first.status_code == 200 and first.json()["total"] == 150
    with CaptureQueriesContext(connection) as captured:
        again = geojson(client)
    assert again.json() == first.json()
    assert report_queries(captured) == []
    assert len(view_queries(captured)) <= 1
    # another box round the whole town at the same zoom and grid: the same cached cells
    wider = clustering.BBox(CITY.west - 0.01, CITY.south - 0.01, CITY.east + 0.01,
                            CITY.north + 0.01)
    with CaptureQueriesContext(connection) as captured:
        assert geojson(client, wider).json()["total"] == 150
    assert report_queries(captured) == []


def test_a_changed_report_shows_at_once(client, reports_site):
    fill(reports_site, 40)
    assert geojson(client).json()["total"] == 40
    report = saved_report(reports_site, "PR-T-NEW-1")
    assert geojson(client).json()["total"] == 41  # filed
    report.is_public = False
    report.save()
    assert geojson(client).json()["total"] == 40  # made private
    report.is_public, report.is_hidden = True, True
    report.save()
    assert geojson(client).json()["total"] == 40  # hidden
    report.is_hidden = False
    report.status = ReportStatus.objects.get(code="resolved")
    report.save()
    assert geojson(client, state="closed").json()["total"] == 1  # status changed
    report.delete()
    assert geojson(client).json()["total"] == 40  # deleted


def test_a_merge_and_a_cosign_show_at_once(client, reports_site, citizen):
    from addons.reports import services

    street = clustering.BBox(CENTRE.lng - 0.002, CENTRE.lat - 0.001, CENTRE.lng + 0.002,
                             CENTRE.lat + 0.001)
    original = saved_report(reports_site, "PR-T-ORIG")
    duplicate = saved_report(reports_site, "PR-T-DUP", lat=CENTRE.lat + 0.0005)
    feats = geojson(client, street, zoom=18).json()["features"]
    assert {f["properties"]["number"] for f in feats} == {"PR-T-ORIG", "PR-T-DUP"}
    services.cosign(original, user=citizen)  # a bulk update() of the count
    feats = geojson(client, street, zoom=18).json()["features"]
    assert {f["properties"]["number"]: f["properties"]["cosigns"] for f in feats} == {
        "PR-T-ORIG": 1, "PR-T-DUP": 0}
    duplicate.merged_into = original
    duplicate.save(update_fields=["merged_into"])
    feats = geojson(client, street, zoom=18).json()["features"]
    assert [f["properties"]["number"] for f in feats] == ["PR-T-ORIG"]


def test_one_towns_cells_never_reach_the_other(client, reports_site, town2):
    fill(reports_site, 30)
    fill(town2, 7, seed=2)
    assert geojson(client).json()["total"] == 30
    assert geojson(client, host=TOWN2).json()["total"] == 7
    assert geojson(client).json()["total"] == 30
    saved_report(town2, "PR-T2-NEW")
    assert geojson(client, host=TOWN2).json()["total"] == 8
    assert geojson(client).json()["total"] == 30


def test_private_and_hidden_reports_never_appear_cached_or_not(client, reports_site):
    fill(reports_site, 5)
    private = fill(reports_site, 4, seed=2, is_public=False)
    hidden = fill(reports_site, 3, seed=3, is_hidden=True)
    for _ in range(2):  # computed, then from the cache
        for zoom in (3, 12, 18):
            response = geojson(client, zoom=zoom)
            assert response.json()["total"] == 5
            for report in [*private, *hidden]:
                assert report.tracking_number not in response.content.decode()


def test_the_whole_world_at_street_zoom_is_clustered_not_200000_pins(client, reports_site):
    fill(reports_site, 300)
    response = client.get(GEOJSON, {"bbox": "-180,-90,180,90", "zoom": 18})
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 300
    assert len(data["features"]) <= clustering.MAX_CELLS
    assert len(data["features"]) < 300  # clusters, not a pin per report
    with CaptureQueriesContext(connection) as captured:
        assert client.get(GEOJSON, {"bbox": "-180,-90,180,90", "zoom": 18}).json() == data
    assert report_queries(captured) == []


def test_a_filter_matching_nothing_is_an_empty_collection(client, reports_site):
    fill(reports_site, 50)
    response = geojson(client, submitted_from="1901-01-01", submitted_to="1901-01-02")
    assert response.status_code == 200
    assert response.json()["features"] == [] and response.json()["total"] == 0


def test_a_bad_filter_is_not_cached_as_an_answer(client, reports_site):
    fill(reports_site, 5)
    for _ in range(2):
        response = geojson(client, status="nope")
        assert response.status_code == 400 and "status" in response.json()["errors"]


# --- the list ------------------------------------------------------------------------------


@pytest.mark.parametrize("page, shown, notice", [
    ("99999999999", "2", "There is no page “99999999999”. Showing the last page."),
    ("3", "2", "There is no page “3”. Showing the last page."),
    ("-1", "1", "There is no page “-1”. Showing the first page."),
    ("abc", "1", "There is no page “abc”. Showing the first page."),
])
def test_a_page_that_does_not_exist_shows_a_page_and_says_so(client, reports_site, page, shown,
                                                             notice):
    fill(reports_site, 30)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST, {"page": page})
    assert response.status_code == 200
    html = response.content.decode()
    assert notice in html
    assert html.count(notice) == 1
    assert f'page={shown}" aria-current="page"' in html
    # a count that stops at the cap and one page of reports; no page walks the table
    counts = [sql for sql in report_queries(captured) if "COUNT(" in sql.upper()]
    assert len(counts) == 1 and "LIMIT" in counts[0].upper()


def test_a_filter_matching_nothing_says_so(client, reports_site):
    fill(reports_site, 30)
    response = client.get(LIST, {"submitted_from": "1901-01-01", "submitted_to": "1901-01-02"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "0 reports" in html and "No reports match these filters." in html


def test_the_list_count_is_kept_until_a_report_changes(client, reports_site):
    fill(reports_site, 30)
    assert "30 reports" in client.get(LIST).content.decode()
    with CaptureQueriesContext(connection) as captured:
        assert "30 reports" in client.get(LIST, {"page": "2"}).content.decode()
    assert not [sql for sql in report_queries(captured) if "COUNT(" in sql.upper()]
    saved_report(reports_site, "PR-T-LIST-1")
    assert "31 reports" in client.get(LIST).content.decode()
    assert "0 reports" in client.get(LIST, {"state": "closed"}).content.decode()


def test_a_long_list_says_more_than_the_cap_and_links_few_pages(client, reports_site,
                                                                monkeypatch):
    from addons.reports.situational import views

    monkeypatch.setattr(views, "COUNT_CAP", 100)
    fill(reports_site, 130)
    html = client.get(LIST, {"page": "3"}).content.decode()
    assert "More than 100 reports" in html
    assert "The newest 100 reports are listed" in html
    assert 'page=5"' in html and 'page=6"' not in html  # 100 counted, 20 a page
    assert html.count('class="pagination-gap"') == 1  # more pages exist than are counted


# --- Open311 -------------------------------------------------------------------------------


def recent(site, count, seed=1, **fields):
    return fill(site, count, seed=seed, created_at=timezone.now() - datetime.timedelta(days=1),
                **fields)


def test_open311_is_paged(client, reports_site):
    recent(reports_site, 130)
    first = client.get(OPEN311).json()
    assert len(first) == 100  # the default page size
    second = client.get(OPEN311, {"page": 2}).json()
    assert len(second) == 30
    assert not {r["service_request_id"] for r in first} & {
        r["service_request_id"] for r in second}
    assert len(client.get(OPEN311, {"page_size": 1000}).json()) == 130
    assert client.get(OPEN311, {"page": 3}).json() == []  # past the last: an empty list


@pytest.mark.parametrize("params, words", [
    ({"page": "abc"}, "page must be a whole number"),
    ({"page": "0"}, "page must be a whole number"),
    ({"page": "-1"}, "page must be a whole number"),
    ({"page_size": "1001"}, "page_size may be at most 1000"),
    ({"page": "99999999999"}, "Pages reach the first 10000 requests"),
    ({"page": "101"}, "Pages reach the first 10000 requests"),
    ({"start_date": "2016-01-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
     "may not span more than 90 days"),
])
def test_open311_bad_paging_and_ten_years_are_clear_400s(client, reports_site, params, words):
    recent(reports_site, 3)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(OPEN311, params)
    assert response.status_code == 400
    body = response.json()
    assert body[0]["code"] == 400 and words in body[0]["description"]
    assert [sql for sql in report_queries(captured) if "reports_report" in sql] == []


def test_open311_a_start_alone_reads_ninety_days_from_it(client, reports_site):
    old = timezone.now() - datetime.timedelta(days=3650)
    fill(reports_site, 2, created_at=old)
    fill(reports_site, 3, seed=2, created_at=old + datetime.timedelta(days=200))
    start = (old - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(client.get(OPEN311, {"start_date": start}).json()) == 2


def test_open311_answers_are_cached_and_follow_changes(client, reports_site, town2):
    recent(reports_site, 5)
    recent(town2, 2, seed=2)
    first = client.get(OPEN311).json()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(OPEN311).json() == first
    assert report_queries(captured) == []
    saved_report(reports_site, "PR-T-NEW-311")
    numbers = [r["service_request_id"] for r in client.get(OPEN311).json()]
    assert "PR-T-NEW-311" in numbers and len(numbers) == 6
    assert len(client.get(OPEN311, HTTP_HOST=TOWN2).json()) == 2
    xml = client.get("/open311/v2/requests.xml")
    assert xml["Content-Type"].startswith("text/xml") and b"PR-T-NEW-311" in xml.content


# --- query counts at two sizes ---------------------------------------------------------------


def _count(client, url, params=None, host=None):
    cache.clear()  # an answer computed, not read from the cache
    extra = {"HTTP_HOST": host} if host else {}
    client.get(url, params or {}, **extra)  # warms the site and settings caches
    from addons.reports import caching

    caching.bump(None)  # the reports' answers are computed again, the rest stays warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {}, **extra)
    assert response.status_code == 200, response.content[:300]
    return len(captured)


PAGES = [
    (LIST, None),
    (LIST, {"page": "4"}),
    (GEOJSON, {"bbox": bbox_param(CITY), "zoom": "12"}),
    (GEOJSON, {"bbox": f"{CENTRE.lng - 0.01},{CENTRE.lat - 0.01},{CENTRE.lng + 0.01},"
                       f"{CENTRE.lat + 0.01}", "zoom": "17"}),
    (OPEN311, None),
]


def test_query_counts_are_the_same_with_20_or_200_reports(client, reports_site, town2):
    recent(reports_site, 10)
    recent(town2, 10, seed=2)
    small = [_count(client, url, params) for url, params in PAGES]
    small2 = _count(client, GEOJSON, PAGES[2][1], host=TOWN2)
    recent(reports_site, 100, seed=3)
    recent(town2, 80, seed=4)
    assert [_count(client, url, params) for url, params in PAGES] == small
    assert _count(client, GEOJSON, PAGES[2][1], host=TOWN2) == small2


# --- the city's own map ----------------------------------------------------------------------


def test_the_city_map_is_cached_until_a_street_or_an_office_changes(client, reports_site,
                                                                     town2, addressee):
    from addons.reports.models import Street

    url = "/api/v1/map.geojson"
    Street.objects.create(site=reports_site, name="Sadova", kind="vul.", lat=CENTRE.lat,
                          lng=CENTRE.lng,
                          line=[[CENTRE.lat, CENTRE.lng], [CENTRE.lat + 0.01, CENTRE.lng]])
    first = client.get(url).json()
    assert [f["properties"]["kind"] for f in first["features"]] == ["street"]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).json() == first
    assert view_queries(captured) == []
    Street.objects.create(site=reports_site, name="Lisova", kind="vul.", lat=CENTRE.lat,
                          lng=CENTRE.lng,
                          line=[[CENTRE.lat, CENTRE.lng], [CENTRE.lat, CENTRE.lng + 0.01]])
    assert len(client.get(url).json()["features"]) == 2  # a new street shows at once
    addressee.location = f"SRID=4326;POINT({CENTRE.lng} {CENTRE.lat})"
    addressee.save_revision().publish()
    kinds = [f["properties"]["kind"] for f in client.get(url).json()["features"]]
    assert kinds.count("office") == 1  # a published office too
    assert client.get(url, HTTP_HOST=TOWN2).json()["features"] == []  # the other town's own
