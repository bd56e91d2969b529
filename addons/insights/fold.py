"""Folding service events into the facts of each record (``models.Case``).

``fold()`` reads the events written since the last fold (``FoldMark`` "events") in id
order, a batch at a time, and creates or updates one ``Case`` per record
(``record_type``, ``record_id``) with one INSERT ... ON CONFLICT DO UPDATE per batch (no
query per event). Each batch is its own transaction that holds the mark's row locked
(``select_for_update``): two folds at once take turns, and the second reads on from where
the first stopped, so nothing is counted twice.

What each kind of event does to a record's facts:

- received / booked: receipt moment (the earliest seen), channel, category, district,
  addressee, term (``due``), public; state open (booked: booked).
- routed, forwarded, assigned: the addressee, when the event names one; forwarded counts.
- first_reply: the first response (the earliest seen), kept.
- extended: the new term, counted. escalated: counted.
- resolved: the FIRST resolution is kept (``first_resolved_at``, working days to it,
  ``on_time`` = first resolution within the term then in force); ``resolved_at`` is the
  latest; state resolved.
- reopened: counted; state open.
- closed: ``closed_at``; state closed. A record closed without ever being resolved
  (rejected, a duplicate, withdrawn) is NOT counted as resolved: its ``first_resolved_at``
  stays empty, so it weighs in neither resolution times nor timeliness, but it leaves the
  backlog and the flow (``done_at``). ``status`` "first_contact" marks a call or chat
  resolved at first contact.
- rated: the rating (latest) and when. survey_answer: the score as rating; state closed.
- cancelled, served, no_show, answered, abandoned: the outcome and state; served and
  answered carry the seconds waited (``wait_seconds``); answered is also the first response.

Working days: from the local day of receipt (exclusive) to the local day of the response
or first resolution (inclusive), counting the days that are working days in the calendar of
the site's jurisdiction (``addons.core.calendars``): received on Friday, resolved on Monday
is 1 working day; resolved the same day is 0.
"""

from __future__ import annotations

import zoneinfo
from bisect import bisect_right
from datetime import date, timedelta
from functools import lru_cache

from django.db import IntegrityError, transaction
from django.utils import timezone

from addons.core import events as ev

MARK = "events"
BATCH = 5000

#: kinds after which a record is no longer open (``done_at``), besides resolved/closed
_DONE = {ev.CANCELLED, ev.SERVED, ev.NO_SHOW, ev.ABANDONED, ev.ANSWERED_SURVEY}
#: the outcome of a ticket, call or chat
_OUTCOME = {ev.CANCELLED: "cancelled", ev.SERVED: "served", ev.NO_SHOW: "no_show",
            ev.ANSWERED: "answered", ev.ABANDONED: "abandoned"}
#: the state each kind leaves a record in
_STATE = {
    ev.RECEIVED: "open", ev.REOPENED: "open", ev.RESOLVED: "resolved", ev.CLOSED: "closed",
    ev.BOOKED: "booked", ev.CANCELLED: "cancelled", ev.SERVED: "served",
    ev.NO_SHOW: "no_show", ev.ANSWERED: "answered", ev.ABANDONED: "abandoned",
    ev.ANSWERED_SURVEY: "closed",
}

_EVENT_FIELDS = ("id", "site_id", "record_type", "record_id", "reference", "kind", "at",
                 "addressee_id", "addressee_path", "category", "district", "channel",
                 "public", "due", "value", "status")

#: the Case fields the fold writes
_CASE_FIELDS = (
    "site_id", "reference", "public", "addressee_id", "addressee_path", "category",
    "district", "channel", "state", "received_at", "due_at", "first_response_at",
    "first_resolved_at", "resolved_at", "closed_at", "response_days", "resolve_days",
    "on_time", "reopened", "escalated", "forwarded", "extended", "rating", "wait_seconds",
    "first_contact", "last_event_id", "state_at", "done_at", "rated_at", "outcome",
)


# --- working days -----------------------------------------------------------------------

@lru_cache(maxsize=128)
def _working_year(jurisdiction: str, year: int) -> tuple[int, ...]:
    """The ordinals of the working days of ``year`` (sorted), cached per year."""
    from addons.core.calendars import is_working_day

    day, end = date(year, 1, 1), date(year + 1, 1, 1)
    days = []
    while day < end:
        if is_working_day(day, jurisdiction):
            days.append(day.toordinal())
        day += timedelta(days=1)
    return tuple(days)


def working_days(start: date, end: date, jurisdiction: str) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= start)."""
    if end <= start:
        return 0
    total = 0
    for year in range(start.year, end.year + 1):
        days = _working_year(jurisdiction, year)
        low = bisect_right(days, start.toordinal()) if year == start.year else 0
        high = bisect_right(days, end.toordinal()) if year == end.year else len(days)
        total += max(high - low, 0)
    return total


# --- the fold ---------------------------------------------------------------------------

def _mark():
    from .models import FoldMark

    try:
        with transaction.atomic():
            FoldMark.objects.get_or_create(name=MARK)
    except IntegrityError:  # created by a fold running at the same time
        pass


def fold(limit: int | None = None, batch: int = BATCH) -> int:
    """Fold the events written since the last fold; returns how many were read.
    ``limit``: stop after about that many events (whole batches)."""
    _mark()
    read = 0
    while limit is None or read < limit:
        size = batch if limit is None else min(batch, limit - read)
        done = _fold_batch(size)
        read += done
        if done < size:
            break
    return read


def _fold_batch(size: int) -> int:
    from addons.core.models import ServiceEvent

    from .models import FoldMark

    with transaction.atomic():
        mark = FoldMark.objects.select_for_update().get(name=MARK)
        rows = list(ServiceEvent.objects.filter(id__gt=mark.last_event_id).order_by("id")
                    .values(*_EVENT_FIELDS)[:size])
        if not rows:
            return 0
        _apply(rows)
        mark.last_event_id = rows[-1]["id"]
        mark.folded_at = timezone.now()
        mark.save(update_fields=["last_event_id", "folded_at"])
    return len(rows)


def _sites(site_ids):
    """``{site_id: (jurisdiction, tzinfo)}`` from the sites' profiles (one query)."""
    from addons.core.models import SiteProfile

    defaults = (SiteProfile._meta.get_field("jurisdiction").default,
                SiteProfile._meta.get_field("time_zone").default)
    found = dict((row[0], row[1:]) for row in SiteProfile.objects.filter(
        site_id__in=site_ids).values_list("site_id", "jurisdiction", "time_zone"))
    result = {}
    for site_id in site_ids:
        jurisdiction, zone = found.get(site_id, defaults)
        try:
            tz = zoneinfo.ZoneInfo(zone or defaults[1])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz = zoneinfo.ZoneInfo(defaults[1])
        result[site_id] = ((jurisdiction or defaults[0]).lower(), tz)
    return result


