"""The queue's own management figure (``QueuesConfig.figures``): the use of capacity.

Capacity is not an event: the places a queue offers come from its configuration (weekly
hours, breaks, exceptions and reception dates, public holidays when it closes on them, the
slot length and the places per slot). The figure applies the queues' configuration as it
is now to the whole period; a queue closed for booking (``active`` off) counts neither its
places nor its bookings. The places taken are the ``Slot`` counters the booking
transaction raises and a cancellation lowers: a ticket takes one place in each slot its
service lasts, and a visit served or missed keeps its places.

A constant number of queries, whatever the number of queues and days."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Sum

from .models import Queue, ScheduleException, Slot


def _offered(calendar, day, start, end) -> int:
    """Start times of one slot the queue offers on ``day`` within [start, end)."""
    count = 0
    for opens, closes in calendar.open_hours(day):
        cursor = datetime.combine(day, opens, tzinfo=calendar.tz)
        closing = datetime.combine(day, closes, tzinfo=calendar.tz)
        while cursor + calendar.length <= closing:
            if start <= cursor < end:
                count += 1
            cursor += calendar.length
    return count


def capacity_use(site, addressee_path, start, end) -> dict:
    """The places booked over the places offered in [start, end) by the queues of ``site``
    (``addressee_path``: "" for the whole site, else the queues whose addressee lies in
    that subtree), in %. ``value`` None when nothing was offered."""
    from addons.core.models import SiteProfile

    from .services import _Calendar, zone

    queues = Queue.objects.filter(site=site, active=True).prefetch_related("schedules")
    if addressee_path:
        queues = queues.filter(addressee__path__startswith=addressee_path)
    queues = list(queues)
    empty = {"value": None, "count": 0, "unit": "%", "offered": 0}
    if not queues or end <= start:
        return empty
    profile = SiteProfile.for_site(site)
    tz = zone(profile.time_zone)
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    exceptions: dict[int, dict] = {}
    for row in ScheduleException.objects.filter(queue__in=queues, date__gte=first,
                                                date__lte=last):
        exceptions.setdefault(row.queue_id, {}).setdefault(row.date, []).append(row)
    offered = 0
    for queue in queues:
        calendar = _Calendar.preloaded(
            queue, first, last, tz=tz, jurisdiction=profile.jurisdiction,
            schedules=queue.schedules.all(), exceptions=exceptions.get(queue.pk, {}))
        places = 0
        day = first
        while day <= last:
            places += _offered(calendar, day, start, end)
            day += timedelta(days=1)
        offered += places * queue.capacity
    taken = Slot.objects.filter(queue__in=queues, start__gte=start, start__lt=end).aggregate(
        total=Sum("taken"))["total"] or 0
    if not offered:
        return {**empty, "count": taken}
    return {"value": round(100.0 * taken / offered, 1), "count": taken, "unit": "%",
            "offered": offered}

