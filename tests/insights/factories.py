"""Test helpers of the management figures: service record types declared by a fake add-on
(so the tests depend on no add-on's own declaration), two towns with addressee trees, and
writers of service events through ``addons.core.events.record``."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from addons.core import events
from addons.core.addon import FigureDefinition, ServiceEvents

REQUEST = "tests.request"  # casework with a legal term, not public (like appeals)
REPORT = "tests.report"  # public problem reports
TICKET = "tests.ticket"  # a queue's bookings
CALL = "tests.call"  # a contact centre's calls
SURVEY = "tests.survey"  # survey answers
TYPES = (REQUEST, REPORT, TICKET, CALL, SURVEY)

#: the category codes each town's labels know: {site id: {code: label}}
CATEGORIES: dict = {}
#: what the fake add-on figure returns: {"value": ..., "count": ...}
CAPACITY = {"value": 75.0, "count": 4, "unit": "%"}

_ids = itertools.count(1)


def labels(site):
    return {"category": dict(CATEGORIES.get(site.pk, {})),
            "district": {"centre": "Centre", "north": "North"},
            "channel": {"web": "Web", "phone": "Phone", "email": "E-mail"}}


def admin_url(record_id):
    return f"/admin/tests/{record_id}/"


def capacity(site, addressee_path, start, end):
    return dict(CAPACITY)


_CASEWORK = (events.RECEIVED, events.ROUTED, events.ASSIGNED, events.FIRST_REPLY,
             events.STATUS_CHANGED, events.FORWARDED, events.EXTENDED, events.ESCALATED,
             events.RESOLVED, events.REOPENED, events.CLOSED, events.RATED)

DECLARED = (
    ServiceEvents(REQUEST, "Requests", _CASEWORK, public=False,
                  url="tests.insights.factories.admin_url",
                  labels="tests.insights.factories.labels", term="legal term", order=1),
    ServiceEvents(REPORT, "Reports", _CASEWORK, public=True,
                  url="tests.insights.factories.admin_url",
                  labels="tests.insights.factories.labels", term="SLA", order=2),
    ServiceEvents(TICKET, "Tickets", (events.BOOKED, events.CANCELLED, events.ARRIVED,
                                      events.SERVED, events.NO_SHOW), order=3),
    ServiceEvents(CALL, "Calls", (events.RECEIVED, events.ANSWERED, events.ABANDONED,
                                  events.CLOSED), order=4),
    ServiceEvents(SURVEY, "Survey answers", (events.ANSWERED_SURVEY,), order=5),
)
FIGURES = (FigureDefinition("tests.capacity", "Capacity used", "Share of the slots booked.",
                            "tests.insights.factories.capacity", record_type=TICKET,
                            unit="%"),)


class FakeAddon:
    """Stands in the registry for an add-on that declares the test record types."""

    label = "insights_tests"
    name = "tests.insights"
    required = True
    service_events = DECLARED
    figures = FIGURES

    def __getattr__(self, name):  # every other declaration: none
        return ()


@pytest.fixture
def declared(monkeypatch):
    """The fake add-on's record types declared for the test."""
    from addons.core import registry

    monkeypatch.setitem(registry._addons, FakeAddon.label, FakeAddon())
    yield DECLARED


def scope_types():
    return TYPES


# --- towns ---------------------------------------------------------------------------------

class Town:
    """A site with a profile (jurisdiction, time zone) and a small addressee tree:
    catalog / city hall / roads, parks; catalog / social."""

    def __init__(self, site, slug, jurisdiction, zone):
        from addons.addressees.models import AddresseeCatalogPage, AddresseePage
        from addons.core.models import SiteProfile

        SiteProfile.objects.update_or_create(
            site=site, defaults={"jurisdiction": jurisdiction, "time_zone": zone})
        self.site = site
        self.tz = ZoneInfo(zone)
        home = site.root_page
        catalog = home.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                               slug=f"addressees-{slug}"))
        self.catalog = catalog
        self.hall = catalog.add_child(instance=AddresseePage(title=f"City hall {slug}",
                                                             slug=f"hall-{slug}"))
        self.roads = self.hall.add_child(instance=AddresseePage(title=f"Roads {slug}",
                                                                slug=f"roads-{slug}"))
        self.parks = self.hall.add_child(instance=AddresseePage(title=f"Parks {slug}",
                                                                slug=f"parks-{slug}"))
        self.social = catalog.add_child(instance=AddresseePage(title=f"Social {slug}",
                                                               slug=f"social-{slug}"))
        for page in (self.hall, self.roads, self.parks, self.social):
            page.refresh_from_db()

    def at(self, day, hour=10, minute=0):
        """An aware moment on ``day`` (a date) in the town's time zone."""
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)


@pytest.fixture
def towns(site, declared):
    """Two towns: the default site (Romania, Bucharest time) and Town 2 (Bulgaria)."""
    from django.core.cache import cache

    from tests.conftest import add_town

    cache.clear()
    other = add_town("town2.example.org", "Town 2", slug="town-2")
    first = Town(site, "one", "ro", "Europe/Bucharest")
    second = Town(other, "two", "bg", "Europe/Sofia")
    CATEGORIES.clear()
    CATEGORIES[site.pk] = {"roads": "Roads", "light": "Street lighting"}
    CATEGORIES[other.pk] = {"snow": "Snow clearing"}
    cache.clear()
    return first, second


# --- events --------------------------------------------------------------------------------

def write(record_type, record_id, kind, town, at, **fields):
    """One service event of record ``record_id`` in ``town`` (a ``Town`` or a site)."""
    site = getattr(town, "site", town)
    fields.setdefault("reference", f"T-{record_id}")
    return events.record(record_type, record_id, kind, site=site, at=at, **fields)


def new_id() -> int:
    return next(_ids) + 100000


def record(town, record_type=REQUEST, *, received, steps=(), addressee=None, channel="web",
           category="", district="", due=None, public=None, record_id=None, value=None):
    """A record received at ``received`` (a moment) with its ``steps``: ``(kind, moment,
    {fields})`` or ``(kind, moment)``. Returns the record id."""
    record_id = record_id or new_id()
    declared = {item.record_type: item for item in DECLARED}
    first = events.BOOKED if record_type == TICKET else \
        events.ANSWERED_SURVEY if record_type == SURVEY else events.RECEIVED
    write(record_type, record_id, first, town, received, addressee=addressee, channel=channel,
          category=category, district=district, due=due,
          public=declared[record_type].public if public is None else public, value=value)
    for step in steps:
        kind, moment, *more = step
        write(record_type, record_id, kind, town, moment, **(more[0] if more else {}))
    return record_id


def days(n):
    return timedelta(days=n)
