"""A pothole from the map to the rating, in a real browser: a citizen reports it by clicking
the map, attaches a photo, sees the suggested category and gets the tracking number; a
second citizen finds it as a nearby duplicate and co-signs it; staff set it in progress,
then resolved; both citizens are told; the reporter confirms and rates it. The report form
and the report page pass axe-core; the situational map draws the report."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse

from .browser import CITIZEN_PASSWORD, PHONE, check_axe, login

pytestmark = pytest.mark.e2e

DESCRIPTION = (
    "Глибока вибоїна на дорозі посеред проїжджої частини, машини об'їжджають яму "
    "по зустрічній смузі."
)


def jpeg_bytes() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (120, 120, 120))
    ImageDraw.Draw(image).ellipse((90, 70, 230, 170), fill=(40, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


PHOTO = {"name": "pothole.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}


def make_user(username: str, *, staff: bool = False):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=CITIZEN_PASSWORD,
        full_name=username.replace(".", " ").title(), postal_address="1 Soborna St",
        phone="+380441112233", email_confirmed=True, is_staff=staff, language="en",
    )
    user.e2e_password = CITIZEN_PASSWORD
    return user


def send_report(tab) -> None:
    """Submit the form; when it shows reports nearby first, send ours anyway (the photo is
    attached again: browsers do not keep files between two pages). The photo is checked and
    re-encoded on the way: on a busy machine that takes longer than Playwright's 30 s."""
    page = tab.page
    with page.expect_navigation(timeout=90_000):
        page.locator("form.report-form button[name=action][value=submit]").click()
    if "/submitted/" not in page.url and page.locator(".reports-nearby-list").count():
        page.set_input_files("input[name=photos]", files=[PHOTO])
        with page.expect_navigation(timeout=90_000):
            page.locator("form.report-form button[name=action][value=submit]").click()


def test_pothole_reported_cosigned_resolved_and_rated(demo, citizen, visit, axe_source):
    from django.core import mail

    from addons.core.models import Notification
    from addons.reports.models import CoSign, Report

    # -- the citizen reports it --------------------------------------------------------------
    tab = visit(demo.url)
    login(tab, citizen.username, citizen.e2e_password)
    page = tab.page
    tab.goto(reverse("reports:new"))
    page.wait_for_selector(".report-map.leaflet-container", timeout=10_000)
    check_axe(tab, axe_source, "the report form")
    # the map's zoom buttons speak the page's language, not Leaflet's English
    zoom_in = page.locator(".report-map .leaflet-control-zoom-in").get_attribute("title")
    assert zoom_in == page.locator(".report-map").get_attribute("data-zoom-in")
    if page.locator("html").get_attribute("lang") != "en":
        assert zoom_in != "Zoom in"

    page.fill("textarea[name=description]", DESCRIPTION)
    page.wait_for_selector(".report-suggestions li", timeout=10_000)
    suggested = page.locator(".report-suggestions li").first
    assert suggested.get_attribute("data-code") == "roads.pothole", suggested.inner_html()
    page.wait_for_function(
        "() => document.querySelector('[name=category]').value === 'roads.pothole'"
    )

    the_map = page.locator(".report-map")
    box = the_map.bounding_box()
    the_map.click(position={"x": box["width"] * 0.62, "y": box["height"] * 0.4})
    page.wait_for_function("() => document.querySelector('input[name=lat]').value !== ''")
    lat = float(page.input_value("input[name=lat]"))
    lng = float(page.input_value("input[name=lng]"))
    assert page.locator(".report-map .leaflet-marker-icon").count() == 1
    tab.screenshot("report-form-1280", full_page=True)

    page.set_input_files("input[name=photos]", files=[PHOTO])
    send_report(tab)
    assert "/submitted/" in page.url, page.url
    number = page.locator(".report-number").inner_text().strip()
    assert re.fullmatch(r"[A-Z]+-\d{4}-\d+", number), number
    report = Report.objects.get(tracking_number=number)
    assert report.reporter_id == citizen.pk and report.category.code == "roads.pothole"
    assert abs(report.lat - lat) < 1e-5 and abs(report.lng - lng) < 1e-5
    assert report.photos.count() == 1

    tab.goto(report.get_absolute_url())
    assert page.locator("main img").count() >= 1
    check_axe(tab, axe_source, "the report page")

    # -- a second citizen finds it nearby and co-signs ---------------------------------------
    neighbour = make_user("taras.e2e")
    tab2 = visit(demo.url)
    login(tab2, neighbour.username, neighbour.e2e_password)
    page2 = tab2.page
    tab2.goto(reverse("reports:new"))
    page2.select_option("select[name=category]", "roads.pothole")
    page2.fill("input[name=lat]", f"{lat + 0.0002:.6f}")
    page2.fill("input[name=lng]", f"{lng:.6f}")
    page2.dispatch_event("input[name=lng]", "change")
    item = page2.locator(".reports-nearby-list li", has_text=number)
    item.wait_for(timeout=10_000)
    # The duplicate's page, from its link in the list, and "me too" there.
    with page2.expect_navigation():
        item.locator(f"a[href='{report.get_absolute_url()}']").click()
    with page2.expect_navigation():
        page2.locator("main form[action$='/cosign/'] button[type=submit]").click()
    assert CoSign.objects.filter(report=report, user=neighbour).exists(), (
        page2.url, page2.locator("main").inner_text()[:600])
    report.refresh_from_db()
    assert report.cosign_count == 1

    # -- staff: in progress, then resolved ----------------------------------------------------
    staff = make_user("roads.staff", staff=True)
    staff.groups.add(report.addressee.moderators)
    tab3 = visit(demo.url)
    login(tab3, staff.username, staff.e2e_password)
    page3 = tab3.page
    for code, note in (("in_progress", "A crew is on its way."),
                       ("resolved", "The pothole was patched.")):
        tab3.goto(report.get_absolute_url())
        form = page3.locator("form[action$='/status/']")
        status_id = str(report.status.__class__.objects.get(code=code).pk)
        form.locator("select[name=status]").select_option(status_id)
        form.locator("textarea[name=public_note]").fill(note)
        with page3.expect_navigation():
            form.locator("button[type=submit]").click()
        report.refresh_from_db()
        assert report.status.code == code
    assert report.resolved_at is not None

    # -- both citizens are told ---------------------------------------------------------------
    for person in (citizen, neighbour):
        rows = Notification.objects.filter(recipient=person, url__contains=number)
        assert rows.filter(body__contains="patched").exists(), list(rows.values("subject"))
        assert any(person.email in message.to for message in mail.outbox), person.email

    # -- the reporter confirms and rates ------------------------------------------------------
    tab.goto(report.get_absolute_url())
    with page.expect_navigation():
        page.locator(f"main a[href^='{reverse('reports:feedback', args=[number])}']").click()
    with page.expect_navigation():
        page.locator("form:has(input[name=action][value=confirm]) button").click()
    rating = page.locator("form").filter(has=page.locator("input[name=speed]"))
    rating.locator("input[name=speed][value='5']").check()
    rating.locator("input[name=quality][value='4']").check()
    with page.expect_navigation():
        rating.locator("button[type=submit]").click()
    report.refresh_from_db()
    assert report.confirmed_at is not None
    assert (report.rating_speed, report.rating_quality) == (5, 4)
    assert not tab.console_errors, tab.console_errors
    assert tab.foreign_requests() == []


