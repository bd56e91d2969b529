"""With REDIS_URL set, notifications travel through Redis and django-q2's own worker
machinery (pusher -> worker -> monitor), run in this process for a bounded time."""

import queue
import threading
import uuid
from multiprocessing import Value

import pytest
from django.conf import settings
from django.core import mail
from django_q import monitor as q_monitor
from django_q import pusher as q_pusher
from django_q import worker as q_worker
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import Success

from addons.core.models import Notification
from addons.core.notifications import DELIVER_TASK, notify

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL"),
]


@pytest.fixture
def redis_queue(monkeypatch):
    """A private queue on the configured Redis, tasks not run inline."""
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", f"civicdesk-test-{uuid.uuid4().hex[:8]}")
    # The worker closes stale connections between tasks; here it shares the test's
    # connection, inside the test transaction, which must stay open.
    monkeypatch.setattr(q_worker, "close_old_django_connections", lambda: None)
    monkeypatch.setattr(q_monitor, "close_old_django_connections", lambda: None)
    broker = get_broker()
    yield broker
    broker.delete_queue()


def test_broker_is_redis():
    from django_q.brokers.redis_broker import Redis

    broker = get_broker()
    assert isinstance(broker, Redis)
    assert broker.ping()


def test_notification_delivered_through_redis_and_worker(
    site, citizen, redis_queue, django_capture_on_commit_callbacks
):
    broker = redis_queue
    with django_capture_on_commit_callbacks(execute=True):
        row = notify(citizen, "notice_published", {"notice_title": "Water off"})
    assert broker.queue_size() == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.PENDING  # not run inline
    assert mail.outbox == []

    # The pusher takes the task off Redis (one pass: the stop event is already set).
    task_queue, result_queue = queue.Queue(), queue.Queue()
    stop = threading.Event()
    stop.set()
    q_pusher.pusher(task_queue, stop, broker=broker)
    assert task_queue.qsize() == 1
    assert broker.queue_size() == 0
    # A worker runs it, the monitor records the result.
    task_queue.put("STOP")
    q_worker.worker(task_queue, result_queue, Value("f", -1), timeout=20)
    result_queue.put("STOP")
    q_monitor.monitor(result_queue, broker=broker)

    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["olena@example.org"]
    success = Success.objects.get(func=DELIVER_TASK)
    assert success.args == (row.pk,)
    assert success.result == Notification.Status.SENT
