"""Scheduled jobs of accounts (declared in apps.py, created by core's sync_schedules)."""

from importlib import import_module

from django.conf import settings


def clear_expired_sessions() -> None:
    """Delete expired sessions (``manage.py clearsessions``); running it again is harmless."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
