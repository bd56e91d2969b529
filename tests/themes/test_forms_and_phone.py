"""The theme's part in forms and on a phone: after a form error the page's title begins with
"Error:" in the page's language and the error summary can take the focus (a script served by
the site moves it there); the main menu and the language switch are disclosures."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


PREFIX = {"en": "Error: ", "uk": "Помилка: ", "ro": "Eroare: ", "bg": "Грешка: "}


def error_prefix(response) -> str:
    """The "Error: " prefix in the language the page speaks."""
    return PREFIX[re.search(r'<html lang="([a-z]+)', response.content.decode()).group(1)]


def title_of(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def test_login_error_title_begins_with_error(client, site):
    response = client.post(reverse("accounts:login"), {"username": "nobody", "password": "x"})
    assert response.status_code in (200, 400)
    assert title_of(response).startswith(error_prefix(response))
    html = response.content.decode()
    summary = re.search(r'<div class="error-summary"[^>]*>', html).group(0)
    assert 'tabindex="-1"' in summary and 'role="alert"' in summary
    assert "/static/civic/js/site.js" in html


def test_a_page_without_errors_has_a_plain_title(client, site):
    for name in ("accounts:login", "accounts:register"):
        response = client.get(reverse(name))
        assert not title_of(response).startswith(error_prefix(response))


@pytest.mark.parametrize("language,prefix", [
    ("uk", "Помилка: "), ("ro", "Eroare: "), ("bg", "Грешка: "),
])
def test_error_title_speaks_the_page_language(client, site, language, prefix):
    with translation.override(language):
        url = reverse("accounts:register")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(url, {"email": "not-an-email"})
    assert f'<html lang="{language}"' in response.content.decode()
    assert title_of(response).startswith(prefix)


def test_bulletin_subscription_error_title(client, site):
    response = client.post(reverse("bulletins:subscribe"), {"email": "no"})
    if response.status_code == 404:
        pytest.skip("bulletins are off on this site")
    assert title_of(response).startswith(error_prefix(response))


def test_menu_and_language_switch_fold_into_disclosures(client, site):
    html = client.get("/").content.decode()
    menu = re.search(r'<details class="disclosure menu-disclosure">\s*<summary[^>]*>(.*?)'
                     r'</summary>\s*<nav class="main-nav', html, re.S)
    assert menu and menu.group(1).strip() in ("Menu", "Меню", "Meniu")
    language = re.search(r'<details class="disclosure language-disclosure">\s*<summary',
                         html)
    assert language
    # closed by default: the page's content starts on a phone's first screen
    assert "<details class=\"disclosure menu-disclosure\" open" not in html
