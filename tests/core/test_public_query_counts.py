"""Every public page costs the same number of SQL queries whatever the town holds.

Two towns are built (two Wagtail sites, every add-on on): a catalog, an addressee with
specialists, deputies with their receptions, problem reports, bulletins, a service queue
and survey answers. Each public page is requested twice per town and the queries of the
second (warm) request are counted; then every table is grown about three times (more
addressees, deputies with receptions, reports, bulletins, answers; booked tickets), the
cache is cleared, and the counts must be the same. The city-size benchmark
(``tests/perf/city_bench.py``) measures the same pages over HTTP at a real city's size.
"""

from __future__ import annotations

import datetime
import random

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from wagtail.models import Page, Site

from tests.conftest import add_town
from tests.perf import city_builders

TOWNS = ("localhost", "town2.example")
PAGES = ("home", "catalog", "addressee", "situational", "geojson_city", "geojson_street",
         "digest", "open311", "receptions", "survey", "booking")
SMALL = {"addressees": 12, "deputies": 2, "reports": 30, "bulletins": 30, "answers": 20,
         "tickets": 10}


def _site(hostname: str, title: str, slug: str):
    from addons.addressees.models import HomePage

    if hostname == TOWNS[0]:
        home = Page.get_first_root_node().add_child(instance=HomePage(title=title, slug=slug))
        site = Site.objects.get(is_default_site=True)
        site.root_page, site.hostname, site.port = home, hostname, 80
        site.save()
        return site
    return add_town(hostname, title, slug=slug)


def _town(hostname: str, index: int) -> dict:
    """A town with a bit of everything; what the pages need to be found."""
    from addons.addressees.models import AddresseeCatalogPage, AddresseePage, Specialist
    from addons.core import activation, registry
    from addons.core.models import SiteProfile
    from addons.queues.models import Queue, QueueService, WeeklySchedule
    from addons.reports.models import ReportsSettings
    from addons.reports.services import create_defaults
    from addons.surveys.models import Survey, SurveyPlacement

    site = _site(hostname, f"Town {index + 1}", f"town-{index + 1}")
    SiteProfile.objects.update_or_create(
        site=site, defaults={"jurisdiction": "ua", "default_language": "en"})
    activation.enable(site, *(addon.label for addon in registry.optional_addons()))
    activation.setup_site(site)
    create_defaults(site)
    options = ReportsSettings.for_site(site)
    options.min_lat, options.max_lat = 49.135 + index, 49.335 + index
    options.min_lng, options.max_lng = 31.473, 31.773
    options.save()
    home = site.root_page
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Addressees", slug="catalog"))
    head = catalog.add_child(instance=AddresseePage(title="City hall", slug="city-hall",
                                                    kind="official"))
    Specialist.objects.bulk_create([
        Specialist(page=head, name=f"Specialist {n}", position="Adviser", sort_order=n)
        for n in range(3)])
    city_builders.grow_addressees(site, catalog, SMALL["addressees"], seed=index)
    city_builders.grow_deputies(site, catalog, SMALL["deputies"], seed=index)
    queue = Queue.objects.create(site=site, title="Passports", addressee=head, letter="P",
                                 slot_minutes=30, capacity=2, min_notice_hours=0,
                                 horizon_days=30, max_active_tickets=1000, no_show_limit=0,
                                 place="Main square 1")
    service = QueueService.objects.create(queue=queue, name="Passport")
    for weekday in range(7):
        WeeklySchedule.objects.create(queue=queue, weekday=weekday, start=datetime.time(8),
                                      end=datetime.time(18))
    survey = Survey.objects.filter(site=site, public_results=True).order_by("-key", "pk").first()
    pages = list(city_builders.addressees_of(site).exclude(kind="deputy").order_by("path")[:4])
    for order, page in enumerate(pages):
        SurveyPlacement.objects.create(page=page, survey=survey, sort_order=order)
    town = {"site": site, "catalog": catalog, "head": head, "queue": queue, "service": service,
            "survey": survey, "index": index}
    _fill(town, 1)
    return town


def _fill(town: dict, times: int) -> None:
    """Reports, bulletins, answers and tickets: ``times`` the small town's share."""
    from tests.perf.queues_bench import fill, make_citizens

    site, seed = town["site"], 100 * town["index"] + times
    city_builders.grow_reports(site, SMALL["reports"] * times, seed=seed)
    city_builders.grow_bulletins(site, SMALL["bulletins"] * times, seed=seed)
    city_builders.grow_answers(site, SMALL["answers"] * times, seed=seed)
    if times > 1:  # the booked tickets come with the growth (fill writes a queue once)
        citizens = make_citizens(3, f"t{town['index']}-")
        fill(town["queue"], town["service"], SMALL["tickets"] * 3, citizens, seed=seed)


