"""Scheduled jobs of bulletins (declared in apps.py, created by core's sync_schedules)."""

from __future__ import annotations

from .models import Frequency


def send_daily() -> int:
    from .delivery import send_digest

    return send_digest(Frequency.DAILY)


def send_weekly() -> int:
    from .delivery import send_digest

    return send_digest(Frequency.WEEKLY)


def publish_scheduled() -> None:
    """Publish bulletins whose publication date came and unpublish the expired ones
    (Wagtail's scheduled publishing, which also covers pages)."""
    from django.core.management import call_command

    call_command("publish_scheduled", verbosity=0)
