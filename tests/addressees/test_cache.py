"""Cached fragments: a warm view reuses them, every change shows at once, nothing about
the visitor is cached, and the "open now" badge follows the clock."""

from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from addons.addressees import fragments
from addons.addressees.models import AddresseeGroup

from .helpers import add_addressee, add_catalog, weekday_hours

pytestmark = pytest.mark.django_db


def get(client, url, **params):
    response = client.get(url, params, HTTP_HOST="localhost")
    assert response.status_code == 200
    return response


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = get(client, url)
    return len(captured), response.content.decode()


@pytest.fixture
def catalog(home):
    return add_catalog(home, per_page=30)


@pytest.fixture
def water(catalog):
    return add_addressee(catalog, "Water utility", kind="enterprise", summary="Water supply")


def publish(page, **changes):
    page = type(page).objects.get(pk=page.pk)
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return page


def test_a_warm_view_reuses_the_fragments(client, catalog, water):
    get(client, catalog.url)
    warm, _ = queries(client, catalog.url)
    cache.clear()
    cold, _ = queries(client, catalog.url)
    assert warm < cold
    get(client, water.url)
    warm_page, _ = queries(client, water.url)
    cache.clear()
    cold_page, _ = queries(client, water.url)
    assert warm_page < cold_page


def test_publishing_an_edit_shows_the_new_title(client, catalog, water):
    assert "Water utility" in get(client, catalog.url).content.decode()
    assert "Water supply" in get(client, water.url).content.decode()
    publish(water, title="Vodokanal", summary="Drinking water")
    html = get(client, catalog.url).content.decode()
    assert "Vodokanal" in html and "Water utility" not in html
    page = get(client, water.url).content.decode()
    assert "Drinking water" in page and "Water supply" not in page


def test_a_new_child_updates_the_counts(client, catalog, water):
    add_addressee(water, "Billing")
    first = get(client, catalog.url).content.decode()
    assert "Show 1 sub-addressee" in first
    add_addressee(water, "Repairs")
    html = get(client, catalog.url).content.decode()
    assert "Show 2 sub-addressees" in html
    assert "Repairs" in get(client, water.url).content.decode()


def test_unpublishing_moving_and_deleting_show_at_once(client, catalog, water):
    mayor = add_addressee(catalog, "Mayor")
    assert "Mayor" in get(client, catalog.url).content.decode()
    mayor.unpublish()
    assert "Mayor" not in get(client, catalog.url).content.decode()
    mayor.save_revision().publish()
    assert "Mayor" in get(client, catalog.url).content.decode()

    mayor.move(water, pos="last-child")
    html = get(client, catalog.url).content.decode()
    assert f'id="addressee-{mayor.pk}"' not in html
    assert "Show 1 sub-addressee" in html

    type(mayor).objects.get(pk=mayor.pk).delete()
    assert "Show 1 sub-addressee" not in get(client, catalog.url).content.decode()


def test_a_group_rename_shows_in_the_filters(client, catalog, water):
    group = AddresseeGroup.objects.create(name="Utilities", slug="utilities")
    assert "Utilities" in get(client, catalog.url).content.decode()
    group.name = "Municipal enterprises"
    group.save()
    assert "Municipal enterprises" in get(client, catalog.url).content.decode()


def test_each_language_has_its_own_fragment(client, catalog, water):
    assert "Search addressees" in get(client, catalog.url).content.decode()
    client.cookies["civicdesk_language"] = "uk"
    html = get(client, catalog.url).content.decode()
    assert "Пошук адресатів" in html and "Search addressees" not in html
    client.cookies["civicdesk_language"] = "en"
    assert "Search addressees" in get(client, catalog.url).content.decode()


def test_the_query_string_has_its_own_fragment(client, catalog, water):
    add_addressee(catalog, "Archive")
    assert "Archive" in get(client, catalog.url).content.decode()
    html = get(client, catalog.url, q="water").content.decode()
    assert "Water utility" in html and "Archive" not in html


def test_feedback_errors_and_the_csrf_token_are_not_cached(client, catalog, water):
    first = get(client, water.url).content.decode()
    response = client.post(f"/addressees/{water.pk}/feedback/",
                           {"feedback-name": "", "feedback-email": "bad", "feedback-message": ""},
                           HTTP_HOST="localhost")
    assert 'class="errorlist' in response.content.decode()
    again = get(client, water.url).content.decode()
    assert 'class="errorlist' not in again
    other = type(client)()
    other.cookies["civicdesk_language"] = "en"
    token = 'name="csrfmiddlewaretoken" value="'
    theirs = get(other, water.url).content.decode()
    assert token in first and token in theirs
    assert first.split(token)[1][:64] != theirs.split(token)[1][:64]


def test_the_open_now_badge_follows_the_clock(client, catalog, water):
    weekday_hours(water, days=range(7), opens=time(9), closes=time(18),
                  break_start=None, break_end=None)
    fragments.bump_catalog_version()
    kyiv = ZoneInfo("Europe/Kyiv")
    day = datetime(2030, 3, 6, tzinfo=kyiv)  # a Wednesday, no holiday
    with mock.patch("django.utils.timezone.now", return_value=day.replace(hour=10)):
        assert "Open now, until 18:00" in get(client, catalog.url).content.decode()
        assert "Open now, until 18:00" in get(client, water.url).content.decode()
    with mock.patch("django.utils.timezone.now",
                    return_value=day.replace(hour=19) + timedelta(seconds=5)):
        html = get(client, catalog.url).content.decode()
        assert "Closed, opens tomorrow at 09:00" in html
        assert "Closed, opens tomorrow at 09:00" in get(client, water.url).content.decode()


def test_previews_are_never_cached(rf, catalog, water):
    request = rf.get(water.url, HTTP_HOST="localhost")
    request.is_preview = True
    built = []

    def build():
        built.append(1)
        return fragments.Fragment(parts={"body": "x"})

    fragments.cached("addressee", water, request, build)
    fragments.cached("addressee", water, request, build)
    assert len(built) == 2
