"""Wrong PINs typed at the same moment on many calls (PostgreSQL): no more than three
guesses get past the lock, and the right PIN typed among them is not heard once locked."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from addons.contacts.models import PinAttempt

from .test_voice import YEAR, Phone, make_town_records

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

CALLERS = 12


@pytest.fixture
def records(site, line):
    return make_town_records(site)


@pytest.fixture
def line(site):
    from addons.contacts.models import PhoneEndpoint

    from .test_voice import TOKEN

    return PhoneEndpoint.objects.create(site=site, voice_token=TOKEN, voice_enabled=True,
                                        voice_languages="en")


def test_parallel_wrong_pins_stop_at_three(records):
    barrier = threading.Barrier(CALLERS)
    bodies, errors = [], []
    lock = threading.Lock()
    query = f"step=pin&kind=appeals&ref=AP-{YEAR}-000123&lang=en"

    def worker(index):
        try:
            phone = Phone(Client(), caller=f"+38050{index:07d}", call=f"CA{index}")
            barrier.wait()
            # the last caller types the right PIN: too late once three wrong ones are in
            response = phone.post(query, f"{'482913' if index == 0 else '1' * 6}#")
            with lock:
                bodies.append(response.content.decode())
        except Exception as error:  # noqa: BLE001
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert PinAttempt.objects.count() <= 3
    told = [body for body in bodies if "In progress" in body]
    locked = [body for body in bodies if "Too many wrong PINs" in body]
    assert len(told) <= 1
    assert len(locked) >= CALLERS - 4
