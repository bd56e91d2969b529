"""The home page's sections and every page's chrome come from the cache for anonymous
visitors: a fixed, small number of queries whatever the content; each town, language and
visitor gets its own; every change shows on the next view."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.bulletins.models import Bulletin, BulletinStream, BulletinStreamPlacement
from addons.core import activation, public_cache
from addons.core.models import SiteProfile
from tests.conftest import add_town
from tests.core.notice_addon.models import Notice, NoticePlacement

#: Wagtail's own: the site, the page, its view restrictions (2); nothing of the product
WARM_HOME_QUERIES = 4

_serial = itertools.count()


@pytest.fixture(autouse=True)
def _english(client, settings):
    settings.LANGUAGE_CODE = "en"
    client.cookies["civicdesk_language"] = "en"
    return client


def _bulletin(addressee, title, **extra):
    bulletin = Bulletin(addressee=addressee, title=title, body="<p>Text.</p>", live=True,
                        first_published_at=timezone.now(), **extra)
    bulletin.save()
    return bulletin


def furnish(home, size):
    """A home page with a catalog, ``size`` notices and ``size`` bulletins (the site-wide
    stream), as an editor would attach them."""
    catalog = AddresseeCatalogPage.objects.child_of(home).first()
    if catalog is None:
        catalog = home.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                               slug="addressees"))
    addressee = catalog.add_child(instance=AddresseePage(
        title=f"Department {next(_serial)}", slug=f"department-{next(_serial)}"))
    order = NoticePlacement.objects.filter(page=home).count()
    for number in range(size):
        serial = next(_serial)
        notice = Notice.objects.create(title=f"Notice {serial}", slug=f"notice-{serial}")
        NoticePlacement.objects.create(page=home, notice=notice, sort_order=order + number)
        _bulletin(addressee, f"Bulletin {serial}")
    if not BulletinStreamPlacement.objects.filter(page=home).exists():
        stream = BulletinStream.objects.create(title="City news", count=50)
        BulletinStreamPlacement.objects.create(page=home, stream=stream)
    return addressee


def view(client, path="/", host="localhost"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def warm(client, path="/", host="localhost"):
    view(client, path, host)
    view(client, path, host)  # the site's settings rows are created on first use
    return view(client, path, host)


@pytest.mark.django_db
def test_the_warm_home_page_costs_wagtails_queries_at_any_size(client, home, site):
    furnish(home, 2)
    html, small = warm(client)
    assert "Notice" in html and "Bulletin" in html
    furnish(home, 4)  # three times the content
    html, large = warm(client)
    assert html.count('class="notice"') == 6 and html.count("bulletin-item") == 6
    assert small == large <= WARM_HOME_QUERIES, (small, large)


@pytest.mark.django_db
def test_each_town_is_served_its_own_home_page(client, home, site):
    furnish(home, 1)
    town = add_town("town2.example.org", "Second town", slug="second")
    second_home = town.root_page.specific
    notice = Notice.objects.create(title="Notice of the second town", slug="second-notice")
    NoticePlacement.objects.create(page=second_home, notice=notice)
    SiteProfile.objects.update_or_create(site=town, defaults={"municipality_name": "Town Two"})
    SiteProfile.objects.update_or_create(site=site, defaults={"municipality_name": "Town One"})
    for _round in range(2):  # afresh, then from the cache
        first, _count = view(client)
        second, _count = view(client, host="town2.example.org")
        assert "Town One" in first and "Town Two" not in first
        assert "Notice of the second town" not in first and "Bulletin" in first
        assert "Town Two" in second and "Town One" not in second
        assert "Notice of the second town" in second and "bulletin-item" not in second


@pytest.mark.django_db
def test_each_language_has_its_own_cached_sections(client, home, site):
    furnish(home, 1)
    english, _count = view(client)
    assert ">Bulletins</h2>" in english
    client.cookies["civicdesk_language"] = "uk"
    ukrainian, _count = view(client)
    assert ">Бюлетені</h2>" in ukrainian and ">Bulletins</h2>" not in ukrainian
    client.cookies["civicdesk_language"] = "en"
    again, _count = view(client)
    assert ">Bulletins</h2>" in again and "Бюлетені" not in again


@pytest.mark.django_db
def test_signed_in_people_never_share_the_anonymous_header(client, home, site,
                                                            django_user_model):
    furnish(home, 1)
    anonymous, _count = warm(client)
    assert "Log in" in anonymous and "My cabinet" not in anonymous
    citizen = django_user_model.objects.create_user(username="olena", email="o@example.org",
                                                    password="x")
    staff = django_user_model.objects.create_superuser(username="boss",
                                                       email="b@example.org", password="x")
    for person in (citizen, staff):
        client.force_login(person)
        html, _count = view(client)
        assert "My cabinet" in html and "Log out" in html and ">Log in<" not in html
        assert "Bulletin" in html  # the sections are there too
        client.logout()  # which forgets the cookies, the language's too
        client.cookies["civicdesk_language"] = "en"
        html, _count = view(client)
        assert ">Log in<" in html and "My cabinet" not in html and "Log out" not in html


@pytest.mark.django_db
def test_a_published_bulletin_shows_on_the_next_view(client, home, site):
    addressee = furnish(home, 1)
    html, _count = warm(client)
    assert "Water is back" not in html
    _bulletin(addressee, "Water is back")
    html, _count = view(client)
    assert "Water is back" in html


@pytest.mark.django_db
def test_an_expiring_bulletin_leaves_at_the_next_minute(client, home, site, monkeypatch):
    addressee = furnish(home, 1)
    _bulletin(addressee, "Closed today", expire_at=timezone.now() + timedelta(seconds=5))
    html, _count = warm(client)
    assert "Closed today" in html
    later = timezone.now() + timedelta(seconds=70)
    monkeypatch.setattr(public_cache.time, "time", lambda: later.timestamp())
    monkeypatch.setattr(timezone, "now", lambda: later)
    html, _count = view(client)
    assert "Closed today" not in html


@pytest.mark.django_db
def test_a_changed_notice_and_site_profile_show_on_the_next_view(client, home, site):
    furnish(home, 1)
    profile = SiteProfile.for_site(site)
    profile.municipality_name = "Old name"
    profile.save()
    html, _count = warm(client)
    assert "Old name" in html
    notice = Notice.objects.first()
    notice.title = "Renamed notice"
    notice.save()
    profile = SiteProfile.objects.get(site=site)  # as the settings form does
    profile.municipality_name = "New name"
    profile.postal_address = "1 Square"
    profile.save()
    html, _count = view(client)
    assert "Renamed notice" in html
    assert "New name" in html and "Old name" not in html and "1 Square" in html


@pytest.mark.django_db
def test_a_switched_off_addon_leaves_at_once(client, home, site):
    furnish(home, 1)
    html, _count = warm(client)
    assert "bulletins-section" in html and 'href="/bulletins/"' in html
    activation.disable(site, "bulletins")
    html, _count = view(client)
    assert "bulletins-section" not in html and 'href="/bulletins/"' not in html
    activation.enable(site, "bulletins")
    html, _count = view(client)
    assert "bulletins-section" in html


@pytest.mark.django_db
def test_a_page_published_in_the_menu_shows_at_once(client, home, site):
    furnish(home, 1)
    warm(client)
    page = home.add_child(instance=AddresseeCatalogPage(title="Services", slug="services",
                                                        show_in_menus=True, live=False))
    page.save_revision().publish()
    html, _count = view(client)
    assert ">Services</a>" in html


@pytest.mark.django_db
def test_a_section_of_the_visitors_own_is_rendered_every_time(client, home, site,
                                                              monkeypatch,
                                                              render_every_view):
    furnish(home, 1)
    monkeypatch.setattr(NoticePlacement, "section_cache", False)
    html, _count = warm(client)
    # a change nobody signals (a bulk update) still shows: nothing was kept
    Notice.objects.update(title="Changed in bulk")
    html, _count = view(client)
    assert "Changed in bulk" in html


@pytest.mark.django_db
def test_a_section_with_a_csrf_token_is_never_shared(client, home, site, monkeypatch,
                                                     settings, tmp_path):
    """Whatever the placement declares, a form with a CSRF token is not kept."""
    from django.template import engines

    furnish(home, 1)
    template = tmp_path / "notice_addon" / "section.html"
    template.parent.mkdir()
    template.write_text('<form method="post">{% csrf_token %}{{ placements|length }}</form>')
    original = engines["django"].engine.find_template

    def find(name, dirs=None, skip=None):
        if name == "notice_addon/section.html":
            return engines["django"].from_string(template.read_text()).template, None
        return original(name, dirs, skip)

    monkeypatch.setattr(engines["django"].engine, "find_template", find)
    first_client, second_client = client, type(client)()
    first, _count = view(first_client)
    second, _count = view(second_client)
    marker = 'name="csrfmiddlewaretoken" value="'
    assert marker in first and marker in second
    assert first.split(marker)[1][:20] != second.split(marker)[1][:20]


@pytest.mark.django_db
def test_previews_and_requests_without_a_page_are_never_cached(rf, home, site):
    furnish(home, 1)
    request = rf.get("/", HTTP_HOST="localhost")
    request.is_preview = True
    assert not public_cache.cacheable(request, home)
    assert not public_cache.cacheable(rf.get("/"), AddresseePage(title="New"))


@pytest.mark.django_db
def test_the_chrome_costs_no_query_on_a_warm_page(client, home, site):
    """The site profile (with the coat of arms), the add-on switches and the menu are read
    from the cache: a warm page runs none of their queries."""
    from tests.conftest import make_coat_of_arms

    furnish(home, 1)
    profile = SiteProfile.for_site(site)
    profile.coat_of_arms = make_coat_of_arms()
    profile.save()
    warm(client)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/", HTTP_HOST="localhost").content.decode()
    assert "site-arms" in html
    product = [q["sql"] for q in queries.captured_queries
               if any(table in q["sql"] for table in (
                   "core_siteprofile", "core_addonactivation", "wagtailimages_image",
                   "notice_addon", "bulletins_"))]
    assert product == []


@pytest.mark.django_db
def test_a_new_public_report_moves_the_maps_centre_at_once(client, home, site,
                                                           django_user_model):
    """A situational map with no centre configured looks at the middle of the public
    reports: a new one shows on the next view of the cached section."""
    from addons.core.geo import Point
    from addons.reports.models import (
        ReportCategory,
        SituationalMap,
        SituationalMapPlacement,
    )
    from addons.reports.services import create_defaults, submit_report

    catalog = home.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                           slug="addressees"))
    catalog.add_child(instance=AddresseePage(title="Roads", slug="roads"))
    create_defaults(site)
    SituationalMapPlacement.objects.create(
        page=home, map=SituationalMap.objects.create(title="Problems"), sort_order=0)
    html, _count = warm(client)
    assert 'data-lat=""' in html
    reporter = django_user_model.objects.create_user(username="olena",
                                                     email="o@example.org", password="x")
    category = ReportCategory.objects.filter(site=site, parent__isnull=False).first()
    report = submit_report(site=site, category=category, point=Point(49.25, 31.5),
                           description="Deep pothole in front of house 15.",
                           reporter=reporter)
    assert report.status.is_public
    html, _count = view(client)
    assert 'data-lat="49.25"' in html and 'data-lng="31.5"' in html
