"""A visit from booking to the desk in a real browser: a citizen books a ticket for a
service, downloads its PDF; the QR code read from that PDF (zxing-cpp) leads the specialist
to the ticket, who marks it served. axe checks the booking and the ticket pages."""

from __future__ import annotations

import io
import re
from datetime import time
from urllib.parse import quote, urlsplit

import pytest
from django.urls import reverse

from .browser import check_axe, login

pytestmark = pytest.mark.e2e

SPECIALIST_PASSWORD = "Specialist-2024-Verba"


def _multiply(m, n):
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def pdf_qr_texts(data: bytes, scale: float = 4.0) -> list[str]:
    """The texts of the QR codes in a PDF: from its embedded images, and from its vector
    drawing (filled rectangles, as reportlab draws a QR code) painted onto a bitmap."""
    import zxingcpp
    from PIL import Image, ImageDraw
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(data))
    found = []
    for page in reader.pages:
        for embedded in page.images:
            found += [code.text for code in zxingcpp.read_barcodes(embedded.image.convert("L"))]
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        image = Image.new("L", (int(width * scale), int(height * scale)), 255)
        draw = ImageDraw.Draw(image)
        ctm, stack, fill, rects = (1, 0, 0, 1, 0, 0), [], 0, []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"q":
                stack.append((ctm, fill))
            elif operator == b"Q" and stack:
                ctm, fill = stack.pop()
            elif operator == b"cm":
                ctm = _multiply(tuple(float(value) for value in operands), ctm)
            elif operator == b"rg":
                fill = int(255 * sum(float(value) for value in operands) / 3)
            elif operator == b"g":
                fill = int(255 * float(operands[0]))
            elif operator == b"re":
                x, y, w, h = (float(value) for value in operands)
                a, b, c, d, e, f = ctm
                rects.append([(a * px + c * py + e, b * px + d * py + f)
                              for px, py in ((x, y), (x + w, y + h))])
            elif operator in (b"f", b"f*", b"F", b"B", b"B*"):
                for (x0, y0), (x1, y1) in rects:
                    draw.rectangle([min(x0, x1) * scale, (height - max(y0, y1)) * scale,
                                    max(x0, x1) * scale, (height - min(y0, y1)) * scale],
                                   fill=fill)
                rects = []
            elif operator in (b"n", b"S", b"s"):
                rects = []
        found += [code.text for code in zxingcpp.read_barcodes(image)]
    return found


def queue_on_an_addressee():
    """A queue open every day on the demo's first addressee page, and a specialist (a
    moderator of that addressee) with a known password."""
    from django.contrib.auth import get_user_model
    from wagtail.models import Site

    from addons.addressees.models import AddresseePage
    from addons.queues.models import Queue, QueueService, WeeklySchedule

    site = Site.objects.get(is_default_site=True)
    page = AddresseePage.objects.live().descendant_of(site.root_page).order_by("path").first()
    assert page is not None, "the demo has no addressee page"
    queue = Queue.objects.create(
        site=site, title="Паспортний стіл", addressee=page, place="Паспортний стіл",
        floor="1", room="5",
        slot_minutes=30, capacity=2, min_notice_hours=1, horizon_days=14,
        max_active_tickets=2, holidays_closed=False, letter="П",
    )
    service = QueueService.objects.create(queue=queue, name="Паспорт громадянина України",
                                          documents="Свідоцтво про народження")
    for weekday in range(7):
        WeeklySchedule.objects.create(queue=queue, weekday=weekday, start=time(8),
                                      end=time(20), break_start=time(13), break_end=time(14))
    specialist = get_user_model().objects.create_user(
        username="e2e.specialist", email="e2e.specialist@city.example",
        password=SPECIALIST_PASSWORD, full_name="Оксана Спеціаліст",
    )
    specialist.groups.add(page.moderators)
    return queue, service, specialist


