"""The service events of queue tickets (record type ``queues.ticket``), written by the
service functions of ``services`` in the transaction of the change, one INSERT each and
nothing looked up: the ticket and its queue are already loaded (``lock`` reads the queue's
addressee path and the ticket's arrival with the locking query itself).

- ``booked``: ``due`` the visit's start, ``channel`` how it was booked (``Ticket.source``:
  web, phone, walk_in, api...), ``category`` the service's id;
- ``cancelled`` (by the citizen, the staff, a called-off reception day);
- ``extended``: the ticket was moved, ``due`` the new start (``status`` "moved");
- ``arrived``, ``served``, ``no_show``: the desk's marks. ``served`` carries in ``value``
  the seconds waited from the later of the visit's start and the citizen's arrival (the
  ``arrived`` event) until the desk marked the ticket served. The ticket records no moment
  of being called, so the mark is the end of the wait: a desk that marks visits at the end
  of the day lengthens the waits it shows.

Deputies' receptions are queues with tickets: they write the same events.
"""

from __future__ import annotations

from django.db.models import F, OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from addons.core import events

RECORD_TYPE = "queues.ticket"


def _status_reference(ticket) -> str:
    from .status import reference

    return reference(ticket)


def addressee_path(queue) -> str:
    """The tree path of the queue's addressee without a query: the page when it is loaded
    (``book`` loads it to tell a reception), else what ``lock`` annotated."""
    if not queue.addressee_id:
        return ""
    from .models import Queue

    if Queue.addressee.is_cached(queue) and queue.addressee is not None:
        return queue.addressee.path
    return getattr(queue, "event_addressee_path", "") or ""


def lock(ticket):
    """The ticket locked for a change (with its queue), annotated with its queue's
    addressee path and the moment it arrived, in the one locking query."""
    from addons.core.models import ServiceEvent

    from .models import Ticket

    arrived = (ServiceEvent.objects
               .filter(record_type=RECORD_TYPE, record_id=OuterRef("pk"), kind=events.ARRIVED)
               .order_by("-at").values("at")[:1])
    locked = (Ticket.objects.select_for_update(of=("self", "queue")).select_related("queue")
              .annotate(event_addressee_path=F("queue__addressee__path"),
                        event_arrived_at=Subquery(arrived))
              .get(pk=ticket.pk))
    locked.queue.event_addressee_path = locked.event_addressee_path
    return locked


def record(ticket, kind: str, *, actor=None, at=None, **fields):
    """Write one event of ``ticket`` (its queue loaded): one INSERT."""
    queue = ticket.queue
    return events.record(
        RECORD_TYPE, ticket.pk, kind, site=queue.site_id, at=at,
        addressee=queue.addressee_id, addressee_path=addressee_path(queue),
        reference=_status_reference(ticket), category=str(ticket.service_id or ""),
        channel=ticket.source or "", actor=actor, public=True, **fields)


def booked(ticket, actor=None):
    return record(ticket, events.BOOKED, actor=actor, at=ticket.created, due=ticket.start,
                  status=ticket.status)


def waited_seconds(start, arrived_at, served_at) -> float:
    """Seconds from the later of the visit's start and the arrival until served (0 when
    served before its time)."""
    begin = max(start, arrived_at) if arrived_at is not None else start
    return max((served_at - begin).total_seconds(), 0.0)


def marked(ticket, status: str, actor=None):
    """The desk's mark ``status`` (arrived, served, no_show) of the locked ticket."""
    now, status = timezone.now(), str(status)
    if status == events.SERVED:
        value = waited_seconds(ticket.start, getattr(ticket, "event_arrived_at", None), now)
        return record(ticket, events.SERVED, actor=actor, at=now, value=value, status=status)
    return record(ticket, status, actor=actor, at=now, status=status)


def admin_url(record_id) -> str:
    """Where the desk opens a ticket."""
    try:
        return reverse("casework_tickets:inspect", args=[record_id])
    except NoReverseMatch:
        return ""


def labels(site) -> dict:
    """The codes of tickets' events in the active language: channels (how a visit was
    booked) and categories (the services of the site's queues)."""
    from addons.core.intake import Source

    from .models import QueueService

    services = QueueService.objects.filter(queue__site=site).values_list("pk", "name",
                                                                         "queue__title")
    return {
        "channel": {code: str(label) for code, label in Source.choices},
        "category": {str(pk): f"{name} ({queue})" for pk, name, queue in services},
    }
