"""Deputies' receptions at a council's size: the public page and its feed cost the same
number of queries whatever the number of deputies, on each town; the day's prolongation is
the nightly job's, a page view only reads its mark; bad filters answer with a message."""

from datetime import time as clock
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.queues import receptions, services
from addons.queues.models import ExceptionKind, QueueService, ScheduleException
from tests.conftest import add_town

from .conftest import make_queue, working_day

pytestmark = pytest.mark.django_db

PAGE = "/queues/receptions/"
FEED = "/queues/receptions/feed.ics"
WEEKLY = "RRULE:FREQ=WEEKLY;BYDAY=TH"
TOWN2 = "town2.example"


def add_deputies(site, catalog, count, *, start=0):
    """``count`` deputies of ``site``, each receiving every Thursday in a queue."""
    first = working_day(3)
    queues = []
    for n in range(start, start + count):
        page = catalog.add_child(instance=AddresseePage(
            title=f"Deputy {site.pk}-{n}", slug=f"deputy-{n}", kind="deputy"))
        queue = make_queue(site, title=f"Reception {n}", addressee=page, horizon_days=60,
                           place=f"Office {n}")
        queue.schedules.all().delete()
        QueueService.objects.create(queue=queue, name="Personal reception")
        receptions.set_schedule(queue, WEEKLY, first, clock(15), clock(17))
        queues.append(queue)
    return queues


@pytest.fixture
def town2(site):
    town = add_town(TOWN2)
    catalog = town.root_page.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                                     slug="addressees-2"))
    return town, catalog


def counted(client, url, host):
    """Queries of a view that renders the list (the list changed since the last view) and
    of one that reads it from the cache."""
    for _warm in range(2):  # the day's mark is set, the chrome is read, settings rows made
        client.get(url, HTTP_HOST=host)
    counts = []
    for fresh in (True, False):
        if fresh:
            receptions.changed()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, HTTP_HOST=host)
        assert response.status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[1] < counts[0]  # the cached list costs no query of its own
    return counts, response.content.decode()


@pytest.mark.parametrize("url", [PAGE, FEED])
def test_same_queries_with_3_and_12_deputies_on_both_towns(client, site, catalog, town2, url,
                                                           render_every_view):
    town, catalog2 = town2
    hosts = ((site, catalog, "localhost"), (town, catalog2, TOWN2))
    for each, where, _host in hosts:
        add_deputies(each, where, 3)
    small = {}
    for each, _where, host in hosts:
        small[host], content = counted(client, url, host)
        assert f"Deputy {each.pk}-2" in content
        other = town if each == site else site
        assert f"Deputy {other.pk}-" not in content  # a town lists its own deputies
    for each, where, _host in hosts:
        add_deputies(each, where, 9, start=3)
    for each, _where, host in hosts:
        large, content = counted(client, url, host)
        assert f"Deputy {each.pk}-11" in content  # the new deputies are listed
        assert large == small[host], (host, small[host], large)
    assert small["localhost"] == small[TOWN2]


def test_upcoming_costs_the_same_queries_with_3_and_12_deputies(site, catalog):
    add_deputies(site, catalog, 3)
    profile = receptions.site_profile(site)
    receptions.prolong_due(site, profile)

    def count():
        with CaptureQueriesContext(connection) as queries:
            items = receptions.upcoming(site, profile=profile)
            [(item.book_url, item.address, item.summary) for item in items]
        return len(queries.captured_queries), len(items)

    small, listed = count()
    add_deputies(site, catalog, 9, start=3)
    large, listed_large = count()
    assert large == small and listed_large > 3 * listed // 2


# --- the cached list ----------------------------------------------------------------------


def test_the_cached_list_follows_every_change(client, site, catalog, superuser):
    queue = add_deputies(site, catalog, 1)[0]
    deputy = queue.addressee
    assert "Deputy" in client.get(PAGE).content.decode()
    # a new deputy's receptions
    added = add_deputies(site, catalog, 1, start=1)[0]
    content = client.get(PAGE).content.decode()
    assert f"{added.addressee.title}</h2>" in content
    assert f'<option value="{added.addressee_id}">{added.addressee.title}</option>' in content
    # a date called off
    day = queue.exceptions.filter(kind=ExceptionKind.EXTRA).order_by("date").first().date
    receptions.cancel_reception(queue, day, superuser, "The deputy is ill")
    content = client.get(PAGE).content.decode()
    assert "The deputy is ill" in content
    feed = client.get(FEED).content.decode()
    assert "STATUS:CANCELLED" in feed
    # the deputy renamed and published
    deputy.title = "Deputy Renamed"
    deputy.save_revision().publish()
    content = client.get(PAGE).content.decode()
    assert "Deputy Renamed</h2>" in content and ">Deputy Renamed</option>" in content
    assert "Deputy Renamed" in client.get(FEED).content.decode().replace("\r\n ", "")
    # the queue closed
    added.active = False
    added.save()
    assert f"{added.addressee.title}</h2>" not in client.get(PAGE).content.decode()
    # the place moved
    queue.place = "Library hall"
    queue.save()
    assert "Library hall" in client.get(PAGE).content.decode()


def test_the_cached_list_is_kept_per_language_and_filter(client, site, catalog):
    queues = add_deputies(site, catalog, 2)
    english = client.get(PAGE).content.decode()
    assert "Book a visit" in english
    client.cookies["civicdesk_language"] = "uk"
    ukrainian = client.get(PAGE).content.decode()
    assert "Book a visit" not in ukrainian and "Записатися" in ukrainian
    client.cookies["civicdesk_language"] = "en"
    only = client.get(PAGE, {"deputy": queues[1].addressee_id}).content.decode()
    assert f"{queues[1].addressee.title}</h2>" in only
    assert f"{queues[0].addressee.title}</h2>" not in only


