"""Scheduled reminders and escalations (django-q2 job ``appeals.remind``, every 15 minutes).

Points of one term (the current due date, extensions included):

- ``due-<n>`` for each configured offset (default 5, 1, 0 days before the due date): the
  addressee's moderators and the appeals department are reminded. Only the most urgent
  point that applies is sent; the earlier ones it makes moot are recorded as passed.
- ``overdue-head`` the day after the due date: the addressee's supervisors (core's
  ``staffing.supervisors_of``: the handlers of its parent addressee, else the leadership,
  else the reception office, else the administrators) and the department.
- ``return-<n>``, ``notify-<n>`` and ``refuse-<n>``, the same offsets before the other
  terms the site's law sets: returning an incomplete appeal (``Appeal.return_by``, while it
  is not taken in hand), informing the applicant of the decision (``Appeal.notify_by``,
  until informed) and communicating a refusal of a request for public information
  (``Appeal.refuse_by``, RO, while the request is open).
- ``overdue-leadership`` after ``leadership_after_days`` overdue: the municipality's
  leadership (core's staffing setting, ``staffing.leadership_of``).

Each point is an :class:`AppealReminder` row written in the same transaction as its
notifications (unique per appeal, point and due date): a worker that dies mid-run sends
nothing twice, and two workers racing on one point write one row.

The scan reads only open appeals whose due date lies in the window (the partial index
``appeal_open_due``), minus those whose last point is already recorded: its cost follows
the number of appeals due, not the number of appeals.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from addons.core.events import ESCALATED
from addons.core.staffing import leadership_of, supervisors_of

from . import service_events
from .models import (
    OPEN_STATUSES,
    RETURN_WATCH_STATUSES,
    Appeal,
    AppealReminder,
    AppealsSettings,
)
from .services import _notify_users, staff_recipients

HEAD = "overdue-head"
LEADERSHIP = "overdue-leadership"


def escalation_window_days() -> int:
    """How long after the due date an unhandled appeal is still escalated (a scheduler that
    was down for a while catches up within this window)."""
    return int(getattr(settings, "CIVICDESK_APPEALS_ESCALATION_WINDOW_DAYS", 60))


def _settings_by_site() -> dict[int, AppealsSettings]:
    return {row.site_id: row for row in AppealsSettings.objects.all()}


def points_for(appeal: Appeal, options: AppealsSettings, today: date) -> list[tuple[str, bool]]:
    """(point, send) pairs due today for ``appeal``; ``send`` False: recorded as passed."""
    due = appeal.due_date
    days_left = (due - today).days
    result = []
    if days_left >= 0:
        applicable = [offset for offset in options.reminder_offsets if offset >= days_left]
        if applicable:
            most_urgent = min(applicable)
            for offset in applicable:
                result.append((f"due-{offset}", offset == most_urgent))
        return result
    overdue = -days_left
    result.append((HEAD, True))
    if overdue >= options.leadership_after_days:
        result.append((LEADERSHIP, True))
    return result


def head_recipients(appeal: Appeal, options: AppealsSettings) -> list:
    """Who answers for the addressee: core's ``supervisors_of`` (its parent addressee's
    handlers, else the leadership, else the reception office, else the administrators)."""
    return supervisors_of(appeal.addressee, site=appeal.site).users


def _recipients(point: str, appeal: Appeal, options: AppealsSettings) -> list:
    department = (staff_recipients(options.department_id, appeal.site)
                  if options.department_id else [])
    if point == HEAD:
        return head_recipients(appeal, options) + department
    if point == LEADERSHIP:
        return leadership_of(appeal.site).users
    return staff_recipients(appeal.addressee, appeal.site) + department


def candidates(today: date, max_offset: int):
    """Open appeals due within the window with their last point not yet recorded."""
    last_point_done = AppealReminder.objects.filter(
        appeal=OuterRef("pk"), due_date=OuterRef("due_date"), point=LEADERSHIP
    )
    return (
        Appeal.objects.open()
        .filter(
            due_date__gte=today - timedelta(days=escalation_window_days()),
            due_date__lte=today + timedelta(days=max_offset),
        )
        .filter(~Exists(last_point_done))
        .select_related("addressee", "site")
        .order_by("due_date", "pk")
    )


#: the other terms staff are reminded of, before they pass: (point prefix, date field)
TERM_POINTS = (("return", "return_by"), ("notify", "notify_by"), ("refuse", "refuse_by"))


def term_candidates(field: str, today: date, max_offset: int):
    """Appeals whose term ``field`` ("return_by": return an incomplete appeal; "notify_by":
    inform the applicant of the decision) still runs and ends within the window."""
    queryset = Appeal.objects.filter(**{
        f"{field}__gte": today, f"{field}__lte": today + timedelta(days=max_offset),
    })
    if field == "return_by":
        queryset = queryset.filter(status__in=RETURN_WATCH_STATUSES)
    elif field == "refuse_by":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    else:
        queryset = queryset.filter(notified_at__isnull=True)
    return queryset.select_related("addressee", "site").order_by(field, "pk")


def term_points(term_date: date, prefix: str, options: AppealsSettings,
                today: date) -> list[tuple[str, bool]]:
    """(point, send) pairs of a term ending on ``term_date``: the most urgent configured
    offset that applies is sent, the earlier ones are recorded as passed."""
    days_left = (term_date - today).days
    applicable = [offset for offset in options.reminder_offsets if offset >= days_left]
    if days_left < 0 or not applicable:
        return []
    most_urgent = min(applicable)
    return [(f"{prefix}-{offset}", offset == most_urgent) for offset in applicable]


def send_term_reminders(today: date, by_site: dict, default: AppealsSettings,
                        max_offset: int) -> int:
    """Remind staff of the return term (UA) and the notice term (BG) before they pass."""
    sent = 0
    for prefix, field in TERM_POINTS:
        appeals = list(term_candidates(field, today, max_offset))
        if not appeals:
            continue
        done = set(
            AppealReminder.objects.filter(appeal__in=appeals).values_list(
                "appeal_id", "point", "due_date"
            )
        )
        for appeal in appeals:
            options = by_site.get(appeal.site_id, default)
            term_date = getattr(appeal, field)
            for point, send in term_points(term_date, prefix, options, today):
                if (appeal.pk, point, term_date) in done:
                    continue
                if _send_term_point(appeal, options, point, send, term_date, today):
                    sent += send
    return sent


def _send_term_point(appeal, options, point, send, term_date, today) -> bool:
    try:
        with transaction.atomic():
            AppealReminder.objects.create(appeal=appeal, point=point, due_date=term_date)
            if send:
                _notify_users(
                    _recipients(point, appeal, options), appeal, "appeals.reminder",
                    {"point": point, "term": point.split("-")[0], "term_date": term_date,
                     "days_left": (term_date - today).days},
                    key=f"appeals.{point}:{appeal.pk}:{term_date.isoformat()}",
                )
    except IntegrityError:
        return False
    return True


def send_reminders(today: date | None = None) -> int:
    """Send every reminder and escalation due today; returns how many points were sent."""
    today = today or timezone.localdate()
    by_site = _settings_by_site()
    default = AppealsSettings()
    max_offset = max(
        [max(row.reminder_offsets, default=0) for row in by_site.values()]
        + [max(default.reminder_offsets, default=0)]
    )
    sent = send_term_reminders(today, by_site, default, max_offset)
    appeals = list(candidates(today, max_offset))
    if not appeals:
        return sent
    done = set(
        AppealReminder.objects.filter(appeal__in=appeals).values_list(
            "appeal_id", "point", "due_date"
        )
    )
    for appeal in appeals:
        options = by_site.get(appeal.site_id, default)
        for point, send in points_for(appeal, options, today):
            if (appeal.pk, point, appeal.due_date) in done:
                continue
            if _send_point(appeal, options, point, send, today):
                sent += send
    return sent


def _send_point(appeal: Appeal, options: AppealsSettings, point: str, send: bool,
                today: date) -> bool:
    """Record ``point`` and, in the same transaction, notify. False if already recorded."""
    try:
        with transaction.atomic():
            AppealReminder.objects.create(appeal=appeal, point=point, due_date=appeal.due_date)
            if point in (HEAD, LEADERSHIP):
                # overdue and raised to the addressee's supervisors, then to the leadership
                service_events.write(appeal, ESCALATED)
            if send:
                event = "appeals.reminder" if point.startswith("due-") else "appeals.overdue"
                _notify_users(
                    _recipients(point, appeal, options), appeal, event,
                    {"point": point, "days_left": (appeal.due_date - today).days},
                    key=f"appeals.{point}:{appeal.pk}:{appeal.due_date.isoformat()}",
                )
    except IntegrityError:
        return False  # another worker recorded it first
    return True
