"""The paginator of public lists over big tables (addons.core.pagination) and the theme's
page links: a capped count, bad page numbers answered with a notice, only the pages round
the current one linked."""

import pytest
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from addons.core.pagination import CappedPaginator, page_links


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def users(db):
    User = get_user_model()
    User.objects.bulk_create([User(username=f"user{i:03}", email=f"user{i:03}@example.org")
                             for i in range(45)])
    return User.objects.order_by("username")


def test_count_stops_at_the_cap_with_one_bounded_query(users):
    paginator = CappedPaginator(users, 10, count_cap=30)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 30
        assert paginator.capped is True
        assert paginator.num_pages == 3
    assert len(queries) == 1
    assert "LIMIT 31" in queries[0]["sql"]


def test_count_below_the_cap_is_exact(users):
    paginator = CappedPaginator(users, 10, count_cap=100)
    assert paginator.count == 45 and paginator.capped is False and paginator.num_pages == 5


def test_a_list_counts_too():
    paginator = CappedPaginator(list(range(50)), 10, count_cap=20)
    assert paginator.count == 20 and paginator.capped


@pytest.mark.parametrize("number, shown, notice", [
    ("2", 2, None),
    (None, 1, None),
    ("", 1, None),
    ("abc", 1, "There is no page “abc”. Showing the first page."),
    ("-1", 1, "There is no page “-1”. Showing the first page."),
    ("0", 1, "There is no page “0”. Showing the first page."),
    ("1.5", 1, "There is no page “1.5”. Showing the first page."),
    ("99999999999", 5, "There is no page “99999999999”. Showing the last page."),
    ("9" * 5000, 1, "There is no page “99999999999999999999”. Showing the first page."),
    (float("inf"), 1, "There is no page “inf”. Showing the first page."),
])
def test_bad_page_numbers_show_a_page_and_say_so(users, number, shown, notice):
    paginator = CappedPaginator(users, 10)
    with CaptureQueriesContext(connection) as queries:
        page = paginator.get_page(number)
        list(page)
    assert page.number == shown
    assert page.notice == notice
    # one count and one page: no query walks the pages that do not exist
    assert len(queries) == 2


def test_page_links_are_elided():
    page = CappedPaginator(list(range(95_000)), 10, count_cap=None).page(4_000)
    assert page_links(page) == [1, None, 3998, 3999, 4000, 4001, 4002, None, 9500]
    first = CappedPaginator(list(range(95_000)), 10, count_cap=None).page(1)
    assert page_links(first) == [1, 2, 3, None, 9500]
    short = Paginator(range(40), 10).page(2)
    assert page_links(short) == [1, 2, 3, 4]


def test_a_capped_list_ends_its_links_with_a_gap():
    page = CappedPaginator(list(range(500)), 10, count_cap=100).page(10)
    assert page_links(page) == [1, None, 8, 9, 10, None]


def test_the_theme_renders_only_the_elided_links(db):
    request = RequestFactory().get("/list/", {"q": "x", "page": "4000"})
    page = CappedPaginator(list(range(95_000)), 10, count_cap=None).get_page("4000")
    html = render_to_string("includes/pagination.html", {"page_obj": page, "request": request})
    assert html.count("<li") == 2 + 7 + 2  # previous, next, 7 numbers, 2 gaps
    assert 'q=x&amp;page=4000" aria-current="page"' in html
    assert "page=9500" in html and "page=5000" not in html


def test_the_theme_shows_the_notice_of_a_missing_page(db):
    request = RequestFactory().get("/list/", {"page": "77"})
    page = CappedPaginator(list(range(5)), 10).get_page("77")
    html = render_to_string("includes/pagination.html", {"page_obj": page, "request": request})
    assert 'role="status"' in html and "There is no page “77”. Showing the last page." in html
    assert "<nav" not in html  # a single page has no links


def test_the_theme_still_takes_django_pages(db):
    request = RequestFactory().get("/list/", {"page": "7"})
    page = Paginator(range(1000), 10).page(7)
    html = render_to_string("includes/pagination.html", {"page_obj": page, "request": request})
    assert 'page=7" aria-current="page"' in html and "page=100" in html
    assert "page=50" not in html and "pagination-notice" not in html
