"""An appeal from end to end in a real browser: the citizen completes the profile, files an
appeal with an attachment on an addressee page and gets its reference number; a moderator
replies in the Wagtail admin; the citizen reads the reply in the cabinet, and the e-mail
arrives, in the citizen's language, at a local SMTP sink (aiosmtpd)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from .browser import login

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MODERATOR_PASSWORD = "Moderator-2024-Kalyna"


def addressee_with_form():
    """A live addressee of the default site that carries an appeal form, and a moderator of
    it with a known password."""
    from django.contrib.auth import get_user_model
    from wagtail.models import Site

    from addons.addressees.models import AddresseePage
    from addons.appeals.models import AppealFormPlacement

    root = Site.objects.get(is_default_site=True).root_page
    with_forms = AppealFormPlacement.objects.values("page_id")
    page = (AddresseePage.objects.live().descendant_of(root).filter(pk__in=with_forms)
            .order_by("path").first())
    assert page is not None, "the demo attaches no appeal form to an addressee page"
    moderator = get_user_model().objects.create_user(
        username="e2e.moderator", email="e2e.moderator@city.example",
        password=MODERATOR_PASSWORD, full_name="Ірина Модератор",
    )
    moderator.groups.add(page.moderators)
    return page, moderator


def test_appeal_from_filing_to_reply(demo, citizen, visit, smtp_sink):
    from addons.appeals.models import Appeal

    page, moderator = addressee_with_form()
    # The profile lacks the postal address the law requires: the citizen types it into the
    # appeal form and keeps it for the next time.
    address = citizen.postal_address or "вул. Садова, 15, м. Світлогірськ"
    citizen.postal_address = ""
    citizen.language = "uk"
    citizen.save(update_fields=["postal_address", "language"])

    tab = visit(demo.url)
    browser_page = tab.page
    login(tab, citizen.username, citizen.e2e_password)
    tab.goto(page.specific.get_url_parts()[2])
    browser_page.locator(".appeals-section a.button").first.click()
    browser_page.wait_for_load_state()
    assert "/appeals/new/" in browser_page.url
    browser_page.fill("textarea[name=applicant_address], input[name=applicant_address]", address)
    browser_page.check("input[name=save_address]")
    browser_page.select_option("select[name=appeal_type]", "complaint")

    # File the appeal with an attachment.
    browser_page.fill("input[name=subject]", "Яма на вулиці Садовій")
    browser_page.fill("textarea[name=text]", "Прошу відремонтувати яму біля будинку 15.")
    browser_page.locator("input[type=file]").first.set_input_files(
        files=[{"name": "photo-plan.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    with browser_page.expect_navigation():
        browser_page.locator("main form button[type=submit]").last.click()
    text = browser_page.locator("main").inner_text()
    match = re.search(r"AP-\d{4}-\d{6}", text)
    assert match, text[:2000]
    reference = match.group(0)
    appeal = Appeal.objects.get(reference=reference)
    assert appeal.author_id == citizen.pk
    citizen.refresh_from_db()
    assert citizen.postal_address == address
    assert appeal.attachments.get().original_name == "photo-plan.pdf"

    # The moderator replies in the admin.
    staff = visit(demo.url)
    staff.goto(reverse("wagtailadmin_login"))
    staff.page.fill("input[name=username]", moderator.username)
    staff.page.fill("input[name=password]", MODERATOR_PASSWORD)
    with staff.page.expect_navigation():
        staff.page.locator("form button[type=submit]").first.click()
    staff.goto(reverse("casework_appeals:index"))
    staff.page.get_by_role("link", name=reference).click()
    staff.page.wait_for_load_state()
    assert "photo-plan.pdf" in staff.page.locator("main").inner_text()
    staff.goto(reverse("casework_appeals:action", args=[appeal.pk, "reply"]))
    reply = "Яму буде відремонтовано до кінця тижня."
    staff.page.fill("textarea[name='text']", reply)
    with staff.page.expect_navigation():
        staff.page.locator("form.casework-action-form button[type=submit]").click()
    appeal.refresh_from_db()
    assert appeal.status == "answered"

    # An e-mail, in Ukrainian, at the SMTP sink.
    messages = smtp_sink.wait_for(citizen.email)
    subjects = [str(item["Subject"]) for item in messages]
    answered = [item for item in messages if reference in str(item["Subject"])
                and "Відповідь" in str(item["Subject"])]
    assert answered, subjects
    body = answered[-1].get_body(preferencelist=("plain",)).get_content()
    assert reply in body

    # The citizen sees the reply in the cabinet.
    tab.goto(reverse("accounts:cabinet"))
    assert reference in browser_page.locator("main").inner_text()
    browser_page.get_by_role("link", name=re.compile(reference)).first.click()
    browser_page.wait_for_load_state()
    assert reply in browser_page.locator("main").inner_text()
