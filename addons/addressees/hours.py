"""Office hours: is an addressee open now, until when, and when does it open next.

Pure functions over already-loaded rows (no queries), so a listing of thirty addressees
computes thirty statuses from two prefetched querysets.

A day is closed when it is a public holiday of the site's jurisdiction
(``addons.core.calendars``) or falls inside one of the addressee's absences. Hours whose
closing time is not after the opening time run past midnight.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone

#: how far ahead the next opening is looked for
LOOKAHEAD_DAYS = 60


@dataclass(frozen=True)
class OpeningStatus:
    """Where an addressee stands at one moment."""

    #: open right now
    is_open: bool
    #: when open: when this stretch of opening ends (a break or closing time)
    until: datetime | None = None
    #: when closed: the next opening within the look-ahead, else None
    next_opening: datetime | None = None
    #: whether the addressee has any hours at all (no hours: nothing to show)
    has_hours: bool = True
    #: when closed today because of an absence or a holiday: which
    reason: str = ""
    #: the moment this status is for, in the site's time zone
    at: datetime | None = None

    @property
    def known(self) -> bool:
        return self.has_hours


def site_time_zone(profile=None) -> ZoneInfo:
    """The site's time zone (``SiteProfile.time_zone``), else the project's."""
    name = getattr(profile, "time_zone", "") or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def local_now(profile=None, now: datetime | None = None) -> datetime:
    """``now`` (default: the current time) in the site's time zone."""
    return (now or timezone.now()).astimezone(site_time_zone(profile))


def schedules(hours: Iterable) -> OrderedDict[str, list]:
    """Group OfficeHours rows by schedule name, in the order the names first appear
    (a blank name is the main schedule, "Office hours", and comes first)."""
    grouped: OrderedDict[str, list] = OrderedDict()
    rows = sorted(hours, key=lambda row: (row.schedule != "", row.sort_order or 0, row.pk or 0))
    for row in rows:
        grouped.setdefault(row.schedule, []).append(row)
    for name, items in grouped.items():
        grouped[name] = sorted(items, key=lambda row: (row.weekday, row.opens))
    return grouped


def main_schedule(hours: Iterable) -> list:
    """The rows that say whether the office is open: the unnamed schedule, else the first."""
    grouped = schedules(hours)
    if not grouped:
        return []
    return next(iter(grouped.values()))


def _intervals_of_row(row, day: date, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    start = datetime.combine(day, row.opens, tzinfo=tz)
    end_day = day if row.closes > row.opens else day + timedelta(days=1)
    end = datetime.combine(end_day, row.closes, tzinfo=tz)
    if row.break_start and row.break_end and row.opens < row.break_start < row.break_end:
        break_from = datetime.combine(day, row.break_start, tzinfo=tz)
        break_until = datetime.combine(day, row.break_end, tzinfo=tz)
        if break_until < end:
            return [(start, break_from), (break_until, end)]
        return [(start, break_from)]
    return [(start, end)]


def _closed_reason(day: date, absences: list, jurisdiction: str | None) -> str:
    for absence in absences:
        if absence.start <= day <= absence.end:
            return "absence"
    if jurisdiction and _is_holiday(day, jurisdiction):
        return "holiday"
    return ""


def _is_holiday(day: date, jurisdiction: str) -> bool:
    from addons.core.calendars import UnknownJurisdiction, is_public_holiday

    try:
        return is_public_holiday(day, jurisdiction)
    except UnknownJurisdiction:
        return False


def _intervals(rows: list, absences: list, jurisdiction: str | None, first_day: date,
               days: int, tz: ZoneInfo) -> Iterator[tuple[datetime, datetime]]:
    by_weekday: dict[int, list] = {}
    for row in rows:
        by_weekday.setdefault(row.weekday, []).append(row)
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        day_rows = by_weekday.get(day.weekday())
        if not day_rows or _closed_reason(day, absences, jurisdiction):
            continue
        day_intervals = []
        for row in day_rows:
            day_intervals.extend(_intervals_of_row(row, day, tz))
        yield from sorted(day_intervals)


def opening_status(
    hours: Iterable,
    absences: Iterable = (),
    *,
    jurisdiction: str | None = None,
    now: datetime | None = None,
    tz: ZoneInfo | None = None,
    lookahead_days: int = LOOKAHEAD_DAYS,
) -> OpeningStatus:
    """Whether the office is open at ``now`` (aware; default: the current time), until
    when, or when it next opens.

    ``hours`` are OfficeHours rows (only the main schedule counts, see
    :func:`main_schedule`), ``absences`` Absence rows, ``jurisdiction`` "ua"/"ro"/"bg" for
    public holidays, ``tz`` the site's time zone (default: the project's).
    """
    tz = tz or site_time_zone()
    now = (now or timezone.now()).astimezone(tz)
    rows = main_schedule(hours)
    if not rows:
        return OpeningStatus(is_open=False, has_hours=False, at=now)
    absences = list(absences)
    today = now.date()
    reason = _closed_reason(today, absences, jurisdiction)
    # Start a day early: yesterday's hours may run past midnight.
    intervals = _intervals(rows, absences, jurisdiction, today - timedelta(days=1),
                           lookahead_days + 2, tz)
    current_end = None
    for start, end in intervals:
        if current_end is not None:
            if start <= current_end:  # back-to-back rows: one stretch of opening
                current_end = max(current_end, end)
                continue
            return OpeningStatus(is_open=True, until=current_end, at=now)
        if start <= now < end:
            current_end = end
        elif start > now:
            if start - now > timedelta(days=lookahead_days):
                break
            return OpeningStatus(is_open=False, next_opening=start, reason=reason, at=now)
    if current_end is not None:
        return OpeningStatus(is_open=True, until=current_end, at=now)
    return OpeningStatus(is_open=False, reason=reason, at=now)


def weekly_table(rows: list) -> list[dict]:
    """Rows of one schedule as a Monday-to-Sunday table: one entry per weekday with its
    opening spans (a day may have several rows) and breaks; closed days have none."""
    from .models import Weekday

    table = []
    for weekday, label in Weekday.choices:
        spans = [row for row in rows if row.weekday == weekday]
        table.append({"weekday": weekday, "label": label, "spans": spans})
    return table


def current_and_upcoming(absences: Iterable, today: date) -> list:
    """Absences not yet over, soonest first, each marked ``is_current``."""
    result = []
    for absence in sorted(absences, key=lambda a: (a.start, a.end)):
        if absence.end < today:
            continue
        absence.is_current = absence.start <= today
        result.append(absence)
    return result

