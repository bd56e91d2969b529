"""Themes: each site renders with the theme named in its SiteProfile, and the compiled
template cache of one theme never serves another site."""


import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory
from wagtail.models import Site

from addons.core.models import SiteProfile
from addons.core.themes import THEME_COOKIE
from tests.conftest import make_coat_of_arms

CIVIC_CSS = "/static/civic/css/site.css"
CONTRAST_CSS = "/static/contrast/css/site.css"
CONTRAST_HEADER = "site-header-large"


@pytest.fixture
def two_sites(home):
    """The default site (civic theme) and a Romanian site on ro.localhost (contrast)."""
    from addons.addressees.models import HomePage

    ro_home = home.get_parent().add_child(instance=HomePage(title="Acasă", slug="ro-home"))
    ro_site = Site.objects.create(hostname="ro.localhost", port=80, root_page=ro_home)
    default_site = Site.objects.get(is_default_site=True)
    SiteProfile.objects.update_or_create(
        site=default_site, defaults={"theme": "civic", "municipality_name": "Civic City"}
    )
    SiteProfile.objects.update_or_create(
        site=ro_site,
        defaults={"theme": "contrast", "default_language": "ro", "municipality_name": "Oraș"},
    )
    return default_site, ro_site


def get_home(client, host):
    response = client.get("/", HTTP_HOST=host)
    assert response.status_code == 200
    return response.content.decode()


def test_each_site_renders_its_own_theme(client, two_sites):
    civic = get_home(client, "localhost")
    contrast = get_home(client, "ro.localhost")

    assert CIVIC_CSS in civic
    assert CONTRAST_CSS not in civic
    assert CONTRAST_HEADER not in civic

    assert CONTRAST_CSS in contrast
    assert CIVIC_CSS not in contrast.split("</head>")[0].replace("civic/css/print.css", "")
    assert CONTRAST_HEADER in contrast
    assert 'lang="ro"' in contrast


def test_template_cache_does_not_leak_between_themes(client, two_sites):
    # Alternate the two hosts: each answer must still carry its own theme, whatever the
    # cached loader compiled for the other one just before.
    for _ in range(3):
        assert CONTRAST_HEADER in get_home(client, "ro.localhost")
        assert CONTRAST_HEADER not in get_home(client, "localhost")


def test_switching_the_theme_in_the_setting_switches_the_page(client, two_sites):
    default_site, _ro = two_sites
    assert CONTRAST_HEADER not in get_home(client, "localhost")
    profile = SiteProfile.for_site(default_site)
    profile.theme = "contrast"
    profile.save()
    page = get_home(client, "localhost")
    assert CONTRAST_HEADER in page
    assert CONTRAST_CSS in page


def test_unknown_theme_falls_back_to_civic(client, two_sites):
    default_site, _ro = two_sites
    SiteProfile.objects.filter(site=default_site).update(theme="no-such-theme")
    page = get_home(client, "localhost")
    assert "site-header" in page
    assert CONTRAST_HEADER not in page


def test_every_page_has_skip_link_landmarks_and_language_switch(client, two_sites):
    for host in ("localhost", "ro.localhost"):
        page = get_home(client, host)
        assert 'class="skip-link" href="#main"' in page
        assert '<main id="main"' in page
        assert "<header" in page and "<footer" in page and "<nav" in page
        # The language switch is a plain form: it works without JavaScript.
        assert 'name="language"' in page and 'type="submit"' in page


def test_404_is_themed(client, two_sites):
    response = client.get("/no-such-page/", HTTP_HOST="ro.localhost")
    assert response.status_code == 404
    body = response.content.decode()
    assert CONTRAST_CSS in body
    assert CONTRAST_HEADER in body


def test_500_page_is_self_contained():
    html = render_to_string("500.html")
    assert "{%" not in html and "<main" in html
    assert "style=" not in html and "<script" not in html


def test_rate_limited_page_shows_the_message(two_sites, rf):
    request = rf.get("/", HTTP_HOST="localhost")
    html = render_to_string("core/rate_limited.html", {"message": "Slow down"}, request=request)
    assert "Slow down" in html
    assert 'role="alert"' in html


# ---- The form and pagination includes ---------------------------------------------------


def make_form_class():
    from django import forms

    class ContactForm(forms.Form):
        name = forms.CharField(label="Name", help_text="As in your passport")
        email = forms.EmailField(label="Email")
        topic = forms.ChoiceField(
            label="Topic", choices=[("a", "Roads"), ("b", "Water")], widget=forms.RadioSelect
        )
        agree = forms.BooleanField(label="I agree")
        token = forms.CharField(widget=forms.HiddenInput, required=False)

        def clean(self):
            raise forms.ValidationError("The office is closed today.")

    return ContactForm


def test_form_include_renders_errors_accessibly(db):
    form = make_form_class()(data={"name": "Olena", "email": "not-an-email", "token": "t1"})
    assert not form.is_valid()
    html = render_to_string("includes/form.html", {"form": form})

    assert 'role="alert"' in html
    assert 'href="#id_email"' in html  # the summary links to the field
    assert 'href="#id_topic_0"' in html  # radio group: the first radio
    assert "The office is closed today." in html
    assert '<label for="id_name">' in html
    assert 'value="Olena"' in html and 'value="not-an-email"' in html  # values kept
    assert 'value="t1"' in html  # hidden field kept
    assert 'id="id_name_helptext"' in html and 'aria-describedby="id_name_helptext"' in html
    assert 'id="id_email_error"' in html and 'aria-invalid="true"' in html
    assert "<fieldset" in html and "<legend>Topic" in html
    assert html.count('class="required"') == 4
    assert "<form" not in html and "<button" not in html  # those stay with the caller


