"""Scheduled jobs: the django-q2 ``Schedule`` rows of every add-on's ``scheduled_jobs``.

``sync_schedules()`` runs after every ``migrate`` (``post_migrate`` of core), so installing
an add-on or changing a job's cron takes effect on the next deployment. Rows are matched by
name: running it again changes nothing, and several hosts migrating at once at worst write
the same values twice.
"""

from __future__ import annotations

from datetime import datetime

from croniter import croniter
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from . import registry


def _kwargs_text(kwargs: dict) -> str | None:
    # django-q2 reads Schedule.kwargs with ast.literal_eval: a dict literal.
    return repr(dict(kwargs)) if kwargs else None


def next_run(cron: str) -> datetime:
    """The next moment ``cron`` fires, from now."""
    return croniter(cron, timezone.localtime()).get_next(datetime)


def sync_schedules(jobs=None, using: str = "default") -> dict[str, str]:
    """Create or update one cron ``Schedule`` per declared job (by name).

    Returns ``{name: "created" | "updated" | "unchanged"}``. A job with a malformed cron
    expression raises ``ImproperlyConfigured``.
    """
    from django_q.models import Schedule

    jobs = registry.scheduled_jobs() if jobs is None else jobs
    outcome = {}
    for job in jobs:
        if not croniter.is_valid(job.cron):
            raise ImproperlyConfigured(f"Scheduled job {job.name!r}: bad cron {job.cron!r}.")
        wanted = {
            "func": job.func,
            "kwargs": _kwargs_text(job.kwargs),
            "schedule_type": Schedule.CRON,
            "cron": job.cron,
            "repeats": -1,
        }
        manager = Schedule.objects.using(using)
        existing = manager.filter(name=job.name).order_by("pk")
        schedule = existing.first()
        if schedule is None:
            manager.create(name=job.name, next_run=next_run(job.cron), **wanted)
            outcome[job.name] = "created"
            continue
        # Duplicates (made by hand, or by a race of two first deployments): keep one.
        existing.exclude(pk=schedule.pk).delete()
        changed = {key: value for key, value in wanted.items() if getattr(schedule, key) != value}
        if not changed:
            outcome[job.name] = "unchanged"
            continue
        for key, value in changed.items():
            setattr(schedule, key, value)
        if "cron" in changed or "schedule_type" in changed:
            schedule.next_run = next_run(job.cron)
        schedule.save(using=using)
        outcome[job.name] = "updated"
    return outcome


def sync_schedules_after_migrate(sender, using="default", **kwargs) -> None:
    """``post_migrate`` receiver (connected for core's app config only)."""
    sync_schedules(using=using)
