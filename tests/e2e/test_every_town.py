"""Every demo town takes a problem report, an appeal and a booking, in a real browser and
through its APIs (Open311 POST for reports, the queue JSON API for bookings; appeals have a
read-only API, so they are filed on the web and read back through it). Each filing gets its
own reference number, and the number leads to it on its own town only.

The public forms print no label twice: for every form control, no two of its labels (a
label, the legend of its own group, an aria-label) say the same, and no label says the same
words twice. The forms' HTML passes the Nu HTML checker and axe-core."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from datetime import time, timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from django.urls import reverse

from .browser import check_axe, demo_towns, login, town_url

pytestmark = pytest.mark.e2e

NUMBER = re.compile(r"\b[A-Z]{2,}-(?:[A-Z0-9]+-)?\d{4}-\d{6}\b")


def http(base_url: str, method: str, path: str, *, data=None, headers=None):
    """A request to the live server for one town (by its Host header); (status, body)."""
    parts = urlsplit(base_url)
    port = parts.port
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method, data=data,
        headers={"Host": f"{parts.hostname}:{port}", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def site_for(hostname: str, addon: str = ""):
    """The town's site; the test is skipped where the town switched ``addon`` off."""
    from wagtail.models import Site

    from addons.core.activation import is_enabled

    site = Site.objects.get(hostname=hostname)
    if addon and not is_enabled(addon, site=site):
        pytest.skip(f"{hostname} has switched {addon} off")
    return site


def fill_required(page) -> None:
    """Fill what the form still requires with plain values (the jurisdiction decides what
    is asked of an applicant; the test does not guess it)."""
    for control in page.locator("main form [required]").all():
        if not control.is_visible():
            continue
        kind = (control.get_attribute("type") or control.evaluate("e => e.tagName")).lower()
        if kind in ("checkbox", "radio"):
            control.check()
        elif kind == "select":
            if not control.input_value():
                values = control.evaluate("s => [...s.options].map(o => o.value).filter(Boolean)")
                control.select_option(values[0])
        elif kind == "file":
            continue
        elif not control.input_value():
            sample = {"email": "citizen.e2e@example.org", "tel": "+40268400100",
                      "date": "2026-01-15", "number": "1"}.get(kind, "Strada Unirii nr. 3")
            control.fill(sample)


# -- problem reports ------------------------------------------------------------------------


def report_place(site) -> tuple[float, float]:
    """The middle of the town's reporting area, or else of its map."""
    from addons.core.models import SiteProfile
    from addons.reports.models import ReportsSettings

    options = ReportsSettings.for_site(site)
    if None not in (options.min_lat, options.max_lat, options.min_lng, options.max_lng):
        return ((options.min_lat + options.max_lat) / 2, (options.min_lng + options.max_lng) / 2)
    # SRID=4326;POINT(longitude latitude)
    lng, lat = re.findall(r"-?\d+(?:\.\d+)?", SiteProfile.for_site(site).map_center)[-2:]
    return float(lat), float(lng)


def file_report_on_the_web(tab, site, description: str) -> str:
    page = tab.page
    tab.goto(reverse("reports:new"))
    page.fill("textarea[name=description]", description)
    category = page.locator("select[name=category]")
    codes = category.evaluate("s => [...s.options].map(o => o.value).filter(Boolean)")
    category.select_option(codes[0])
    lat, lng = report_place(site)
    page.fill("input[name=lat]", f"{lat:.6f}")
    page.fill("input[name=lng]", f"{lng:.6f}")
    for _ in range(2):  # the second time past the "reports nearby" question
        with page.expect_navigation():
            page.locator("form.report-form button[name=action][value=submit]").click()
        if "/submitted/" in page.url:
            break
    assert "/submitted/" in page.url, page.locator("main").inner_text()[:2000]
    return page.locator(".report-number").inner_text().strip()


