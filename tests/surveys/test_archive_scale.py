"""The opinion center's archive at a city's size: the same queries with few or many closed
surveys, and page numbers past the end or absurd answer with a page, never an error."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from addons.surveys.models import OpinionCenterPage, SurveyCategory

from .conftest import make_survey

#: what rendering costs: no whole page kept (addons/core/page_cache.py)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("render_every_view")]


@pytest.fixture
def center(home):
    return home.add_child(instance=OpinionCenterPage(title="Opinion center", slug="opinion"))


def close_surveys(site, count, start=0):
    category = SurveyCategory.objects.get_or_create(site=site, slug="budget",
                                                    defaults={"name": "Budget"})[0]
    for n in range(start, start + count):
        make_survey(site, title=f"Closed survey {n}", category=category,
                    closes_at=timezone.now() - timedelta(days=n + 1))


def archive_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_archive_queries_do_not_grow_with_closed_surveys(client, site, center):
    url = center.url + "?archive=1"
    close_surveys(site, 3)
    few = archive_queries(client, url)
    close_surveys(site, 45, start=3)  # three pages of twenty
    many = archive_queries(client, url)
    assert many == few, (few, many)
    assert "Closed survey 0" in client.get(url).content.decode()
    assert "Closed survey 47" in client.get(url + "&page=3").content.decode()


@pytest.mark.parametrize("page", ["4", "999999999999999999999999", "-1", "abc", ""])
def test_archive_page_past_the_end_or_absurd(client, site, center, page):
    close_surveys(site, 25)
    response = client.get(center.url, {"archive": "1", "page": page})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Closed survey" in content
