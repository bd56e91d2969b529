import io
from datetime import timedelta

import pytest
from django.urls import reverse

from addons.queues import services
from addons.queues.models import Ticket, TicketStatus

from .conftest import at, make_queue


@pytest.fixture
def booked(queue, service, citizen, day):
    return services.book(queue, service, citizen, at(day, 9), {"Reason": "Passport lost"})


def test_booking_flow_without_javascript(client, queue, service, field, citizen, day):
    client.force_login(citizen)
    url = reverse("queues:book", args=[queue.pk])
    page = client.get(url)
    assert page.status_code == 200 and service.name in page.content.decode()
    page = client.get(url, {"service": service.pk})
    assert f"day={day:%Y-%m-%d}" in page.content.decode()
    page = client.get(url, {"service": service.pk, "day": day.isoformat()})
    html = page.content.decode()
    assert at(day, 9).isoformat() in html and 'type="radio"' in html
    token = page.context["form"]["token"].value()
    data = {"service": service.pk, "day": day.isoformat(), "start": at(day, 9).isoformat(),
            field.key: "Passport lost", "token": token}
    response = client.post(url, data)
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == ticket.get_absolute_url()
    assert ticket.answers == {"Reason": "Passport lost"}
    again = client.post(url, data)  # the same form sent twice
    assert again.status_code == 302 and Ticket.objects.count() == 1


def test_missing_field_keeps_input(client, queue, service, field, citizen, day):
    client.force_login(citizen)
    url = reverse("queues:book", args=[queue.pk])
    response = client.post(url, {"service": service.pk, "day": day.isoformat(),
                                 "start": at(day, 9).isoformat(), "token": "t"})
    assert response.status_code == 400
    assert not Ticket.objects.exists()
    assert 'checked' in response.content.decode()


def test_tampered_slot_and_service(client, queue, service, citizen, day, site):
    client.force_login(citizen)
    url = reverse("queues:book", args=[queue.pk])
    response = client.post(url, {"service": service.pk, "day": day.isoformat(),
                                 "start": at(day, 9, 7).isoformat(), "token": "t"})
    assert response.status_code == 400 and not Ticket.objects.exists()
    other = make_queue(site, title="Other")
    from addons.queues.models import QueueService

    foreign = QueueService.objects.create(queue=other, name="Foreign")
    assert client.get(url, {"service": foreign.pk}).status_code == 404
    assert client.get(url, {"service": "x"}).status_code == 404


def test_taken_slot_offers_alternatives(client, queue, service, make_citizen, day):
    services.book(queue, service, make_citizen(), at(day, 10))
    client.force_login(make_citizen())
    url = reverse("queues:book", args=[queue.pk])
    response = client.post(url, {"service": service.pk, "day": day.isoformat(),
                                 "start": at(day, 10).isoformat(), "token": "t"})
    assert response.status_code == 400
    assert response.context["alternatives"]
    assert "just taken" in response.content.decode()


def test_over_limit_and_blocked_messages(client, queue, service, booked, citizen, day):
    client.force_login(citizen)
    url = reverse("queues:book", args=[queue.pk])
    response = client.post(url, {"service": service.pk, "day": day.isoformat(),
                                 "start": at(day, 10).isoformat(), "token": "t2"})
    assert response.status_code == 400 and "active tickets" in response.content.decode()
    Ticket.objects.update(status=TicketStatus.NO_SHOW)
    Ticket.objects.create(queue=queue, service=service, service_name="x", citizen=citizen,
                          start=booked.start, end=booked.end, day=day, seq=2,
                          number="A-002", status=TicketStatus.NO_SHOW)
    response = client.post(url, {"service": service.pk, "day": day.isoformat(),
                                 "start": at(day, 10).isoformat(), "token": "t3"})
    assert response.status_code == 400 and "blocked" in response.content.decode()


