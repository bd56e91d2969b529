"""What the tests of the figures' staff screens share: two declared record types, two towns
with their addressees, staff with and without rights, records written as service events,
and reading the screens' pages (links with the count they show, a list's count, its rows)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from addons.core import events as ev
from addons.core import registry
from addons.core.addon import ServiceEvents
from tests.conftest import add_town

RECORD_TYPE = "tests.report"
OTHER_TYPE = "tests.appeal"


def admin_url(record_id) -> str:
    return f"/admin/test-records/{record_id}/"


def labels(site) -> dict:
    return {"category": {"potholes": "Potholes", "lights": "Street lights"},
            "district": {"centre": "Centre", "north": "North end"},
            "channel": {"web": "Website", "phone": "Telephone"}}


KINDS = (ev.RECEIVED, ev.ROUTED, ev.FIRST_REPLY, ev.RESOLVED, ev.REOPENED, ev.CLOSED,
         ev.ESCALATED, ev.RATED)


@pytest.fixture
def service_types(monkeypatch):
    """Two record types declared by an add-on (reports public, appeals not)."""
    config = registry.get_addon("insights")
    monkeypatch.setattr(config, "service_events", (
        ServiceEvents(RECORD_TYPE, "Test reports", KINDS, public=True,
                      url="tests.insights.screens.admin_url",
                      labels="tests.insights.screens.labels", term="SLA", order=10),
        ServiceEvents(OTHER_TYPE, "Test appeals", KINDS, public=False,
                      url="tests.insights.screens.admin_url", term="legal term", order=20),
    ))
    return config


@pytest.fixture
def english(client):
    client.cookies["civicdesk_language"] = "en"
    return client


@pytest.fixture
def places(site, home, service_types):
    """Town 1 (the default site) with Roads (and North roads under it) and Water; town 2
    with Parks."""
    from addons.addressees.models import AddresseeCatalogPage, AddresseePage

    catalog = home.add_child(instance=AddresseeCatalogPage(title="Addressees", slug="a"))
    roads = catalog.add_child(instance=AddresseePage(title="Roads", slug="roads"))
    north = roads.add_child(instance=AddresseePage(title="North roads", slug="north"))
    water = catalog.add_child(instance=AddresseePage(title="Water", slug="water"))
    town2 = add_town("town2.example.org")
    catalog2 = town2.root_page.add_child(
        instance=AddresseeCatalogPage(title="Addressees", slug="a2"))
    parks = catalog2.add_child(instance=AddresseePage(title="Parks", slug="parks"))
    for page in (roads, north, water, parks):
        page.refresh_from_db()
    return SimpleNamespace(site=site, town2=town2, roads=roads, north=north, water=water,
                           parks=parks)


def make_staff(username, *perms):
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="x-Long-Pass-42",
        is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["access_admin", *perms]))
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def manager(places):
    """Management: may view the figures of the whole town."""
    return make_staff("manager", "view_figures")


@pytest.fixture
def roads_clerk(places):
    """Staff of Roads (and so of North roads), nothing else."""
    user = make_staff("roads")
    user.groups.add(places.roads.moderators)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def nobody(places):
    """Staff with no right on the figures and no addressee."""
    return make_staff("nobody")


_numbers = iter(range(1, 10**9))


def file(site, addressee, *, days_ago=10, record_type=RECORD_TYPE, channel="web",
         category="potholes", district="centre", term_days=5, resolved_after=None,
         reopened=False):
    """One record's life as service events: received (and routed) ``days_ago`` days ago,
    resolved ``resolved_after`` days later (None: still open)."""
    number = next(_numbers)
    received = timezone.now() - timedelta(days=days_ago)
    common = dict(site=site, addressee=addressee, reference=f"T-{number:05d}",
                  category=category, district=district, channel=channel,
                  public=record_type == RECORD_TYPE)
    ev.record(record_type, number, ev.RECEIVED, at=received,
              due=received + timedelta(days=term_days), **common)
    ev.record(record_type, number, ev.ROUTED, at=received + timedelta(minutes=5), **common)
    if resolved_after is not None:
        ev.record(record_type, number, ev.RESOLVED,
                  at=received + timedelta(days=resolved_after), **common)
        if reopened:
            ev.record(record_type, number, ev.REOPENED,
                      at=received + timedelta(days=resolved_after, hours=2), **common)
    return number


def populate(places, scale=1):
    """Records of both places, ``scale`` times over: open, resolved on time and late, by
    web and phone, in each addressee."""
    for _ in range(scale):
        file(places.site, places.roads, days_ago=12, resolved_after=2)
        file(places.site, places.roads, days_ago=20, resolved_after=9, channel="phone")
        file(places.site, places.north, days_ago=9, category="lights", district="north")
        file(places.site, places.north, days_ago=3, resolved_after=1, reopened=True)
        file(places.site, places.water, days_ago=15, channel="phone")
        file(places.site, places.water, days_ago=5, resolved_after=3, record_type=OTHER_TYPE)
        file(places.town2, places.parks, days_ago=8, resolved_after=1)


def period_query() -> dict:
    today = timezone.localdate()
    return {"start": (today - timedelta(days=29)).isoformat(), "end": today.isoformat()}


RECORDS = "/admin/insights/records/"


def intake(**extra) -> dict:
    """The query of the list of the reports received in the period (``extra`` narrows)."""
    return {**period_query(), "figure": "intake", "record_type": RECORD_TYPE, **extra}


_A = re.compile(r"<a\b([^>]*)>")
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def counted_links(html: str) -> list[tuple[str, int]]:
    """The links of a page that show a count of records: (URL, the count shown)."""
    found = []
    for attributes in _A.findall(html):
        attrs = dict(_ATTR.findall(attributes))
        if "data-count" in attrs:
            found.append((unescape(attrs["href"]), int(attrs["data-count"])))
    return found


def chart_links(html: str) -> list[str]:
    """The links of the bars of the SVG charts."""
    found = []
    for chart in re.findall(r"<svg\b.*?</svg>", html, flags=re.S):
        found += [unescape(dict(_ATTR.findall(a))["href"]) for a in _A.findall(chart)]
    return found


def list_count(html: str) -> int:
    match = re.search(r'class="w-h3 insights-records-count" data-count="(\d+)"', html)
    assert match, "the list states its count"
    return int(match.group(1))


def list_references(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r'<th scope="row">(.*?)</th>', body, flags=re.S)]
