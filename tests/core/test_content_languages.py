"""Content in the visitor's language: translated fields per URL language on two towns,
the site-language fallback with its note, language prefixes per site, hreflang, a content
language offered by one town only, and the admin form's per-language fields."""

import re

import pytest
from django.test import override_settings
from wagtail.models import Site

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.core.models import SiteProfile
from tests.conftest import add_town

RO = "ro.localhost"


@pytest.fixture
def towns(site, home):
    """A Ukrainian city (default site) and a Romanian town offering English and Hungarian."""
    SiteProfile.objects.update_or_create(
        site=site, defaults={"default_language": "uk", "jurisdiction": "ua"})
    home.title = "Головна"
    home.intro = "<p>Вітаємо в місті.</p>"
    home.translations = {"en": {"title": "Welcome", "intro": "<p>Welcome to the city.</p>"}}
    home.save()
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Адресати", slug="addressees"))
    cnap = catalog.add_child(instance=AddresseePage(
        title="Центр надання адміністративних послуг", slug="cnap",
        summary="Довідки та дозволи",
        translations={"en": {"title": "Administrative Services Centre"}},
    ))
    ro_site = add_town(RO, "Primăria", slug="ro-home", jurisdiction="ro", language="ro")
    SiteProfile.objects.filter(site=ro_site).update(content_languages=["en", "hu"])
    ro_home = ro_site.root_page.specific
    ro_home.title = "Bine ați venit"
    ro_home.translations = {"en": {"title": "Welcome to the town"},
                            "hu": {"title": "Üdvözöljük", "intro": "<p>Magyarul.</p>"}}
    ro_home.intro = "<p>Primăria vă stă la dispoziție.</p>"
    ro_home.save()
    return {"ua": site, "ro": ro_site, "catalog": catalog, "cnap": cnap, "ro_home": ro_home}


def h1(response):
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)
    return match.group(0) if match else ""


def test_translated_title_per_url_language_on_two_towns(client, towns):
    assert "Головна" in h1(client.get("/"))
    english = client.get("/en/")
    assert english.status_code == 200
    # the interface is English too: no lang attribute needed
    assert h1(english) == "<h1>Welcome</h1>"
    assert "Welcome to the city." in english.content.decode()
    assert english.headers["Content-Language"] == "en"
    assert '<html lang="en"' in english.content.decode()

    assert "Bine ați venit" in h1(client.get("/", HTTP_HOST=RO))
    assert "Welcome to the town" in h1(client.get("/en/", HTTP_HOST=RO))
    # the addressee page: one page, its English title on /en/, Ukrainian on /
    assert "Центр надання" in h1(client.get("/addressees/cnap/"))
    page = client.get("/en/addressees/cnap/")
    assert "Administrative Services Centre" in h1(page)
    assert "Центр надання" not in h1(page)


