"""A campaign's links, List-Unsubscribe and Message-ID name the site's public address."""

import re

import pytest
from django.core import mail

from addons.mailings.models import Delivery

from .conftest import make_campaign

pytestmark = pytest.mark.django_db


def test_an_https_public_address_makes_every_link_https(site, profile, settings, start):
    settings.DEFAULT_FROM_EMAIL = "City <news@city.example>"
    site.port = 8001
    site.save()
    profile.public_url = "https://city.example.org"
    profile.save()
    start(make_campaign(site, emails=["ana@example.org"]))
    (message,) = mail.outbox
    delivery = Delivery.objects.get(email="ana@example.org")
    links = re.findall(r"https?://[^\s>]+", message.body)
    links += re.findall(r"<(https?://[^>]+)>", message.extra_headers["List-Unsubscribe"])
    assert links and all(link.startswith("https://city.example.org/") for link in links)
    assert message.extra_headers["Message-ID"] == (
        f"<mailing-{delivery.campaign_id}-{delivery.pk}@city.example.org>")
    assert message.extra_headers["Message-ID"] == delivery.message_id


def test_without_a_public_address_the_sites_host_and_port(site, profile, start):
    site.port = 8001
    site.save()
    start(make_campaign(site, emails=["ana@example.org"]))
    (message,) = mail.outbox
    assert "http://localhost:8001/unsubscribe/" in message.body
    assert message.extra_headers["Message-ID"].endswith("@localhost>")
