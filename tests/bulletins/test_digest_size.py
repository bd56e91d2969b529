"""The e-digest costs the same whatever the archive holds: the same queries with a few or
many bulletins (of many addressees, with tags), a bounded count, page links round the
current page only, and page numbers that are no page answered with a notice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from addons.bulletins.models import Bulletin, Category, TaggedBulletin
from tests.addressees.helpers import bulk_addressees

pytestmark = pytest.mark.django_db

DIGEST = reverse("bulletins:digest")


def grow(site, addressees, count, start=0):
    from taggit.models import Tag

    tags = [Tag.objects.get_or_create(name=f"tag{n}", slug=f"tag{n}")[0] for n in range(4)]
    now = timezone.now()
    rows = Bulletin.objects.bulk_create([
        Bulletin(site_id=site.pk, addressee_id=addressees[n % len(addressees)].pk,
                 addressee_path=addressees[n % len(addressees)].path,
                 category=Category.NEWS, title=f"Bulletin {start + n}", body="<p>x</p>",
                 summary="road works", live=True,
                 first_published_at=now - timedelta(minutes=start + n))
        for n in range(count)
    ])
    if rows[0].pk is None:
        rows = list(Bulletin.objects.order_by("-pk")[:count])
    TaggedBulletin.objects.bulk_create([
        TaggedBulletin(content_object_id=row.pk, tag_id=tags[n % 4].pk)
        for n, row in enumerate(rows)])


def queries(client, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(DIGEST, params)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("params", [
    {}, {"page": 3}, {"category": "news", "tags": "tag1"}, {"q": "road"},
    {"addressee": "top", "subtree": "on"}, {"addressee_name": "unit1"},
])
def test_queries_do_not_grow_with_the_archive(client, site, catalog, committee, params,
                                              monkeypatch):
    from addons.bulletins import views

    monkeypatch.setattr(views, "COUNT_CAP", 200)
    units = bulk_addressees(committee, 30, prefix="Unit")
    if params.get("addressee") == "top":
        params = {**params, "addressee": committee.pk}
    grow(site, units, 80)
    client.get(DIGEST)
    small, response = queries(client, params)
    assert response.context["page"].paginator.count <= 80
    grow(site, units + bulk_addressees(units[0], 50, prefix="More"), 400, start=80)
    large, response = queries(client, params)
    assert small == large
    html = response.content.decode()
    assert len(re.findall(r"<option", html)) < 30  # the short list and the categories
    # page links round the current page only, whatever the number of pages
    assert len(re.findall(r'page=\d+"', html)) <= 12


def test_page_numbers_that_are_no_page(client, site, committee):
    grow(site, [committee], 45)
    last = client.get(DIGEST, {"page": "999999999999999999999"})
    assert last.status_code == 200
    assert last.context["page"].number == 3
    assert "There is no page" in last.content.decode()
    for bad in ("abc", "-1", "0", "1e400"):
        response = client.get(DIGEST, {"page": bad})
        assert response.status_code == 200 and response.context["page"].number in (1, 3)
