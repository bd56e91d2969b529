"""What the campaigns desk shows of a campaign (``Casework(key="campaigns")`` in apps.py):
the facts, the preview of the message and the delivery report. Each ``*_context`` is a
``DetailSection``'s ``get_context(record, request)``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import services
from .models import Delivery, DeliveryStatus

#: failed, bounced and skipped addresses listed in the report
PROBLEM_ROWS = 200


def campaign_context(record, request=None) -> dict:
    return {"record": record, "tz": services.site_time_zone(record.site)}


def preview_context(record, request=None) -> dict:
    """(subject, body, headers) the first recipient would get, or why there is nothing to
    show (a template without a language version...)."""
    subject = body = headers = None
    preview_error = ""
    try:
        subject, body, headers = services.preview(record)
    except (services.MailingError, KeyError, IndexError, AttributeError) as exc:
        preview_error = getattr(exc, "message", "") or _(
            "The template has no language version to show.")
    return {"record": record, "subject": subject, "body": body, "headers": headers,
            "preview_error": preview_error}


def report_context(record, request=None) -> dict:
    problems = Delivery.objects.filter(
        campaign=record,
        status__in=[DeliveryStatus.FAILED, DeliveryStatus.BOUNCED, DeliveryStatus.SKIPPED],
    ).order_by("status", "email")[:PROBLEM_ROWS]
    return {"record": record, "counts": services.report(record), "problems": problems}
