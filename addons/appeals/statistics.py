"""The "Appeals" block of figures on an addressee page: how many appeals it handled in the
last twelve months and the share answered on time. One aggregate query, no personal data."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from .models import Appeal, AppealType

PERIOD_DAYS = 365


def addressee_figures(addressee, today=None) -> dict:
    """{"handled": answered appeals, "on_time": of them answered by the due date,
    "share": on_time / handled (0..1) or None, "by_type": [(label, count)] of the appeals
    received, by type} for the last ``PERIOD_DAYS`` days."""
    today = today or timezone.localdate()
    since = timezone.now() - timedelta(days=PERIOD_DAYS)
    answered = Q(answered_at__isnull=False)
    values = Appeal.objects.filter(
        addressee_id=addressee.pk, received_at__gte=since
    ).order_by().aggregate(
        handled=Count("pk", filter=answered),
        on_time=Count("pk", filter=answered & Q(answered_at__date__lte=F("due_date"))),
        **{f"type_{key}": Count("pk", filter=Q(appeal_type=key))
           for key in AppealType.values},
    )
    by_type = {key: values[f"type_{key}"] for key in AppealType.values}
    handled = values["handled"] or 0
    on_time = values["on_time"] or 0
    return {"handled": handled, "on_time": on_time,
            "share": on_time / handled if handled else None,
            "by_type": [(label, by_type[key]) for key, label in AppealType.choices
                        if by_type.get(key)]}


def statistics_context(page, request) -> dict | None:
    """StatisticsBlock.get_context: nothing is shown before the first answer."""
    figures = addressee_figures(page)
    if not figures["handled"]:
        return None
    figures["percent"] = round(figures["share"] * 100)
    figures["period_days"] = PERIOD_DAYS
    return figures
