"""Queue booking and the "Book a visit" section at a city's size: the booking page costs the
same queries whatever the tickets already booked and the other queues of the town, and an
addressee page the same with one queue or several."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from addons.addressees.models import AddresseePage
from addons.queues import services
from addons.queues.models import QueuePlacement, QueueService, Slot, Ticket

from .conftest import make_queue

pytestmark = pytest.mark.django_db


def fill(queue, service, citizens, per_day: int):
    """``per_day`` booked tickets (of other citizens) on every open day of the horizon."""
    tickets, slots = [], []
    today = services.local_today(queue)
    for offset in range(1, queue.horizon_days):
        day = today + timedelta(days=offset)
        free = [start for start, _end, places in services.free_slots(queue, service, day)
                if places]
        for n, start in enumerate(free[:per_day]):
            slots.append(Slot(queue=queue, start=start, taken=1))
            tickets.append(Ticket(
                queue=queue, service=service, service_name=service.name,
                citizen=citizens[n % len(citizens)], start=start,
                end=start + timedelta(minutes=queue.slot_minutes),
                day=timezone.localtime(start, services.queue_timezone(queue)).date(),
                seq=n + 1, number=f"A-{n + 1:03d}", status="booked", answers={}))
    Slot.objects.bulk_create(slots)
    Ticket.objects.bulk_create(tickets)
    return len(tickets)


def booking_queries(client, queue, service, day):
    url = reverse("queues:book", args=[queue.pk])
    params = {"service": service.pk, "day": day.isoformat()}
    for _warm in range(2):  # the site's settings rows are created on first use
        assert client.get(url, params).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries.captured_queries)


def test_booking_page_queries_do_not_grow_with_tickets_or_queues(client, site, queue, service,
                                                                 day, citizen, make_citizen):
    queue.capacity = 3
    queue.save()
    client.force_login(citizen)
    few = booking_queries(client, queue, service, day)
    others = [make_citizen() for _ in range(5)]
    assert fill(queue, service, others, per_day=4) > 200
    for n in range(8):
        other = make_queue(site, title=f"Window {n}")
        QueueService.objects.create(queue=other, name="Passport")
    many = booking_queries(client, queue, service, day)
    assert many == few, (few, many)


def test_addressee_section_queries_do_not_grow_with_queues(client, site, catalog):
    page = catalog.add_child(instance=AddresseePage(title="Service center", slug="center"))
    first = make_queue(site, title="Window 1")
    QueuePlacement.objects.create(page=page, queue=first)

    def count():
        client.get(page.url)
        from django.core.cache import cache

        cache.clear()  # the page's fragment is rendered again, queues read
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.url)
        assert response.status_code == 200
        return len(queries.captured_queries), response.content.decode()

    one, _content = count()
    for n in range(2, 6):
        QueuePlacement.objects.create(page=page, queue=make_queue(site, title=f"Window {n}"))
    five, content = count()
    assert "Window 5" in content and "Window 1" in content
    assert five == one, (one, five)


def test_the_kept_calendar_follows_every_booking_and_change_of_hours(client, queue, service,
                                                                      day, citizen,
                                                                      make_citizen):
    """The month table is the same for every citizen and kept in the cache: a booking, a
    cancellation and a closed day show on the very next view."""
    import re

    from addons.queues.models import ExceptionKind, ScheduleException

    queue.capacity = 1
    queue.save()
    client.force_login(citizen)
    url = reverse("queues:book", args=[queue.pk])

    def free_on_day():
        html = client.get(url, {"service": service.pk}).content.decode()
        found = re.search(rf'day={day.isoformat()}".*?: (\d+) free time', html, re.S)
        return int(found.group(1)) if found else 0

    before = free_on_day()
    assert before > 1
    assert free_on_day() == before  # kept: the same answer
    start = next(start for start, _end, places in services.free_slots(queue, service, day)
                 if places)
    ticket = services.book(queue, service, make_citizen(), start, {})
    assert free_on_day() == before - 1
    services.cancel(ticket, ticket.citizen)
    assert free_on_day() == before
    ScheduleException.objects.create(queue=queue, date=day, kind=ExceptionKind.CLOSED)
    assert free_on_day() == 0
