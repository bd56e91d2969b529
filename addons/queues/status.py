"""What the status line, the console and the chat channels may learn of a queue ticket
from its reference (``AddonConfig.status_lookup``). A ticket's reference is ``TK-`` and
its number in the whole installation (``TK-000123``; the ticket's letter and number of the
day, "A-001", repeat every day); it is printed on the ticket with its status PIN. Tickets
are not public: a deputy's reception ticket says who asked to see whom."""

from __future__ import annotations

import re

from addons.core.addon import StatusAnswer

#: ``TK-000123``, ``TK123`` (after ``normalize_reference``)
PATTERN = r"TK-?(\d{1,12})"
PREFIX = "TK"


def reference(ticket) -> str:
    """The reference of ``ticket`` callers quote: ``TK-000123``."""
    return f"{PREFIX}-{ticket.pk:06d}"


def find(site, text: str) -> StatusAnswer | None:
    """The answer about the ticket of ``site`` with reference ``text``, or None."""
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone
    from django.utils.translation import gettext

    from addons.accounts.persons import normalize_email, normalize_phone
    from addons.core.references import normalize_reference

    from .models import Ticket, TicketStatus

    match = re.fullmatch(PATTERN, normalize_reference(text), re.IGNORECASE)
    if match is None or site is None:
        return None
    ticket = (Ticket.objects.filter(pk=int(match[1]), queue__site=site)
              .select_related("queue__addressee").first())
    if ticket is None:
        return None
    owners: dict[str, set[str]] = {}
    if ticket.contact_phone:
        phone, valid = normalize_phone(ticket.contact_phone, site)
        if valid:
            owners["phone"] = {phone}
    if ticket.contact_email:
        owners["email"] = {normalize_email(ticket.contact_email)}
    if ticket.citizen_id:
        owners["account"] = {str(ticket.citizen_id)}
    queue = ticket.queue
    expected = None
    if ticket.status == TicketStatus.BOOKED:
        expected = timezone.localdate(ticket.start)
    try:
        url = reverse("casework_tickets:inspect", args=[ticket.pk])
    except NoReverseMatch:
        url = ""
    return StatusAnswer(
        reference=reference(ticket),
        kind=gettext("Ticket"),
        status=str(ticket.get_status_display()),
        addressee=queue.addressee.title if queue.addressee_id else queue.title,
        expected=expected,
        public=False,
        pin=ticket.status_pin or "",
        owners=owners,
        url=url,
    )
