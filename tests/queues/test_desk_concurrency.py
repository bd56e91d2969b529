"""Several people at the same ticket on PostgreSQL: desk actions lock the ticket's row, so
no comment is lost, every action raises the version once, and of several identical marks
exactly one is made."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from wagtail.models import ModelLogEntry

from addons.queues import services
from addons.queues.models import Ticket, TicketStatus

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

WRITERS = 12


def together(calls):
    """Run every ``call`` at once, each in its own thread and connection; the errors."""
    barrier = threading.Barrier(len(calls))
    errors, lock = [], threading.Lock()

    def worker(call):
        try:
            barrier.wait()
            call()
        except Exception as error:  # noqa: BLE001
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_comments_all_kept(make_ticket, specialist):
    ticket = make_ticket()
    errors = together([
        (lambda n=n: services.add_comment(Ticket.objects.get(pk=ticket.pk), specialist,
                                          text=f"note {n}"))
        for n in range(WRITERS)
    ])
    assert errors == []
    ticket.refresh_from_db()
    assert all(f"note {n}" in ticket.comment for n in range(WRITERS))
    assert ticket.lock_version == WRITERS
    assert ModelLogEntry.objects.for_instance(ticket).count() == WRITERS


def test_served_twice_at_once_one_wins(make_ticket, moderator, specialist):
    """Two people press "Served" on the same ticket: one mark is made, the other is told
    the ticket cannot be marked so (a served ticket is final)."""
    ticket = make_ticket(status=TicketStatus.ARRIVED)
    errors = together([
        lambda user=user: services.mark_served(Ticket.objects.get(pk=ticket.pk), user)
        for user in (moderator, specialist) * 3
    ])
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVED
    assert len(errors) == 5 and all(isinstance(error, ValidationError) for error in errors)
    assert ticket.lock_version == 1
    assert list(ModelLogEntry.objects.for_instance(ticket).values_list("action", flat=True)) \
        == ["queues.served"]
