"""Two digest workers at once on PostgreSQL: every subscriber gets the digest exactly once."""

import threading

import pytest
from django.core import mail
from django.db import connection, connections

from addons.bulletins import delivery
from addons.bulletins.models import SentBulletin

from .conftest import make_bulletin, make_subscription

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

SUBSCRIBERS = 40
WORKERS = 4


def test_concurrent_digest_workers_send_each_bulletin_once(site, roads):
    for n in range(SUBSCRIBERS):
        make_subscription(site, f"reader{n}@example.org", addressee=roads)
        make_subscription(site, f"reader{n}@example.org", tags="roads")
    bulletins = [make_bulletin(roads, f"Road works {n}", tags=["roads"]) for n in range(3)]
    barrier = threading.Barrier(WORKERS)
    counts, errors = [], []

    def worker():
        try:
            barrier.wait()
            counts.append(delivery.send_digest("daily"))
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == SUBSCRIBERS
    recipients = [message.to[0] for message in mail.outbox]
    assert sorted(recipients) == sorted(f"reader{n}@example.org" for n in range(SUBSCRIBERS))
    # no message carried a bulletin that another message carried to the same address
    for message in mail.outbox:
        assert all(message.body.count(b.title + "\n") == 1 for b in bulletins)
    assert SentBulletin.objects.count() == SUBSCRIBERS * len(bulletins)
