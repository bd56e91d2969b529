"""GET /api/v1/reports.geojson: clusters and single reports, grouped in the database."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from addons.reports.situational import clustering
from addons.reports.situational.clustering import BBox, MapPoint

from .conftest import CENTRE

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports.geojson"
CITY = BBox(CENTRE.lng - 0.15, CENTRE.lat - 0.1, CENTRE.lng + 0.15, CENTRE.lat + 0.1)


def bbox_param(box: BBox) -> str:
    return f"{box.west},{box.south},{box.east},{box.north}"


def add_reports(site, points, *, category=None, status="new", is_public=True, **fields):
    """Reports straight into the table (bulk), as many as the test needs."""
    from addons.reports.models import Report, ReportCategory, ReportStatus

    category = category or ReportCategory.objects.get(site=site, code="roads.pothole")
    status = ReportStatus.objects.get(code=status)
    start = Report.objects.count()
    rows = [
        Report(
            site=site, tracking_number=f"PR-T-{start + i:06d}", category=category, status=status,
            is_open=status.is_open, lat=lat, lng=lng, location=f"SRID=4326;POINT({lng} {lat})",
            is_public=is_public, **{"description": f"Report {i}", **fields},
        )
        for i, (lat, lng) in enumerate(points)
    ]
    return Report.objects.bulk_create(rows)


def scatter(n, box: BBox = CITY, seed=1):
    rng = random.Random(seed)
    return [
        (rng.uniform(box.south, box.north), rng.uniform(box.west, box.east)) for _ in range(n)
    ]


def get(client, box=CITY, zoom=12, **params):
    return client.get(URL, {"bbox": bbox_param(box), "zoom": zoom, **params})


def features(response):
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["type"] == "FeatureCollection"
    return data["features"]


def total(feats):
    return sum(f["properties"]["count"] if f["properties"].get("cluster") else 1 for f in feats)


# -- the pure grid ------------------------------------------------------------------------


def test_reverse_url_is_under_api_v1():
    assert reverse("reports-api:geojson") == URL


def test_grid_cells_shrink_as_zoom_grows():
    sizes = [clustering.grid_for(CITY, zoom).dlng for zoom in (10, 12, 14, 16)]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] == pytest.approx(4 * sizes[1])
    grid = clustering.grid_for(CITY, 12)
    # Mercator: a cell is shorter in latitude than in longitude, by cos(latitude).
    assert grid.dlat < grid.dlng


def test_a_huge_viewport_gets_coarser_cells():
    world = BBox(-180, -85, 180, 85)
    grid = clustering.grid_for(world, 18)
    assert grid.cells_across(world) <= clustering.MAX_CELLS


def test_pure_clustering_counts_only_points_in_the_box():
    inside = [MapPoint(i, lat, lng) for i, (lat, lng) in enumerate(scatter(200))]
    outside = [MapPoint(1000, CITY.north + 1, CITY.east), MapPoint(1001, CITY.south, -170)]
    cells = clustering.cluster_points(inside + outside, CITY, 12)
    assert sum(cell.count for cell in cells) == 200
    for cell in cells:
        assert cell.south <= cell.lat <= cell.north and cell.west <= cell.lng <= cell.east


def test_merge_cells_picks_the_dominant_category_and_single_id():
    rows = [
        clustering.CellRow(5, 7, 1, 2, 2.0, 4.0, 1.0, 1.0, 2.0, 2.0, 2, 10),
        clustering.CellRow(5, 7, 2, 3, 3.0, 6.0, 1.0, 1.0, 2.0, 2.0, 0, 4),
        clustering.CellRow(6, 7, 2, 1, 1.5, 2.5, 1.5, 1.5, 2.5, 2.5, 1, 99),
    ]
    first, second = clustering.merge_cells(rows)
    assert (first.count, first.dominant_category, first.first_id, first.open_count) == (5, 2, 4, 2)
    assert (first.lat, first.lng) == (1.0, 2.0)
    assert (second.count, second.first_id) == (1, 99)


@pytest.mark.parametrize(
    "text",
    ["", "1,2,3", "1,2,3,4,5", "a,b,c,d", "31,49,nan,50", "31,49,inf,50", "200,49,201,50",
     "31,-95,32,50", "32,49,31,50", "31,50,32,49", "31,49,31,50"],
)
def test_parse_bbox_rejects(text):
    with pytest.raises(clustering.BadQuery):
        clustering.parse_bbox(text)


@pytest.mark.parametrize("text", ["", "x", "-1", "23", "nan", "1e9"])
def test_parse_zoom_rejects(text):
    with pytest.raises(clustering.BadQuery):
        clustering.parse_zoom(text)


def test_parse_zoom_rounds_fractions_down():
    assert clustering.parse_zoom("12.7") == 12


# -- the endpoint -------------------------------------------------------------------------


def test_city_wide_view_clusters_and_counts_every_report(client, reports_site):
    points = scatter(300)
    add_reports(reports_site, points)
    feats = features(get(client, zoom=12))
    clusters = [f for f in feats if f["properties"].get("cluster")]
    assert clusters, "a city-wide view of 300 reports has clusters"
    assert len(feats) < 300
    assert total(feats) == 300
    assert get(client, zoom=12).json()["total"] == 300
    for cluster in clusters:
        lng, lat = cluster["geometry"]["coordinates"]
        w, s, e, n = cluster["properties"]["bounds"]
        assert w <= lng <= e and s <= lat <= n
        assert cluster["properties"]["category"] == "roads.pothole"


def test_sql_clusters_equal_the_reference_implementation(client, reports_site):
    points = scatter(250, seed=7)
    created = add_reports(reports_site, points)
    for zoom in (11, 13, 15):
        feats = features(get(client, zoom=zoom))
        expected = clustering.cluster_points(
            [MapPoint(r.pk, r.lat, r.lng) for r in created], CITY, zoom
        )
        got = sorted(
            (f["properties"]["count"] if f["properties"].get("cluster") else 1,
             round(f["geometry"]["coordinates"][1], 5), round(f["geometry"]["coordinates"][0], 5))
            for f in feats
        )
        # The response rounds to 6 decimals: round the reference the same way.
        want = sorted(
            (c.count, round(round(c.lat, 6), 5), round(round(c.lng, 6), 5)) for c in expected
        )
        assert got == want, f"zoom {zoom}"


def test_counts_sum_to_the_rows_in_the_bbox(client, reports_site):
    from addons.reports.models import Report

    add_reports(reports_site, scatter(400, seed=3))
    quarter = BBox(CENTRE.lng - 0.05, CENTRE.lat - 0.03, CENTRE.lng + 0.08, CENTRE.lat + 0.04)
    in_box = Report.objects.filter(
        lat__gte=quarter.south, lat__lte=quarter.north,
        lng__gte=quarter.west, lng__lte=quarter.east,
    ).count()
    assert 0 < in_box < 400
    for zoom in (10, 13, 16, 18):
        assert total(features(get(client, quarter, zoom=zoom))) == in_box, zoom


def test_street_level_shows_single_reports_with_their_details(client, reports_site):
    street = BBox(CENTRE.lng - 0.002, CENTRE.lat - 0.001, CENTRE.lng + 0.002, CENTRE.lat + 0.001)
    created = add_reports(reports_site, scatter(12, street, seed=5))
    feats = features(get(client, street, zoom=clustering.SINGLES_ZOOM))
    assert len(feats) == 12
    assert not any(f["properties"].get("cluster") for f in feats)
    numbers = {f["properties"]["number"] for f in feats}
    assert numbers == {r.tracking_number for r in created}
    one = feats[0]["properties"]
    assert one["category"] == "roads.pothole"
    assert one["category_label"] == "Pothole"
    assert one["status"] == "new" and one["status_label"]
    assert one["url"] == reverse("reports:detail", args=[one["number"]])
    assert datetime.date.fromisoformat(one["date"])
    # The same reports a few zoom levels out are one cluster.
    clustered = features(get(client, street, zoom=11))
    assert len(clustered) < 12 and total(clustered) == 12
    assert all(f["properties"].get("cluster") for f in clustered)


def test_a_lone_report_is_a_single_even_zoomed_out(client, reports_site):
    (report,) = add_reports(reports_site, [(CENTRE.lat, CENTRE.lng)])
    feats = features(get(client, zoom=9))
    assert len(feats) == 1
    assert feats[0]["properties"]["number"] == report.tracking_number
    assert feats[0]["id"] == report.tracking_number


def test_private_hidden_merged_and_non_public_status_never_appear(client, reports_site):
    street = BBox(CENTRE.lng - 0.002, CENTRE.lat - 0.001, CENTRE.lng + 0.002, CENTRE.lat + 0.001)
    public = add_reports(reports_site, scatter(3, street, seed=1))
    private = add_reports(reports_site, scatter(4, street, seed=2), is_public=False)
    hidden = add_reports(reports_site, scatter(2, street, seed=3), is_hidden=True)
    merged = add_reports(reports_site, scatter(2, street, seed=4), merged_into=public[0])
    from addons.reports.models import ReportStatus

    secret = ReportStatus.objects.filter(is_public=False).first()
    rejected = []
    if secret is not None:
        rejected = add_reports(reports_site, scatter(2, street, seed=6), status=secret.code)
    for zoom in (8, 12, 18):
        response = get(client, street, zoom=zoom)
        assert total(features(response)) == 3, zoom
        body = response.content.decode()
        for report in [*private, *hidden, *merged, *rejected]:
            assert report.tracking_number not in body


def test_filters(client, reports_site, addressee, water):
    from addons.reports.models import ReportCategory

    leak = ReportCategory.objects.get(site=reports_site, code="water.leak")
    old = timezone.now() - datetime.timedelta(days=40)
    add_reports(reports_site, scatter(5, seed=1), addressee=addressee)
    add_reports(reports_site, scatter(3, seed=2), category=leak, addressee=water, created_at=old)
    add_reports(reports_site, scatter(2, seed=3), status="resolved",
                resolved_at=timezone.now() - datetime.timedelta(days=2))
    today = timezone.localdate()

    def count(**params):
        return total(features(get(client, zoom=10, **params)))

    assert count() == 10
    assert count(category="water.leak") == 3
    assert count(category="water") == 3  # a group takes in its categories
    assert count(category=["water.leak", "roads.pothole"]) == 10
    assert count(status="resolved") == 2
    assert count(state="open") == 8
    assert count(state="closed") == 2
    assert count(addressee=water.pk) == 3
    assert count(addressee=999999) == 0
    assert count(submitted_from=(today - datetime.timedelta(days=7)).isoformat()) == 7
    assert count(submitted_to=(today - datetime.timedelta(days=30)).isoformat()) == 3
    assert count(resolved_from=(today - datetime.timedelta(days=3)).isoformat(),
                 resolved_to=today.isoformat()) == 2


def test_other_sites_reports_stay_out(client, reports_site, root_page):
    from wagtail.models import Site

    from addons.addressees.models import HomePage
    from addons.reports.services import create_defaults

    other_home = root_page.add_child(instance=HomePage(title="Other", slug="other"))
    other = Site.objects.create(hostname="other.example", root_page=other_home)
    create_defaults(other)
    from addons.reports.models import ReportCategory

    pothole = ReportCategory.objects.get(site=other, code="roads.pothole")
    add_reports(other, scatter(4), category=pothole)
    add_reports(reports_site, scatter(2))
    assert total(features(get(client, zoom=10))) == 2


def test_query_count_is_constant(client, reports_site):
    from django.core.cache import cache

    street = BBox(CENTRE.lng - 0.002, CENTRE.lat - 0.001, CENTRE.lng + 0.002, CENTRE.lat + 0.001)

    def queries(box=CITY, zoom=12, **params):
        cache.clear()  # what an answer costs when it is computed (see test_city_size)
        with CaptureQueriesContext(connection) as captured:
            response = get(client, box, zoom=zoom, **params)
        assert response.status_code == 200
        return len(captured)

    add_reports(reports_site, scatter(20, seed=1))
    queries()  # the first request of a test warms the site and settings caches
    small = queries()
    add_reports(reports_site, scatter(600, seed=2))
    add_reports(reports_site, scatter(30, street, seed=3))
    assert queries() == small
    assert queries(street, zoom=18) == small
    assert queries(zoom=3) == small
    assert queries(category="roads", state="open", submitted_from="2020-01-01") == small
    # The site, its profile and add-on switches (middleware), then the reports' extent,
    # categories and statuses (one cached pair) and the one grouped query that also carries
    # the single reports.
    assert small <= 7


@pytest.mark.parametrize(
    "params, field",
    [
        ({"zoom": 12}, "bbox"),
        ({"bbox": "31,49,32", "zoom": 12}, "bbox"),
        ({"bbox": "a,b,c,d", "zoom": 12}, "bbox"),
        ({"bbox": "32,49,31,50", "zoom": 12}, "bbox"),  # west > east
        ({"bbox": "31,50,32,49", "zoom": 12}, "bbox"),  # south > north
        ({"bbox": "31,49,181,50", "zoom": 12}, "bbox"),
        ({"bbox": "31,-91,32,50", "zoom": 12}, "bbox"),
        ({"bbox": "31,49,32,50"}, "zoom"),
        ({"bbox": "31,49,32,50", "zoom": "near"}, "zoom"),
        ({"bbox": "31,49,32,50", "zoom": "40"}, "zoom"),
        ({"bbox": "31,49,32,50", "zoom": "12", "category": "no.such"}, "category"),
        ({"bbox": "31,49,32,50", "zoom": "12", "status": "nope"}, "status"),
        ({"bbox": "31,49,32,50", "zoom": "12", "state": "maybe"}, "state"),
        ({"bbox": "31,49,32,50", "zoom": "12", "addressee": "x"}, "addressee"),
        ({"bbox": "31,49,32,50", "zoom": "12", "submitted_from": "yesterday"}, "submitted_from"),
        ({"bbox": "31,49,32,50", "zoom": "12", "resolved_from": "2026-02-10",
          "resolved_to": "2026-02-01"}, "resolved_to"),
    ],
)
def test_bad_input_is_a_400_with_a_clear_json_error(client, reports_site, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    data = response.json()
    assert data["error"]
    assert field in data["errors"], data


def test_the_response_is_small_and_cacheable(client, reports_site):
    add_reports(reports_site, scatter(2000, seed=9))
    response = get(client, zoom=12)
    assert response["Content-Type"].startswith("application/geo+json")
    assert "max-age" in response["Cache-Control"]
    assert len(response.content) < 60_000