def test_form_include_without_errors_has_no_summary(db):
    html = render_to_string("includes/form.html", {"form": make_form_class()()})
    assert 'role="alert"' not in html
    assert "aria-invalid" not in html


def test_pagination_keeps_other_query_parameters(db):
    request = RequestFactory().get(
        "/catalog/", {"q": "roads & water", "tag": ["1", "2"], "page": 3}
    )
    page = Paginator(range(100), 10).page(3)
    html = render_to_string("includes/pagination.html", {"page_obj": page, "request": request})
    assert "aria-label=" in html and "<nav" in html
    assert "q=roads%20%26%20water&amp;tag=1&amp;tag=2&amp;page=2" in html
    assert 'page=3" aria-current="page"' in html
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert html.count("page=3") == 1  # the old page parameter is not repeated


def test_pagination_hidden_for_a_single_page(db):
    page = Paginator(range(5), 10).page(1)
    html = render_to_string("includes/pagination.html", {"page_obj": page})
    assert "<nav" not in html


# ---- Translations ---------------------------------------------------------------------


@pytest.mark.parametrize("language", ["uk", "ro", "bg"])
def test_every_theme_string_is_translated(language):
    import polib
    from django.conf import settings

    path = settings.ROOT_DIR / "themes" / "locale" / language / "LC_MESSAGES" / "django.po"
    catalog = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy
    assert (path.parent / "django.mo").exists()


def test_theme_interface_speaks_the_site_language(client, two_sites):
    from django.utils import translation

    page = get_home(client, "ro.localhost")
    with translation.override("ro"):
        for english in ("Skip to main content", "Language", "Log in"):
            romanian = translation.gettext(english)
            assert romanian != english
            assert romanian in page


# -- the city's own look and the high-contrast switch on every page --------------------


def _arms():
    return make_coat_of_arms((60, 70))


@pytest.fixture
def branded(two_sites, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    default_site, ro_site = two_sites
    SiteProfile.objects.filter(site=default_site).update(
        brand_colour="#7a1f2b", coat_of_arms=_arms())
    return two_sites


def test_the_switch_is_on_every_page(client, two_sites):
    for host, path in (("localhost", "/"), ("ro.localhost", "/"),
                       ("localhost", "/no-such-page/")):
        html = client.get(path, HTTP_HOST=host).content.decode()
        assert 'action="/theme/"' in html, (host, path)
        assert 'name="theme"' in html and "aria-pressed" in html


def test_one_click_to_high_contrast_and_back(client, two_sites):
    assert CONTRAST_HEADER not in get_home(client, "localhost")
    assert 'name="theme" value="contrast"' in get_home(client, "localhost")
    response = client.post("/theme/", {"theme": "contrast", "next": "/?q=1"},
                           HTTP_HOST="localhost")
    assert response.status_code == 302 and response["Location"] == "/?q=1"
    assert response.cookies[THEME_COOKIE].value == "contrast"
    html = get_home(client, "localhost")
    assert CONTRAST_CSS in html and CONTRAST_HEADER in html
    assert 'aria-pressed="true"' in html
    # back to the site's own look
    response = client.post("/theme/", {"theme": "", "next": "/"}, HTTP_HOST="localhost")
    assert response.cookies[THEME_COOKIE].value == ""
    assert CONTRAST_HEADER not in get_home(client, "localhost")


def test_a_site_whose_theme_is_high_contrast_offers_the_standard_view(client, two_sites):
    html = get_home(client, "ro.localhost")
    assert 'aria-pressed="true"' in html and 'name="theme" value="civic"' in html
    client.post("/theme/", {"theme": "civic", "next": "/"}, HTTP_HOST="ro.localhost")
    assert CONTRAST_HEADER not in get_home(client, "ro.localhost")


def test_unknown_theme_and_foreign_next_are_refused(client, two_sites):
    response = client.post("/theme/", {"theme": "../../etc", "next": "https://evil.example/"},
                           HTTP_HOST="localhost")
    assert response["Location"] == "/"
    assert response.cookies[THEME_COOKIE].value == ""
    client.cookies[THEME_COOKIE] = "no-such-theme"
    assert CONTRAST_HEADER not in get_home(client, "localhost")
    assert client.get("/theme/", HTTP_HOST="localhost").status_code == 405


def test_coat_of_arms_and_colour_in_the_header(client, branded):
    html = get_home(client, "localhost")
    header = html.split("</header>")[0]
    assert 'class="site-arms"' in header and 'alt=""' in header
    assert "/brand.css?v=7a1f2b" in html
    css = client.get("/brand.css", HTTP_HOST="localhost")
    assert css["Content-Type"].startswith("text/css")
    body = css.content.decode()
    assert "--brand: #7a1f2b;" in body and "html:not(.theme-contrast)" in body
    # a town without a colour keeps the theme's own: no style sheet, an empty answer
    assert "brand.css" not in get_home(client, "ro.localhost")
    assert client.get("/brand.css", HTTP_HOST="ro.localhost").content == b""


def test_high_contrast_keeps_its_own_colours(client, branded):
    client.cookies[THEME_COOKIE] = "contrast"
    html = get_home(client, "localhost")
    # the colour's rule never applies under the contrast theme's root class
    assert 'class="theme-contrast"' in html
    css = client.get("/brand.css", HTTP_HOST="localhost").content.decode()
    assert css.startswith("html:not(.theme-contrast)")
