"""The demo city's public pages in a real browser: WCAG 2.1 AA by axe-core, no sideways
scrolling on a phone, nothing loaded from outside the site, the map on local Leaflet, and
a screenshot of each page at each width in docs/screenshots/."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .browser import (
    DESKTOP,
    PHONE,
    SMALLEST,
    format_violations,
    login,
)

pytestmark = pytest.mark.e2e

PAGES = ["home", "catalog", "group", "addressee", "register", "login", "cabinet"]


def page_path(page) -> str:
    """The page's path on its own site (the demo has two sites, so get_url is absolute)."""
    return page.specific.get_url_parts()[2]


def default_site_pages():
    from wagtail.models import Site

    from addons.addressees.models import (
        AddresseeCatalogPage,
        AddresseeGroupPage,
        AddresseePage,
    )

    root = Site.objects.get(is_default_site=True).root_page
    addressee = (
        AddresseePage.objects.live().descendant_of(root).exclude(location="").order_by("path")
    ).first()
    found = {
        "catalog": AddresseeCatalogPage.objects.live().descendant_of(root).order_by("path").first(),
        "group": AddresseeGroupPage.objects.live().descendant_of(root).order_by("path").first(),
        "addressee": addressee,
    }
    missing = [name for name, page in found.items() if page is None]
    assert not missing, f"the demo has no {', '.join(missing)} page on the default site"
    return {name: page_path(page) for name, page in found.items()}


def path_for(name: str) -> str:
    if name == "home":
        return "/"
    if name in ("register", "login", "cabinet"):
        return reverse(f"accounts:{name}")
    return default_site_pages()[name]


def check_page(visit, base_url, name, viewport, axe_source, *, citizen=None):
    """Open the page at one width; returns the problems found (empty when all is well)."""
    tab = visit(base_url, viewport=viewport)
    if citizen is not None:
        login(tab, citizen.username, citizen.e2e_password)
    tab.goto(path_for(name))
    problems = []

    violations = tab.axe(axe_source)
    if violations:
        problems.append(
            f"axe found {len(violations)} WCAG 2.1 A/AA violation(s) on {name} at "
            f"{viewport['width']} px:\n{format_violations(violations)}"
        )
    foreign = tab.foreign_requests()
    if foreign:
        problems.append(f"{name} loaded from outside the site: {foreign}")
    if viewport["width"] <= PHONE["width"]:
        overflow = tab.horizontal_overflow()
        if overflow > 0:
            problems.append(
                f"{name} scrolls sideways by {overflow} px at {viewport['width']} px: "
                f"{tab.overflowing_elements()}"
            )
    tab.screenshot(f"{name}-{viewport['width']}")

    # The smallest width WCAG reflow asks for (320 CSS px): still no sideways scrolling.
    if viewport is PHONE:
        tab.page.set_viewport_size(SMALLEST)
        overflow = tab.horizontal_overflow()
        if overflow > 0:
            problems.append(
                f"{name} scrolls sideways by {overflow} px at 320 px: {tab.overflowing_elements()}"
            )
    return problems


@pytest.mark.parametrize("name", PAGES)
def test_page_is_accessible_and_fits_a_phone(name, demo, citizen, visit, axe_source):
    who = citizen if name == "cabinet" else None
    problems = []
    for viewport in (DESKTOP, PHONE):
        problems += check_page(visit, demo.url, name, viewport, axe_source, citizen=who)
    assert not problems, "\n\n".join(problems)


def test_addressee_map_uses_local_leaflet(demo, visit):
    tab = visit(demo.url)
    tab.goto(default_site_pages()["addressee"])
    tab.page.wait_for_selector(".leaflet-container", timeout=10_000)
    assert tab.page.locator(".map").count() >= 1
    assert tab.page.locator(".leaflet-container").count() >= 1
    assert any("/static/leaflet/leaflet.js" in url for url in tab.requests), tab.requests
    assert tab.foreign_requests() == []
    assert not tab.console_errors, tab.console_errors
    # Without tiles the map is a plain background with the marker on it.
    assert tab.page.locator(".leaflet-marker-icon").count() >= 1
    tab.page.locator(".map").first.scroll_into_view_if_needed()
    tab.screenshot("addressee-map-1280")


