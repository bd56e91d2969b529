"""The e-digest's addressee filter is the catalog's picker: a name typed without
JavaScript, an addressee by id at any depth (with or without its subtree), no list of every
addressee in the page and the same queries with 10 or 300 addressees, on each town."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from addons.addressees.models import AddresseePage
from tests.addressees.helpers import bulk_addressees
from tests.conftest import add_town

from .conftest import make_bulletin
from .test_digest import bulletins, titles  # noqa: F401

pytestmark = pytest.mark.django_db

DIGEST = reverse("bulletins:digest")
SUBSCRIBE = reverse("bulletins:subscribe")


def select_of(html: str) -> str:
    return html.split('name="addressee"')[1].split("</select>")[0]


def test_the_filter_offers_the_top_level_and_a_name_field(client, bulletins, committee,  # noqa: F811
                                                          parks):
    html = client.get(DIGEST).content.decode()
    assert re.findall(r'<option value="(\d*)"', select_of(html)) == [
        "", str(committee.pk), str(parks.pk)]
    assert ">All addressees</option>" in html and 'name="addressee_name"' in html


def test_a_typed_name_filters_the_digest(client, bulletins, roads):  # noqa: F811
    response = client.get(DIGEST, {"addressee_name": "ROADS"})
    assert titles(response) == ["Road works on Main Street", "Winter gritting plan"]
    html = response.content.decode()
    assert f'<option value="{roads.pk}" selected>Roads department</option>' in html
    # subscribing and the feeds follow it by id
    assert f'href="{SUBSCRIBE}?addressee={roads.pk}"' in unescape(html)
    assert f'/bulletins/rss/?addressee={roads.pk}"' in unescape(html)


def test_subtree_by_name(client, bulletins, committee):  # noqa: F811
    response = client.get(DIGEST, {"addressee_name": "executive", "subtree": "on"})
    assert titles(response) == ["Council session on Friday", "Road works on Main Street",
                                "Winter gritting plan"]


def test_several_and_none_are_explained_and_the_words_kept(client, bulletins, roads):  # noqa: F811
    sub = roads.add_child(instance=AddresseePage(title="Roads lighting", slug="lighting"))
    response = client.get(DIGEST, {"addressee_name": "roads", "q": "works"})
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Several addressees are named like “roads”: choose one below." in html
    assert re.findall(r'name="addressee_pick" value="(\d+)"', html) == [
        str(roads.pk), str(sub.pk)]
    assert response.context["form"]["q"].value() == "works"
    missing = client.get(DIGEST, {"addressee_name": "Zoo", "q": "works"})
    html = unescape(missing.content.decode())
    assert "No addressee is named like “Zoo”." in html and 'value="Zoo"' in html
    assert missing.context["form"]["q"].value() == "works"
    # an invalid addressee is left out of the filter, never guessed
    assert titles(missing) == ["Road works on Main Street"]


def test_a_deep_addressee_by_id(client, bulletins, roads):  # noqa: F811
    response = client.get(DIGEST, {"addressee": roads.pk})
    assert titles(response) == ["Road works on Main Street", "Winter gritting plan"]
    assert (f'<option value="{roads.pk}" selected>Roads department</option>'
            in response.content.decode())
    form = client.get(SUBSCRIBE, {"addressee": roads.pk}).content.decode()
    assert f'<option value="{roads.pk}" selected>Roads department</option>' in form


def test_subscribing_by_name(client, bulletins, roads):  # noqa: F811
    from addons.bulletins.models import Subscription

    response = client.post(SUBSCRIBE, {"addressee_name": "roads dep", "frequency": "daily",
                                       "email": "reader@example.org"})
    assert response.status_code == 200
    assert Subscription.objects.get().addressee_id == roads.pk


@pytest.mark.parametrize("params", [{}, {"addressee_name": "unit 7"}, {"addressee": "deep"}])
def test_queries_are_the_same_with_10_and_300_addressees(client, bulletins, roads,  # noqa: F811
                                                         catalog, params):
    client.get(DIGEST)
    counts = []
    for size in (10, 290):
        bulk_addressees(roads, size, prefix=f"Unit{size}")
        bulk_addressees(catalog, 2, prefix=f"Top{size}")
        if params.get("addressee") == "deep":
            params = {"addressee": roads.pk}
        with CaptureQueriesContext(connection) as queries:
            response = client.get(DIGEST, params)
        counts.append(len(queries))
        select = select_of(response.content.decode())
        assert len(re.findall(r"<option", select)) <= 8 and "Unit" not in select
    assert counts[0] == counts[1]


def test_another_towns_addressee_is_neither_offered_nor_accepted(client, bulletins, roads):  # noqa: F811
    town = add_town("town2.example")
    theirs = town.root_page.add_child(instance=AddresseePage(title="Roads of town 2",
                                                              slug="t2-roads"))
    make_bulletin(theirs, "Town 2 road closed")
    html = client.get(DIGEST).content.decode()
    assert "Roads of town 2" not in html
    refused = client.get(DIGEST, {"addressee": theirs.pk})
    assert "not in the catalog of this site" in unescape(refused.content.decode())
    assert "Town 2 road closed" not in titles(refused)
    mine = client.get(DIGEST, {"addressee_name": "roads"})
    assert titles(mine) == ["Road works on Main Street", "Winter gritting plan"]
