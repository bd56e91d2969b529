"""Bulletin e-mails and feeds name the site's own public address: each town's digest its
own links, https everywhere when the site's public address is https, a List-Id per site,
Message-IDs on the site's domain; a filtered feed's rel="self" is the filtered URL; the
bulletin pages link to addressees on the same site by path."""

import re
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import Site

from addons.addressees.models import AddresseeCatalogPage, AddresseePage, HomePage
from addons.bulletins import delivery
from addons.core.models import SiteProfile

from .conftest import make_bulletin, make_subscription

pytestmark = pytest.mark.django_db
ATOM = {"a": "http://www.w3.org/2005/Atom"}


@pytest.fixture
def town(root_page):
    home = root_page.add_child(instance=HomePage(title="Town", slug="town-home"))
    site = Site.objects.create(hostname="town.localhost", port=8002, root_page=home,
                               site_name="Town")
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Catalog", slug="catalog"))
    mayor = catalog.add_child(instance=AddresseePage(title="Town mayor", slug="mayor"))
    return site, mayor


def _links(message):
    html = message.alternatives[0][0]
    links = re.findall(r"https?://[^\s\"<>]+", message.body + html)
    links += re.findall(r"<(https?://[^>]+)>", message.extra_headers["List-Unsubscribe"])
    return links


def test_each_towns_digest_carries_its_own_address(site, roads, town):
    site.port = 8001
    site.save()
    town_site, mayor = town
    make_subscription(site, "city@example.org", addressee=roads)
    make_subscription(town_site, "town@example.org", addressee=mayor)
    make_bulletin(roads, "Water outage")
    make_bulletin(mayor, "Town fair")
    assert delivery.send_digest("daily") == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    city_links = _links(by_address["city@example.org"])
    town_links = _links(by_address["town@example.org"])
    assert city_links and all(u.startswith("http://localhost:8001/") for u in city_links)
    assert town_links and all(u.startswith("http://town.localhost:8002/") for u in town_links)
    assert by_address["city@example.org"].extra_headers["List-Id"] == "<bulletins.localhost>"
    town_mail = by_address["town@example.org"]
    assert town_mail.extra_headers["List-Id"] == "<bulletins.town.localhost>"
    assert town_mail.extra_headers["Message-ID"].endswith("@town.localhost>")


def test_with_an_https_public_address_every_link_is_https(site, roads):
    profile = SiteProfile.for_site(site)
    profile.public_url = "https://city.example.org"
    profile.save()
    make_subscription(site, addressee=roads)
    make_bulletin(roads, "Water outage")
    delivery.send_digest("daily")
    (message,) = mail.outbox
    links = _links(message)
    assert len(links) >= 3
    assert all(link.startswith("https://city.example.org/") for link in links)
    assert message.extra_headers["List-Id"] == "<bulletins.city.example.org>"
    assert message.extra_headers["Message-ID"].endswith("@city.example.org>")
    local = re.search(r"<mailto:([^@>]+)@", message.extra_headers["List-Unsubscribe"]).group(1)
    assert len(local.encode()) <= 64


def test_a_digest_of_many_subscriptions_keeps_a_short_mailto(site, roads):
    for n in range(30):
        make_subscription(site, tags=f"tag{n}")
    make_bulletin(roads, "Water outage", tags=[f"tag{n}" for n in range(30)])
    delivery.send_digest("daily")
    (message,) = mail.outbox
    local = re.search(r"<mailto:([^@>]+)@", message.extra_headers["List-Unsubscribe"]).group(1)
    assert len(local.encode()) <= 64


def test_the_confirmation_email_uses_the_sites_address(client, site, roads):
    profile = SiteProfile.for_site(site)
    profile.public_url = "https://city.example.org"
    profile.save()
    from addons.bulletins import services

    subscription = make_subscription(site, "new@example.org", addressee=roads)
    subscription.confirmed_at = None
    subscription.save()
    assert services.send_confirmation(subscription.pk)
    (message,) = mail.outbox
    assert "https://city.example.org/" in message.body
    assert "127.0.0.1" not in message.body


@pytest.mark.parametrize("name", ["bulletins:atom", "bulletins:rss"])
def test_a_filtered_feeds_self_link_is_the_filtered_url(client, site, roads, name):
    make_bulletin(roads, "Water outage")
    response = client.get(reverse(name), {"addressee": roads.pk, "category": "news"})
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    if name == "bulletins:atom":
        self_link = next(link.get("href") for link in root.findall("a:link", ATOM)
                         if link.get("rel") == "self")
    else:
        self_link = next(link.get("href") for link in root.iter(f"{{{ATOM['a']}}}link")
                         if link.get("rel") == "self")
    parts = urlsplit(self_link)
    assert parts.path == reverse(name)
    assert parse_qs(parts.query) == {"addressee": [str(roads.pk)], "category": ["news"]}


def test_bulletin_pages_link_addressees_by_path_with_two_sites(client, site, roads, town):
    bulletin = make_bulletin(roads, "Water outage")
    for url in (bulletin.get_absolute_url(), reverse("bulletins:digest")):
        body = client.get(url).content.decode()
        assert f'href="{roads.url_path[len(site.root_page.url_path) - 1:]}"' in body
        assert "http://localhost/addressees/" not in body
