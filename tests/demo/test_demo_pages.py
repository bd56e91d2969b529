"""The demo sites answer in their own language and theme; every demo page renders."""

import pytest
from wagtail.models import Site

from addons.addressees.models import AddresseeGroupPage, AddresseePage

pytestmark = pytest.mark.django_db

UA_HOST = "127.0.0.1:8000"
RO_HOST = "ro.localhost:8000"
BG_HOST = "bg.localhost:8000"


def get(client, host, path):
    return client.get(path, HTTP_HOST=host)


@pytest.mark.parametrize(("host", "language", "theme"), [
    (UA_HOST, "uk", "civic"), ("localhost", "uk", "civic"), (RO_HOST, "ro", "civic"),
    (BG_HOST, "bg", "civic"),
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
    assert "Община Белоречие" in get(client, BG_HOST, "/").content.decode()


def _path(page):
    _site_id, _root, path = page.get_url_parts()
    return path


@pytest.mark.parametrize(("host", "hostname"), [
    (UA_HOST, "127.0.0.1"), (RO_HOST, "ro.localhost"), (BG_HOST, "bg.localhost")])
def test_every_demo_page_renders(client, demo, host, hostname):
    site = Site.objects.get(hostname=hostname)
    pages = site.root_page.get_descendants().live().specific()
    assert pages.exists()
    for page in pages:
        response = get(client, host, _path(page))
        assert response.status_code == 200, (page.title, response.status_code)
        html = response.content.decode()
        # the high-contrast theme is one click away on every page
        assert 'action="/theme/"' in html and 'name="theme" value="contrast"' in html, page.title


@pytest.mark.parametrize(("host", "report", "appeal", "visit", "find"), [
    (UA_HOST, "Повідомити про проблему", "Написати звернення", "Записатися на прийом",
     "Знайти, хто цим займається"),
    (RO_HOST, "Semnalați o problemă", "Trimiteți o petiție", "Programați-vă",
     "Aflați cine se ocupă"),
    (BG_HOST, "Подайте сигнал за проблем", "Подайте сигнал или предложение",
     "Запишете се за посещение", "Намерете кой отговаря"),
])
def test_home_leads_with_the_four_things_citizens_come_for(client, demo, host, report, appeal,
                                                             visit, find):
    html = get(client, host, "/").content.decode()
    cards = html.split('class="quick-cards"')[1].split("</ul>")[0]
    for title in (report, appeal, visit, find):
        assert title in cards, title
    assert 'href="/reports/new/"' in cards and 'href="/appeals/new/' in cards
    assert 'href="/queues/' in cards
    assert cards.count('<svg class="icon') == 4
    # every card leads to a page that answers
    import re

    for url in re.findall(r'class="quick-card[^"]*" href="([^"]+)"', cards):
        assert get(client, host, url.replace("&amp;", "&")).status_code in (200, 302), url


@pytest.mark.parametrize("host", [UA_HOST, RO_HOST, BG_HOST])
def test_header_shows_the_coat_of_arms_and_the_colour(client, demo, host):
    html = get(client, host, "/").content.decode()
    header = html.split("</header>")[0]
    assert 'class="site-arms"' in header
    assert '/brand.css?v=' in html
    css = get(client, host, "/brand.css").content.decode()
    assert "--brand: #" in css and "html:not(.theme-contrast)" in css


@pytest.mark.parametrize("host", [UA_HOST, RO_HOST, BG_HOST])
def test_report_a_problem_in_the_main_menu_and_on_addressee_pages(client, demo, host):
    html = get(client, host, "/").content.decode()
    nav = html.split('class="main-nav')[1].split("</nav>")[0]
    assert 'href="/reports/new/"' in nav
    hostname = host.split(":")[0]
    site = Site.objects.get(hostname=hostname)
    from django.apps import apps

    category = apps.get_model("reports", "ReportCategory").objects.filter(
        site=site, responsible__isnull=False).select_related("responsible").first()
    page_html = get(client, host, _path(category.responsible)).content.decode()
    assert 'href="/reports/new/"' in page_html.split("</header>", 1)[1]


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
