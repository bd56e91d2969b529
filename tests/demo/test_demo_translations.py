"""The demo towns' translations: English on both, Hungarian on the Romanian town only."""

import re

import pytest
import yaml

from addons.addressees.management.commands.load_demo import DEMO_DIR
from addons.core.demo_translations import _page
from addons.core.models import SiteProfile

pytestmark = pytest.mark.django_db

UA_HOST = "127.0.0.1:8000"
RO_HOST = "ro.localhost:8000"


def h1(client, host, path):
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200, (host, path, response.status_code)
    return re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S).group(0)


def test_every_translated_demo_page_exists(demo):
    from wagtail.models import Site

    for path in sorted((DEMO_DIR / "translations").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        site = Site.objects.get(hostname=data["site"])
        for page_path in data["pages"]:
            page = _page(site, page_path)
            assert page is not None, (path.name, page_path)
            assert page.specific.translations, (path.name, page_path)


def test_demo_towns_in_english_and_hungarian(client, demo):
    assert "Svitlohirsk City Council" in h1(client, UA_HOST, "/en/")
    assert "Центр надання" in h1(client, UA_HOST, "/katalog/cnap/")
    assert "Administrative Services Centre" in h1(client, UA_HOST, "/en/katalog/cnap/")
    assert "Valea Verde Town Hall" in h1(client, RO_HOST, "/en/")
    hungarian = h1(client, RO_HOST, "/hu/")
    assert 'lang="hu"' in hungarian and "Polgármesteri Hivatala" in hungarian
    assert client.get("/hu/", HTTP_HOST=UA_HOST).status_code == 404
    profile = SiteProfile.objects.get(site__hostname="ro.localhost")
    assert profile.content_languages == ["en", "hu"]
