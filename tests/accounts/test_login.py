import pytest
from django.contrib.auth import authenticate, get_user_model
from django.urls import reverse

User = get_user_model()
LOGIN = "/accounts/login/"


def test_login_page_is_accessible(client, db):
    response = client.get(LOGIN + "?next=/accounts/cabinet/profile/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'for="id_username"' in html and 'for="id_password"' in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert 'name="next" value="/accounts/cabinet/profile/"' in html
    assert reverse("accounts:password_reset") in html


@pytest.mark.parametrize("login", ["olena@example.org", "OLENA@Example.org"])
def test_login_with_email(client, citizen, password, login):
    response = client.post(LOGIN, {"username": login, "password": password})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:cabinet")
    assert int(client.session["_auth_user_id"]) == citizen.pk


def test_login_with_username(client, make_user, password):
    staff = make_user(email="clerk@city.example", username="clerk")
    response = client.post(LOGIN, {"username": "clerk", "password": password})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == staff.pk


def test_login_keeps_the_language_the_visitor_was_reading(client, make_user, password, site):
    """The profile says Ukrainian; a Romanian town stays Romanian after logging in, and a
    visitor who chose English on the Ukrainian town keeps English."""
    from tests.conftest import add_town

    add_town("ro.example", slug="ro-town", jurisdiction="ro", language="ro")
    add_town("ua.example", slug="ua-town", jurisdiction="ua", language="uk")
    make_user(language="uk")
    client.cookies.pop("civicdesk_language", None)
    response = client.post(LOGIN, {"username": "olena@example.org", "password": password},
                           HTTP_HOST="ro.example")
    assert response.status_code == 302
    assert "civicdesk_language" not in response.cookies
    page = client.get(reverse("accounts:cabinet"), HTTP_HOST="ro.example")
    assert page["Content-Language"] == "ro"
    client.logout()
    client.cookies["civicdesk_language"] = "en"
    response = client.post(LOGIN, {"username": "olena@example.org", "password": password},
                           HTTP_HOST="ua.example")
    assert response.status_code == 302
    assert "civicdesk_language" not in response.cookies
    assert client.get(reverse("accounts:cabinet"),
                      HTTP_HOST="ua.example")["Content-Language"] == "en"


def test_safe_next_is_followed(client, citizen, password):
    response = client.post(LOGIN, {"username": citizen.email, "password": password,
                                   "next": "/accounts/cabinet/profile/"})
    assert response["Location"] == "/accounts/cabinet/profile/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_unsafe_next_is_ignored(client, citizen, password, target):
    response = client.post(LOGIN, {"username": citizen.email, "password": password,
                                   "next": target})
    assert response["Location"] == reverse("accounts:cabinet")


@pytest.mark.parametrize(
    "data",
    [
        {"username": "olena@example.org", "password": "wrong"},
        {"username": "nobody@example.org", "password": "whatever"},
        {"username": "", "password": ""},
    ],
)
def test_bad_login_shows_error_and_keeps_username(client, citizen, data):
    response = client.post(LOGIN, data)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors
    html = response.content.decode()
    if data["username"]:
        assert f'value="{data["username"]}"' in html
    assert 'class="error-summary"' in html


def test_authenticated_user_skips_login(citizen_client):
    response = citizen_client.get(LOGIN)
    assert response.status_code == 302


def test_logout_needs_post(citizen_client):
    assert citizen_client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in citizen_client.session
    response = citizen_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in citizen_client.session


def test_email_wins_over_someone_elses_username(make_user, password, rf):
    # Someone whose username is an address another person now uses.
    make_user(email="first@example.org", username="shared@example.org", password="Other-pass-1")
    owner = make_user(email="shared@example.org", username="owner")
    request = rf.post(LOGIN)
    assert authenticate(request, username="shared@example.org", password=password) == owner
    assert User.objects.get_by_natural_key("shared@example.org") == owner


def test_anonymised_account_cannot_log_in(client, citizen, password):
    from addons.accounts.services import delete_account

    delete_account(citizen)
    response = client.post(LOGIN, {"username": "olena@example.org", "password": password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "resend_form" not in response.context


def fail(client, url, username, times):
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong-password"})
    return response


def test_public_login_locks_out_after_the_failure_limit(client, citizen, password, settings):
    limit = settings.AXES_FAILURE_LIMIT
    before = fail(client, LOGIN, citizen.email, limit - 1)
    assert before.status_code == 200
    locked = fail(client, LOGIN, citizen.email, 1)
    assert locked.status_code in (403, 429)
    assert "accounts/locked_out.html" in [t.name for t in locked.templates]
    assert "Too many failed attempts" in locked.content.decode()
    # even the right password is refused now
    again = client.post(LOGIN, {"username": citizen.email, "password": password})
    assert again.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_locked_out_page_is_translated(client, citizen, settings):
    client.cookies["civicdesk_language"] = "uk"
    locked = fail(client, LOGIN, citizen.email, settings.AXES_FAILURE_LIMIT)
    assert locked.status_code in (403, 429)
    assert "Забагато невдалих спроб" in locked.content.decode()


def test_lockout_does_not_reveal_unconfirmed_accounts(client, make_user, password, settings):
    from django.utils import timezone

    make_user(is_active=False, email_confirmed=False, data_processing_consent_at=timezone.now())
    fail(client, LOGIN, "olena@example.org", settings.AXES_FAILURE_LIMIT)
    response = client.post(LOGIN, {"username": "olena@example.org", "password": password})
    assert response.status_code in (403, 429)
    assert b"not confirmed" not in response.content


def test_admin_login_locks_out_too(client, make_user, password, settings):
    make_user(email="admin@city.example", username="admin", is_superuser=True, is_staff=True)
    ok = client.get("/admin/login/")
    assert ok.status_code == 200
    locked = fail(client, "/admin/login/", "admin", settings.AXES_FAILURE_LIMIT)
    assert locked.status_code in (403, 429)
    assert "accounts/locked_out.html" in [t.name for t in locked.templates]
    again = client.post("/admin/login/", {"username": "admin", "password": password})
    assert again.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_admin_login_still_works(client, make_user, password):
    make_user(email="admin@city.example", username="admin", is_superuser=True, is_staff=True)
    response = client.post("/admin/login/", {"username": "admin", "password": password})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