def test_situational_map_draws_reports_and_filters_without_javascript(
    demo, visit, axe_source
):
    """The map on the home page loads the GeoJSON and draws clusters or markers; the list
    page filters with a plain form."""
    tab = visit(demo.url)
    page = tab.page
    tab.goto("/")
    page.wait_for_selector(".situational-map.leaflet-container", timeout=10_000)
    page.wait_for_function(
        "() => Number(document.querySelector('.situational-map').dataset.loaded || 0) > 0",
        timeout=10_000,
    )
    drawn = page.locator(".situational-map .leaflet-marker-icon").count()
    assert drawn >= 1
    assert any("/api/v1/reports.geojson" in url for url in tab.requests)
    assert tab.foreign_requests() == []
    assert not tab.console_errors, tab.console_errors
    page.locator(".situational-map").first.scroll_into_view_if_needed()
    tab.screenshot("situational-map-1280")

    # A cluster opens by zooming in, until single reports show; a marker's popup links to
    # the report's page.
    single = page.locator(".situational-map .leaflet-marker-icon:not(.situational-cluster)")
    for _ in range(6):
        if single.count():
            break
        zoom = page.evaluate("() => document.querySelector('.situational-map').dataset.zoom")
        page.locator(".situational-cluster").first.click()
        page.wait_for_function(
            "(z) => document.querySelector('.situational-map').dataset.zoom !== z", arg=zoom
        )
        page.wait_for_timeout(600)  # the debounced request and its drawing
    single.first.click()
    link = page.locator(".situational-popup a").first
    link.wait_for(timeout=5_000)
    assert re.fullmatch(r"/reports/[A-Z]+-\d{4}-\d+/", link.get_attribute("href"))

    tab.goto(reverse("reports:situational:list"))
    check_axe(tab, axe_source, "the situational center")
    listed = page.locator(".situational-list > li").count()
    assert listed >= 1
    page.select_option("select[name=state]", "closed")
    with page.expect_navigation():
        page.locator("main form.situational-filters button[type=submit]").click()
    assert "state=closed" in page.url
    assert page.locator(".situational-list > li").count() <= listed
    page.set_viewport_size(PHONE)
    assert tab.horizontal_overflow() <= 0, tab.overflowing_elements()
    tab.screenshot("situational-center-375", full_page=True)
