"""The ticket email: the ticket as text with its PDF attached, sent after commit."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from .documents import city, ticket_lines, ticket_pdf, ticket_url
from .models import Ticket

logger = logging.getLogger(__name__)


def send_ticket_email(pk: int, *, copy: bool = True) -> bool:
    """Email ticket ``pk`` to its citizen with the PDF attached, and leave the in-cabinet
    copy (a Notification that sends nothing itself). Never raises: a failed email does not
    undo a booking."""
    from addons.core.notifications import notify, recipient_language

    ticket = Ticket.objects.select_related("queue__site", "citizen", "service",
                                           "queue__addressee").filter(pk=pk).first()
    if ticket is None or ticket.citizen is None:
        return False
    citizen = ticket.citizen
    url = ticket_url(ticket)
    language = recipient_language(citizen, ticket.queue.site)
    try:
        with translation.override(language):
            subject = _("Your ticket %(number)s") % {"number": ticket.number}
            body = "\n".join(f"{label}: {value}" for label, value in ticket_lines(ticket))
            body = f"{body}\n\n{url}\n"
            name = city(ticket)["name"]
            if name:  # the city the ticket is issued by, as the PDF's heading
                body = f"{name}\n\n{body}"
            if copy:
                notify(citizen, "queues.booked", {"number": ticket.number},
                       site=ticket.queue.site, url=ticket.get_absolute_url(), email="",
                       subject=subject, body=body)
            if not citizen.email:
                return False
            message = EmailMessage(subject=subject, body=body,
                                   from_email=settings.DEFAULT_FROM_EMAIL, to=[citizen.email],
                                   headers={"Auto-Submitted": "auto-generated"})
            message.attach(f"ticket-{ticket.number}.pdf", ticket_pdf(ticket, url),
                           "application/pdf")
            message.send()
    except Exception:
        logger.exception("The email of ticket %s was not sent", pk)
        return False
    return True
