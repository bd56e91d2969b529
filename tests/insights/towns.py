"""Two towns for the tests of the scheduled reports and the public page: addressee trees,
the record types declared (problem reports public, appeals not), and service events
written with ``core.events.record`` then folded."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from wagtail.models import Site

from addons.core import events
from addons.core.addon import ServiceEvents

KYIV = ZoneInfo("Europe/Kyiv")

REPORTS = ServiceEvents(
    record_type="reports.report", title="Problem reports",
    kinds=(events.RECEIVED, events.FIRST_REPLY, events.RESOLVED, events.REOPENED,
           events.CLOSED, events.RATED),
    public=True, order=20)
APPEALS = ServiceEvents(
    record_type="appeals.appeal", title="Appeals",
    kinds=(events.RECEIVED, events.FIRST_REPLY, events.RESOLVED, events.REOPENED,
           events.CLOSED),
    public=False, order=10)


@pytest.fixture
def declared(monkeypatch):
    """Problem reports (public) and appeals (not public) declared by their add-ons."""
    monkeypatch.setattr(apps.get_app_config("reports"), "service_events", (REPORTS,),
                        raising=False)
    monkeypatch.setattr(apps.get_app_config("appeals"), "service_events", (APPEALS,),
                        raising=False)


def addressee(parent, title, slug):
    from addons.addressees.models import AddresseePage

    return parent.add_child(instance=AddresseePage(title=title, slug=slug))


@pytest.fixture
def towns(site, root_page, declared):
    """Town A (the test client's host, ``localhost``) with a department and two divisions,
    and town B (``b.example``) with a department of its own."""
    from addons.addressees.models import HomePage

    home_b = root_page.add_child(instance=HomePage(title="Town B", slug="town-b"))
    site_b = Site.objects.create(hostname="b.example", port=80, root_page=home_b,
                                 site_name="Town B")
    roads = addressee(site.root_page, "Roads department", "roads")
    return {
        "a": site, "b": site_b, "roads": roads,
        "repairs": addressee(roads, "Repairs division", "repairs"),
        "lights": addressee(roads, "Street lights division", "lights"),
        "parks": addressee(site.root_page, "Parks department", "parks"),
        "b_roads": addressee(home_b, "B roads", "b-roads"),
    }


_ids = iter(range(1, 10**9))


def record(record_type, site, where, received, *, resolve_days=None, term_days=5,
           public=None, rating=None, category="pothole"):
    """One record's events: received (term ``term_days`` later), resolved after
    ``resolve_days`` (None: still open), rated. Returns the record id."""
    record_id = next(_ids)
    public = record_type == "reports.report" if public is None else public
    common = {"site": site, "addressee": where, "category": category, "public": public,
              "reference": f"R-{record_id}"}
    events.record(record_type, record_id, events.RECEIVED, at=received,
                  due=received + timedelta(days=term_days), channel="web", **common)
    if resolve_days is not None:
        events.record(record_type, record_id, events.RESOLVED,
                      at=received + timedelta(days=resolve_days), **common)
    if rating is not None:
        events.record(record_type, record_id, events.RATED,
                      at=received + timedelta(days=(resolve_days or 0) + 1), value=rating,
                      **common)
    return record_id


def moment(year, month, day, hour=10):
    return datetime(year, month, day, hour, tzinfo=KYIV)


def fold_all():
    from addons.insights.fold import fold

    while fold():
        pass
