"""The demo sites answer in their own language and theme; every demo page renders."""

import pytest
from wagtail.models import Site

from addons.addressees.models import AddresseeGroupPage, AddresseePage

pytestmark = pytest.mark.django_db

UA_HOST = "127.0.0.1:8000"
RO_HOST = "ro.localhost:8000"


def get(client, host, path):
    return client.get(path, HTTP_HOST=host)


@pytest.mark.parametrize(("host", "language", "theme"), [
    (UA_HOST, "uk", "civic"), ("localhost", "uk", "civic"), (RO_HOST, "ro", "contrast"),
])
def test_home_in_site_language_and_theme(client, demo, host, language, theme):
    response = get(client, host, "/")
    assert response.status_code == 200
    assert response["Content-Language"] == language
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert f"/static/{theme}/" in html


def test_home_titles(client, demo):
    assert "Світлогірськ" in get(client, UA_HOST, "/").content.decode()
    assert "Valea Verde" in get(client, RO_HOST, "/").content.decode()


def _path(page):
    _site_id, _root, path = page.get_url_parts()
    return path


@pytest.mark.parametrize(("host", "hostname"), [(UA_HOST, "127.0.0.1"), (RO_HOST, "ro.localhost")])
def test_every_demo_page_renders(client, demo, host, hostname):
    site = Site.objects.get(hostname=hostname)
    pages = site.root_page.get_descendants().live().specific()
    assert pages.exists()
    for page in pages:
        response = get(client, host, _path(page))
        assert response.status_code == 200, (page.title, response.status_code)


def test_catalog_lists_top_level_and_addressee_shows_contacts(client, demo):
    html = get(client, UA_HOST, "/katalog/").content.decode()
    assert "Міський голова" in html and "Світлогірськводоканал" in html
    page = AddresseePage.objects.get(slug="zvernennia-hromadian")
    html = get(client, UA_HOST, _path(page)).content.decode()
    assert page.title in html and page.phone in html and page.email in html
    deputies = AddresseeGroupPage.objects.get(slug="deputaty")
    html = get(client, UA_HOST, _path(deputies)).content.decode()
    assert "Бондар Андрій Васильович" in html


def test_every_deputy_receives_by_a_rule_listed_on_the_receptions_page(client, demo):
    from addons.queues.models import Queue

    site = Site.objects.get(is_default_site=True)
    deputies = AddresseePage.objects.descendant_of(site.root_page).filter(kind="deputy")
    assert deputies.exists()
    html = get(client, UA_HOST, "/queues/receptions/").content.decode()
    for deputy in deputies:
        queue = Queue.objects.get(addressee=deputy)
        rule = queue.reception_rules.get()
        hours = deputy.office_hours.first()
        assert (rule.weekday, rule.start) == (hours.weekday, hours.opens)
        assert queue.exceptions.filter(generated=True).exists()
        assert deputy.title in html
