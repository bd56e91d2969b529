"""The site's own chat in a real browser: a visitor opens the chat from a public page,
writes, and reads the assistant's answer, under the site's content security policy, with
nothing loaded from another origin, accessible (axe) on a desktop and a phone. Without
JavaScript the chat button is a link to the report form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .browser import DESKTOP, PHONE, check_axe

pytestmark = pytest.mark.e2e


@pytest.fixture
def site_chat(demo):
    """The live server's URL, its default town having an enabled site chat."""
    from wagtail.models import Site

    from addons.channels.models import Channel

    site = Site.objects.get(is_default_site=True)
    Channel.objects.create(site=site, platform="webchat", name="Site chat")
    return demo.url


def open_chat(tab):
    launcher = tab.page.locator("button.chat-launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    launcher.click()
    assert launcher.get_attribute("aria-expanded") == "true"
    panel = tab.page.locator("#chat-panel")
    assert panel.is_visible()
    # the focus is in the message box, ready to type
    assert tab.page.evaluate("() => document.activeElement.id") == "chat-text"
    return panel


def write(tab, text: str):
    tab.page.keyboard.type(text)
    tab.page.keyboard.press("Enter")
    answer = tab.page.locator(".chat-log .chat-message--city")
    answer.first.wait_for(state="visible", timeout=15000)
    return answer


def test_a_visitor_chats_from_a_public_page(site_chat, visit, axe_source):
    # under the site's own CSP: no inline script or style is needed
    tab = visit(site_chat, bypass_csp=False)
    tab.goto("/")
    open_chat(tab)
    answer = write(tab, "There is a big pothole near no. 15")
    assert answer.first.text_content().strip()
    assert tab.page.locator(".chat-log .chat-message--you").first.text_content().strip(
        ).endswith("There is a big pothole near no. 15")
    assert tab.page.locator(".chat-log").get_attribute("aria-live") == "polite"
    assert tab.foreign_requests() == []
    assert tab.console_errors == [], tab.console_errors
    # Escape closes the panel and gives the focus back to the button
    tab.page.keyboard.press("Escape")
    assert not tab.page.locator("#chat-panel").is_visible()
    assert tab.page.evaluate("() => document.activeElement.className") == "chat-launcher"

    for viewport in (DESKTOP, PHONE):
        tab = visit(site_chat, viewport=viewport)
        tab.goto("/")
        check_axe(tab, axe_source, f"home with the chat button ({viewport['width']})")
        open_chat(tab)
        write(tab, "Street light broken on Florilor street")
        check_axe(tab, axe_source, f"the open chat ({viewport['width']})")
        assert tab.horizontal_overflow() == 0, tab.overflowing_elements()
        tab.screenshot(f"channels-webchat-{viewport['width']}")


def test_without_javascript_the_button_is_the_report_form(site_chat, visit):
    tab = visit(site_chat, java_script_enabled=False)
    tab.goto("/")
    link = tab.page.locator("a.chat-launcher")
    assert link.count() == 1
    assert link.get_attribute("href") == reverse("reports:new")
    assert tab.page.locator("button.chat-launcher").count() == 0
    link.click()
    tab.page.wait_for_load_state()
    assert tab.page.url.endswith(reverse("reports:new"))


def test_no_chat_button_without_a_site_chat(demo, visit):
    tab = visit(demo.url)
    tab.goto("/")
    assert tab.page.locator(".chat-widget").count() == 0
