"""The management figures from end to end in a real browser.

Problem reports are filed in the demo city through the reports' own service: five of them
to one department have outlived their term, ten others were resolved after about a week and
a half. A manager (figures rights only) opens the dashboard, walks down the tree of
addressees to the department's parent, reads the department's share of overdue reports,
clicks its bar, gets the list of exactly those five reports, downloads it as XLSX, and the
file holds the same rows. The public page "City in figures" shows the same median time to
resolve as the dashboard. Every screen passes axe-core at 1280 and 375 pixels wide and is
photographed into docs/screenshots."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone

from .browser import check_axe
from .test_contacts import a_point, both_widths, photograph

pytestmark = pytest.mark.e2e

PASSWORD = "Cifre-2026-Zvit-Misto"
OVERDUE = 5
RESOLVED = 10  # the public page shows a median over at least ten records


def _manager(django_user_model):
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name="Management figures")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        Permission.objects.get(content_type__app_label="insights", codename="view_figures"))
    user = django_user_model.objects.create_user(
        "manager.figures", "manager.figures@example.org", PASSWORD)
    user.groups.add(group)
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def _history(site):
    """File reports through the reports' service and move their receipt into the past:
    ``OVERDUE`` still open past their term, ``RESOLVED`` resolved now after 12 days."""
    from addons.core.geo import Point
    from addons.core.models import ServiceEvent
    from addons.reports.models import ReportCategory
    from addons.reports.services import change_status, submit_report

    category = ReportCategory.objects.get(site=site, code="roads.pothole")
    lat, lng = a_point(site)
    point = Point(lat, lng)
    now = timezone.now()
    overdue, resolved = [], []
    for index in range(OVERDUE + RESOLVED):
        report = submit_report(site=site, category=category, point=point,
                               description=f"A pothole on the road, number {index} of them.")
        events = ServiceEvent.objects.filter(record_type="reports.report", record_id=report.pk)
        if index < OVERDUE:
            events.update(at=now - timedelta(days=20), due=now - timedelta(days=5))
            overdue.append(report)
        else:
            events.update(at=now - timedelta(days=12))
            change_status(report, "resolved", public_note="Patched.", notify_people=False)
            resolved.append(report)
    return overdue[0].addressee, {report.tracking_number for report in overdue}


def _number(text: str) -> float:
    found = re.search(r"\d+(?:[.,]\d+)?", text)
    assert found, text
    return float(found.group(0).replace(",", "."))


def test_manager_follows_overdue_share_to_the_records_and_the_public_page(
        demo, visit, axe_source, django_user_model):
    from openpyxl import load_workbook
    from wagtail.models import Site

    site = Site.objects.get(is_default_site=True)
    department, expected = _history(site)
    manager = _manager(django_user_model)
    today = timezone.localdate()
    period = f"?start={(today - timedelta(days=29)).isoformat()}&end={today.isoformat()}"

    tab = visit(demo.url)
    tab.goto(reverse("wagtailadmin_login"))
    tab.page.fill("input[name=username]", manager.username)
    tab.page.fill("input[name=password]", PASSWORD)
    with tab.page.expect_navigation():
        tab.page.locator("form button[type=submit]").first.click()

    # the menu leads to the municipality's figures
    tab.page.locator("a[href$='/admin/insights/']").first.click()
    tab.page.wait_for_load_state()
    assert tab.page.locator("h1").inner_text().strip() == "Figures of the municipality"
    tab.goto(reverse("insights-admin:dashboard") + period)
    both_widths(tab, axe_source, "insights-dashboard", "management dashboard")

    # down the tree to the department's parent, by the links under "Addressees"
    from addons.addressees.models import AddresseePage

    chain = list(department.get_ancestors().filter(depth__gt=site.root_page.depth)
                 .type(AddresseePage).specific()) + [department]
    for step in chain[:-1]:
        with tab.page.expect_navigation():
            tab.page.locator(".insights-children a", has_text=step.title).first.click()
    heading = tab.page.locator("h1").inner_text()
    if len(chain) > 1:
        assert chain[-2].title in heading

    # the overdue share of the department: its bar in the chart of "Overdue now"
    card = tab.page.locator("article.insights-card", has=tab.page.locator(
        "h3", has_text="Overdue now")).filter(has=tab.page.locator(
            "svg title", has_text=department.title)).first
    row = card.locator("tr", has=tab.page.locator("th", has_text=department.title)).first
    share = row.locator("td").nth(0).inner_text()
    count = int(row.locator("td").nth(1).inner_text())
    assert count == OVERDUE, (share, count)
    from addons.insights.models import Case

    open_there = Case.objects.filter(record_type="reports.report", state="open",
                                     addressee_path__startswith=department.path).count()
    assert _number(share) == round(100 * OVERDUE / open_there, 1), share
    bar = card.locator("svg a.insights-bar", has=tab.page.locator(
        "title", has_text=department.title)).first
    with tab.page.expect_navigation():
        bar.locator("rect").click()  # the bar itself

    # the list of exactly those records
    assert int(tab.page.locator(".insights-records-count").get_attribute("data-count")) == OVERDUE
    listed = {text.strip() for text in
              tab.page.locator("table.insights-records tbody th").all_inner_texts()}
    assert listed == expected
    both_widths(tab, axe_source, "insights-records", "records behind the overdue share")

    # the XLSX download holds the same rows
    with tab.page.expect_download() as download_info:
        tab.page.locator(".insights-actions a", has_text="XLSX").first.click()
    sheet = load_workbook(BytesIO(open(download_info.value.path(), "rb").read())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert {str(row[0]) for row in rows[1:]} == expected
    assert len(rows) - 1 == OVERDUE

    # the median time to resolve of the reports, on the dashboard and on the public page
    tab.goto(reverse("insights-admin:dashboard") + period)
    reports = tab.page.locator("section.insights-service", has=tab.page.locator(
        "h2", has_text="Problem reports")).first
    median_card = reports.locator("article.insights-card", has=tab.page.locator(
        "h3", has_text="Time to resolution (median)")).first
    dashboard_median = _number(median_card.locator(".insights-number").inner_text())

    public = visit(demo.url)
    public.goto(reverse("insights:public") + period)
    check_axe(public, axe_source, "the public page City in figures (1280 px)")
    cells = public.page.locator('tr[data-service="reports.report"] td')
    assert _number(cells.nth(1).inner_text()) == dashboard_median
    assert _number(cells.nth(0).inner_text()) >= OVERDUE + RESOLVED
    assert "fewer" not in cells.nth(1).inner_text()
    assert public.page.locator('tr[data-service="appeals.appeal"]').count() == 0
    photograph(public, "insights-public", 1280)
    public.page.set_viewport_size({"width": 375, "height": 800})
    check_axe(public, axe_source, "the public page City in figures (375 px)")
    assert public.horizontal_overflow() <= 0, public.overflowing_elements()
    photograph(public, "insights-public", 375)