def test_the_filter_lists_deputies_without_building_pages(client, site, catalog, monkeypatch):
    add_deputies(site, catalog, 3)
    built = []
    original = AddresseePage.__init__

    def spy(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    content = client.get(PAGE).content.decode()
    monkeypatch.setattr(AddresseePage, "__init__", spy)
    cache.clear()  # the choices are read again
    form = receptions.ReceptionFilterForm(site=site)
    assert built == []
    assert [label for _pk, label in form.fields["deputy"].choices][1:] == [
        f"Deputy {site.pk}-0", f"Deputy {site.pk}-1", f"Deputy {site.pk}-2"]
    assert f'<option value="{AddresseePage.objects.get(slug="deputy-1").pk}">' in content


# --- the day's prolongation ---------------------------------------------------------------


def test_no_prolongation_by_a_view_once_the_job_ran_today(client, site, catalog,
                                                          monkeypatch):
    queue = add_deputies(site, catalog, 2)[0]
    cache.clear()
    written = queue.exceptions.filter(generated=True)
    expected = written.count()
    written.delete()
    # the nightly job writes the dates and marks the town's day
    assert receptions.prolong_all() >= expected > 0
    assert written.count() == expected
    calls = []
    monkeypatch.setattr(receptions, "prolong", lambda *a, **k: calls.append(a) or 0)
    written.delete()
    assert client.get(PAGE).status_code == 200
    assert calls == []  # the page did not prolong: the job did today
    assert written.count() == 0
    # the mark costs no query
    profile = receptions.site_profile(site)
    with CaptureQueriesContext(connection) as queries:
        receptions.prolong_due(site, profile)
    assert len(queries.captured_queries) == 0 and calls == []


def test_the_page_prolongs_once_when_the_job_has_not_run(client, site, catalog, town2):
    town, catalog2 = town2
    queue = add_deputies(site, catalog, 1)[0]
    other = add_deputies(town, catalog2, 1)[0]
    cache.clear()
    ScheduleException.objects.filter(generated=True).delete()
    client.get(PAGE)
    assert queue.exceptions.filter(generated=True).exists()
    assert not other.exceptions.exists()  # only the town being read
    client.get(PAGE, HTTP_HOST=TOWN2)
    assert other.exceptions.filter(generated=True).exists()
    queue.exceptions.all().delete()
    client.get(PAGE)  # the town's day is done: nothing written again
    assert not queue.exceptions.exists()


def test_the_scheduled_task_prolongs_and_marks_every_town(site, catalog, town2):
    from django.utils.module_loading import import_string

    from addons.core.registry import scheduled_jobs

    town, catalog2 = town2
    queues = add_deputies(site, catalog, 1) + add_deputies(town, catalog2, 1)
    cache.clear()
    ScheduleException.objects.filter(generated=True).delete()
    job = {job.name: job for job in scheduled_jobs()}["queues.prolong_receptions"]
    assert import_string(job.func)() > 0
    for queue in queues:
        today = services.local_today(queue)
        dates = set(queue.exceptions.filter(kind=ExceptionKind.EXTRA)
                    .values_list("date", flat=True))
        assert dates == set(receptions.occurrences(
            WEEKLY, working_day(3), today, today + timedelta(days=queue.horizon_days), "ro"))
        key = receptions._prolonged_key(queue.site_id, today)
        assert cache.get(key) == 1


# --- bad filters --------------------------------------------------------------------------


@pytest.mark.parametrize("params, status, message", [
    ({"deputy": "999999"}, 400, "Select a valid choice"),
    ({"deputy": "99999999999999999999999"}, 400, "Select a valid choice"),
    ({"group": "-1"}, 400, "Select a valid choice"),
    ({"since": "2999-12-01"}, 200, "No receptions are planned for these dates."),
    ({"since": "3000-01-01"}, 400, "Enter a date between"),
    ({"until": "2999-12-31"}, 400, "Choose a period of at most a year."),
    ({"since": "1900-01-01", "until": "2999-12-31"}, 400,
     "Choose a period of at most a year."),
    ({"since": "0001-01-01"}, 400, "Enter a date between"),
    ({"page": "99999999999"}, 200, "Deputy"),
])
def test_bad_filters_answer_with_a_message(client, site, catalog, params, status, message):
    add_deputies(site, catalog, 1)
    for url in (PAGE, FEED):
        response = client.get(url, params)
        assert response.status_code == (200 if url == FEED else status), (url, params)
    response = client.get(PAGE, params)
    assert message in response.content.decode()


def test_feed_link_keeps_the_filter(client, site, catalog):
    queue = add_deputies(site, catalog, 2)[0]
    content = client.get(PAGE, {"deputy": queue.addressee_id}).content.decode()
    assert f'{reverse("queues-receptions:feed")}?deputy={queue.addressee_id}' in content


def test_a_failed_prolongation_is_tried_again_and_the_page_still_shows(client, site, catalog,
                                                                       monkeypatch):
    queue = add_deputies(site, catalog, 1)[0]
    cache.clear()

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(receptions, "prolong", broken)
    response = client.get(PAGE)
    assert response.status_code == 200 and queue.addressee.title in response.content.decode()
    monkeypatch.undo()
    queue.exceptions.all().delete()
    client.get(PAGE)  # the day was not marked done: this view prolongs
    assert queue.exceptions.filter(generated=True).exists()
