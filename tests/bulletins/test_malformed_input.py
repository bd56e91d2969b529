"""The e-digest's filters and the subscription pages answer malformed input with a page,
never a server error, on SQLite (FTS5) and on PostgreSQL."""

import pytest
from django.test import Client
from django.urls import reverse

from addons.bulletins import services

from .conftest import make_bulletin

DIGEST = reverse("bulletins:digest")
HUGE = "99999999999999999999999999"
WORDS = ['"', "'", "%", "\\", '"road', 'road"', "road AND", "NOT", "OR road", "NEAR(road)",
         "road*", "*", "(", ")", "-road", "^road", "road:works", "{title}:road", "١٢٣",
         "road\\\"s", "%_%", "' OR 1=1 --", "x" * 200]


@pytest.fixture
def web(site, settings):
    settings.RATELIMIT_ENABLE = False
    client = Client(raise_request_exception=False)
    client.cookies["civicdesk_language"] = "en"
    return client


@pytest.fixture
def road(roads):
    return make_bulletin(roads, "Road works on Main Street", tags=["roads"])


@pytest.mark.parametrize("words", WORDS)
def test_search_words_with_query_syntax_answer_a_page(web, road, words):
    response = web.get(DIGEST, {"q": words})
    assert response.status_code == 200, response.content[:300]


def test_quotes_around_a_word_still_find_it(web, road):
    response = web.get(DIGEST, {"q": '"road'})
    assert [b.title for b in response.context["bulletins"]] == ["Road works on Main Street"]


def test_search_words_keep_letters_and_digits_only():
    assert services.search_words('"road" works\\ 50% (AND) ١٢٣') == "road works 50 AND ١٢٣"
    assert services.search_words('"\'%\\') == ""


@pytest.mark.parametrize("params", [
    {"addressee": HUGE}, {"addressee": "-1"}, {"addressee": "0"}, {"addressee": "١"},
    {"page": HUGE}, {"page": "-1"},
    {"date_from": "0001-01-01"}, {"date_to": "0001-01-01"},
    {"date_from": "9999-12-31"}, {"date_to": "9999-12-31"},
    {"date_from": "2026-13-45"}, {"date_to": "2026-13-45T25:61:61+99:99"},
    {"tags": "x" * 5000}, {"category": "x" * 5000}, {"subtree": HUGE},
])
def test_impossible_filters_answer_a_page(web, road, params):
    assert web.get(DIGEST, params).status_code == 200
    assert web.get(reverse("bulletins:subscribe"), params).status_code == 200
    assert web.get(reverse("bulletins:rss"), params).status_code in (200, 404)


def test_an_impossible_date_is_shown_as_an_error_and_the_words_are_kept(web, road):
    response = web.get(DIGEST, {"date_to": "9999-12-31", "q": "road"})
    assert response.status_code == 200
    assert response.context["form"]["q"].value() == "road"


@pytest.mark.parametrize("path", [
    f"/bulletins/{HUGE}/", f"/bulletins/subscriptions/{HUGE}/change/",
    f"/bulletins/subscriptions/{HUGE}/end/", "/bulletins/confirm/" + "x" * 5000 + "/",
])
def test_huge_ids_and_tokens_in_links(web, road, make_user, path):
    web.force_login(make_user("reader"))
    assert web.get(path).status_code in (400, 404, 405)
    assert web.post(path, {"frequency": HUGE}).status_code in (400, 404)


@pytest.mark.parametrize("value", [HUGE, "-1", '"', "x" * 5000, "9999-12-31"])
def test_subscribe_with_malformed_fields(web, road, value):
    data = {key: value for key in ("addressee", "category", "tags", "q", "frequency",
                                   "email", "subtree")}
    response = web.post(reverse("bulletins:subscribe"), data)
    assert response.status_code == 400
    assert response.context["form"]["q"].value() == value
