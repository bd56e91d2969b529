"""The back office from end to end in a real browser: a citizen files an appeal to a
department with nobody at work and the reception office receives it; an office clerk sees it
on the staff home, takes it, writes an internal note mentioning a colleague, who is notified
and answers; the citizen's cabinet and e-mails show no trace of the notes; the clerk replies
and the figure on the staff home drops by one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from .browser import login

pytestmark = pytest.mark.e2e

PASSWORD = "Office-2024-Kalyna"
MARKER = "NOTE-7f3a9c-internal"
ANSWER_MARKER = "NOTE-answer-51be02"


def staff_login(visit, base_url, user):
    tab = visit(base_url)
    tab.goto(reverse("wagtailadmin_login"))
    tab.page.fill("input[name=username]", user.username)
    tab.page.fill("input[name=password]", PASSWORD)
    with tab.page.expect_navigation():
        tab.page.locator("form button[type=submit]").first.click()
    return tab


def figure(tab, key) -> int:
    tab.goto(reverse("wagtailadmin_home"))
    locator = tab.page.locator(f'[data-figure="appeals:{key}"] .civicdesk-my-work__value')
    return int(locator.first.inner_text()) if locator.count() else 0


def staffless_department():
    """A live addressee of the default site with an appeal form, its staff and the staff of
    every addressee above it removed: its records reach the reception office."""
    from django.contrib.auth.models import Group
    from wagtail.models import Site

    from addons.addressees.models import AddresseePage
    from addons.appeals.models import AppealFormPlacement
    from addons.core.models import StaffingSettings

    site = Site.objects.get(is_default_site=True)
    with_forms = AppealFormPlacement.objects.values("page_id")
    page = (AddresseePage.objects.live().descendant_of(site.root_page)
            .filter(pk__in=with_forms).order_by("-depth", "path").first())
    assert page is not None, "the demo attaches no appeal form to an addressee page"
    for above in AddresseePage.objects.filter(
            path__in=[page.path[:n] for n in range(4, len(page.path) + 1, 4)]):
        if above.moderators_id:
            Group.objects.get(pk=above.moderators_id).user_set.clear()
    office = StaffingSettings.for_site(site).reception_office
    assert office is not None, "the demo town names no reception office"
    return site, page, office


def test_office_note_mention_and_reply(demo, citizen, visit, smtp_sink, django_user_model):
    from addons.appeals.models import Appeal
    from addons.core.models import InternalNote, Notification
    from addons.core.staffing import handlers_for

    site, page, office = staffless_department()
    clerk = office.user_set.order_by("pk").first()
    clerk.set_password(PASSWORD)
    clerk.language = "uk"
    clerk.save()
    colleague = django_user_model.objects.create_user(
        username="kolega", email="kolega@svitlohirsk.example", password=PASSWORD,
        full_name="Олена Колега", language="uk")
    colleague.groups.add(office)
    assert handlers_for(page).source == "office"

    # The clerk's staff home before the appeal arrives.
    staff = staff_login(visit, demo.url, clerk)
    unassigned_before = figure(staff, "unassigned")

    # The citizen files an appeal to the department with nobody at work.
    tab = visit(demo.url)
    login(tab, citizen.username, citizen.e2e_password)
    tab.goto(page.specific.get_url_parts()[2])
    tab.page.locator(".appeals-section a.button").first.click()
    tab.page.wait_for_load_state()
    address = tab.page.locator("[name=applicant_address]")
    if address.count() and not address.first.input_value():
        address.first.fill("вул. Садова, 15, м. Світлогірськ")
    kind = tab.page.locator("select[name=appeal_type]")
    if kind.count():
        kind.select_option("complaint")
    tab.page.fill("input[name=subject]", "Не працює вуличне освітлення")
    tab.page.fill("textarea[name=text]", "На вулиці Садовій третій тиждень не світять ліхтарі.")
    with tab.page.expect_navigation():
        tab.page.locator("main form button[type=submit]").last.click()
    reference = re.search(r"AP-\d{4}-\d{6}", tab.page.locator("main").inner_text()).group(0)
    appeal = Appeal.objects.get(reference=reference)
    assert appeal.addressee_id == page.pk

    # The office receives it; it is on the clerk's staff home.
    assert Notification.objects.filter(recipient=clerk, event="appeals.new").exists()
    assert figure(staff, "unassigned") == unassigned_before + 1

    # The clerk takes it from its page on the desk.
    staff.goto(reverse("casework_appeals:inspect", args=[appeal.pk]))
    with staff.page.expect_navigation():
        staff.page.get_by_role("button", name=re.compile("Узяти собі|Take it")).first.click()
    appeal.refresh_from_db()
    assert appeal.assignee_id == clerk.pk
    assert figure(staff, "unassigned") == unassigned_before
    assert figure(staff, "mine") == 1

    # An internal note mentioning the colleague, who is notified and answers.
    staff.goto(reverse("casework_appeals:inspect", args=[appeal.pk]))
    note_form = staff.page.locator("form.civicdesk-notes__form")
    note_form.locator("textarea").fill(f"@kolega прошу перевірити графік ремонту {MARKER}")
    with staff.page.expect_navigation():
        note_form.locator("button[type=submit]").click()
    assert MARKER in staff.page.locator("#internal-notes").inner_text()
    mention = Notification.objects.get(recipient=colleague, event="mentioned")
    assert MARKER not in mention.body

    other = staff_login(visit, demo.url, colleague)
    other.goto(reverse("casework_appeals:inspect", args=[appeal.pk]))
    assert MARKER in other.page.locator("#internal-notes").inner_text()
    other.page.locator(".civicdesk-notes__reply summary").first.click()
    reply = other.page.locator(".civicdesk-notes__reply form").first
    reply.locator("textarea").fill(f"Ремонт запланований на четвер {ANSWER_MARKER}")
    with other.page.expect_navigation():
        reply.locator("button[type=submit]").click()
    assert InternalNote.objects.filter(body__contains=ANSWER_MARKER).exists()

    # The clerk replies to the citizen.
    staff.goto(reverse("casework_appeals:action", args=[appeal.pk, "reply"]))
    staff.page.fill("textarea[name='text']", "Освітлення відновлять до п’ятниці.")
    with staff.page.expect_navigation():
        staff.page.locator("form.casework-action-form button[type=submit]").click()
    appeal.refresh_from_db()
    assert appeal.status == "answered", staff.page.locator("main").inner_text()[:3000]
    assert figure(staff, "mine") == 0

    # No trace of the notes where the citizen looks: the cabinet, the appeal, the e-mails.
    tab.goto(reverse("accounts:cabinet"))
    assert reference in tab.page.content()
    tab.page.get_by_role("link", name=re.compile(reference)).first.click()
    tab.page.wait_for_load_state()
    html = tab.page.content()
    assert "Освітлення відновлять" in html
    assert MARKER not in html and ANSWER_MARKER not in html
    messages = smtp_sink.wait_for(citizen.email)
    for message in messages:
        text = message.as_string()
        assert MARKER not in text and ANSWER_MARKER not in text
