from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone

from addons.bulletins.models import Category
from addons.core import activation

from .conftest import make_bulletin

DIGEST = reverse("bulletins:digest")


def titles(response):
    return [bulletin.title for bulletin in response.context["bulletins"]]


@pytest.fixture
def bulletins(site, committee, roads, parks):
    now = timezone.now()
    return {
        "committee": make_bulletin(committee, "Council session on Friday",
                                   category=Category.ANNOUNCEMENT, tags=["council"],
                                   published=now - timedelta(days=1)),
        "roads": make_bulletin(roads, "Road works on Main Street", tags=["roads", "traffic"],
                               published=now - timedelta(days=2)),
        "roads_old": make_bulletin(roads, "Winter gritting plan",
                                   category=Category.MESSAGE, tags=["roads"],
                                   published=now - timedelta(days=40)),
        "parks": make_bulletin(parks, "New playground in the central park",
                               body="<p>Swings and a sandpit.</p>",
                               published=now - timedelta(hours=3)),
    }


def test_digest_lists_everything_newest_first(client, bulletins):
    response = client.get(DIGEST)
    assert response.status_code == 200
    assert titles(response) == ["New playground in the central park",
                                "Council session on Friday", "Road works on Main Street",
                                "Winter gritting plan"]


def test_filter_by_addressee_with_and_without_subtree(client, bulletins, committee, roads):
    only = client.get(DIGEST, {"addressee": committee.pk})
    assert titles(only) == ["Council session on Friday"]
    subtree = client.get(DIGEST, {"addressee": committee.pk, "subtree": "on"})
    assert titles(subtree) == ["Council session on Friday", "Road works on Main Street",
                               "Winter gritting plan"]
    assert titles(client.get(DIGEST, {"addressee": roads.pk})) == [
        "Road works on Main Street", "Winter gritting plan"]


def test_filter_by_category_dates_and_tags(client, bulletins):
    assert titles(client.get(DIGEST, {"category": "message"})) == ["Winter gritting plan"]
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert titles(client.get(DIGEST, {"date_from": week_ago, "tags": "roads"})) == [
        "Road works on Main Street"]
    old = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert titles(client.get(DIGEST, {"date_to": old})) == ["Winter gritting plan"]
    assert titles(client.get(DIGEST, {"tags": "council, traffic"})) == [
        "Council session on Friday", "Road works on Main Street"]


def test_search_over_title_body_and_tags(client, bulletins):
    assert titles(client.get(DIGEST, {"q": "playground"})) == [
        "New playground in the central park"]
    assert titles(client.get(DIGEST, {"q": "sandpit"})) == [
        "New playground in the central park"]
    assert titles(client.get(DIGEST, {"q": "traffic"})) == ["Road works on Main Street"]
    assert titles(client.get(DIGEST, {"q": "gritting", "category": "news"})) == []


def test_bad_dates_are_reported_and_kept(client, bulletins):
    response = client.get(DIGEST, {"date_from": "2026-05-10", "date_to": "2026-05-01",
                                   "q": "roads"})
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    form = response.context["form"]
    assert form["date_to"].value() == "2026-05-01" and form["q"].value() == "roads"


def test_pagination_in_the_database(client, roads):
    for n in range(25):
        make_bulletin(roads, f"Bulletin {n:02d}",
                      published=timezone.now() - timedelta(minutes=n))
    first = client.get(DIGEST)
    second = client.get(DIGEST, {"page": 2})
    assert len(titles(first)) == 20 and titles(second) == [f"Bulletin {n:02d}"
                                                           for n in range(20, 25)]
    assert first.context["page"].paginator.count == 25


@pytest.mark.parametrize("params", [{}, {"addressee": "committee", "subtree": "on",
                                          "category": "news", "tags": "roads"},
                                     {"q": "street"}])
def test_query_count_does_not_grow_with_bulletins(client, roads, committee, params,
                                                  django_assert_num_queries):
    params = {key: (committee.pk if value == "committee" else value)
              for key, value in params.items()}
    make_bulletin(roads, "Street one", tags=["roads"])
    client.get(DIGEST, params)  # warm the caches (site, activation, settings)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(DIGEST, params)
    for n in range(30):
        make_bulletin(roads, f"Street {n}", tags=["roads", f"tag{n}"])
    with django_assert_num_queries(len(few)):
        response = client.get(DIGEST, params)
    assert len(response.context["bulletins"]) == 20