def _grow(town: dict) -> None:
    site, catalog = town["site"], town["catalog"]
    city_builders.grow_addressees(site, catalog, 2 * SMALL["addressees"], seed=10)
    city_builders.grow_deputies(site, catalog, 3 * SMALL["deputies"], seed=10)
    _fill(town, 2)


def _urls(town: dict) -> dict[str, str]:
    from tests.perf.reports_bench import viewport

    site = town["site"]
    (lat, lng), (half_lat, half_lng) = city_builders.report_area(site)
    city = f"{lng - half_lng},{lat - half_lat},{lng + half_lng},{lat + half_lat}"
    street = ",".join(f"{value:.6f}" for value in viewport(lat, lng, 17))
    geojson = reverse("reports-api:geojson")
    return {
        "home": site.root_page.get_url_parts()[2],
        "catalog": town["catalog"].get_url_parts()[2],
        "addressee": town["head"].get_url_parts()[2],
        "situational": reverse("reports:situational:list"),
        "geojson_city": f"{geojson}?bbox={city}&zoom=12",
        "geojson_street": f"{geojson}?bbox={street}&zoom=17",
        "digest": reverse("bulletins:digest"),
        "open311": reverse("reports-open311:requests", args=["json"]),
        "receptions": reverse("queues-receptions:list"),
        "survey": reverse("surveys:results", args=[town["survey"].pk]),
        "booking": (reverse("queues:book", args=[town["queue"].pk])
                    + f"?service={town['service'].pk}"),
    }


def _warm_counts(towns: list[dict], citizen) -> dict:
    """(town, page) -> (queries of the warm request, status)."""
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(citizen)
    cache.clear()
    counts = {}
    # what rendering a page costs: a whole page kept for anonymous visitors (page_cache.py)
    # costs no query at all, whatever the town holds (tests/core/test_page_cache.py)
    with override_settings(CIVICDESK_PAGE_CACHE_SECONDS=0):
        _count(towns, anonymous, signed_in, counts)
    return counts


def _count(towns, anonymous, signed_in, counts) -> None:
    for town in towns:
        host = town["site"].hostname
        for page, url in _urls(town).items():
            client = signed_in if page == "booking" else anonymous
            client.get(url, HTTP_HOST=host)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url, HTTP_HOST=host)
            counts[(host, page)] = (len(captured), response.status_code)


_MEASURED: dict = {}


@pytest.fixture
def counts(db):
    """The warm query counts of every page of both towns, small and grown. The first test
    that asks builds the towns and measures (its transaction is rolled back as usual); the
    others read the figures."""
    if not _MEASURED:
        from django.contrib.auth import get_user_model

        random.seed(14)
        towns = [_town(hostname, index) for index, hostname in enumerate(TOWNS)]
        citizen = get_user_model().objects.create_user(
            username="reader", email="reader@example.org", password="x", full_name="Reader",
            postal_address="Main street 1", phone="+380441234567")
        small = _warm_counts(towns, citizen)
        for town in towns:
            _grow(town)
        large = _warm_counts(towns, citizen)
        figures = {
            town["site"].hostname: city_builders.town_figures(town["site"]) for town in towns}
        cache.clear()  # Wagtail's site root paths of sites the rollback removes
        _MEASURED.update({"small": small, "large": large, "figures": figures})
    return _MEASURED


def _params():
    for town in TOWNS:
        for page in PAGES:
            yield pytest.param(town, page, id=f"{town}-{page}")


def test_the_towns_grew(counts):
    """The larger data set is larger in every table the pages read."""
    for figures in counts["figures"].values():
        assert figures["addressees"] >= 3 * SMALL["addressees"]
        assert figures["deputies"] == figures["receptions"] == 3 * SMALL["deputies"]
        assert figures["reports"] == 3 * SMALL["reports"]
        assert figures["bulletins"] == 3 * SMALL["bulletins"]
        assert figures["answers"] == 3 * SMALL["answers"]


@pytest.mark.parametrize(("town", "page"), list(_params()))
def test_public_page_queries_do_not_grow_with_the_data(counts, town, page):
    small, small_status = counts["small"][(town, page)]
    large, large_status = counts["large"][(town, page)]
    assert small_status == large_status == 200, (small_status, large_status)
    assert small == large, f"{small} queries with the small town, {large} grown"
