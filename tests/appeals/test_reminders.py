from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from addons.appeals import jobs, services
from addons.appeals.models import Appeal, AppealReminder
from addons.core.models import Notification

pytestmark = pytest.mark.django_db


def sent(user, event):
    return Notification.objects.filter(recipient=user, event=event).count()


def test_reminders_at_each_point_once(file_one, moderator, department, department_moderator):
    appeal = file_one()
    due = appeal.due_date
    assert jobs.send_reminders(due - timedelta(days=7)) == 0
    assert jobs.send_reminders(due - timedelta(days=5)) == 1
    assert jobs.send_reminders(due - timedelta(days=5)) == 0  # the next run: nothing twice
    assert jobs.send_reminders(due - timedelta(days=3)) == 0
    assert jobs.send_reminders(due - timedelta(days=1)) == 1
    assert jobs.send_reminders(due) == 1
    assert sent(moderator, "appeals.reminder") == 3
    assert sent(department_moderator, "appeals.reminder") == 3
    assert set(AppealReminder.objects.values_list("point", flat=True)) == {
        "due-5", "due-1", "due-0"}


def test_late_scan_sends_only_the_most_urgent_point(file_one, moderator):
    appeal = file_one()
    assert jobs.send_reminders(appeal.due_date) == 1
    assert sent(moderator, "appeals.reminder") == 1
    assert AppealReminder.objects.count() == 3  # the moot earlier points are recorded


def test_overdue_escalates_to_head_then_leadership(file_one, sub_addressee, addressee, moderator,
                                                   make_user, leadership, site):
    head = moderator  # moderators of the parent addressee
    mayor = make_user("mayor", moderates=[leadership])
    repairs = make_user("repairsmod", moderates=[sub_addressee])
    appeal = file_one(to=sub_addressee)
    due = appeal.due_date
    jobs.send_reminders(due + timedelta(days=1))
    assert sent(head, "appeals.overdue") == 1 and sent(mayor, "appeals.overdue") == 0
    jobs.send_reminders(due + timedelta(days=2))
    assert sent(head, "appeals.overdue") == 1
    jobs.send_reminders(due + timedelta(days=3))
    assert sent(mayor, "appeals.overdue") == 1
    jobs.send_reminders(due + timedelta(days=10))
    assert sent(mayor, "appeals.overdue") == 1
    assert sent(repairs, "appeals.overdue") == 0


def test_extension_starts_a_new_term(file_one, moderator):
    appeal = file_one()
    jobs.send_reminders(appeal.due_date)
    services.extend(appeal, moderator, services.extension_limit(appeal), "Inspection")
    appeal.refresh_from_db()
    assert jobs.send_reminders(appeal.due_date) == 1


def test_answered_appeals_are_not_reminded(file_one, moderator):
    appeal = file_one()
    services.reply(appeal, moderator, "Done")
    assert jobs.send_reminders(appeal.due_date) == 0


def test_a_crash_mid_run_never_sends_twice(file_one, moderator, monkeypatch):
    first, second = file_one(), file_one(text="second")
    calls = {"n": 0}
    real = jobs._notify_users

    def crash_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "_notify_users", crash_on_second)
    with pytest.raises(SystemExit):
        jobs.send_reminders(first.due_date)
    assert not AppealReminder.objects.filter(appeal=second, point="due-0").exists()  # rolled back
    monkeypatch.setattr(jobs, "_notify_users", real)
    jobs.send_reminders(first.due_date)
    for appeal in (first, second):
        assert Notification.objects.filter(
            recipient=moderator, event="appeals.reminder", key__contains=f":{appeal.pk}:"
        ).count() == 1


def test_scan_reads_only_appeals_due(file_one, moderator):
    appeal = file_one()
    day = appeal.due_date - timedelta(days=1)

    def scan_queries():
        AppealReminder.objects.all().delete()
        with CaptureQueriesContext(connection) as context:
            jobs.send_reminders(day)
        return len(context.captured_queries)

    scan_queries()
    few = scan_queries()  # notifications already written: the same work each time
    # many appeals far from due, or closed: the scan costs the same
    for number in range(20):
        far = file_one(text=f"far {number}")
        Appeal.objects.filter(pk=far.pk).update(due_date=day + timedelta(days=60))
    for number in range(5):
        done = file_one(text=f"closed {number}")
        services.close(done, moderator)
    assert scan_queries() == few
    assert len(jobs.candidates(day, 5)) == 1


def test_schedule_is_declared():
    from addons.core import registry

    jobs_by_name = {job.name: job for job in registry.scheduled_jobs()}
    assert jobs_by_name["appeals.remind"].func == "addons.appeals.jobs.send_reminders"
