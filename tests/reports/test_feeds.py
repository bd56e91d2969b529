"""RSS and Atom feeds of the situational center: per filter, public reports only, report
text escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from .test_geojson import add_reports, scatter

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def rss_items(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    return channel, channel.findall("item")


def test_rss_lists_public_reports_newest_first(client, reports_site):
    public = add_reports(reports_site, scatter(3))
    private = add_reports(reports_site, scatter(2, seed=2), is_public=False)
    merged = add_reports(reports_site, scatter(1, seed=3), merged_into=public[0])
    channel, items = rss_items(client.get("/reports/map/rss/"))
    titles = [item.findtext("title") for item in items]
    assert len(items) == 3
    assert all(t.split(":")[0] in {r.tracking_number for r in public} for t in titles)
    body = client.get("/reports/map/rss/").content.decode()
    for report in private + merged:
        assert report.tracking_number not in body
    link = items[0].findtext("link")
    assert link.startswith("http://testserver/reports/")
    assert channel.findtext("title").startswith("Problem reports")


def test_feeds_follow_the_filters(client, reports_site, water):
    from addons.reports.models import ReportCategory

    leak = ReportCategory.objects.get(site=reports_site, code="water.leak")
    add_reports(reports_site, scatter(2), category=leak, addressee=water)
    add_reports(reports_site, scatter(5, seed=2))
    _channel, items = rss_items(client.get("/reports/map/rss/", {"category": "water"}))
    assert len(items) == 2
    _channel, items = rss_items(client.get("/reports/map/rss/", {"addressee": water.pk}))
    assert len(items) == 2
    atom = client.get("/reports/map/atom/", {"category": "roads.pothole"})
    assert atom["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(atom.content).findall(f"{ATOM}entry")
    assert len(entries) == 5
    alternate = ET.fromstring(atom.content).find(f"{ATOM}link[@rel='alternate']")
    assert alternate.get("href").endswith("/reports/map/?category=roads.pothole")


def test_html_in_a_description_is_escaped(client, reports_site):
    add_reports(
        reports_site, scatter(1),
        description='<script>alert("x")</script><img src=x onerror=alert(1)> deep hole',
    )
    for url in ("/reports/map/rss/", "/reports/map/atom/"):
        raw = client.get(url).content.decode()
        # Never as markup in the XML, nor as markup once a reader decodes the XML.
        assert "<script" not in raw and "<img" not in raw
        root = ET.fromstring(raw)
        texts = [el.text or "" for el in root.iter()
                 if el.tag in ("description", f"{ATOM}summary")]
        described = [t for t in texts if "deep hole" in t]
        assert described, raw
        assert "<script" not in described[0] and "<img" not in described[0]
        assert "&lt;script&gt;" in described[0]


@pytest.mark.parametrize(
    "params", [{"submitted_from": "someday"}, {"category": "no.such"}, {"state": "maybe"}]
)
def test_feed_with_a_bad_filter_is_a_400(client, reports_site, params):
    for url in ("/reports/map/rss/", "/reports/map/atom/"):
        response = client.get(url, params)
        assert response.status_code == 400
        assert "Invalid filter" in response.content.decode()
