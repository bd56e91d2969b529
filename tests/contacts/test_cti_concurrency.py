"""Call events arriving at once on PostgreSQL: one interaction per call, whatever the race."""

import threading

import pytest
from django.db import connection, connections

from addons.contacts import services
from addons.contacts.models import Interaction

from .conftest import make_staff

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

WORKERS = 8


def race(calls):
    barrier = threading.Barrier(len(calls))
    errors = []
    lock = threading.Lock()

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


def test_the_same_events_at_once_make_one_interaction(site):
    make_staff("olena")
    new = {"event": "newCall", "from": "+380441234567", "to": "100", "direction": "in",
           "callId": "race-1"}
    answer = {"event": "answer", "callId": "race-2", "from": "+380441234567",
              "direction": "in"}
    calls = ([lambda: services.call_event(site, new, [])] * WORKERS
             + [lambda: services.call_event(site, answer, ["olena"])] * WORKERS)
    assert race(calls) == []
    assert Interaction.objects.filter(call_id="race-1").count() == 1
    answered = Interaction.objects.get(call_id="race-2")
    assert answered.state == "answered" and answered.operator.username == "olena"