def test_addressee_page_prints_cleanly(demo, visit):
    """On paper: no navigation, forms or map; the address of each link after it."""
    tab = visit(demo.url)
    tab.goto(default_site_pages()["addressee"])
    tab.page.emulate_media(media="print")
    shown = tab.page.evaluate(
        """() => {
            const visible = (el) => el && getComputedStyle(el).display !== 'none';
            const link = document.querySelector('main a[href^="/"], main a[href^="tel:"]');
            return {
                nav: [...document.querySelectorAll('nav.main-nav, .breadcrumbs')].some(visible),
                forms: [...document.querySelectorAll('form')].some(visible),
                map: [...document.querySelectorAll('.map')].some(visible),
                skip: visible(document.querySelector('.skip-link')),
                h1: visible(document.querySelector('h1')),
                after: link ? getComputedStyle(link, '::after').content : null,
                href: link ? link.getAttribute('href') : null,
            };
        }"""
    )
    assert shown["h1"]
    assert not shown["nav"] and not shown["forms"] and not shown["map"] and not shown["skip"]
    assert shown["href"] and shown["href"] in shown["after"], shown
    tab.screenshot("addressee-print")


def test_pages_keep_to_the_content_security_policy(demo, citizen, visit):
    """Without bypassing the CSP: no refused script or style, no JavaScript error."""
    tab = visit(demo.url, bypass_csp=False)
    for name in ("home", "catalog", "group", "addressee", "register", "login"):
        tab.goto(path_for(name))
    login(tab, citizen.username, citizen.e2e_password)
    tab.goto(path_for("cabinet"))
    assert not tab.console_errors, "\n".join(tab.console_errors)


def test_login_reaches_the_cabinet(demo, citizen, visit):
    tab = visit(demo.url)
    login(tab, citizen.username, citizen.e2e_password)
    tab.goto(path_for("cabinet"))
    assert tab.page.url.endswith(path_for("cabinet"))
    assert tab.page.locator("h1").count() == 1


def test_registration_errors_are_announced_and_keep_input(demo, visit, axe_source):
    tab = visit(demo.url, viewport=PHONE)
    tab.goto(path_for("register"))
    form = tab.page.locator("main form").filter(has=tab.page.locator("input[type=password]"))
    email = form.locator("input[type=email]").first
    email.fill("not-an-email")
    # Bypass the browser's own validation so the server's messages are what we see.
    form.first.evaluate("f => f.setAttribute('novalidate', '')")
    with tab.page.expect_navigation():
        form.locator("button[type=submit], input[type=submit]").first.click()
    assert tab.page.locator("[role=alert]").count() >= 1
    assert tab.page.locator("[aria-invalid=true]").count() >= 1
    assert tab.page.locator("input[type=email]").first.input_value() == "not-an-email"
    violations = tab.axe(axe_source)
    assert not violations, format_violations(violations)
    assert tab.horizontal_overflow() <= 0
    tab.screenshot("register-errors-375", full_page=True)


def test_keyboard_user_can_skip_to_content(demo, visit):
    tab = visit(demo.url)
    tab.goto("/")
    tab.page.keyboard.press("Tab")
    focused = tab.page.evaluate("() => document.activeElement.className")
    assert "skip-link" in focused
    # The skip link is visible when focused (moved into the viewport).
    box = tab.page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0
    tab.page.keyboard.press("Enter")
    assert tab.page.evaluate("() => document.activeElement.id") == "main"
    # Every control reached with Tab shows a focus indicator.
    tab.goto("/")
    for _ in range(6):
        tab.page.keyboard.press("Tab")
        focus = tab.page.evaluate(
            """() => {
                const el = document.activeElement, style = getComputedStyle(el);
                return {tag: el.tagName, text: (el.textContent || el.name || '').trim(),
                        outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
                        shadow: style.boxShadow};
            }"""
        )
        assert focus["tag"] != "BODY"
        has_ring = focus["outline"] != "none" and focus["width"] >= 2
        assert has_ring or focus["shadow"] != "none", focus


def test_language_switch_works_without_javascript(demo, visit):
    tab = visit(demo.url, java_script_enabled=False)
    tab.goto("/")
    tab.page.select_option("#language-select", "ro")
    with tab.page.expect_navigation():
        tab.page.locator(".language-switch button[type=submit]").click()
    assert tab.page.locator("html").get_attribute("lang") == "ro"
    tab.page.select_option("#language-select", "en")
    with tab.page.expect_navigation():
        tab.page.locator(".language-switch button[type=submit]").click()
    assert tab.page.locator("html").get_attribute("lang") == "en"
