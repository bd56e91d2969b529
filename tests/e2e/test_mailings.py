"""Mass mailing in a real browser: a webmaster imports a CSV list (a broken file is refused
with its report, then the good file), sends a campaign from its admin page; the messages
arrive at a local SMTP sink (aiosmtpd) with List-Unsubscribe headers; a resident follows the
link (a confirmation page that changes nothing), presses the button and is unsubscribed; a
mail client's one-click POST without cookies unsubscribes another. axe checks the public
unsubscribe pages."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from .browser import check_axe, login

pytestmark = pytest.mark.e2e

WEBMASTER_PASSWORD = "Webmaster-2024-Kalyna"
GOOD = "email,name,language\nana@example.org,Ana,en\nbogdan@example.org,Bogdan,en\n"
BROKEN = GOOD + "not-an-email,Nobody,en\n"


def test_csv_import_campaign_and_one_click_unsubscribe(demo, visit, axe_source, smtp_sink,
                                                       tmp_path):
    from django.contrib.auth import get_user_model
    from wagtail.models import Site

    from addons.mailings.models import (
        Campaign,
        MailTemplate,
        MailTemplateVariant,
        RecipientList,
        Unsubscription,
    )

    site = Site.objects.get(is_default_site=True)
    webmaster = get_user_model().objects.create_superuser(
        username="webmaster.e2e", email="webmaster.e2e@example.org",
        password=WEBMASTER_PASSWORD)
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(webmaster)
    profile.preferred_language = "en"  # the admin in English for the checks below
    profile.save()
    template = MailTemplate.objects.create(site=site, name="Water", default_language="en")
    MailTemplateVariant.objects.create(template=template, language="en",
                                       subject="Water off in {municipality}",
                                       body="Dear {name},\nno water tomorrow.\n"
                                            "Unsubscribe: {unsubscribe_url}\n")
    recipient_list = RecipientList.objects.create(site=site, name="Residents of Sadova St")
    campaign = Campaign.objects.create(site=site, name="Water off", template=template,
                                       recipient_list=recipient_list)

    admin = visit(demo.url)
    login(admin, "webmaster.e2e", WEBMASTER_PASSWORD)
    page = admin.page
    (tmp_path / "broken.csv").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "good.csv").write_text(GOOD, encoding="utf-8")
    admin.goto(f"/admin/mailings/lists/{recipient_list.pk}/import/")
    page.set_input_files("input[type=file]", str(tmp_path / "broken.csv"))
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()
    assert "Nothing was imported: 1 row is broken." in page.content()
    assert page.locator("table.listing td", has_text="not-an-email").count() == 1
    assert recipient_list.members.count() == 0
    page.set_input_files("input[type=file]", str(tmp_path / "good.csv"))
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()
    assert "2 rows imported." in page.content()

    admin.goto(f"/admin/casework/campaigns/{campaign.pk}/")
    assert "List-Unsubscribe-Post" in page.content()  # the preview shows the headers
    with page.expect_navigation():
        page.get_by_role("link", name="Send now").click()
    page.get_by_label("I understand that this cannot be undone").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send now").click()
    messages = smtp_sink.wait_count(2)
    assert sorted(str(m["To"]) for m in messages) == ["Ana <ana@example.org>",
                                                      "Bogdan <bogdan@example.org>"]
    for message in messages:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "<mailto:unsubscribe+" in message["List-Unsubscribe"]
    links = {str(m["To"]): re.search(r"<(http[^>]+)>", m["List-Unsubscribe"]).group(1)
             for m in messages}

    # Ana follows the link from her mail: a confirmation page, nothing changes yet
    resident = visit(demo.url)
    resident.context.add_cookies([{"name": "civicdesk_language", "value": "en",
                                   "url": demo.url}])
    resident.goto(urlsplit(links["Ana <ana@example.org>"]).path)
    check_axe(resident, axe_source, "unsubscribe confirmation")
    assert not Unsubscription.objects.exists()
    with resident.page.expect_navigation():
        resident.page.get_by_role("button", name="Unsubscribe").click()
    assert resident.page.get_by_role("heading", name="You are unsubscribed").is_visible()
    check_axe(resident, axe_source, "unsubscribed page")

    # Bogdan's mail client posts the one-click request itself, without cookies
    response = resident.context.request.post(
        demo.url + urlsplit(links["Bogdan <bogdan@example.org>"]).path,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        data="List-Unsubscribe=One-Click",
    )
    assert response.status == 200
    assert sorted(Unsubscription.objects.values_list("email", flat=True)) == [
        "ana@example.org", "bogdan@example.org"]

    # a forged link: a clear 404 page
    resident.goto(urlsplit(links["Ana <ana@example.org>"]).path[:-3] + "xx/", expect_status=404)
    assert "This unsubscribe link is not valid" in resident.page.content()

    admin.goto(f"/admin/casework/campaigns/{campaign.pk}/")
    cells = page.locator("table.mailings-report tbody td").all_inner_texts()
    assert cells[:3] == ["2", "0", "2"] and cells[6] == "2"  # total, waiting, sent, unsub.
