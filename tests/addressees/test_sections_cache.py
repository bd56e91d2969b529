"""An addressee page's add-on sections come from the same cache as the home page's
(core's ``public_cache``): a warm page runs no query of the add-ons or of the chrome at any
size, the feedback form stays the visitor's own, and a change shows on the next view."""

from datetime import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from addons.bulletins.models import Bulletin, BulletinStream, BulletinStreamPlacement
from tests.core.notice_addon.models import Notice, NoticePlacement

from .helpers import add_addressee, bulk_addressees, bulk_specialists, weekday_hours

pytestmark = pytest.mark.django_db

#: Wagtail's own: the site, routing to the addressee (4), its view restrictions (2)
WARM_ADDRESSEE_QUERIES = 7


def furnish(page, size, start=0):
    for number in range(start, start + size):
        notice = Notice.objects.create(title=f"Notice {number}", slug=f"notice-{number}")
        NoticePlacement.objects.create(page=page, notice=notice, sort_order=number)
        Bulletin(addressee=page, title=f"Bulletin {number}", body="<p>x</p>", live=True,
                 first_published_at=timezone.now()).save()
    if not BulletinStreamPlacement.objects.filter(page=page).exists():
        BulletinStreamPlacement.objects.create(
            page=page, stream=BulletinStream.objects.create(title="News", count=50))


def view(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, HTTP_HOST="localhost")
    assert response.status_code == 200
    return response.content.decode(), captured.captured_queries


def warm(client, url):
    view(client, url)
    view(client, url)
    return view(client, url)


def test_a_warm_addressee_page_costs_wagtails_queries_at_any_size(client, catalog):
    page = add_addressee(catalog, "Roads department", office_address="1 Main Street")
    weekday_hours(page, opens=time(0), closes=time(23, 59))
    furnish(page, 2)
    html, small = warm(client, page.url)
    assert "Notice 1" in html and "Bulletin 1" in html and 'id="feedback"' in html
    furnish(page, 4, start=2)
    bulk_addressees(page, 6)
    bulk_specialists(page, 6)
    html, large = warm(client, page.url)
    assert html.count('class="notice"') == 6 and html.count("bulletin-item") == 6
    assert len(small) == len(large) <= WARM_ADDRESSEE_QUERIES, [q["sql"][:90] for q in large]
    product = ("notice_addon", "bulletins_", "\"core_", "addressees_officehours",
               "addressees_specialist", "wagtailimages_")
    assert not [q for q in large if any(table in q["sql"] for table in product)]


def test_the_feedback_form_keeps_each_visitors_token(client, catalog):
    from django.test import Client

    page = add_addressee(catalog, "Roads department")
    furnish(page, 1)
    first, _queries = warm(client, page.url)
    second, _queries = view(Client(), page.url)
    marker = 'name="csrfmiddlewaretoken" value="'
    tokens = {html.split('action="/addressees/')[1].split(marker)[1][:30]
              for html in (first, second)}
    assert len(tokens) == 2


def test_a_bulletin_and_a_changed_notice_show_on_the_next_view(client, catalog):
    page = add_addressee(catalog, "Roads department")
    furnish(page, 1)
    html, _queries = warm(client, page.url)
    assert "Pipes replaced" not in html
    Bulletin(addressee=page, title="Pipes replaced", body="<p>x</p>", live=True,
             first_published_at=timezone.now()).save()
    notice = Notice.objects.get(slug="notice-0")
    notice.title = "Notice renamed"
    notice.save()
    html, _queries = view(client, page.url)
    assert "Pipes replaced" in html and "Notice renamed" in html


def test_another_addressees_page_gets_its_own_sections(client, catalog):
    roads = add_addressee(catalog, "Roads department")
    parks = add_addressee(catalog, "Parks department")
    furnish(roads, 1)
    notice = Notice.objects.create(title="Parks notice", slug="parks")
    NoticePlacement.objects.create(page=parks, notice=notice)
    for _round in range(2):
        html, _queries = view(client, roads.url)
        assert "Notice 0" in html and "Parks notice" not in html
        html, _queries = view(client, parks.url)
        assert "Parks notice" in html and "Notice 0" not in html