def test_login_required(client, queue):
    response = client.get(reverse("queues:book", args=[queue.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_ticket_page_for_owner(client, booked, citizen):
    client.force_login(citizen)
    html = client.get(booked.get_absolute_url()).content.decode()
    assert booked.number in html and "Ștefan Țurcanu" in html and "Passport lost" in html
    assert 'src="data:image/svg+xml;base64,' in html


def test_foreign_ticket_shows_no_personal_data(client, booked, make_citizen):
    for login in (make_citizen(), None):
        client.logout()
        if login:
            client.force_login(login)
        html = client.get(booked.get_absolute_url()).content.decode()
        assert "Ștefan Țurcanu" not in html and "Passport lost" not in html
        assert booked.number not in html and "data:image" not in html
        assert client.get(reverse("queues:ticket_pdf", args=[booked.code])).status_code in (
            302, 404)
        assert client.get(reverse("queues:ticket_ics", args=[booked.code])).status_code in (
            302, 404)
        response = client.post(reverse("queues:cancel", args=[booked.code]))
        assert response.status_code in (302, 404)
    booked.refresh_from_db()
    assert booked.status == TicketStatus.BOOKED


def test_staff_sees_ticket(client, booked, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", "boss@example.org", "pw-123456")
    client.force_login(admin)
    html = client.get(booked.get_absolute_url()).content.decode()
    assert "Ștefan Țurcanu" in html


def test_pdf_has_diacritics_and_decodable_qr(client, booked, citizen):
    client.force_login(citizen)
    response = client.get(reverse("queues:ticket_pdf", args=[booked.code]))
    assert response["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Ștefan Țurcanu" in text and booked.number in text
    assert "DejaVuSans" in response.content.decode("latin-1")
    assert decode_pdf_qr(response.content) == "http://testserver" + booked.get_absolute_url()


def decode_pdf_qr(content: bytes) -> str:
    """Rasterise the filled rectangles of the PDF page (the QR modules) and decode them."""
    import re

    import zxingcpp
    from PIL import Image, ImageDraw
    from pypdf import PdfReader

    stream = PdfReader(io.BytesIO(content)).pages[0].get_contents().get_data().decode("latin-1")
    rects = [tuple(map(float, m)) for m in
             re.findall(r"([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+) re", stream)]
    biggest = max(r[2] for r in rects)
    rects = [r for r in rects if r[2] < biggest / 2]  # drop the white background
    xs = [r[0] for r in rects] + [r[0] + r[2] for r in rects]
    ys = [r[1] for r in rects] + [r[1] + r[3] for r in rects]
    left, top = min(xs), max(ys)
    scale, margin = 10, 40
    image = Image.new("L", (int((max(xs) - left) * scale) + 2 * margin,
                            int((top - min(ys)) * scale) + 2 * margin), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w, h in rects:
        x0, x1 = (x - left) * scale + margin, (x + w - left) * scale + margin
        y0, y1 = (top - y - h) * scale + margin, (top - y) * scale + margin
        draw.rectangle([min(x0, x1), min(y0, y1), max(x0, x1) - 1, max(y0, y1) - 1], fill=0)
    results = zxingcpp.read_barcodes(image)
    return results[0].text if results else ""


def test_qr_encodes_ticket_url():
    import base64

    from addons.queues.documents import qr_data_uri

    uri = qr_data_uri("http://localhost/queues/ticket/abc/")
    svg = base64.b64decode(uri.split(",", 1)[1])
    assert svg.startswith(b"<?xml") or b"<svg" in svg


def test_ics(client, booked, citizen):
    client.force_login(citizen)
    body = client.get(reverse("queues:ticket_ics", args=[booked.code])).content.decode()
    assert "BEGIN:VEVENT" in body and booked.number in body
    assert f"DTSTART:{booked.start.astimezone(__import__('datetime').UTC):%Y%m%dT%H%M%SZ}" in body


def test_cancel_and_move_pages(client, booked, citizen, queue, service, day):
    client.force_login(citizen)
    move_url = reverse("queues:move", args=[booked.code])
    assert client.get(move_url, {"day": day.isoformat()}).status_code == 200
    response = client.post(move_url, {"day": day.isoformat(),
                                      "start": at(day, 10).isoformat(), "token": "m"})
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.start == at(day, 10)
    client.post(reverse("queues:cancel", args=[booked.code]))
    booked.refresh_from_db()
    assert booked.status == TicketStatus.CANCELLED
    assert services.free_slots(queue, service, day)[2][2] == 1


def test_my_tickets_and_cabinet(client, booked, citizen):
    client.force_login(citizen)
    html = client.get(reverse("queues:mine")).content.decode()
    assert booked.number in html
    from django.test import RequestFactory

    from addons.queues.views import cabinet_context

    request = RequestFactory().get("/")
    request.user = citizen
    assert cabinet_context(request)["tickets"] == [booked]


def test_section_on_addressee_page(queue):
    from addons.queues.models import QueuePlacement

    assert QueuePlacement.section_template == "queues/section.html"
    assert queue.get_absolute_url().endswith(f"/{queue.pk}/")
    assert timedelta(minutes=queue.slot_minutes)


def test_email_me_the_ticket(client, booked, citizen, make_citizen):
    from django.core import mail

    from addons.core.models import Notification

    mail.outbox.clear()
    url = reverse("queues:email", args=[booked.code])
    client.force_login(make_citizen())
    assert client.post(url).status_code == 404
    client.force_login(citizen)
    assert client.post(url).status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments[0][2] == "application/pdf"
    assert not Notification.objects.filter(event="queues.booked").exists()


def test_moderator_of_addressee_sees_ticket(client, booked, queue, home, make_citizen):
    from guardian.shortcuts import assign_perm

    from addons.addressees.models import AddresseePage

    page = home.add_child(instance=AddresseePage(title="Registry", slug="registry"))
    queue.addressee = page
    queue.save()
    moderator = make_citizen()
    assert not services.can_manage_ticket(moderator, booked)
    assign_perm("addressees.moderate_addressee", moderator, page)
    moderator = type(moderator).objects.get(pk=moderator.pk)
    booked.refresh_from_db()
    assert services.can_manage_ticket(moderator, booked)
    assert list(Ticket.objects.visible_to(moderator)) == [booked]
    client.force_login(moderator)
    assert "Ștefan Țurcanu" in client.get(booked.get_absolute_url()).content.decode()


def test_specialist_who_scans_the_qr_sees_the_ticket_and_the_desk(
    client, booked, home, make_citizen
):
    """The QR encodes the ticket URL: the addressee's specialist opening it sees the full
    data and the desk actions; a specialist of another addressee sees neither."""
    from addons.addressees.models import AddresseeCatalogPage, AddresseePage, Specialist

    catalog = home.add_child(instance=AddresseeCatalogPage(title="Catalog", slug="catalog"))
    registry_office = catalog.add_child(instance=AddresseePage(title="Registry", slug="reg"))
    elsewhere = catalog.add_child(instance=AddresseePage(title="Finance", slug="finance"))
    booked.queue.addressee = registry_office
    booked.queue.save()
    clerk = make_citizen(full_name="Ana Clerk")
    stranger = make_citizen(full_name="Ion Other")
    Specialist.objects.create(page=registry_office, name="Clerk", user=clerk)
    Specialist.objects.create(page=elsewhere, name="Other", user=stranger)

    client.force_login(clerk)
    html = client.get(booked.get_absolute_url()).content.decode()
    assert "Ștefan Țurcanu" in html and "desk-ticket-actions" in html
    assert services.can_manage_ticket(clerk, booked)
    assert list(Ticket.objects.visible_to(clerk)) == [booked]

    client.force_login(stranger)
    html = client.get(booked.get_absolute_url()).content.decode()
    assert "Ștefan Țurcanu" not in html and "desk-ticket-actions" not in html
    assert not Ticket.objects.visible_to(stranger).exists()


def test_my_tickets_show_the_sites_local_time(client, booked, citizen, settings):
    """The server may run in another zone than the city: times show in the site's zone."""
    from django.utils import timezone as tz
    from django.utils.formats import date_format

    settings.TIME_ZONE = "Asia/Tokyo"
    tz.deactivate()
    client.force_login(citizen)
    local = tz.localtime(booked.start, services.queue_timezone(booked.queue))
    server = tz.localtime(booked.start, tz.get_default_timezone())
    html = client.get(reverse("queues:mine")).content.decode()
    assert date_format(local.replace(tzinfo=None), "DATETIME_FORMAT") in html
    assert date_format(server.replace(tzinfo=None), "DATETIME_FORMAT") not in html
