"""Scheduled jobs of the electronic queue."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import Ticket, TicketStatus


def send_reminders(now=None) -> int:
    """Remind every citizen whose visit starts within the next 24 hours (the day before),
    once per ticket: ``reminded_at`` is set and the notification key is the ticket's."""
    from addons.core.notifications import notify

    from .services import queue_timezone

    now = now or timezone.now()
    due = Ticket.objects.filter(
        status=TicketStatus.BOOKED, reminded_at__isnull=True, citizen__isnull=False,
        start__gt=now, start__lte=now + timedelta(hours=24),
    ).select_related("queue__site", "citizen")
    sent = 0
    for ticket in due:
        start = timezone.localtime(ticket.start, queue_timezone(ticket.queue))
        with transaction.atomic():
            claimed = Ticket.objects.filter(pk=ticket.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            notify(ticket.citizen, "queues.reminder",
                   {"number": ticket.number, "queue": ticket.queue.title,
                    "service": ticket.service_name,
                    "start": f"{start:%d.%m.%Y %H:%M}"},
                   site=ticket.queue.site, url=ticket.get_absolute_url(),
                   key=f"queues.reminder.{ticket.pk}.{ticket.start:%Y%m%d%H%M}")
            sent += 1
    return sent
