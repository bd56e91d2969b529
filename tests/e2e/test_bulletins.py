"""Bulletins in a real browser: a citizen filters the e-digest by an addressee and a
category and subscribes to that filter (daily); a moderator publishes a matching bulletin in
the Wagtail admin; the daily digest arrives at a local SMTP sink (aiosmtpd) with working
List-Unsubscribe headers, and the one-click unsubscribe (a cookie-less POST, as a mail
client sends it) ends the subscription. axe checks the digest, subscribe and cabinet pages."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from .browser import check_axe, login

pytestmark = pytest.mark.e2e

MODERATOR_PASSWORD = "Moderator-2024-Yavir"
TITLE = "Ремонт тротуару на вулиці Шкільній"


def addressee_and_moderator():
    from django.contrib.auth import get_user_model
    from wagtail.models import Site

    from addons.addressees.models import AddresseePage

    root = Site.objects.get(is_default_site=True).root_page
    page = AddresseePage.objects.descendant_of(root).get(slug="upravlinnia-zhkh")
    moderator = get_user_model().objects.create_user(
        username="e2e.bulletins", email="e2e.bulletins@city.example",
        password=MODERATOR_PASSWORD, full_name="Марія Модератор", is_staff=True,
    )
    moderator.groups.add(page.moderators)
    return page, moderator


def test_filter_subscribe_publish_digest_unsubscribe(demo, citizen, visit, axe_source,
                                                     smtp_sink):
    from addons.bulletins import delivery
    from addons.bulletins.models import Bulletin, Subscription

    addressee, moderator = addressee_and_moderator()

    # The citizen filters the e-digest by the addressee and the category "news".
    tab = visit(demo.url)
    page = tab.page
    login(tab, citizen.username, citizen.e2e_password)
    tab.goto(reverse("bulletins:digest"))
    form = page.locator("form.bulletins-filter")
    # The addressee is not on the picker's short list of the top level: its name is typed.
    assert form.locator(f"select[name=addressee] option[value='{addressee.pk}']").count() == 0
    form.locator("input[name=addressee_name]").fill(addressee.title)
    form.locator("select[name=category]").select_option("news")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert form.locator("select[name=addressee]").input_value() == str(addressee.pk)
    items = page.locator("main article.bulletin-item")
    assert items.count() >= 1
    assert all(addressee.title in text for text in items.all_inner_texts())
    assert "Графік прибирання снігу" not in page.locator("main").inner_text()  # a message
    check_axe(tab, axe_source, "e-digest, filtered")

    # ...and subscribes to that filter, daily.
    with page.expect_navigation():
        page.locator("main a[href^='/bulletins/subscribe/']").first.click()
    check_axe(tab, axe_source, "subscribe page")
    subscribe = page.locator("form.bulletins-subscribe")
    assert subscribe.locator("select[name=addressee]").input_value() == str(addressee.pk)
    assert subscribe.locator("select[name=category]").input_value() == "news"
    subscribe.locator("input[name=frequency][value=daily]").check()
    with page.expect_navigation():
        subscribe.locator("button[type=submit]").click()
    assert urlsplit(page.url).path == reverse("bulletins:subscriptions")
    check_axe(tab, axe_source, "my subscriptions")
    subscription = Subscription.objects.get(user=citizen)
    assert (subscription.addressee_id, subscription.category, subscription.frequency) == (
        addressee.pk, "news", "daily")
    assert subscription.confirmed_at is not None

    # A moderator of the addressee publishes a matching bulletin in the Wagtail admin.
    admin = visit(demo.url)
    login(admin, moderator.username, MODERATOR_PASSWORD)
    admin.goto(reverse("wagtailsnippets_bulletins_bulletin:add"))
    editor = admin.page
    editor.locator("select[name=addressee]").select_option(str(addressee.pk))
    editor.locator("select[name=category]").select_option("news")
    editor.locator("input[name=title]").fill(TITLE)
    editor.locator("input[name=summary]").fill("Роботи триватимуть до п'ятниці.")
    # "Publish" sits in the footer's dropdown, under "Save draft"
    editor.locator("footer .w-dropdown__toggle, footer [data-w-dropdown-target=toggle]"
                   ).first.click()
    with editor.expect_navigation():
        editor.locator("button[name=action-publish]").click()
    bulletin = Bulletin.objects.get(title=TITLE)
    assert bulletin.live and bulletin.addressee_id == addressee.pk

    # It is on the addressee's page (the demo's stream) and has a page of its own.
    tab.goto(urlsplit(addressee.url).path)
    stream = page.locator("main section.bulletins-section")
    assert TITLE in stream.inner_text()
    check_axe(tab, axe_source, "addressee page with its bulletin stream")
    with page.expect_navigation():
        stream.get_by_role("link", name=TITLE).click()
    assert page.locator("main h1").inner_text() == TITLE
    check_axe(tab, axe_source, "bulletin page")

    # The daily digest job: the email arrives at the SMTP sink.
    assert delivery.send_digest("daily") >= 1
    messages = smtp_sink.wait_for(citizen.email)
    assert len(messages) == 1
    message = messages[0]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert TITLE in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = str(message["List-Unsubscribe"])
    assert re.search(r"<mailto:unsubscribe\+[^>]+@[^>]+>", header), header
    url = re.search(r"<(https?://[^>]+)>", header).group(1)
    path = urlsplit(url).path

    # GET (a link checker) changes nothing; the one-click POST, without cookies, ends it.
    stranger = visit(demo.url)
    stranger.goto(path)
    subscription.refresh_from_db()
    assert subscription.ended_at is None
    response = stranger.page.request.post(demo.url + path,
                                          form={"List-Unsubscribe": "One-Click"})
    assert response.ok, response.status
    subscription.refresh_from_db()
    assert subscription.ended_at is not None

    # The cabinet no longer lists it, and the next digest does not come.
    tab.goto(reverse("bulletins:subscriptions"))
    assert page.locator("main table").count() == 0
    assert delivery.send_digest("daily") == 0
