"""The figures' dashboard in the admin: management sees the whole town, an addressee's
staff its subtree; every number and bar links to a list whose count is that number; charts
carry a title and a table beside them; the period is checked (400 with the reason, what was
typed kept); rankings grey the addressees with too few records; the cost of the page does
not grow with the records."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from addons.insights import fold

from .screens import (
    chart_links,
    counted_links,
    file,
    list_count,
    period_query,
    populate,
)

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/insights/"


def addressee_url(page):
    return f"/admin/insights/addressee/{page.pk}/"


def test_management_dashboard_links_every_number_to_a_list_of_that_count(english, places,
                                                                          manager):
    populate(places)
    english.force_login(manager)
    response = english.get(DASHBOARD, period_query())
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "<title" in html and 'role="group"' in html
    assert 'class="listing insights-table"' in html
    assert "Test reports" in html and "Test appeals" in html
    assert "<details" in html  # the definitions beside the figures
    links = counted_links(html)
    assert len(links) > 10
    # every bar of every chart is also a counted link of the table beside it
    counted_urls = {url for url, _count in links}
    bars = chart_links(html)
    assert bars and set(bars) <= counted_urls
    checked = {}
    for url, shown in links:
        if url in checked:
            assert checked[url] == shown
            continue
        page = english.get(url)
        assert page.status_code == 200, url
        assert list_count(page.content.decode()) == shown, url
        checked[url] = shown
    # the whole town: town 2's records are counted nowhere
    intake = [count for url, count in links if "figure=intake" in url and "=channel" not in url]
    assert intake and max(intake) == 6
    # the addressee picker: the town's top addressees, not town 2's
    assert addressee_url(places.roads) in html and addressee_url(places.water) in html
    assert addressee_url(places.parks) not in html


def test_addressee_dashboard_counts_its_subtree(english, places, roads_clerk):
    populate(places)
    english.force_login(roads_clerk)
    response = english.get(addressee_url(places.roads), period_query())
    assert response.status_code == 200
    html = response.content.decode()
    links = counted_links(html)
    intake = [count for url, count in links
              if "figure=intake" in url and "record_type=tests.report" in url]
    assert intake and max(intake) == 4  # Roads' two and North roads' two
    for url, shown in links[:12]:
        assert list_count(english.get(url).content.decode()) == shown
    # the picker leads down to North roads only
    assert addressee_url(places.north) in html
    assert addressee_url(places.water) not in html
    assert english.get(addressee_url(places.north), period_query()).status_code == 200


def test_staff_without_rights_are_refused(english, places, roads_clerk, nobody):
    english.force_login(roads_clerk)
    assert english.get(addressee_url(places.water)).status_code == 403
    # the figures of the whole town are not theirs: the menu leads them to their addressee
    response = english.get(DASHBOARD, {"preset": "week"})
    assert response.status_code == 302
    assert response["Location"] == addressee_url(places.roads) + "?preset=week"
    assert english.get("/admin/insights/export.csv").status_code == 403
    english.force_login(nobody)
    for url in (DASHBOARD, addressee_url(places.roads), "/admin/insights/rankings/",
                "/admin/insights/export.csv"):
        assert english.get(url).status_code == 403, url


def test_another_towns_addressee_is_not_found(english, places, manager):
    english.force_login(manager)
    assert english.get(addressee_url(places.parks)).status_code == 404


def test_menu_item_only_for_those_who_may_look(places, manager, roads_clerk, nobody, rf):
    from addons.insights.wagtail_hooks import register_figures_menu_item

    item = register_figures_menu_item()
    assert item.url == DASHBOARD
    for user, shown in ((manager, True), (roads_clerk, True), (nobody, False)):
        request = rf.get("/admin/", HTTP_HOST="localhost")
        request.user = user
        assert item.is_shown(request) is shown, user


@pytest.mark.parametrize("start, end, message", [
    ("2026-03-10", "2026-03-01", "end"),
    ("2019-01-01", "2026-01-01", "days"),
    ("2026-13-45", "2026-03-01", "valid date"),
])
def test_bad_period_shows_the_reason_with_400(english, places, manager, start, end, message):
    english.force_login(manager)
    response = english.get(DASHBOARD, {"start": start, "end": end})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-message"' in html and message in html.lower()
    assert f'value="{end}"' in html  # what was typed stays in the form
    assert "insights-chart" not in html


def test_empty_period_says_no_data(english, places, manager):
    english.force_login(manager)
    response = english.get(DASHBOARD, period_query())
    assert response.status_code == 200
    html = response.content.decode()
    assert "no data" in html
    assert "0 %" not in html


def test_comparison_with_the_previous_period(english, places, manager):
    file(places.site, places.roads, days_ago=40)
    file(places.site, places.roads, days_ago=5)
    file(places.site, places.roads, days_ago=6)
    english.force_login(manager)
    html = english.get(DASHBOARD, period_query()).content.decode()
    assert "up 1 from 1" in html


def test_rankings_grey_addressees_under_the_minimum(english, places, manager):
    from addons.insights.models import InsightsSettings

    settings = InsightsSettings.for_site(places.site)
    settings.minimum_count = 3
    settings.save()
    for _ in range(3):
        file(places.site, places.roads, days_ago=4)
    file(places.site, places.water, days_ago=4)
    english.force_login(manager)
    response = english.get("/admin/insights/rankings/", {**period_query(), "figure": "intake"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "fewer than 3 records" in html
    assert html.index("Roads") < html.index("Water")
    assert 'class="insights-grey"' in html
    for url, shown in counted_links(html):
        assert list_count(english.get(url).content.decode()) == shown


def test_rankings_refuse_an_unknown_figure(english, places, manager):
    english.force_login(manager)
    response = english.get("/admin/insights/rankings/", {**period_query(), "figure": "nope"})
    assert response.status_code == 400
    assert "There is no such figure." in response.content.decode()


def _dashboard_queries(client):
    """The queries of the dashboard computing its figures afresh (new facts folded), then
    of the same dashboard opened again (the figures kept)."""
    fold.fold()
    counts = []
    for _time in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(DASHBOARD, period_query())
        assert response.status_code == 200
        counts.append(len(queries))
    return counts


def test_dashboard_queries_do_not_grow_with_the_records(english, places, manager, figures):
    english.force_login(manager)
    populate(places, 1)
    english.get(DASHBOARD, period_query())  # caches of the admin warmed
    file(places.site, places.roads, days_ago=1)  # something new to fold and compute
    few = _dashboard_queries(english)
    populate(places, 4)
    file(places.site, places.water, days_ago=2, channel="phone", category="lights")
    more = _dashboard_queries(english)
    figures.add("insights dashboard queries",
                f"{few[0]} computing, {few[1]} kept, with 8 records; "
                f"{more[0]} and {more[1]} with 30")
    assert few == more
    assert few[1] < few[0]


def test_previous_period_link_is_the_same_length(english, places, manager):
    english.force_login(manager)
    today = timezone.localdate()
    response = english.get(DASHBOARD, {"start": (today - timedelta(days=6)).isoformat(),
                                       "end": today.isoformat()})
    assert response.status_code == 200
    previous = response.context["previous"]
    assert previous.days == 7 and previous.end == today - timedelta(days=7)
