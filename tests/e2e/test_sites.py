"""The demo's second site (Romanian, on ro.localhost) in a real browser: its own language,
the default theme with the high-contrast one a click away, served by the same process as
the default site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.utils import translation
from django.utils.translation import gettext

from .browser import DESKTOP, PHONE, format_violations

pytestmark = pytest.mark.e2e


def romanian_url(live_server) -> str:
    # Chromium resolves every *.localhost name to the loopback address.
    port = urlsplit(live_server.url).port
    return f"http://ro.localhost:{port}"


def switch_to_high_contrast(tab) -> None:
    """Press the high-contrast switch every page has (the choice is kept in a cookie)."""
    button = tab.page.locator("button.theme-switch-button")
    assert button.get_attribute("aria-pressed") == "false"
    with tab.page.expect_navigation():
        button.click()
    assert tab.page.locator("button.theme-switch-button").get_attribute("aria-pressed") == "true"


def test_romanian_site_has_romanian_interface_and_contrast_theme(demo, visit, axe_source):
    base = romanian_url(demo)
    problems = []
    for viewport in (DESKTOP, PHONE):
        tab = visit(base, viewport=viewport)
        tab.goto("/")
        page = tab.page
        assert page.locator("html").get_attribute("class") == "theme-civic"
        tab.screenshot(f"ro-home-{viewport['width']}")
        switch_to_high_contrast(tab)
        assert page.locator("html").get_attribute("lang") == "ro"
        stylesheets = page.eval_on_selector_all(
            "link[rel=stylesheet]:not([media=print])", "links => links.map(l => l.href)"
        )
        assert any("/static/contrast/css/site.css" in href for href in stylesheets), stylesheets
        assert page.locator(".site-header-large").count() == 1
        # The interface speaks Romanian: the skip link and the language switch.
        with translation.override("ro"):
            skip, language = gettext("Skip to main content"), gettext("Language")
        assert skip != "Skip to main content" and language != "Language"
        assert page.locator(".skip-link").text_content().strip() == skip
        assert page.locator("label[for=language-select]").text_content().strip() == language
        # The contrast theme really is in force: black page, yellow links.
        colours = page.evaluate(
            """() => ({
                body: getComputedStyle(document.body).backgroundColor,
                link: getComputedStyle(document.querySelector('.site-name')).color,
            })"""
        )
        assert colours == {"body": "rgb(0, 0, 0)", "link": "rgb(255, 255, 0)"}, colours
        assert tab.foreign_requests() == []
        violations = tab.axe(axe_source)
        if violations:
            problems.append(f"at {viewport['width']} px:\n{format_violations(violations)}")
        if viewport is PHONE:
            assert tab.horizontal_overflow() <= 0, tab.overflowing_elements()
        tab.screenshot(f"ro-contrast-{viewport['width']}")
    assert not problems, "\n\n".join(problems)


def test_default_site_keeps_the_civic_theme(demo, visit):
    tab = visit(demo.url)
    tab.goto("/")
    stylesheets = tab.page.eval_on_selector_all(
        "link[rel=stylesheet]:not([media=print])", "links => links.map(l => l.href)"
    )
    assert any("/static/civic/css/site.css" in href for href in stylesheets), stylesheets
    assert tab.page.locator(".site-header-large").count() == 0


def test_romanian_forms_are_accessible_in_the_contrast_theme(demo, visit, axe_source):
    from django.urls import reverse

    tab = visit(romanian_url(demo), viewport=PHONE)
    tab.goto(reverse("accounts:register"))
    switch_to_high_contrast(tab)
    form = tab.page.locator("main form").filter(has=tab.page.locator("input[type=password]"))
    with tab.page.expect_navigation():
        form.locator("button[type=submit]").first.click()
    assert tab.page.locator("html").get_attribute("lang") == "ro"
    assert tab.page.locator("[role=alert]").count() >= 1
    violations = tab.axe(axe_source)
    assert not violations, format_violations(violations)
    assert tab.horizontal_overflow() <= 0, tab.overflowing_elements()
    tab.screenshot("ro-register-errors-375", full_page=True)


def test_bulgarian_town_speaks_bulgarian_under_its_own_law(demo, visit, axe_source):
    """The third demo town: Bulgarian interface and content, signals and proposals."""
    port = urlsplit(demo.url).port
    for viewport in (DESKTOP, PHONE):
        tab = visit(f"http://bg.localhost:{port}", viewport=viewport)
        tab.goto("/")
        page = tab.page
        assert page.locator("html").get_attribute("lang") == "bg"
        assert "Белоречие" in page.locator("header").inner_text()
        violations = tab.axe(axe_source)
        assert not violations, format_violations(violations)
        assert tab.horizontal_overflow() <= 0, tab.overflowing_elements()
        tab.screenshot(f"bg-home-{viewport['width']}")