def file_report_through_open311(base_url: str, site, description: str) -> str:
    from addons.reports.models import Open311ApiKey

    key = Open311ApiKey.objects.create(name="Town app", site=site)
    status, body = http(base_url, "GET", "/open311/v2/services.json")
    assert status == 200, (status, body[:500])
    services = json.loads(body)
    assert services, f"{site.hostname} offers no Open311 service"
    lat, lng = report_place(site)
    status, body = http(base_url, "POST", "/open311/v2/requests.json", data=urlencode({
        "api_key": key.key, "service_code": services[0]["service_code"],
        "lat": f"{lat:.6f}", "long": f"{lng:.6f}",
        "description": description, "email": "open311.e2e@example.org",
        "first_name": "Ana", "last_name": "Pop",
    }).encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 201, (status, body[:2000])
    answer = json.loads(body)
    number = answer[0].get("service_request_id") or answer[0].get("token")
    assert number, answer
    return number


@pytest.mark.parametrize("hostname", demo_towns())
def test_reports_filed_on_the_web_and_through_open311(hostname, demo, citizen, visit):
    from addons.reports.models import Report

    site = site_for(hostname, "reports")
    base = town_url(demo.url, hostname)
    tab = visit(base)
    login(tab, citizen.username, citizen.e2e_password)
    web_text = f"Web report on {hostname}: a broken bench in the park."
    api_text = f"Open311 report on {hostname}: a street lamp is out."
    web = file_report_on_the_web(tab, site, web_text)
    api = file_report_through_open311(base, site, api_text)
    assert web != api
    for number, text in ((web, web_text), (api, api_text)):
        report = Report.objects.get(site=site, tracking_number=number)
        assert report.description == text
        # the number leads to the report on its own town, and not to it on another
        status, body = http(base, "GET", f"/reports/{number}/")
        assert status == 200 and text in body.decode(), (number, status)
        for other in demo_towns():
            if other != hostname:
                status, body = http(town_url(demo.url, other), "GET", f"/reports/{number}/")
                assert text not in body.decode(), (number, other)


# -- appeals --------------------------------------------------------------------------------


def appeal_page(site):
    from addons.addressees.models import AddresseePage
    from addons.appeals.models import AppealFormPlacement

    with_forms = AppealFormPlacement.objects.values("page_id")
    page = (AddresseePage.objects.live().descendant_of(site.root_page)
            .filter(pk__in=with_forms).order_by("path").first())
    assert page is not None, f"the demo attaches no appeal form on {site.hostname}"
    return page.specific.get_url_parts()[2]


@pytest.mark.parametrize("hostname", demo_towns())
def test_appeal_filed_on_the_web_and_read_through_the_api(hostname, demo, citizen, visit):
    from rest_framework.authtoken.models import Token

    from addons.appeals.models import Appeal

    site = site_for(hostname, "appeals")
    base = town_url(demo.url, hostname)
    tab = visit(base)
    page = tab.page
    login(tab, citizen.username, citizen.e2e_password)
    tab.goto(appeal_page(site))
    page.locator(".appeals-section a.button").first.click()
    page.wait_for_load_state()
    subject = f"Appeal on {hostname}"
    page.fill("input[name=subject]", subject)
    page.fill("textarea[name=text]", "Please repair the pavement in front of house 3.")
    fill_required(page)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    appeal = Appeal.objects.filter(site=site, author=citizen, subject=subject).first()
    assert appeal is not None, page.locator("main").inner_text()[:2000]
    assert appeal.reference in page.locator("main").inner_text()
    assert NUMBER.search(appeal.reference), appeal.reference

    token = Token.objects.get_or_create(user=citizen)[0].key
    auth = {"Authorization": f"Token {token}", "Accept": "application/json"}
    status, body = http(base, "GET", f"/api/v1/appeals/{appeal.pk}/", headers=auth)
    assert status == 200, (status, body[:500])
    assert json.loads(body)["reference"] == appeal.reference
    for other in demo_towns():
        if other != hostname:
            status, _ = http(town_url(demo.url, other), "GET", f"/api/v1/appeals/{appeal.pk}/",
                             headers=auth)
            assert status == 404, (other, status)


# -- bookings -------------------------------------------------------------------------------


def open_queue(site):
    """A queue open every day on the town's first addressee, with one service."""
    from addons.addressees.models import AddresseePage
    from addons.queues.models import Queue, QueueService, WeeklySchedule

    addressee = (AddresseePage.objects.live().descendant_of(site.root_page)
                 .order_by("path").first())
    queue = Queue.objects.create(
        site=site, title=f"Desk of {site.hostname}", addressee=addressee, place="Room 5",
        slot_minutes=30, capacity=3, min_notice_hours=1, horizon_days=14,
        max_active_tickets=3, holidays_closed=False, letter="Q",
    )
    service = QueueService.objects.create(queue=queue, name="Certificate")
    for weekday in range(7):
        WeeklySchedule.objects.create(queue=queue, weekday=weekday, start=time(8), end=time(20))
    return queue, service


@pytest.mark.parametrize("hostname", demo_towns())
def test_bookings_on_the_web_and_through_the_queue_api(hostname, demo, citizen, visit):
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from addons.queues.models import Ticket

    site = site_for(hostname, "queues")
    base = town_url(demo.url, hostname)
    queue, service = open_queue(site)

    tab = visit(base)
    page = tab.page
    login(tab, citizen.username, citizen.e2e_password)
    tab.goto(reverse("queues:book", args=[queue.pk]))
    page.get_by_role("link", name=service.name).click()
    page.wait_for_load_state()
    page.locator("a.queue-day").first.click()
    page.wait_for_load_state()
    page.locator("main input[type=radio][name=start]").first.check()
    fill_required(page)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    web = Ticket.objects.get(queue=queue, citizen=citizen)
    assert urlsplit(page.url).path == web.get_absolute_url()
    assert web.number in page.locator("main").inner_text()

    token = Token.objects.get_or_create(user=citizen)[0].key
    auth = {"Authorization": f"Token {token}", "Accept": "application/json"}
    day = timezone.localdate() + timedelta(days=1)
    status, body = http(base, "GET", f"/api/v1/queues/{queue.pk}/slots/?service={service.pk}"
                        f"&date={day.isoformat()}", headers=auth)
    assert status == 200, (status, body[:500])
    slots = [slot for slot in json.loads(body)["slots"] if slot["free"] > 0]
    assert slots, body[:500]
    status, body = http(base, "POST", f"/api/v1/queues/{queue.pk}/tickets/",
                        data=json.dumps({"service": service.pk, "start": slots[-1]["start"]})
                        .encode(), headers={**auth, "Content-Type": "application/json"})
    assert status == 201, (status, body[:1000])
    answer = json.loads(body)
    api = Ticket.objects.get(queue=queue, citizen=citizen, code=answer["code"])
    assert api.pk != web.pk and api.code != web.code
    for ticket in (web, api):
        status, _ = http(base, "GET", f"/api/v1/tickets/{ticket.code}/", headers=auth)
        assert status == 200, (ticket.code, status)
        for other in demo_towns():
            if other != hostname:
                status, _ = http(town_url(demo.url, other), "GET",
                                 f"/api/v1/tickets/{ticket.code}/", headers=auth)
                assert status == 404, (other, status)


# -- the public forms: no label printed twice, valid HTML, axe ------------------------------


def form_pages(site) -> list[str]:
    """The public forms of a town for a signed-in citizen, of the add-ons it has on."""
    from addons.core.activation import is_enabled

    paths = [reverse("accounts:profile")]
    if is_enabled("reports", site=site):
        paths.append(reverse("reports:new"))
    if is_enabled("appeals", site=site):
        paths.append(appeal_page(site))
    if is_enabled("surveys", site=site):
        from addons.surveys.models import Survey

        # every survey open on the town (each asks its own kinds of question)
        paths += [survey.get_absolute_url() for survey in Survey.objects.open().filter(site=site)]
    return paths


SERVED_HTML = "async () => (await fetch(location.href, {credentials: 'same-origin'})).text()"


@pytest.mark.parametrize("hostname", demo_towns())
def test_public_forms_print_no_label_twice(hostname, demo, citizen, visit, axe_source,
                                           nu_checker):
    from addons.core.activation import is_enabled

    site = site_for(hostname)
    base = town_url(demo.url, hostname)
    anonymous = visit(base)
    tab = visit(base)
    login(tab, citizen.username, citizen.e2e_password)

    def forms():
        for path in (reverse("accounts:register"), reverse("accounts:login")):
            anonymous.goto(path)
            yield anonymous
        for path in form_pages(site):
            tab.goto(path)
            link = tab.page.locator(".appeals-section a.button")
            if link.count():  # the addressee page links to its appeal form
                link.first.click()
                tab.page.wait_for_load_state()
            yield tab
        if not is_enabled("queues", site=site):
            return
        queue, service = open_queue(site)
        tab.goto(reverse("queues:book", args=[queue.pk]))
        tab.page.get_by_role("link", name=service.name).click()
        tab.page.wait_for_load_state()
        tab.page.locator("a.queue-day").first.click()
        tab.page.wait_for_load_state()
        yield tab

    problems = []
    seen = 0
    for who in forms():
        seen += 1
        url = who.page.url
        twice = who.doubled_labels()
        if twice:
            problems.append(f"{url}: a label printed twice: {twice}")
        errors = nu_checker.errors(who.page.evaluate(SERVED_HTML), where=url)
        if errors:
            problems.append(f"{url}: the Nu HTML checker found\n  " + "\n  ".join(errors))
        try:
            check_axe(who, axe_source, url)
        except AssertionError as error:
            problems.append(str(error))
    assert seen >= 4
    assert not problems, "\n\n".join(problems)
