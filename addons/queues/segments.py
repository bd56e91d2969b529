"""Recipient segments of mass email that the electronic queue can answer from its tickets
(see ``addons.core.addon.RecipientSegment``)."""

from __future__ import annotations

from addons.core.mass_email import Recipient

from .models import Queue, Ticket, TicketStatus


def queue_choices(site) -> list[tuple[str, str]]:
    """The site's queues, to choose whose visitors a mailing reaches."""
    return [(str(pk), title) for pk, title in
            Queue.objects.filter(site=site).order_by("title").values_list("pk", "title")]


def queue_visitors(site, value):
    """Everyone who booked a visit to queue ``value`` (a ticket not cancelled), once each,
    with their language; citizens without an email address are left out."""
    try:
        queue_id = int(value)
    except (TypeError, ValueError):
        return []
    rows = (
        Ticket.objects.filter(queue_id=queue_id, queue__site=site, citizen__isnull=False,
                              citizen__is_active=True)
        .exclude(status=TicketStatus.CANCELLED)
        .exclude(citizen__email="")
        .values_list("citizen_id", "citizen__email", "citizen__full_name",
                     "citizen__language")
        .distinct()
        .order_by("citizen_id")
    )
    return [Recipient(email=email, name=name or "", language=language or "", user_id=pk)
            for pk, email, name, language in rows]
