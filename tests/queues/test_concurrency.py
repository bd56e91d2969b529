"""Concurrent bookers on PostgreSQL: capacity held by the database, gapless numbers."""

import threading

import pytest
from django.db import connection, connections

from addons.queues import services
from addons.queues.models import Slot, Ticket

from .conftest import at

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

BOOKERS = 60


def race(queue, service, citizens, start, *, token=None):
    """Every citizen books ``start`` at once, each in its own thread, connection and
    transaction. Returns (tickets, SlotTaken count, other errors)."""
    barrier = threading.Barrier(len(citizens))
    tickets, taken, errors = [], [], []
    lock = threading.Lock()

    def worker(citizen):
        try:
            barrier.wait()
            ticket = services.book(queue, service, citizen, start, token=token)
            with lock:
                tickets.append(ticket)
        except services.SlotTaken as error:
            with lock:
                taken.append(error)
        except Exception as error:  # noqa: BLE001
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(c,)) for c in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tickets, taken, errors


@pytest.fixture(autouse=True)
def _no_email(monkeypatch):
    monkeypatch.setattr(services, "_after_booking", lambda ticket: None)


@pytest.mark.parametrize("capacity", [1, 3])
def test_last_places_go_to_exactly_capacity_bookers(queue, service, day, make_citizen,
                                                    capacity):
    queue.capacity = capacity
    queue.save()
    citizens = [make_citizen() for _ in range(BOOKERS)]
    tickets, taken, errors = race(queue, service, citizens, at(day, 10))
    assert errors == []
    assert len(tickets) == capacity
    assert len(taken) == BOOKERS - capacity
    assert all(error.alternatives for error in taken)
    assert Ticket.objects.filter(queue=queue, start=at(day, 10)).count() == capacity
    assert Slot.objects.get(queue=queue, start=at(day, 10)).taken == capacity
    assert sorted(Ticket.objects.values_list("number", flat=True)) == [
        f"A-{n:03d}" for n in range(1, capacity + 1)
    ]


def test_numbers_gapless_under_concurrency(queue, service, day, make_citizen):
    queue.capacity = BOOKERS
    queue.save()
    citizens = [make_citizen() for _ in range(BOOKERS)]
    tickets, taken, errors = race(queue, service, citizens, at(day, 9))
    assert errors == [] and taken == [] and len(tickets) == BOOKERS
    seqs = sorted(Ticket.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, BOOKERS + 1))


def test_concurrent_double_submit_makes_one_ticket(queue, service, day, citizen):
    queue.capacity = 10
    queue.max_active_tickets = 10
    queue.save()
    tickets, taken, errors = race(queue, service, [citizen] * 8, at(day, 9), token="once")
    assert errors == [] and taken == []
    assert len({t.pk for t in tickets}) == 1
    assert Ticket.objects.count() == 1
    assert Slot.objects.get(queue=queue, start=at(day, 9)).taken == 1