def test_ticket_booked_downloaded_scanned_and_served(demo, citizen, visit, axe_source):
    from addons.queues.models import Ticket

    queue, service, specialist = queue_on_an_addressee()

    # The citizen books: service, day, time, confirm.
    tab = visit(demo.url)
    page = tab.page
    login(tab, citizen.username, citizen.e2e_password)
    tab.goto(reverse("queues:book", args=[queue.pk]))
    check_axe(tab, axe_source, "booking page, services")
    page.get_by_role("link", name=service.name).click()
    page.wait_for_load_state()
    page.locator("a.queue-day").first.click()
    page.wait_for_load_state()
    page.locator("main input[type=radio][name=start]").first.check()
    check_axe(tab, axe_source, "booking page, free times")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    ticket = Ticket.objects.get(queue=queue, citizen=citizen)
    assert urlsplit(page.url).path == ticket.get_absolute_url()
    main = page.locator("main").inner_text()
    assert ticket.number in main and service.name in main
    check_axe(tab, axe_source, "ticket page")
    tab.screenshot("ticket-1280", full_page=True)

    # The PDF, and the QR code in it.
    link = page.get_by_role("link", name=re.compile("PDF"))
    pdf_path = reverse("queues:ticket_pdf", args=[ticket.code])
    assert link.get_attribute("href") == pdf_path
    # Fetched with the tab's session (headless Chromium would not hand over the download).
    response = page.request.get(demo.url + pdf_path)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    texts = pdf_qr_texts(pdf)
    assert len(texts) == 1, texts
    scanned = texts[0]
    assert re.match(r"https?://", scanned), scanned
    assert urlsplit(scanned).path == ticket.get_absolute_url()

    # Someone else who opens the scanned URL sees no personal data.
    stranger = visit(demo.url)
    stranger.goto(urlsplit(scanned).path)
    stranger_text = stranger.page.content()
    assert citizen.full_name not in stranger_text and citizen.email not in stranger_text

    # The specialist opens the scanned URL, sees the citizen, and marks the visit served at
    # the desk in the admin.
    desk = visit(demo.url)
    login(desk, specialist.username, SPECIALIST_PASSWORD)
    desk.goto(urlsplit(scanned).path)
    assert citizen.full_name in desk.page.locator("main").inner_text()
    desk.goto(reverse("casework_tickets:index"))
    check_axe(desk, axe_source, "desk, today's visits")
    desk.goto(reverse("queues:desk:find") + "?q=" + quote(scanned, safe=""))
    detail = reverse("casework_tickets:inspect", args=[ticket.pk])
    assert urlsplit(desk.page.url).path == detail
    assert citizen.full_name in desk.page.content()
    check_axe(desk, axe_source, "desk, ticket")
    # a visit is marked served from its day on: the visit is today in this story
    from addons.queues import services

    Ticket.objects.filter(pk=ticket.pk).update(day=services.local_today(queue))
    desk.goto(reverse("casework_tickets:action", args=[ticket.pk, "served"]))
    with desk.page.expect_navigation():
        desk.page.locator("form.casework-action-form button[type=submit]").click()
    ticket.refresh_from_db()
    assert ticket.status == "served"
    # Back on the desk's ticket page, which shows the new status.
    assert urlsplit(desk.page.url).path == detail
    check_axe(desk, axe_source, "desk, ticket served")


def test_deputy_reception_listed_and_booked(demo, citizen, visit, axe_source):
    """A deputy receives on the first Thursday of each month, 10:00-12:00: the reception
    is on the public receptions page, and a citizen books it from there."""
    from datetime import date

    from wagtail.models import Site

    from addons.addressees.models import AddresseePage
    from addons.queues import receptions
    from addons.queues.models import Queue, QueuePlacement, QueueService, ReceptionRule, Ticket

    site = Site.objects.get(is_default_site=True)
    parent = (AddresseePage.objects.live().descendant_of(site.root_page).order_by("path")
              .first().get_parent())
    deputy = parent.add_child(instance=AddresseePage(
        title="Депутатка Ганна Мельник", slug="deputy-melnyk", kind="deputy"))
    queue = Queue.objects.create(
        site=site, title="Прийом громадян", addressee=deputy, place="Сесійна зала",
        slot_minutes=20, capacity=1, min_notice_hours=1, horizon_days=70,
        max_active_tickets=1, holidays_closed=True, letter="Д",
    )
    QueueService.objects.create(queue=queue, name="Особистий прийом")
    today = date.today()
    # as the staff enter it in the admin: monthly, the first Thursday, 10:00-12:00
    ReceptionRule.objects.create(queue=queue, frequency="monthly", ordinal=1, weekday=3,
                                 starts_on=today.replace(day=1), start=time(10), end=time(12))
    receptions.prolong(queue)
    QueuePlacement.objects.create(page=deputy, queue=queue)
    upcoming = [item for item in receptions.upcoming(site) if item.queue == queue]
    assert upcoming, "the monthly rule gave no reception within the horizon"
    first = next(item for item in upcoming if item.day > today)
    assert first.day.weekday() == 3 and first.day.day <= 7

    tab = visit(demo.url)
    page = tab.page
    login(tab, citizen.username, citizen.e2e_password)
    tab.goto(urlsplit(deputy.full_url).path)
    assert "перший четвер місяця, 10:00–12:00" in page.locator("main").inner_text()
    tab.goto(reverse("queues-receptions:list"))
    check_axe(tab, axe_source, "receptions page")
    entry = page.locator(".reception").filter(has_text=deputy.title).filter(
        has=page.locator(f"time[datetime^='{first.day.isoformat()}']")).first
    entry.locator("a.button").click()
    page.wait_for_load_state()
    page.locator("main input[type=radio][name=start]").first.check()
    # a deputy's reception asks what the citizen wants to raise
    page.fill("main textarea[name=question]", "Ремонт даху будинку на вул. Садовій, 15")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    ticket = Ticket.objects.get(queue=queue, citizen=citizen)
    assert ticket.day == first.day
    assert ticket.question == "Ремонт даху будинку на вул. Садовій, 15"
    assert urlsplit(page.url).path == ticket.get_absolute_url()
    assert ticket.number in page.locator("main").inner_text()
