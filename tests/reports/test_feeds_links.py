"""A filtered feed names itself with its filters (rel="self"); the Atom feed has an author,
the municipality."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from addons.core.models import SiteProfile

from .test_geojson import add_reports, scatter

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize("url", ["/reports/map/atom/", "/reports/map/rss/"])
def test_a_filtered_feeds_self_link_is_the_filtered_url(client, reports_site, url):
    add_reports(reports_site, scatter(2))
    response = client.get(url, {"category": "roads.pothole", "state": "open"})
    assert response.status_code == 200, response.content
    root = ET.fromstring(response.content)
    (self_link,) = [link.get("href") for link in root.iter(f"{ATOM}link")
                    if link.get("rel") == "self"]
    parts = urlsplit(self_link)
    assert parts.path == url
    assert parse_qs(parts.query) == {"category": ["roads.pothole"], "state": ["open"]}


def test_the_atom_feed_has_an_author(client, reports_site):
    profile = SiteProfile.for_site(reports_site)
    profile.municipality_name = "Riverside"
    profile.save()
    add_reports(reports_site, scatter(1))
    root = ET.fromstring(client.get("/reports/map/atom/").content)
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "Riverside"
    for entry in root.findall(f"{ATOM}entry"):
        # every entry has an author: its own or the feed's (RFC 4287 4.1.1)
        assert entry.find(f"{ATOM}author") is not None or root.find(f"{ATOM}author") is not None
