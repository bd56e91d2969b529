import pytest
from django.core.exceptions import ImproperlyConfigured
from django_q.models import Schedule

from addons.core import registry
from addons.core.addon import ScheduledJob
from addons.core.schedules import sync_schedules

pytestmark = pytest.mark.django_db


def test_migrate_created_one_schedule_per_declared_job():
    # post_migrate ran when the test database was migrated.
    names = set(Schedule.objects.values_list("name", flat=True))
    assert {job.name for job in registry.scheduled_jobs()} <= names
    retry = Schedule.objects.get(name="core.notifications.retry_due")
    assert retry.func == "addons.core.notifications.retry_due"
    assert retry.schedule_type == Schedule.CRON and retry.cron == "* * * * *"
    assert retry.repeats == -1
    assert Schedule.objects.get(name="notice_addon.expire").cron == "0 3 * * *"


def test_sync_is_idempotent():
    Schedule.objects.all().delete()
    first = sync_schedules()
    assert set(first.values()) == {"created"}
    next_runs = dict(Schedule.objects.values_list("name", "next_run"))
    second = sync_schedules()
    assert set(second.values()) == {"unchanged"}
    jobs = registry.scheduled_jobs()
    assert Schedule.objects.count() == len(jobs)
    for job in jobs:
        assert Schedule.objects.filter(name=job.name).count() == 1
    assert dict(Schedule.objects.values_list("name", "next_run")) == next_runs


def test_changed_job_is_updated_and_duplicates_removed():
    job = ScheduledJob(name="test.report", func="tests.core.notice_addon.jobs.expire_notices",
                       cron="*/5 * * * *", kwargs={"days": 30})
    assert sync_schedules([job]) == {"test.report": "created"}
    Schedule.objects.create(name="test.report", func="x.y", schedule_type=Schedule.ONCE)
    changed = ScheduledJob(name=job.name, func=job.func, cron="0 * * * *", kwargs={"days": 7})
    assert sync_schedules([changed]) == {"test.report": "updated"}
    schedule = Schedule.objects.get(name="test.report")
    assert schedule.cron == "0 * * * *"
    assert schedule.kwargs == "{'days': 7}"
    assert schedule.next_run.minute == 0


def test_bad_cron_is_refused():
    with pytest.raises(ImproperlyConfigured, match="bad cron"):
        sync_schedules([ScheduledJob(name="bad", func="x.y", cron="every minute")])
