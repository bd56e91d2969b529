"""Every absolute link names the site's public address: its profile's public address, the
request's scheme and host (a TLS proxy's header only when a proxy is trusted), or the
site's hostname and port."""

import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from wagtail.models import Site

from addons.addressees.models import HomePage
from addons.core import mass_email
from addons.core.models import SiteProfile, UnsubscribeAlias, validate_public_url
from addons.core.notifications import notify
from addons.core.sites import absolute_url, public_base_url, public_domain

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_towns(site, root_page):
    """The city on localhost:8001 and a town on town.localhost:8002."""
    site.port = 8001
    site.save()
    home = root_page.add_child(instance=HomePage(title="Town", slug="town-home"))
    town = Site.objects.create(hostname="town.localhost", port=8002, root_page=home,
                               site_name="Town")
    return site, town


def _notify_on(site, citizen, capture):
    with capture(execute=True):
        notify(citizen, "notice_published", {"notice_title": "Water off",
                                             "published": date(2026, 1, 5)},
               url="/notices/", site=site)
    return mail.outbox[-1]


def test_each_site_has_its_own_base_url(two_towns):
    city, town = two_towns
    assert public_base_url(city) == "http://localhost:8001"
    assert public_base_url(town) == "http://town.localhost:8002"
    assert absolute_url(town, "/reports/") == "http://town.localhost:8002/reports/"
    assert absolute_url(town, "https://elsewhere.example/x") == "https://elsewhere.example/x"


def test_a_notification_email_carries_its_sites_address(two_towns, citizen,
                                                       django_capture_on_commit_callbacks):
    city, town = two_towns
    first = _notify_on(city, citizen, django_capture_on_commit_callbacks)
    second = _notify_on(town, citizen, django_capture_on_commit_callbacks)
    assert "http://localhost:8001/notices/" in first.body
    assert "http://town.localhost:8002/notices/" in second.body
    assert "127.0.0.1" not in first.body + second.body
    assert second.extra_headers["Message-ID"].endswith("@town.localhost>")


def test_the_profiles_public_address_wins_and_makes_every_link_https(
        two_towns, citizen, django_capture_on_commit_callbacks):
    _city, town = two_towns
    profile = SiteProfile.for_site(town)
    profile.public_url = "https://town.example.org/"
    profile.save()
    message = _notify_on(town, citizen, django_capture_on_commit_callbacks)
    links = re.findall(r"https?://\S+", message.body)
    assert links and all(link.startswith("https://town.example.org/") for link in links)
    assert message.extra_headers["Message-ID"].endswith("@town.example.org>")
    token = mass_email.unsubscribe_token("test-kind", 1)
    header = mass_email.list_unsubscribe_headers(token, public_base_url(town))
    assert header["List-Unsubscribe"].startswith(
        f"<https://town.example.org/unsubscribe/{token}/>")
    assert public_domain(town) == "town.example.org"


def test_https_setting_without_a_profile_address(two_towns, settings):
    city, _town = two_towns
    settings.CIVICDESK_PUBLIC_HTTPS = True
    assert public_base_url(city) == "https://localhost:8001"
    city.port = 80
    city.save()
    assert public_base_url(city) == "https://localhost"
    settings.CIVICDESK_PUBLIC_HTTPS = None
    settings.SECURE_SSL_REDIRECT = True  # production's default
    assert public_base_url(city) == "https://localhost"


def _request(host, **headers):
    return RequestFactory().get("/", HTTP_HOST=host, **headers)


def test_a_request_through_the_trusted_proxy_gives_https(two_towns, settings):
    city, town = two_towns
    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = _request("town.localhost:8002", HTTP_X_FORWARDED_PROTO="https")
    assert public_base_url(town, request) == "https://town.localhost:8002"
    # a request for one town does not lend its host to another town's links
    assert public_base_url(city, request) == "http://localhost:8001"


def test_without_a_trusted_proxy_the_header_is_ignored(two_towns, settings):
    _city, town = two_towns
    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_PROXY_SSL_HEADER = None
    request = _request("town.localhost:8002", HTTP_X_FORWARDED_PROTO="https")
    assert public_base_url(town, request) == "http://town.localhost:8002"


@pytest.mark.parametrize("count, expected", [("0", "None"),
                                             ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")])
def test_the_proxy_header_is_trusted_only_with_a_trusted_proxy(count, expected):
    env = {**os.environ, "TRUSTED_PROXY_COUNT": count, "PYTHONPATH": str(ROOT / "site")}
    for name in ("DJANGO_SETTINGS_MODULE", "CIVICDESK_VAR_DIR"):
        env.pop(name, None)
    env["CIVICDESK_VAR_DIR"] = str(ROOT / "var")
    out = subprocess.run(
        [sys.executable, "-c", "from civicdesk.settings import base; "
         "print(getattr(base, 'SECURE_PROXY_SSL_HEADER', None))"],
        env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == expected


@pytest.mark.parametrize("value", ["city.example.org", "ftp://city.example.org",
                                   "https://city.example.org/path", "https://",
                                   "https://city.example.org/?a=1", "https://u:p@city.example"])
def test_a_public_address_must_be_an_absolute_http_url(value):
    with pytest.raises(ValidationError):
        validate_public_url(value)


@pytest.mark.parametrize("value", ["", "https://city.example.org", "http://town.localhost:8002/"])
def test_valid_public_addresses(value):
    validate_public_url(value)


def test_the_unsubscribe_mailto_local_part_stays_within_64_octets(settings):
    settings.DEFAULT_FROM_EMAIL = "City <news@city.example>"
    short = mass_email.unsubscribe_token("k", 1)
    assert mass_email.unsubscribe_mailto(short) == f"unsubscribe+{short}@city.example"
    long = mass_email.unsubscribe_token("bulletins.subscription",
                                        ",".join(str(n) for n in range(10**6, 10**6 + 40)))
    address = mass_email.unsubscribe_mailto(long)
    local = address.partition("@")[0]
    assert len(local.encode()) <= 64
    assert mass_email.unsubscribe_mailto(long) == address  # the same alias every time
    assert UnsubscribeAlias.objects.count() == 1
    assert mass_email.token_from_address(address) == long
    assert mass_email.read_unsubscribe_token(mass_email.token_from_address(address))[0] == (
        "bulletins.subscription")
    assert mass_email.token_from_address("unsubscribe+aUnknownAlias@city.example") is None


def test_the_demo_follows_the_port_it_is_served_on():
    from addons.addressees.management.commands.load_demo import _set_port

    spec = {"hostname": "ro.localhost", "port": 8000, "url": "http://ro.localhost:8000/"}
    _set_port(spec, 8001)
    assert spec == {"hostname": "ro.localhost", "port": 8001, "url": "http://ro.localhost:8001/"}
    out = subprocess.run(["make", "-n", "demo", "PORT=8001", "VENV=/nonexistent"], cwd=ROOT,
                         capture_output=True, text=True)
    assert "load_demo --port 8001" in out.stdout