def _apply(rows):
    from .models import Case

    keys = {(row["record_type"], row["record_id"]) for row in rows}
    existing = {}
    for case in Case.objects.filter(record_type__in={key[0] for key in keys},
                                    record_id__in={key[1] for key in keys}):
        if (case.record_type, case.record_id) in keys:
            existing[(case.record_type, case.record_id)] = case
    cases = {}
    # a record's events in the order they happened (ids break ties)
    for row in sorted(rows, key=lambda row: (row["at"], row["id"])):
        key = (row["record_type"], row["record_id"])
        case = cases.get(key)
        if case is None:
            case = existing.get(key) or Case(record_type=key[0], record_id=key[1],
                                             site_id=row["site_id"])
            case.folded_upto = case.last_event_id or 0
            cases[key] = case
        if row["id"] <= case.folded_upto:
            continue  # folded already (the mark was set back): a re-fold counts nothing twice
        _event(case, row)
    sites = _sites({case.site_id for case in cases.values()})
    for case in cases.values():
        _derive(case, *sites[case.site_id])
    Case.objects.bulk_create(
        list(cases.values()), batch_size=1000, update_conflicts=True,
        unique_fields=["record_type", "record_id"], update_fields=list(_CASE_FIELDS))


def _earliest(current, moment):
    return moment if current is None or moment < current else current


def _event(case, row):
    kind, at = row["kind"], row["at"]
    case.last_event_id = max(case.last_event_id or 0, row["id"])
    if row["reference"]:
        case.reference = row["reference"]
    if row["addressee_id"] is not None and kind in (
            ev.RECEIVED, ev.BOOKED, ev.ROUTED, ev.FORWARDED, ev.ASSIGNED, ev.ANSWERED_SURVEY):
        case.addressee_id = row["addressee_id"]
        case.addressee_path = row["addressee_path"] or ""
    state = _STATE.get(kind)
    if state is not None and (case.state_at is None or at >= case.state_at):
        case.state, case.state_at = state, at
    if kind in (ev.RECEIVED, ev.BOOKED, ev.ANSWERED_SURVEY):
        case.received_at = _earliest(case.received_at, at)
        for name in ("channel", "category", "district"):
            if row[name]:
                setattr(case, name, row[name])
        case.public = bool(row["public"])
        if row["due"] is not None:
            case.due_at = row["due"]
    if kind == ev.FORWARDED:
        case.forwarded = (case.forwarded or 0) + 1
    elif kind == ev.FIRST_REPLY:
        case.first_response_at = _earliest(case.first_response_at, at)
    elif kind == ev.EXTENDED:
        case.extended = (case.extended or 0) + 1
        if row["due"] is not None:
            case.due_at = row["due"]
    elif kind == ev.ESCALATED:
        case.escalated = (case.escalated or 0) + 1
    elif kind == ev.RESOLVED:
        if case.first_resolved_at is None or at < case.first_resolved_at:
            case.first_resolved_at = at
            # timeliness against the term in force at the first resolution
            case.on_time = None if case.due_at is None else at <= case.due_at
        case.resolved_at = at if case.resolved_at is None or at > case.resolved_at \
            else case.resolved_at
    elif kind == ev.REOPENED:
        case.reopened = (case.reopened or 0) + 1
    elif kind == ev.CLOSED:
        case.closed_at = at if case.closed_at is None or at > case.closed_at else case.closed_at
        case.first_contact = row["status"] == "first_contact"
    elif kind in (ev.RATED, ev.ANSWERED_SURVEY):
        if case.rated_at is None or at >= case.rated_at:
            case.rating, case.rated_at = row["value"], at
    if kind in _OUTCOME:
        case.outcome = _OUTCOME[kind]
        if kind in (ev.SERVED, ev.ANSWERED) and row["value"] is not None:
            case.wait_seconds = row["value"]
        if kind == ev.ANSWERED:
            case.first_response_at = _earliest(case.first_response_at, at)
    if kind in _DONE or kind in (ev.RESOLVED, ev.CLOSED):
        case.done_at = _earliest(case.done_at, at)


def _derive(case, jurisdiction, tz):
    """The working days to the first response and the first resolution."""
    if case.received_at is None:
        return
    received = timezone.localtime(case.received_at, tz).date()
    if case.first_response_at is not None:
        case.response_days = working_days(
            received, timezone.localtime(case.first_response_at, tz).date(), jurisdiction)
    if case.first_resolved_at is not None:
        case.resolve_days = working_days(
            received, timezone.localtime(case.first_resolved_at, tz).date(), jurisdiction)
        if case.on_time is None and case.due_at is not None:
            case.on_time = case.first_resolved_at <= case.due_at