def test_html_in_a_title_is_shown_as_text(client, roads):
    bulletin = make_bulletin(roads, "<script>alert(1)</script> <b>Bold</b> news")
    for url in (DIGEST, bulletin.get_absolute_url(), reverse("bulletins:rss")):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "<b>Bold</b>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_rss_and_atom_follow_the_filter(client, bulletins, roads):
    rss = client.get(reverse("bulletins:rss"), {"addressee": roads.pk})
    assert rss["Content-Type"].startswith("application/rss+xml")
    items = ElementTree.fromstring(rss.content).findall("./channel/item")
    assert [item.findtext("title") for item in items] == ["Road works on Main Street",
                                                          "Winter gritting plan"]
    assert items[0].findtext("link").endswith(bulletins["roads"].get_absolute_url())
    atom = client.get(reverse("bulletins:atom"), {"category": "announcement"})
    assert atom["Content-Type"].startswith("application/atom+xml")
    namespace = {"a": "http://www.w3.org/2005/Atom"}
    entries = ElementTree.fromstring(atom.content).findall("a:entry", namespace)
    assert [entry.findtext("a:title", namespaces=namespace) for entry in entries] == [
        "Council session on Friday"]


def test_detail_shows_a_public_bulletin_only(client, roads):
    shown = make_bulletin(roads, "Water outage", tags=["water"])
    draft = make_bulletin(roads, "Secret draft", live=False)
    expired = make_bulletin(roads, "Old", expire_at=timezone.now() - timedelta(hours=1))
    response = client.get(shown.get_absolute_url())
    assert response.status_code == 200
    assert "Water outage" in response.content.decode()
    assert "?tags=water" in response.content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(expired.get_absolute_url()).status_code == 404


def test_stream_on_the_addressee_page(client, committee, roads, bulletins):
    from addons.bulletins.models import BulletinStream, BulletinStreamPlacement

    stream = BulletinStream.objects.create(title="Committee news", include_subtree=True,
                                           count=2)
    BulletinStreamPlacement.objects.create(page=committee, stream=stream)
    page = client.get(committee.url).content.decode()
    assert "Council session on Friday" in page and "Road works on Main Street" in page
    assert "Winter gritting plan" not in page  # the stream shows the newest two
    assert f"{reverse('bulletins:subscribe')}?addressee={committee.pk}&amp;subtree=on" in page


def test_disabled_addon_hides_digest_and_stream(client, site, committee, bulletins):
    from addons.bulletins.models import BulletinStream, BulletinStreamPlacement

    stream = BulletinStream.objects.create(title="Committee news")
    BulletinStreamPlacement.objects.create(page=committee, stream=stream)
    activation.disable(site, "bulletins")
    assert client.get(DIGEST).status_code == 404
    response = client.get(committee.url)
    assert response.status_code == 200
    assert "Council session on Friday" not in response.content.decode()
    activation.enable(site, "bulletins")
    assert "Council session on Friday" in client.get(committee.url).content.decode()


def test_count_is_capped_and_says_so(client, roads, monkeypatch):
    from addons.bulletins import views

    monkeypatch.setattr(views, "COUNT_CAP", 5)
    for n in range(7):
        make_bulletin(roads, f"Bulletin {n}", published=timezone.now() - timedelta(hours=n))
    response = client.get(DIGEST)
    assert response.context["capped"] and response.context["page"].paginator.count == 5
    assert "More than 5 bulletins" in response.content.decode()
    older = (timezone.localdate() - timedelta(days=2)).isoformat()
    assert not client.get(DIGEST, {"date_to": older}).context["capped"]


def test_detail_shows_image_and_attachments(client, roads, settings, tmp_path):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    from addons.bulletins.models import BulletinAttachment

    settings.MEDIA_ROOT = str(tmp_path)
    image = Image.objects.create(title="Closed street", file=get_test_image_file())
    document = Document.objects.create(title="detour-map",
                                       file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="map.pdf"))
    bulletin = make_bulletin(roads, "Road closed", image=image)
    BulletinAttachment.objects.create(bulletin=bulletin, document=document,
                                      title="Detour map")
    body = client.get(bulletin.get_absolute_url()).content.decode()
    assert "<img" in body and 'alt="Closed street"' in body
    assert "Detour map" in body and document.url in body and "(PDF)" in body


def test_stream_on_the_home_page_shows_the_whole_city(client, home, bulletins):
    from addons.bulletins.models import BulletinStream, BulletinStreamPlacement

    stream = BulletinStream.objects.create(title="City news", count=3)
    BulletinStreamPlacement.objects.create(page=home, stream=stream)
    page = client.get(home.url).content.decode()
    assert "New playground in the central park" in page
    assert "Council session on Friday" in page and "Road works on Main Street" in page
    assert "Winter gritting plan" not in page
