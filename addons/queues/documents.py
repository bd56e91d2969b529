"""What a ticket becomes outside the page: its absolute URL, QR code, PDF and .ics file."""

from __future__ import annotations

import base64
import io
from datetime import UTC

from django.utils import timezone
from django.utils.translation import gettext as _

from addons.core.pdf import FONT_NAME, draw_letterhead, register_font

from .models import Ticket


def ticket_url(ticket: Ticket, request=None) -> str:
    """The ticket's absolute URL (the one its QR code encodes)."""
    from addons.core.sites import absolute_url

    return absolute_url(ticket.queue.site, ticket.get_absolute_url(), request)


def qr_data_uri(text: str) -> str:
    """An SVG QR code of ``text`` as a data: URI for an <img>."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _local(ticket: Ticket, moment):
    from .services import queue_timezone

    return timezone.localtime(moment, queue_timezone(ticket.queue))


def ticket_lines(ticket: Ticket) -> list[tuple[str, str]]:
    """(label, value) pairs shown on the ticket, personal data included."""
    citizen = ticket.citizen
    lines = [
        (_("Queue"), ticket.queue.title),
        (_("Service"), ticket.service_name),
        (_("Time"), f"{_local(ticket, ticket.start):%d.%m.%Y %H:%M}"
                    f"–{_local(ticket, ticket.end):%H:%M}"),
        (_("Place"), ticket.queue.place or (ticket.queue.addressee.title
                                             if ticket.queue.addressee else "")),
        (_("Status"), ticket.get_status_display()),
    ]
    if citizen is not None:
        lines.append((_("Citizen"), citizen.full_name or citizen.get_username()))
        if citizen.phone:
            lines.append((_("Phone"), citizen.phone))
    if ticket.service and ticket.service.documents:
        lines.append((_("Documents to bring"), ticket.service.documents))
    return lines


def ticket_pdf(ticket: Ticket, url: str) -> bytes:
    """The ticket as an A4 PDF with its QR code (DejaVu Sans: Cyrillic and Romanian
    diacritics)."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"{_('Ticket')} {ticket.number}")
    width, height = A4
    y = draw_letterhead(pdf, ticket.queue.site, left=20 * mm, top=height - 20 * mm,
                        width=width - 95 * mm) - 6 * mm
    pdf.setFont(FONT_NAME, 14)
    pdf.drawString(20 * mm, y, ticket.queue.title)
    y -= 16 * mm
    pdf.setFont(FONT_NAME, 36)
    pdf.drawString(20 * mm, y, ticket.number)
    y -= 14 * mm
    for label, value in ticket_lines(ticket):
        for index, text in enumerate(str(value).splitlines() or [""]):
            pdf.setFont(FONT_NAME, 11)
            pdf.drawString(20 * mm, y, f"{label}: {text}" if index == 0 else f"    {text}")
            y -= 7 * mm
    widget = QrCodeWidget(url)
    x0, y0, x1, y1 = widget.getBounds()
    size = 50 * mm
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, width - 20 * mm - size, height - 20 * mm - size)
    pdf.setFont(FONT_NAME, 8)
    pdf.drawString(20 * mm, 15 * mm, url)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _escape(text: str) -> str:
    return (str(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def ticket_ics(ticket: Ticket, url: str) -> str:
    """An iCalendar file with the visit, for the citizen's calendar."""

    def stamp(moment):
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    place = ticket.queue.place or (ticket.queue.addressee.title if ticket.queue.addressee
                                   else "")
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//CivicDesk//Queues//EN",
        "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:ticket-{ticket.code}@civicdesk",
        f"DTSTAMP:{stamp(timezone.now())}",
        f"DTSTART:{stamp(ticket.start)}",
        f"DTEND:{stamp(ticket.end)}",
        f"SUMMARY:{_escape(f'{ticket.number} {ticket.queue.title}: {ticket.service_name}')}",
        f"LOCATION:{_escape(place)}",
        f"URL:{url}",
        f"STATUS:{'CANCELLED' if ticket.status == 'cancelled' else 'CONFIRMED'}",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