def test_untranslated_content_is_shown_in_the_site_language_with_a_note(client, towns):
    response = client.get("/en/addressees/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "This page is not translated into English; it is shown in Ukrainian." in body
    assert '<h1 lang="uk">Адресати</h1>' in body
    # a translated page has no note; its untranslated summary is marked Ukrainian
    page = client.get("/en/addressees/cnap/").content.decode()
    assert "is not translated" not in page
    assert '<p class="lead" lang="uk">Довідки та дозволи</p>' in page
    # the site's own language: no note
    assert "not translated" not in client.get("/addressees/").content.decode()


def test_language_prefix_routing(client, towns):
    assert client.get("/").status_code == 200
    assert client.get("/addressees/cnap/").status_code == 200
    assert client.get("/en/addressees/cnap/").status_code == 200
    assert client.get("/en").status_code in (301, 302)  # a slash is added
    assert client.get("/uk/").status_code == 404  # the site's own language has no prefix
    assert client.get("/xx/").status_code == 404
    assert client.get("/hu/").status_code == 404  # not offered by the Ukrainian city
    assert client.get("/ro/", HTTP_HOST=RO).status_code == 404
    # links on an English page stay English; the admin and the API keep their addresses
    english_home = client.get("/en/").content.decode()
    assert 'href="/en/addressees/cnap/"' in client.get("/en/addressees/").content.decode()
    assert "/en/admin/" not in english_home
    assert client.get("/en/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 200


def test_hreflang_alternates(client, towns):
    body = client.get("/en/addressees/").content.decode()
    assert '<link rel="alternate" hreflang="uk" href="http://testserver/addressees/">' in body
    assert '<link rel="alternate" hreflang="en" href="http://testserver/en/addressees/">' in body
    assert ('<link rel="alternate" hreflang="x-default" href="http://testserver/addressees/">'
            in body)
    assert 'hreflang="hu"' not in body
    ro = client.get("/", HTTP_HOST=RO).content.decode()
    assert f'<link rel="alternate" hreflang="hu" href="http://{RO}/hu/">' in ro
    assert f'<link rel="alternate" hreflang="ro" href="http://{RO}/">' in ro
    assert 'hreflang="uk"' not in ro


def test_a_content_language_without_interface_catalog_on_one_town(client, towns):
    response = client.get("/hu/", HTTP_HOST=RO)
    body = response.content.decode()
    assert response.status_code == 200
    # the interface falls back to the town's Romanian, the content is Hungarian
    assert '<html lang="ro"' in body
    assert '<h1 lang="hu">Üdvözöljük</h1>' in body
    assert '<div class="intro" lang="hu"><p>Magyarul.</p></div>' in body
    assert response.headers["Content-Language"] == "hu"
    # the language switch offers it on that town only
    assert '<option value="hu" lang="hu"' in body
    assert '<option value="hu"' not in client.get("/").content.decode()


def test_language_switch_opens_the_same_page_and_remembers_the_choice(client, towns):
    response = client.get("/language/", {"language": "en", "next": "/addressees/cnap/"})
    assert response.status_code == 302 and response["Location"] == "/en/addressees/cnap/"
    assert response.cookies["civicdesk_language"].value == "en"
    back = client.get("/en/language/", {"language": "uk", "next": "/en/addressees/cnap/"})
    assert back["Location"] == "/addressees/cnap/"
    assert back.cookies["civicdesk_language"].value == "uk"
    # elsewhere and unknown: home, and 404
    assert client.get("/language/", {"language": "en", "next": "https://evil.example/"}
                      )["Location"] == "/en/"
    assert client.get("/language/", {"language": "hu"}).status_code == 404
    # the choice remembered applies to addresses without a prefix
    client.cookies["civicdesk_language"] = "en"
    assert "Administrative Services Centre" in h1(client.get("/addressees/cnap/"))


def test_records_keep_the_one_page_and_saving_keeps_the_site_language(client, towns):
    from addons.core import content_languages as cl

    cnap = AddresseePage.objects.get(pk=towns["cnap"].pk)
    token = cl.activate(cl.ContentLanguage(content="en", site="uk", prefixed=True))
    try:
        assert cnap.title == "Administrative Services Centre"
        cnap.save()  # a save while English is shown writes the stored Ukrainian title
    finally:
        cl.reset(token)
    cnap.refresh_from_db()
    assert cnap.title == "Центр надання адміністративних послуг"
    assert AddresseePage.objects.filter(title__startswith="Центр").count() == 1


def test_admin_edits_the_translations_of_one_page(client, towns, django_user_model):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    admin = django_user_model.objects.create_superuser("editor", "editor@example.org", "x")
    client.force_login(admin)
    home = towns["ua"].root_page.specific
    edit = client.get(f"/admin/pages/{home.pk}/edit/")
    html = edit.content.decode()
    assert 'name="title__en"' in html and 'name="intro__en"' in html
    assert 'name="title__hu"' not in html  # the Ukrainian city does not offer Hungarian
    data = {
        "title": "Головна", "slug": home.slug, "intro": rich_text(home.intro),
        "seo_title": "", "search_description": "",
        "title__en": "Home of the city", "intro__en": rich_text("<p>In English.</p>"),
        "seo_title__en": "", "search_description__en": "",
        "title__ro": "Acasă", "intro__ro": rich_text(""),
        "seo_title__ro": "", "search_description__ro": "",
        "title__bg": "", "intro__bg": rich_text(""),
        "seo_title__bg": "", "search_description__bg": "",
    }
    form = edit.context["form"]
    for name in form.formsets:
        data[name] = inline_formset([])
    data["action-publish"] = "publish"
    response = client.post(f"/admin/pages/{home.pk}/edit/", nested_form_data(data))
    assert response.status_code == 302, response.context["form"].errors
    home.refresh_from_db()
    assert home.title == "Головна"
    assert home.translations["en"]["title"] == "Home of the city"
    assert home.translations["ro"] == {"title": "Acasă"}
    assert "bg" not in home.translations
    assert "Home of the city" in h1(client.get("/en/"))


@override_settings(CIVICDESK_CONTENT_LANGUAGES=["uk", "ro", "bg", "en", "hu"])
def test_site_profile_offers_installation_languages(towns):
    from addons.core.content_languages import site_languages

    assert site_languages(SiteProfile.for_site(towns["ro"])) == ["ro", "en", "hu"]
    assert site_languages(SiteProfile.for_site(towns["ua"])) == ["uk", "ro", "bg", "en"]
    assert Site.objects.count() == 2
