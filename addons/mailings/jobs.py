"""Scheduled job of mass mailing (every minute)."""

from . import sending, services


def tick():
    """Start the scheduled campaigns that are due; resume campaigns nobody works on."""
    return {"started": services.start_due(), "resumed": sending.resume_stalled()}
