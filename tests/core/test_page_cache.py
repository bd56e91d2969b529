"""Whole public pages come from the cache for visitors who bring nothing of their own: no
query on a repeated view; each town, language and theme its own page; every change shows on
the next view; the visitor's own CSRF token and a survey form's moment filled in afresh;
nobody with a session, a survey cookie or a signed-in account ever gets a shared page."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext

from addons.addressees.models import AddresseeCatalogPage, AddresseePage, Specialist
from addons.core import activation, page_cache, public_cache
from addons.core.models import SiteProfile
from tests.conftest import add_town

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _on(settings):
    settings.CIVICDESK_PAGE_CACHE_SECONDS = 60


def get(client, path="/", host="localhost", **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, HTTP_HOST=host, **extra)
    return response, len(queries)


def town(home, site, title="Kyiv"):
    SiteProfile.objects.update_or_create(site=site, defaults={"jurisdiction": "ua",
                                                              "default_language": "en"})
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                           slug="addressees"))
    hall = catalog.add_child(instance=AddresseePage(title=f"{title} city hall",
                                                    slug="city-hall"))
    Client().get(hall.url, HTTP_HOST=site.hostname)  # the settings rows made on first use
    return catalog, hall


@pytest.mark.django_db
def test_a_repeated_view_runs_no_query_and_each_town_has_its_own(home, site):
    _catalog, hall = town(home, site)
    other = add_town("town2.example", "Lviv", jurisdiction="ua")
    _catalog2, hall2 = town(other.root_page, other, title="Lviv")
    visitor = Client()
    first, _ = get(visitor, hall.url)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    again, queries = get(visitor, hall.url)
    # at most Wagtail's own lookup of the site by its host name
    assert again["X-Page-Cache"] == "hit" and queries <= 1
    assert TOKEN.sub("", again.content.decode()) == TOKEN.sub("", first.content.decode())
    assert "Kyiv city hall" in again.content.decode()
    # the same path on the second town: its own page, never the first town's
    theirs, _ = get(Client(), "/addressees/city-hall/", host="town2.example")
    assert theirs["X-Page-Cache"] == "miss"
    assert "Lviv city hall" in theirs.content.decode()
    assert "Kyiv city hall" not in theirs.content.decode()
    theirs_again, queries = get(Client(), "/addressees/city-hall/", host="town2.example")
    assert theirs_again["X-Page-Cache"] == "hit" and queries <= 1
    assert "Lviv city hall" in theirs_again.content.decode()
    assert hall2.pk != hall.pk


@pytest.mark.django_db
def test_every_change_shows_on_the_next_view(home, site):
    _catalog, hall = town(home, site)
    visitor = Client()
    get(visitor, hall.url)
    assert get(visitor, hall.url)[0]["X-Page-Cache"] == "hit"
    # a row of an add-on's model saved (a specialist on the page)
    Specialist.objects.create(page=hall, name="Olena Shevchenko", position="Head")
    response, _ = get(visitor, hall.url)
    assert response["X-Page-Cache"] == "miss"
    assert "Olena Shevchenko" in response.content.decode()
    # a page edited and published
    hall.title = "The city hall, renamed"
    hall.save_revision().publish()
    response, _ = get(visitor, hall.url)
    assert "The city hall, renamed" in response.content.decode()
    # a change an add-on announces through its own token (bulk updates, nightly jobs)
    assert get(visitor, hall.url)[0]["X-Page-Cache"] == "hit"
    public_cache.VersionToken("civicdesk:reports:version:test").bump()
    assert get(visitor, hall.url)[0]["X-Page-Cache"] == "miss"
    # a row deleted
    Specialist.objects.filter(page=hall).delete()
    response, _ = get(visitor, hall.url)
    assert "Olena Shevchenko" not in response.content.decode()


@pytest.mark.django_db
def test_a_kept_page_carries_each_visitors_own_csrf_token_and_its_forms_post(home, site):
    _catalog, hall = town(home, site)
    tokens = []
    for _visitor in range(2):
        visitor = Client(enforce_csrf_checks=True)
        response, _ = get(visitor, hall.url)
        token = TOKEN.search(response.content.decode()).group(1)
        cookie = visitor.cookies["csrftoken"].value
        # the token in the page is the visitor's own secret, masked afresh
        assert _unmask_cipher_token(token) == cookie
        tokens.append(token)
        # the theme switch on the kept page posts with it
        switched = visitor.post("/theme/", {"theme": "contrast", "next": hall.url,
                                            "csrfmiddlewaretoken": token},
                                HTTP_HOST="localhost")
        assert switched.status_code == 302
    assert "cdhole-" not in response.content.decode()
    assert response["X-Page-Cache"] == "hit"
    assert tokens[0] != tokens[1]


@pytest.mark.django_db
def test_language_and_theme_each_have_their_own_page(home, site):
    _catalog, hall = town(home, site)
    english, ukrainian, contrast = Client(), Client(), Client()
    ukrainian.cookies["civicdesk_language"] = "uk"
    contrast.cookies["civicdesk_theme"] = "contrast"
    pages = {}
    for name, visitor in (("en", english), ("uk", ukrainian), ("contrast", contrast)):
        get(visitor, hall.url)
        response, _ = get(visitor, hall.url)
        assert response["X-Page-Cache"] == "hit"
        pages[name] = response
    assert pages["en"]["Content-Language"] == "en"
    assert pages["uk"]["Content-Language"] == "uk"
    assert 'lang="uk"' in pages["uk"].content.decode()
    assert pages["contrast"].content != pages["en"].content
    assert "contrast" in pages["contrast"].content.decode()


@pytest.mark.django_db
def test_nobody_with_anything_of_their_own_gets_a_shared_page(home, site):
    _catalog, hall = town(home, site)
    get(Client(), hall.url)
    assert get(Client(), hall.url)[0]["X-Page-Cache"] == "hit"
    # signed in: their own header (cabinet, log out), never a kept page
    user = get_user_model().objects.create_user("citizen@example.org", "citizen@example.org",
                                                "a long pass phrase")
    citizen = Client()
    citizen.force_login(user)
    response, _ = get(citizen, hall.url)
    assert "X-Page-Cache" not in response
    assert "Log out" in response.content.decode()
    # an anonymous session (messages, a half-filled form), a survey cookie, any other cookie
    for name in ("sessionid", "civicdesk_survey_browser", "something_else"):
        visitor = Client()
        visitor.cookies[name] = "x"
        response, _ = get(visitor, hall.url)
        assert response.status_code == 200 and "X-Page-Cache" not in response
    # a request with credentials
    response, _ = get(Client(), hall.url, HTTP_AUTHORIZATION="Token abc")
    assert "X-Page-Cache" not in response


@pytest.mark.django_db
def test_what_is_not_a_plain_page_is_never_kept(home, site, settings):
    town(home, site)
    visitor = Client()
    for _view in range(2):
        missing, _ = get(visitor, "/no-such-page/")
        assert missing.status_code == 404 and "X-Page-Cache" not in missing
    for _view in range(2):  # the admin
        response, _ = get(visitor, "/admin/login/")
        assert "X-Page-Cache" not in response
    settings.CIVICDESK_PAGE_CACHE_SECONDS = 0  # turned off
    for _view in range(2):
        response, _ = get(visitor, "/")
        assert response.status_code == 200 and "X-Page-Cache" not in response


@pytest.mark.django_db
def test_a_survey_form_on_a_kept_page_carries_the_moment_of_this_view(home, site):
    from addons.surveys.models import Audience, Question, QuestionKind, Survey, SurveyPlacement
    from addons.surveys.views import fill_seconds

    _catalog, hall = town(home, site)
    activation.enable(site, "surveys")
    survey = Survey.objects.create(site=site, title="How was your visit?",
                                   audience=Audience.ANYONE, anonymous=True)
    Question.objects.create(survey=survey, sort_order=0, kind=QuestionKind.STARS,
                            text="How was the service?", required=True)
    SurveyPlacement.objects.create(page=hall, survey=survey, sort_order=0)
    first, _ = get(Client(), hall.url)
    assert 'name="started"' in first.content.decode()
    time.sleep(1.2)
    response, _ = get(Client(), hall.url)
    assert response["X-Page-Cache"] == "hit"
    started = re.search(r'name="started" value="([^"]+)"', response.content.decode()).group(1)
    assert fill_seconds(started) < 1.0  # shown now, not when the page was kept


def test_only_declared_holes_are_filled():
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    body = b"a cdhole-surveys.started-end b cdhole-os.system-end c"
    filled = page_cache._fill(request, body).decode()
    assert "cdhole-os.system-end" in filled and "cdhole-surveys.started-end" not in filled
    request._page_cache_capture = True
    with pytest.raises(LookupError):
        page_cache.hole(request, "no.such.hole", lambda: "x")
