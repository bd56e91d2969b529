"""No N+1: the same number of queries with 10 and with 1,000 rows of everything, both when
the page is rendered afresh (cache cleared) and when its cached fragments are reused."""

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from addons.addressees.models import OfficeHours

from .helpers import (
    add_addressee,
    bulk_absences,
    bulk_addressees,
    bulk_specialists,
    weekday_hours,
)

#: what rendering costs: no whole page kept (addons/core/page_cache.py)
pytestmark = pytest.mark.usefixtures("render_every_view")


def count_queries(client, url):
    """((cold, warm) query counts, the cold response): cold right after clearing the
    cache, warm with the cached fragments of the cold view."""
    client.get(url, HTTP_HOST="localhost")  # warm caches that live per process
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        response = client.get(url, HTTP_HOST="localhost")
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as warm:
        again = client.get(url, HTTP_HOST="localhost")
    assert again.content == response.content.replace(*_csrf(response, again))
    assert len(warm) < len(cold)
    return (len(cold), len(warm)), response


def _csrf(first, second):
    """The CSRF tokens of two responses (the only part that differs between views)."""
    marker = b'name="csrfmiddlewaretoken" value="'
    if marker not in first.content:
        return b"", b""
    return (first.content.split(marker)[1].split(b'"')[0],
            second.content.split(marker)[1].split(b'"')[0])


def build_addressee(catalog, size, title):
    page = add_addressee(catalog, title, location="SRID=4326;POINT(30.52 50.45)",
                         office_address="Khreshchatyk 36", extra_phones="+380 1\n+380 2")
    children = bulk_addressees(page, size, prefix=f"{title} child")
    # every child has hours, an absence and its own child, so every card shows everything
    for child in children[:10]:
        weekday_hours(child)
        bulk_absences(child, 1, date.today(), date.today() + timedelta(3))
    bulk_addressees(children[0], 2, prefix=f"{title} grandchild")
    bulk_addressees(children[-1], 1, prefix=f"{title} grandchild")
    bulk_specialists(page, size)
    schedules = max(1, size // 100)
    for index in range(schedules):
        weekday_hours(page, schedule=f"Schedule {index}" if index else "")
    OfficeHours.objects.bulk_create([
        OfficeHours(page=page, schedule="Reception", weekday=index % 7,
                    opens="10:00", closes="12:00", sort_order=index)
        for index in range(size)
    ])
    bulk_absences(page, size, date.today() - timedelta(1), date.today() + timedelta(30))
    return page


@pytest.mark.django_db
def test_addressee_page_queries_do_not_grow(client, catalog):
    small = build_addressee(catalog, 10, "Small")
    large = build_addressee(catalog, 1000, "Large")
    small_count, small_response = count_queries(client, small.url)
    large_count, large_response = count_queries(client, large.url)
    assert small_count == large_count, (small_count, large_count)
    assert b"Specialist 999" in large_response.content
    assert b"Show 2 sub-addressees" in large_response.content
    assert small_response.content.count(b'class="card addressee-card"') == 10


@pytest.mark.django_db
def test_catalog_queries_do_not_grow(client, home):
    from .helpers import add_catalog

    small_catalog = add_catalog(home, "Small catalog", "small", per_page=30)
    large_catalog = add_catalog(home, "Large catalog", "large", per_page=30)
    first = {}
    for target, size in ((small_catalog, 10), (large_catalog, 1000)):
        tops = bulk_addressees(target, size, prefix="Top")
        first[target.pk] = tops[0].pk
        for top in tops[:10]:
            weekday_hours(top)
            bulk_absences(top, 1, date.today(), date.today() + timedelta(1))
            bulk_addressees(top, 3, prefix="Sub")
    small_count, small_response = count_queries(client, small_catalog.url)
    large_count, large_response = count_queries(client, large_catalog.url)
    assert small_count == large_count, (small_count, large_count)
    assert large_response.content.count(b'class="card addressee-card"') == 30
    assert b"Show 3 sub-addressees" in large_response.content

    # search results and an opened subtree: constant too
    for query in ("?q=top", "?q=sub&kind=department", "?open={}"):
        small_query_count, _ = count_queries(
            client, small_catalog.url + query.format(first[small_catalog.pk]))
        large_query_count, _ = count_queries(
            client, large_catalog.url + query.format(first[large_catalog.pk]))
        assert small_query_count == large_query_count, query

    # the subtree fragment
    small_query_count, _ = count_queries(client, f"/addressees/subtree/{first[small_catalog.pk]}/")
    large_query_count, _ = count_queries(client, f"/addressees/subtree/{first[large_catalog.pk]}/")
    assert small_query_count == large_query_count
