from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_q import tasks as q_tasks

from addons.core import notifications
from addons.core.models import Notification, SiteProfile
from addons.core.notifications import deliver, notify, notify_group, retry_due

pytestmark = pytest.mark.django_db

EVENT = "notice_published"  # templates in tests/core/notice_addon/templates/notifications/


class FailingBackend:
    """An email backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


@pytest.fixture
def no_worker(monkeypatch):
    """The queue accepts tasks but no worker runs them."""
    queued = []
    monkeypatch.setattr(q_tasks, "async_task", lambda func, *args, **kw: queued.append(args))
    return queued


def _notify(recipient, capture, **kwargs):
    with capture(execute=True):
        row = notify(recipient, EVENT, {"notice_title": "Water off", "published": date(2026, 1, 5)},
                     **kwargs)
    if row is not None:
        row.refresh_from_db()
    return row


def test_delivered_after_commit(site, citizen, django_capture_on_commit_callbacks):
    citizen.language = "en"
    citizen.save()
    row = _notify(citizen, django_capture_on_commit_callbacks, url="/notices/")
    assert row.status == Notification.Status.SENT
    assert row.attempts == 1 and row.sent_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["olena@example.org"]
    assert message.subject == "[en] Water off & January"  # plain text: "&" not escaped
    assert 'Olena Shevchenko: "Water off" (5 January 2026) <en>' in message.body
    assert "http://localhost/notices/" in message.body
    assert message.alternatives == []
    assert row.body.startswith("Olena Shevchenko")


def test_nothing_sent_before_commit_nor_on_rollback(
    site, citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                notify(citizen, EVENT, {"notice_title": "X"})
                raise RuntimeError
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("user_language", "site_language", "expected_language", "month"),
    [
        ("ro", "uk", "ro", "ianuarie"),
        ("bg", "uk", "bg", "януари"),
        ("", "bg", "bg", "януари"),
        ("", "uk", "uk", "Січень"),
    ],
)
def test_language_follows_recipient(site, citizen, django_capture_on_commit_callbacks,
                                    user_language, site_language, expected_language, month):
    citizen.language = user_language
    citizen.save()
    profile = SiteProfile.for_site(site)
    profile.default_language = site_language
    profile.save()
    row = _notify(citizen, django_capture_on_commit_callbacks)
    assert row.language == expected_language
    assert row.subject == f"[{expected_language}] Water off & {month}"
    assert mail.outbox[0].subject == row.subject
    assert mail.outbox[0].extra_headers["Content-Language"] == expected_language


def test_without_site_profile_falls_back_to_language_code(db, citizen, settings,
                                                          django_capture_on_commit_callbacks):
    from wagtail.models import Site

    Site.objects.all().delete()
    settings.LANGUAGE_CODE = "ro"
    row = _notify(citizen, django_capture_on_commit_callbacks)
    assert row.language == "ro" and row.site is None


def test_fallback_texts_without_templates(site, citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = notify(citizen, "no_such_event", {"a": 1}, subject="Your   appeal\nAP-1",
                     body="Registered.")
    assert row.subject == "Your appeal AP-1"
    assert row.body == "Registered.\n"
    assert mail.outbox[0].body.startswith("Registered.")


def test_fallback_subject_is_event_label(site, citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = notify(citizen, "unknown_event")
    assert row.subject == "unknown_event"


def test_delivered_exactly_once_when_deliver_runs_twice(site, citizen,
                                                        django_capture_on_commit_callbacks):
    row = _notify(citizen, django_capture_on_commit_callbacks)
    assert deliver(row.pk) == Notification.Status.SENT
    assert deliver(row.pk) == Notification.Status.SENT
    assert retry_due(now=timezone.now() + timedelta(days=1)) == 0
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.attempts == 1


def test_same_key_returns_existing_row_and_sends_nothing(site, citizen,
                                                         django_capture_on_commit_callbacks):
    first = _notify(citizen, django_capture_on_commit_callbacks, key="appeal-7-registered")
    second = _notify(citizen, django_capture_on_commit_callbacks, key="appeal-7-registered")
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_key_race_returns_existing_row(site, citizen, monkeypatch):
    first = notify(citizen, EVENT, key="k-1")
    # Another process wrote the same key between our check and our insert.
    real_filter = Notification.objects.filter
    calls = {"n": 0}

    def filter_once_empty(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            return Notification.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Notification.objects, "filter", filter_once_empty)
    second = notify(citizen, EVENT, key="k-1")
    assert second.pk == first.pk


def test_failing_backend_then_retry_succeeds(site, citizen, settings,
                                             django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.core.test_notifications.FailingBackend"
    before = timezone.now()
    row = _notify(citizen, django_capture_on_commit_callbacks)
    assert row.status == Notification.Status.PENDING
    assert row.attempts == 1
    assert "SMTP server unreachable" in row.last_error
    assert row.next_attempt_at >= before + timedelta(minutes=1)
    # Not yet due: nothing re-queued.
    assert retry_due(now=timezone.now()) == 0
    # Second failure doubles the wait.
    assert retry_due(now=row.next_attempt_at) == 1
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at >= timezone.now() + timedelta(minutes=1, seconds=55)
    # The mail server is back.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert retry_due(now=row.next_attempt_at) == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert row.attempts == 3
    assert len(mail.outbox) == 1


def test_failed_after_max_attempts(site, citizen, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.core.test_notifications.FailingBackend"
    settings.CIVICDESK_NOTIFICATION_MAX_ATTEMPTS = 3
    row = _notify(citizen, django_capture_on_commit_callbacks)
    deliver(row.pk)
    assert deliver(row.pk) == Notification.Status.FAILED
    row.refresh_from_db()
    assert row.attempts == 3 and row.next_attempt_at is None
    assert deliver(row.pk) == Notification.Status.FAILED  # no fourth try
    row.refresh_from_db()
    assert row.attempts == 3
    assert retry_due(now=timezone.now() + timedelta(days=1)) == 0


def test_backoff_is_exponential_and_capped():
    assert notifications.backoff(1) == timedelta(minutes=1)
    assert notifications.backoff(2) == timedelta(minutes=2)
    assert notifications.backoff(4) == timedelta(minutes=8)
    assert notifications.backoff(30) == notifications.BACKOFF_MAX


def test_worker_down_leaves_row_pending_then_retry_due_delivers(
    site, citizen, no_worker, django_capture_on_commit_callbacks, monkeypatch
):
    row = _notify(citizen, django_capture_on_commit_callbacks)
    assert no_worker == [(row.pk,)]  # enqueued, never run
    assert row.status == Notification.Status.PENDING
    assert mail.outbox == []
    # The worker is back; retry_due finds the row once its grace period is over.
    monkeypatch.undo()
    assert retry_due(now=timezone.now()) == 0
    assert retry_due(now=timezone.now() + notifications.RETRY_GRACE) == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert len(mail.outbox) == 1


def test_broker_down_is_not_an_error(site, citizen, monkeypatch,
                                     django_capture_on_commit_callbacks):
    def broken(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(q_tasks, "async_task", broken)
    row = _notify(citizen, django_capture_on_commit_callbacks)
    assert row.status == Notification.Status.PENDING


def test_no_email_is_kept_for_the_cabinet(site, django_user_model,
                                          django_capture_on_commit_callbacks, no_worker):
    user = django_user_model.objects.create_user(username="noemail", email=None, password="x")
    row = _notify(user, django_capture_on_commit_callbacks, subject="Hello")
    assert row.status == Notification.Status.SKIPPED
    assert no_worker == []
    assert user.notifications.get() == row
    assert deliver(row.pk) == Notification.Status.SKIPPED
    assert mail.outbox == []


def test_email_without_account(site, django_capture_on_commit_callbacks):
    row = _notify(None, django_capture_on_commit_callbacks, email="guest@example.org")
    assert row.recipient is None and row.status == Notification.Status.SENT
    assert mail.outbox[0].to == ["guest@example.org"]


def test_nobody_to_notify(site):
    assert notify(None, EVENT) is None
    assert notify(None, EVENT, email="") is None
    assert not Notification.objects.exists()


def test_deliver_of_missing_row():
    assert deliver(987654) is None


def test_context_is_stored_json_safe(site, citizen, django_capture_on_commit_callbacks):
    row = _notify(citizen, django_capture_on_commit_callbacks)
    assert row.context == {"notice_title": "Water off", "published": "2026-01-05"}
    with django_capture_on_commit_callbacks(execute=True):
        row = notify(citizen, EVENT, {"who": citizen, "items": ({1, 2} and [1, 2]), "n": None})
    row.refresh_from_db()
    assert row.context == {"who": "Olena Shevchenko", "items": [1, 2], "n": None}


def test_notify_group(site, django_user_model, django_capture_on_commit_callbacks):
    group = Group.objects.create(name="Moderators of the water board")
    active = [
        django_user_model.objects.create_user(username=f"m{i}", email=f"m{i}@example.org")
        for i in range(2)
    ]
    gone = django_user_model.objects.create_user(
        username="gone", email="gone@example.org", is_active=False
    )
    group.user_set.add(*active, gone)
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify_group(group, EVENT, {"notice_title": "New appeal"}, key="appeal-9")
        again = notify_group(group, EVENT, {"notice_title": "New appeal"}, key="appeal-9")
    assert {row.recipient for row in rows} == set(active)
    assert [row.pk for row in again] == [row.pk for row in rows]
    assert {row.key for row in rows} == {f"appeal-9:{user.pk}" for user in active}
    assert sorted(m.to[0] for m in mail.outbox) == ["m0@example.org", "m1@example.org"]
    assert notify_group(None, EVENT) == []


def test_mark_read(site, citizen, django_capture_on_commit_callbacks):
    row = _notify(citizen, django_capture_on_commit_callbacks)
    assert notifications.mark_read(citizen.notifications.all()) == 1
    assert notifications.mark_read([row]) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_deliveries_send_once_on_postgresql(django_user_model, no_worker):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    user = django_user_model.objects.create_user(username="p", email="p@example.org")
    row = notify(user, EVENT, {"notice_title": "Race"})
    assert no_worker == [(row.pk,)]
    barrier = threading.Barrier(8)
    results = []

    def run():
        try:
            barrier.wait(timeout=30)
            results.append(deliver(row.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [Notification.Status.SENT] * 8
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.attempts == 1
