"""Core's guard against malformed requests: a NUL byte anywhere a database or a file name
would choke on it, or an absurdly long query string, gets a translated 400 page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(home, settings):
    settings.RATELIMIT_ENABLE = False
    return Client(raise_request_exception=False, HTTP_HOST="localhost")


def assert_refused(response, language="uk"):
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<html lang="{language}"' in html  # the site's themed page, in its language
    return html


def test_nul_in_the_path_is_refused(web):
    assert_refused(web.get("/queues/ticket/%00/"))
    assert_refused(web.get("/bulletins/a%00b/"))


@pytest.mark.parametrize("query", ["q=a%00b", "a%00b=1", "page=1&q=%00", "q[%00]=1"])
def test_nul_in_the_query_string_is_refused(web, query):
    assert_refused(web.get("/bulletins/?" + query))


def test_nul_in_form_keys_and_values_is_refused(web):
    assert_refused(web.post("/accounts/login/", {"username": "a\x00b", "password": "x"}))
    assert_refused(web.post("/accounts/login/", {"user\x00name": "a", "password": "x"}))
    upload = SimpleUploadedFile("photo.jpg", b"\x00\x00binary content\x00", "image/jpeg")
    assert_refused(web.post("/accounts/login/", {"username": "a\x00", "photo": upload}))


def test_file_contents_may_hold_nul(web):
    upload = SimpleUploadedFile("photo.jpg", b"\x00\x00binary content\x00", "image/jpeg")
    response = web.post("/accounts/login/", {"username": "someone", "password": "x",
                                              "photo": upload})
    assert response.status_code != 400


def test_absurdly_long_query_string_is_refused(web, settings):
    assert_refused(web.get("/bulletins/", {"q": "x" * 300_000}))
    assert web.get("/bulletins/", {"q": "x" * 500}).status_code == 200


def test_the_page_is_translated(web):
    uk = assert_refused(web.get("/bulletins/?q=%00"))
    web.cookies["civicdesk_language"] = "ro"
    ro = assert_refused(web.get("/bulletins/?q=%00"), language="ro")
    assert uk != ro
    assert "Cererea nu poate fi citită" in ro


def test_ordinary_requests_pass(web):
    assert web.get("/bulletins/?q=water&page=2").status_code == 200
    assert web.post("/accounts/login/", {"username": "someone",
                                         "password": "x"}).status_code == 200


def test_a_path_number_beyond_any_database_key_is_not_found(web, django_user_model):
    web.force_login(django_user_model.objects.create_user("reader", "r@example.org", "x"))
    response = web.get("/appeals/99999999999999999999999999/files/1/")
    assert response.status_code == 404
    assert web.get("/appeals/1/files/99999999999999999999999999/").status_code == 404
