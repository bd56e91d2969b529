"""The contact center from end to end in a real browser.

A citizen confirms their phone by an SMS code and a second e-mail by its link in the
cabinet (on a phone's screen). Their phone system announces a call from them; the operator
(contact-center rights, no rights on appeals) opens the call from the console, sees the
caller's open report and that they have an appeal, whose content stays hidden, files a new
pothole report on their behalf, and wraps the call up as resolved at first contact. The
citizen gets the tracking number by e-mail. Then the status line: signed TwiML requests
through the language, the kind, the reference digits and the status PIN tell the report's
status; a request with a wrong signature is refused. Every new screen passes axe-core at
1280 and 375 pixels wide and is photographed into docs/screenshots."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from .browser import DESKTOP, PHONE, check_axe

pytestmark = pytest.mark.e2e

PASSWORD = "Dzvinok-2024-Verba"
VOICE_TOKEN = "auth-token-of-the-voice-provider"
CALL_ID = "pbx-e2e-0001"
CITIZEN_PHONE = "+380671234567"
#: the status line is called from another phone: the PIN has to prove the caller
STRANGER_PHONE = "+380509998877"
APPEAL_SUBJECT = "Secret-subject-4d1c: neighbour's conflict"
APPEAL_TEXT = "Secret-text-9b2e of the appeal nobody at the contact center may read."
DESCRIPTION = "A deep pothole at the bus stop, cars swerve into the oncoming lane."


# -- helpers ---------------------------------------------------------------------------------


#: the height of everything the page shows: the Wagtail admin scrolls inside its own
#: container, so a "full page" screenshot would stop at the window's edge
CONTENT_HEIGHT_JS = """() => {
    let height = document.documentElement.scrollHeight;
    for (const el of document.querySelectorAll('body *')) {
        const overflow = getComputedStyle(el).overflowY;
        if ((overflow === 'auto' || overflow === 'scroll') && el.scrollHeight > el.clientHeight) {
            const top = el.getBoundingClientRect().top + window.scrollY;
            height = Math.max(height, top + el.scrollHeight);
        }
    }
    return Math.ceil(height);
}"""


#: what sticks out past the right edge of the window: tag, classes, name, width, right edge
SIDEWAYS_JS = """() => [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
    .slice(0, 12)
    .map(el => `${el.tagName} .${el.className} [${el.name || ''}] `
               + `${Math.round(el.getBoundingClientRect().width)}px wide, right edge `
               + `${Math.round(el.getBoundingClientRect().right)}`)"""


def photograph(tab, name: str, width: int) -> None:
    """A screenshot of the whole page at ``width`` pixels: the window is made as tall as
    the content for it."""
    tab.page.set_viewport_size({"width": width, "height": 800})
    height = tab.page.evaluate(CONTENT_HEIGHT_JS)
    tab.page.set_viewport_size({"width": width, "height": min(max(height, 640), 6000)})
    tab.screenshot(f"{name}-{width}")


def both_widths(tab, axe_source, name: str, what: str) -> None:
    """axe-core and a screenshot of the page at 1280 and at 375 pixels wide; at 375 nothing
    runs off the right edge of the screen (the admin's content scrolls in a container of
    its own, so every element is measured, not only the document)."""
    tab.page.set_viewport_size(DESKTOP)
    check_axe(tab, axe_source, f"{what} (1280 px)")
    photograph(tab, name, DESKTOP["width"])
    tab.page.set_viewport_size(PHONE)
    check_axe(tab, axe_source, f"{what} (375 px)")
    assert tab.horizontal_overflow() <= 0, (what, tab.overflowing_elements())
    assert tab.overflowing_elements() == [], (what, tab.page.evaluate(SIDEWAYS_JS))
    photograph(tab, name, PHONE["width"])
    tab.page.set_viewport_size(DESKTOP)


def citizen_page(tab, axe_source, name: str, what: str) -> None:
    """axe-core and a screenshot of a citizen's page on a phone (375 px)."""
    check_axe(tab, axe_source, f"{what} (375 px)")
    assert tab.horizontal_overflow() <= 0, (what, tab.overflowing_elements())
    assert tab.overflowing_elements() == [], what
    tab.screenshot(f"{name}-375", full_page=True)


def post(url: str, fields, headers=None) -> tuple[int, str]:
    """A form-encoded POST the way a phone system or a voice provider sends it."""
    request = urllib.request.Request(
        url, data=urlencode(fields).encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


class VoiceCall:
    """A call to the status line: every step posted and signed as the provider does."""

    def __init__(self, base_url: str, caller: str, call_sid: str = "CAe2e0001"):
        self.next_url = f"{base_url}/contacts/voice/"
        self.caller, self.call_sid = caller, call_sid

    def params(self, digits=None) -> dict:
        fields = {"CallSid": self.call_sid, "AccountSid": "ACe2e", "From": self.caller,
                  "To": "+380442000000", "CallStatus": "in-progress"}
        if digits is not None:
            fields["Digits"] = digits
        return fields

    def press(self, digits=None) -> ElementTree.Element:
        """Post ``digits`` to the URL the robot's last <Gather> named; its TwiML."""
        from twilio.request_validator import RequestValidator

        fields = self.params(digits)
        signature = RequestValidator(VOICE_TOKEN).compute_signature(self.next_url, fields)
        status, body = post(self.next_url, fields, {"X-Twilio-Signature": signature})
        assert status == 200, (status, body[:500])
        twiml = ElementTree.fromstring(body)
        gather = twiml.find("Gather")
        if gather is not None:
            self.next_url = gather.get("action")
        return twiml


def said(twiml) -> list[str]:
    return [" ".join((element.text or "").split()) for element in twiml.iter("Say")]


def staff_login(visit, base_url, user):
    tab = visit(base_url)
    # the operator works in English (the language switcher's cookie)
    tab.context.add_cookies([{"name": "civicdesk_language", "value": "en", "url": base_url}])
    tab.goto(reverse("wagtailadmin_login"))
    tab.page.fill("input[name=username]", user.username)
    tab.page.fill("input[name=password]", PASSWORD)
    with tab.page.expect_navigation():
        tab.page.locator("form button[type=submit]").first.click()
    return tab


def citizen_login(visit, base_url, user):
    from .browser import login

    tab = visit(base_url, viewport=PHONE)
    login(tab, user.username, user.e2e_password)
    return tab


# -- the town's data ---------------------------------------------------------------------------


def a_point(site):
    """A point in the city: where one of the demo's reports is."""
    from addons.reports.models import Report

    report = Report.objects.filter(site=site, lat__isnull=False).order_by("pk").first()
    assert report is not None, "the demo has no report with a point"
    return report.lat, report.lng


def open_records(site, citizen):
    """The citizen's open report (from their cabinet) and an appeal with their e-mail."""
    from django.utils import timezone

    from addons.addressees.models import AddresseePage
    from addons.appeals.models import Appeal, Status
    from addons.core.geo import Point
    from addons.reports.models import ReportCategory
    from addons.reports.services import submit_report

    category = ReportCategory.objects.get(site=site, code="roads.pothole")
    lat, lng = a_point(site)
    report = submit_report(site=site, category=category, point=Point(lat, lng),
                           description="Broken street light at the school gate.",
                           reporter=citizen, is_public=True)
    addressee = AddresseePage.objects.live().descendant_of(site.root_page).first()
    year = timezone.localdate().year
    appeal = Appeal.objects.create(
        site=site, reference=f"AP-{year}-090001", addressee=addressee,
        subject=APPEAL_SUBJECT, text=APPEAL_TEXT, applicant_name=citizen.full_name,
        applicant_email=citizen.email, status=Status.IN_PROGRESS)
    return report, appeal, category


def make_operator(django_user_model):
    """Contact-center rights (and merging persons), no appeal rights: staff of no
    addressee, not a superuser."""
    from django.contrib.auth.models import Permission

    operator = django_user_model.objects.create_user(
        username="operator.e2e", email="operator.e2e@example.org", password=PASSWORD,
        full_name="Iryna Operator", is_staff=True, language="en")
    operator.user_permissions.add(*Permission.objects.filter(
        codename__in=["access_admin", "use_console", "change_person"]))
    return operator


# -- the test ----------------------------------------------------------------------------------


def test_call_popup_filing_wrap_up_and_status_line(demo, citizen, visit, axe_source,
                                                   django_user_model, settings, tmp_path):
    from django.core import mail
    from wagtail.models import Site

    from addons.accounts import persons, verification
    from addons.accounts.models import Identity, IdentityKind, Person
    from addons.appeals.casework import scope
    from addons.contacts.models import Interaction, PhoneEndpoint, WrapUpCode
    from addons.contacts.services import issue_token
    from addons.contacts.voice import phone_lookups
    from addons.reports.models import Report

    site = Site.objects.get(is_default_site=True)
    sms_log = tmp_path / "sms.log"
    settings.CIVICDESK_SMS_BACKEND = "addons.accounts.sms.FileBackend"
    settings.CIVICDESK_SMS_FILE_PATH = str(sms_log)

    # -- the citizen confirms their phone by SMS and a work e-mail by its link (375 px) -------
    home = citizen_login(visit, demo.url, citizen)
    page = home.page
    home.goto(reverse("accounts:phone"))
    citizen_page(home, axe_source, "accounts-phone", "the cabinet's phone page")
    page.fill("main input[name=phone]", "067 123 45 67")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith(reverse("accounts:confirm_phone")), page.url
    sent = [json.loads(line) for line in sms_log.read_text("utf-8").splitlines()]
    assert [item["to"] for item in sent] == [CITIZEN_PHONE]
    code = re.search(r"\b(\d{6})\b", sent[0]["text"]).group(1)
    citizen_page(home, axe_source, "accounts-phone-code", "the page for the SMS code")
    page.fill("main input[name=code]", code)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    person = persons.person_for_user(site, citizen)
    phone = Identity.objects.get(person=person, kind=IdentityKind.PHONE, value=CITIZEN_PHONE)
    assert phone.verified and phone.verified_how == "sms_code"

    work_email = Identity.objects.create(person=person, site=site, kind=IdentityKind.EMAIL,
                                         value="maria.work@example.org",
                                         raw="maria.work@example.org")
    home.goto(reverse("accounts:confirm_identity",
                      args=[verification.make_link_token(work_email)]))
    citizen_page(home, axe_source, "accounts-confirm-email", "the e-mail link's page")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    work_email.refresh_from_db()
    assert work_email.verified and work_email.verified_how == "email_link"
    # the same e-mail given on another person of the town, unverified: a possible match
    twin = Person.objects.create(site=site, full_name=citizen.full_name)
    Identity.objects.create(person=twin, site=site, kind=IdentityKind.EMAIL,
                            value="maria.work@example.org", raw="Maria.Work@example.org")

    # -- the town: records, an operator without appeal rights, the phone system -----------------
    old_report, appeal, category = open_records(site, citizen)
    operator = make_operator(django_user_model)
    assert not scope(operator, site).filter(pk=appeal.pk).exists()
    code_solved = WrapUpCode.objects.create(site=site, title="Report filed for the caller")
    WrapUpCode.objects.create(site=site, title="Information given")
    cti_token = issue_token(site)
    endpoint = PhoneEndpoint.objects.get(site=site)
    endpoint.voice_token, endpoint.voice_enabled = VOICE_TOKEN, True
    endpoint.voice_languages, endpoint.transfer_number = "uk,en", "+380442000001"
    endpoint.save()

    # The PBX announces the call and says the operator answered it.
    cti = f"{demo.url}/contacts/cti/{cti_token}/"
    call = {"from": "0671234567", "to": "+380442000000", "direction": "in",
            "callId": CALL_ID}
    assert post(cti, {**call, "event": "newCall", "user[]": operator.username}) == (200, "{}")
    assert post(cti, {**call, "event": "answer", "user[]": operator.username,
                      "answeringNumber": "+380442000001"}) == (200, "{}")
    assert post(f"{demo.url}/contacts/cti/wrong-token/", {**call, "event": "hangup"})[0] == 403
    interaction = Interaction.objects.get(site=site, call_id=CALL_ID)
    assert interaction.person == person and interaction.operator == operator

    # -- the console: the call is there; the pop-up --------------------------------------------
    desk = staff_login(visit, demo.url, operator)
    desk_page = desk.page
    desk.goto(reverse("contacts-admin:console") + "?" + urlencode({"q": "067 123 45 67"}))
    results = desk_page.locator(".contacts-results")
    assert person.full_name in results.inner_text()
    both_widths(desk, axe_source, "contacts-console", "the console with a search")
    current = desk_page.locator(".contacts-current__list a")
    assert current.count() == 1
    with desk_page.expect_navigation():
        current.first.click()
    assert f"call={CALL_ID}" in desk_page.url
    popup_url = desk_page.url
    main = desk_page.locator("main")
    text = main.inner_text()
    assert person.full_name in text and CALL_ID in text
    assert old_report.tracking_number in text
    assert "SRID" not in text  # a report without an address is placed by its point, readably
    # the appeal is there, its content is not: the operator does not handle appeals
    assert appeal.reference in text and "Confidential" in text
    html = desk_page.content()
    assert APPEAL_SUBJECT not in html and APPEAL_TEXT not in html
    both_widths(desk, axe_source, "contacts-popup", "the caller pop-up")

    # -- the person's record, and the merge preview of the possible match ------------------------
    with desk_page.expect_navigation():
        main.get_by_role("link", name=person.full_name).first.click()
    record = desk_page.locator("main")
    assert "maria.work@example.org" in record.inner_text()
    assert appeal.reference in record.inner_text()
    assert APPEAL_SUBJECT not in desk_page.content()
    both_widths(desk, axe_source, "contacts-person", "the person's record")
    with desk_page.expect_navigation():
        record.locator(".contacts-matches a.button").first.click()
    assert "/admin/persons/merge/" in desk_page.url
    both_widths(desk, axe_source, "contacts-merge", "the merge preview")

    # -- filing a pothole report on the caller's behalf ----------------------------------------
    desk.goto(popup_url.removeprefix(demo.url))
    with desk_page.expect_navigation():
        desk_page.locator("main a", has_text="File for the caller").first.click()
    assert f"interaction={interaction.pk}" in desk_page.url
    form = desk_page.locator("#intake-reports form")
    # prefilled from the person
    assert form.locator("[name=reports-reporter_name]").input_value() == person.full_name
    assert form.locator("[name=reports-contact_email]").input_value() == citizen.email
    both_widths(desk, axe_source, "contacts-file", "the filing form")
    lat, lng = a_point(site)
    form.locator("select[name=reports-how-source]").select_option("phone")
    form.locator("select[name=reports-category]").select_option(str(category.pk))
    form.locator("textarea[name=reports-description]").fill(DESCRIPTION)
    form.locator("input[name=reports-lat]").fill(f"{lat + 0.0004:.6f}")
    form.locator("input[name=reports-lng]").fill(f"{lng:.6f}")
    # not on the public map: only the PIN (or the citizen's own phone) tells its status
    form.locator("input[name=reports-is_public]").uncheck()
    with desk_page.expect_navigation():
        form.locator("button[type=submit]").click()
    report = Report.objects.get(site=site, description=DESCRIPTION)
    done = desk_page.locator("main").inner_text()
    assert report.tracking_number in done and report.status_pin in done, done[:2000]
    assert f"by e-mail to {citizen.email}" in done
    assert report.source == "phone" and report.entered_by == operator
    assert report.reporter == citizen and not report.is_public

    # -- the wrap-up: resolved at first contact ------------------------------------------------
    desk.goto(popup_url.removeprefix(demo.url))
    wrap = desk_page.locator("main form[method=post]")
    wrap.locator("textarea[name=summary]").fill("Reported a pothole at the bus stop.")
    wrap.locator("select[name=wrap_up]").select_option(str(code_solved.pk))
    wrap.locator("input[name=resolved_first_contact]").check()
    # the owner stays filled in: without a time or a note no callback is asked for
    with desk_page.expect_navigation():
        wrap.locator("button[type=submit]").click()
    assert desk_page.url.endswith(
        reverse("contacts-admin:interaction", args=[interaction.pk])), (
        desk_page.url, desk_page.locator("main").inner_text()[:1500])
    interaction.refresh_from_db()
    assert interaction.resolved_first_contact and interaction.wrap_up == code_solved
    assert [item["reference"] for item in interaction.records] == [report.tracking_number]
    assert report.tracking_number in desk_page.locator("main").inner_text()
    assert not desk.console_errors, desk.console_errors

    # -- the citizen has the tracking number by e-mail -------------------------------------------
    to_citizen = [message for message in mail.outbox if citizen.email in message.to]
    assert any(report.tracking_number in message.subject + message.body
               for message in to_citizen), [message.subject for message in to_citizen]

    # -- the status line: signed requests, the PIN, the status spoken -----------------------------
    voice_url = f"{demo.url}/contacts/voice/"
    forged = VoiceCall(demo.url, STRANGER_PHONE).params()
    assert post(voice_url, forged, {"X-Twilio-Signature": "bm90IHNpZ25lZA=="})[0] == 403
    assert post(voice_url, forged)[0] == 403
    phone_call = VoiceCall(demo.url, STRANGER_PHONE)
    menu = phone_call.press()
    assert [item.get("language") for item in menu.iter("Say")][1:3] == ["uk-UA", "en-GB"]
    kinds = phone_call.press("2")  # English
    assert any("Problem report" in line for line in said(kinds)), said(kinds)
    digit = dict((lookup.key, key) for key, lookup in phone_lookups(site))["reports"]
    asked = phone_call.press(digit)
    assert any("hash key" in line for line in said(asked)), said(asked)
    year, number = re.fullmatch(r"PR-(\d{4})-(\d+)", report.tracking_number).groups()
    pin_asked = phone_call.press(f"{year}{int(number)}#")
    assert any("status PIN" in line for line in said(pin_asked)), said(pin_asked)
    assert not any(line.startswith("Status:") for line in said(pin_asked))
    wrong = "000000" if report.status_pin != "000000" else "111111"
    again = phone_call.press(f"{wrong}#")
    assert "This PIN is not right." in said(again), said(again)
    told = phone_call.press(f"{report.status_pin}#")
    lines = said(told)
    assert {item.get("language") for item in told.iter("Say")} == {"en-GB"}
    assert f"Status: {report.status.label('en')}." in lines, lines
    assert "Problem report number" in lines[0], lines
    status_call = Interaction.objects.get(site=site, call_id="voice:CAe2e0001")
    assert status_call.records[0]["reference"] == report.tracking_number
    assert status_call.records[0]["told"] is True
