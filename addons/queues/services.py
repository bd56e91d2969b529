"""Business rules of the electronic queue: free times, booking, cancelling, moving, marking.

Times are computed in the site's time zone (``SiteProfile.time_zone``); the jurisdiction's
public holidays (``SiteProfile.jurisdiction``) close a queue unless the queue says otherwise
or an "extra hours" exception opens that day.

Capacity is enforced by the database: :func:`book` raises each :class:`~.models.Slot` row's
``taken`` with ``UPDATE ... WHERE taken < capacity`` inside the booking transaction; when the
update touches no row the place is gone and :class:`SlotTaken` carries the nearest free times.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from addons.core import calendars
from addons.core import events as service_event_kinds
from addons.core.public_cache import VersionToken

from . import service_events
from .models import (
    MAX_HORIZON_DAYS,
    DayCounter,
    ExceptionKind,
    Queue,
    Slot,
    Ticket,
    TicketStatus,
)

logger = logging.getLogger(__name__)

#: how many nearest free times a SlotTaken answer offers
ALTERNATIVES = 3
#: how many days after the wanted one are searched for alternatives
ALTERNATIVE_DAYS = 7


# --- errors -------------------------------------------------------------------------------


class BookingError(Exception):
    """A booking rule said no; ``message`` is shown to the citizen."""

    message = _("This time cannot be booked.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class OutsideSchedule(BookingError):
    message = _("This time is not offered: choose one of the free times.")


class InvalidService(BookingError):
    message = _("This service is not offered by this queue.")


class SlotTaken(BookingError):
    """The last place was just taken. ``alternatives``: the nearest free start times."""

    message = _("This time was just taken. Here are the nearest free times.")

    def __init__(self, alternatives=(), message=None):
        self.alternatives = list(alternatives)
        super().__init__(message)


class LimitReached(BookingError):
    message = _("You already have as many active tickets in this queue as allowed.")


class Blocked(BookingError):
    """Booking is blocked after repeated no-shows; ``until`` is when it ends."""

    message = _("Booking is blocked for you after missed visits.")

    def __init__(self, until=None, message=None):
        self.until = until
        super().__init__(message)


class ProfileIncomplete(BookingError):
    """The citizen's profile lacks fields the queue needs; ``missing``: their names."""

    message = _("Fill in your profile first: the queue needs your %(fields)s.")

    def __init__(self, missing=(), message=None):
        self.missing = list(missing)
        if message is None:
            labels = {"full_name": _("full name"), "phone": _("phone"),
                      "postal_address": _("postal address")}
            message = self.message % {"fields": ", ".join(str(labels.get(name, name))
                                                          for name in self.missing)}
        super().__init__(message)


def missing_profile(queue: Queue, citizen) -> list[str]:
    """The profile fields ``queue`` needs that ``citizen`` has not filled in."""
    return [name for name in queue.profile_fields() if not getattr(citizen, name, "")]


class QuestionMissing(BookingError):
    """A deputy's reception needs the citizen's question (what they want to raise)."""

    message = _("Write what you want to raise at the reception.")


#: the longest question a citizen may bring to a reception
QUESTION_MAX = 4000


class NotAllowed(BookingError):
    message = _("You may not change this ticket.")


class InvalidTransition(BookingError):
    message = _("This ticket cannot be marked so.")


# --- the site's clock and calendar --------------------------------------------------------


def _profile(queue: Queue):
    cached = getattr(queue, "_site_profile", None)
    if cached is None:
        from addons.core.models import SiteProfile

        cached = SiteProfile.for_site(queue.site)
        queue._site_profile = cached
    return cached


def zone(name: str) -> ZoneInfo:
    """The time zone called ``name`` (a site profile's ``time_zone``)."""
    try:
        return ZoneInfo(name or "Europe/Kyiv")
    except Exception:  # an unknown zone name in the settings: fall back to the server's
        return ZoneInfo(timezone.get_default_timezone_name())


def queue_timezone(queue: Queue) -> ZoneInfo:
    """The time zone of the queue's site."""
    return zone(_profile(queue).time_zone)


def local_today(queue: Queue) -> date:
    return timezone.now().astimezone(queue_timezone(queue)).date()


def last_bookable_day(queue: Queue) -> date:
    return local_today(queue) + timedelta(days=min(queue.horizon_days, MAX_HORIZON_DAYS))


def earliest_start(queue: Queue) -> datetime:
    return timezone.now() + timedelta(hours=queue.min_notice_hours)


def _subtract(intervals, cuts):
    result = list(intervals)
    for cut_start, cut_end in cuts:
        pieces = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if cut_end < end:
                pieces.append((cut_end, end))
        result = pieces
    return result


def _merge(intervals):
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@dataclass
class _Calendar:
    """Everything needed to lay out a queue's slots over a range of days, loaded with a
    constant number of queries."""

    queue: Queue
    first: date
    last: date

    def __post_init__(self):
        queue = self.queue
        self.tz = queue_timezone(queue)
        self.jurisdiction = _profile(queue).jurisdiction or "ua"
        self.schedules = list(queue.schedules.all())
        self.exceptions = {}
        for exception in queue.exceptions.filter(date__gte=self.first, date__lte=self.last):
            self.exceptions.setdefault(exception.date, []).append(exception)
        range_start = datetime.combine(self.first, time.min, tzinfo=self.tz)
        range_end = datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=self.tz)
        self.taken = dict(
            Slot.objects.filter(queue=queue, start__gte=range_start, start__lt=range_end)
            .values_list("start", "taken")
        )
        self.length = timedelta(minutes=queue.slot_minutes)
        self.earliest = earliest_start(queue)
        self.last_day = last_bookable_day(queue)

    @classmethod
    def preloaded(cls, queue: Queue, first: date, last: date, *, tz, jurisdiction: str,
                  schedules, exceptions) -> _Calendar:
        """A calendar of the hours offered, built from rows already read (``schedules``
        of the queue, ``exceptions`` {date: [exception]}): no query, no places taken."""
        calendar = cls.__new__(cls)
        calendar.queue, calendar.first, calendar.last = queue, first, last
        calendar.tz, calendar.jurisdiction = tz, jurisdiction or "ua"
        calendar.schedules, calendar.exceptions = list(schedules), exceptions
        calendar.taken = {}
        calendar.length = timedelta(minutes=queue.slot_minutes)
        return calendar

    def is_holiday(self, day: date) -> bool:
        if not self.queue.holidays_closed:
            return False
        try:
            return calendars.is_public_holiday(day, self.jurisdiction)
        except calendars.UnknownJurisdiction:
            return False

    def open_hours(self, day: date) -> list[tuple[time, time]]:
        """The day's opening hours as (from, until) local times, breaks and exceptions
        applied."""
        exceptions = self.exceptions.get(day, [])
        closed_all_day = any(
            e.kind != ExceptionKind.EXTRA and not (e.start and e.end) for e in exceptions
        )
        # one-off extra hours open even a closed day; a reception rule's dates do not (a
        # vacation or a cancelled reception wins over the rule)
        extra = [(e.start, e.end) for e in exceptions
                 if e.kind == ExceptionKind.EXTRA and e.start and e.end and e.start < e.end
                 and not (e.generated and closed_all_day)]
        intervals = []
        if not closed_all_day and not self.is_holiday(day):
            for schedule in self.schedules:
                if schedule.weekday != day.weekday():
                    continue
                if schedule.valid_from and day < schedule.valid_from:
                    continue
                if schedule.valid_until and day > schedule.valid_until:
                    continue
                hours = [(schedule.start, schedule.end)]
                if (schedule.break_start and schedule.break_end
                        and schedule.break_start < schedule.break_end):
                    hours = _subtract(hours, [(schedule.break_start, schedule.break_end)])
                intervals.extend(hours)
            cuts = [(e.start, e.end) for e in exceptions
                    if e.kind != ExceptionKind.EXTRA and e.start and e.end]
            intervals = _subtract(intervals, cuts)
        return _merge(intervals + extra)

    def slots(self, service, day: date, *, bookable_only: bool = True):
        """(start, end, free) of every start time ``service`` can take on ``day``."""
        if bookable_only and day > self.last_day:
            return []
        needed = max(1, service.duration_slots)
        capacity = self.queue.capacity
        result = []
        for opens, closes in self.open_hours(day):
            cursor = datetime.combine(day, opens, tzinfo=self.tz)
            closing = datetime.combine(day, closes, tzinfo=self.tz)
            while cursor + needed * self.length <= closing:
                if not bookable_only or cursor >= self.earliest:
                    free = min(
                        capacity - self.taken.get(cursor + i * self.length, 0)
                        for i in range(needed)
                    )
                    result.append((cursor, cursor + needed * self.length, max(free, 0)))
                cursor += self.length
        return result


def free_slots(queue: Queue, service, day: date) -> list[tuple[datetime, datetime, int]]:
    """The start times ``service`` can be booked at on ``day`` (the site's local date):
    a list of (start, end, free places), full times included with 0. Past the minimum notice
    and within the horizon only."""
    if not local_today(queue) - timedelta(days=1) <= day <= last_bookable_day(queue):
        return []  # nothing to offer, and no time-zone arithmetic on far-off dates
    return _Calendar(queue, day, day).slots(service, day)


#: the booking calendar's month overview, kept for every citizen: forgotten when a slot is
#: taken or released (``_take``, ``_release``) and when a queue, its services, hours or
#: exceptions change (signals.py); at the latest after a minute (the minimum notice moves)
CALENDAR_VERSION = VersionToken("queues:calendar:version")


def free_days(queue: Queue, service, start: date, end: date) -> list[tuple[date, int]]:
    """The days in [start, end] with at least one free time for ``service``: a list of
    (day, number of free start times). A constant number of queries for any range; the
    same answer for everyone, so it is kept in the cache for up to a minute."""
    start = max(start, local_today(queue))
    end = min(end, last_bookable_day(queue))
    if end < start:
        return []
    now = timezone.now().timestamp()
    key = (f"queues:free-days:{CALENDAR_VERSION.get()}:{queue.pk}:"
           f"{getattr(service, 'pk', service)}:{start}:{end}:{int(now // 60)}")
    days = cache.get(key)
    if days is None:
        days = _free_days(queue, service, start, end)
        cache.set(key, days, max(1, int(60 - now % 60)))
    return days


def _free_days(queue: Queue, service, start: date, end: date) -> list[tuple[date, int]]:
    calendar = _Calendar(queue, start, end)
    days = []
    day = start
    while day <= end:
        count = sum(1 for _s, _e, free in calendar.slots(service, day) if free > 0)
        if count:
            days.append((day, count))
        day += timedelta(days=1)
    return days


def nearest_free(queue: Queue, service, wanted: datetime, *, exclude=(), limit=ALTERNATIVES):
    """The ``limit`` free start times nearest to ``wanted``, in time order."""
    tz = queue_timezone(queue)
    day = wanted.astimezone(tz).date()
    first = max(day - timedelta(days=1), local_today(queue))
    last = min(day + timedelta(days=ALTERNATIVE_DAYS), last_bookable_day(queue))
    if last < first:
        return []
    calendar = _Calendar(queue, first, last)
    candidates = []
    cursor = first
    while cursor <= last:
        candidates.extend(
            start for start, _end, free in calendar.slots(service, cursor)
            if free > 0 and start not in exclude
        )
        cursor += timedelta(days=1)
    candidates.sort(key=lambda start: abs(start - wanted))
    return sorted(candidates[:limit])


# --- booking ------------------------------------------------------------------------------


def _aware(queue: Queue, moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        return moment.replace(tzinfo=queue_timezone(queue))
    return moment


def _check_calendar(queue: Queue, start: datetime) -> None:
    """Refuse a start far outside the bookable days before any time-zone arithmetic (a
    year-1 or year-9999 time would overflow when converted)."""
    day = start.date()  # the day as given: off by at most a day from the local one
    if day < local_today(queue) - timedelta(days=2):
        raise OutsideSchedule(_("This time is in the past."))
    if day > last_bookable_day(queue) + timedelta(days=2):
        raise OutsideSchedule(_("This day is beyond the booking horizon."))


def _check_service(queue: Queue, service):
    if service is None or getattr(service, "queue_id", None) != queue.pk:
        raise InvalidService()


def _check_time(queue: Queue, service, start: datetime, *, ignore_ticket=None):
    """Raise unless ``start`` is one of the times the schedule offers for ``service``;
    return its (start, end, free) with ``ignore_ticket``'s own places counted free."""
    if start < timezone.now():
        raise OutsideSchedule(_("This time is in the past."))
    if start < earliest_start(queue):
        raise OutsideSchedule(_("This time is too soon: book at least %(hours)s hours ahead.")
                              % {"hours": queue.min_notice_hours})
    day = start.astimezone(queue_timezone(queue)).date()
    if day > last_bookable_day(queue):
        raise OutsideSchedule(_("This day is beyond the booking horizon."))
    calendar = _Calendar(queue, day, day)
    if ignore_ticket is not None:
        length = calendar.length
        for i in range(ignore_ticket.slots):
            moment = ignore_ticket.start + i * length
            if moment in calendar.taken:
                calendar.taken[moment] -= 1
    for slot in calendar.slots(service, day):
        if slot[0] == start:
            return slot
    if not calendar.open_hours(day):
        if calendar.is_holiday(day):
            raise OutsideSchedule(_("The queue is closed on this public holiday."))
        raise OutsideSchedule(_("The queue is closed on this day."))
    raise OutsideSchedule()


def blocked_until(queue: Queue, citizen) -> datetime | None:
    """When the citizen's no-show block on ``queue`` ends, or None when not blocked."""
    if not queue.no_show_limit or not queue.no_show_block_days:
        return None
    since = timezone.now() - timedelta(days=queue.no_show_block_days)
    starts = list(
        Ticket.objects.filter(
            queue=queue, citizen=citizen, status=TicketStatus.NO_SHOW, start__gte=since
        ).order_by("-start").values_list("start", flat=True)[: queue.no_show_limit]
    )
    if len(starts) < queue.no_show_limit:
        return None
    return starts[-1] + timedelta(days=queue.no_show_block_days)


def _active_count(queue: Queue, citizen, exclude_pk=None) -> int:
    qs = Ticket.objects.filter(queue=queue, citizen=citizen).active()
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.count()


def _starts(start: datetime, count: int, minutes: int) -> list[datetime]:
    return [start + timedelta(minutes=minutes * i) for i in range(count)]


class _Full(Exception):
    pass


def _take(queue: Queue, starts: list[datetime]) -> None:
    """Raise every slot's counter by one, or raise _Full: the conditional UPDATE is the
    capacity check (rows in time order, so two bookers never wait for each other crosswise)."""
    Slot.objects.bulk_create([Slot(queue=queue, start=s) for s in starts], ignore_conflicts=True)
    for moment in sorted(starts):
        updated = Slot.objects.filter(
            queue=queue, start=moment, taken__lt=queue.capacity
        ).update(taken=F("taken") + 1)
        if updated != 1:
            raise _Full()
    CALENDAR_VERSION.bump()


def _release(queue: Queue, starts: list[datetime]) -> None:
    Slot.objects.filter(queue=queue, start__in=starts, taken__gt=0).update(
        taken=F("taken") - 1
    )
    CALENDAR_VERSION.bump()


def _next_seq(queue: Queue, day: date) -> int:
    DayCounter.objects.bulk_create([DayCounter(queue=queue, day=day, last=0)],
                                   ignore_conflicts=True)
    counter = DayCounter.objects.select_for_update().get(queue=queue, day=day)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def format_number(queue: Queue, seq: int) -> str:
    return f"{queue.letter}-{seq:03d}"


def _lock_citizen(citizen) -> None:
    list(get_user_model().objects.select_for_update().filter(pk=citizen.pk).values_list("pk"))


def book(queue: Queue, service, citizen, start: datetime, answers: dict | None = None, *,
         token: str | None = None, question: str = "", source: str = "web",
         entered_by=None, contact: dict | None = None) -> Ticket:
    """Book ``start`` for ``citizen`` and return the ticket.

    Raises :class:`InvalidService`, :class:`OutsideSchedule`, :class:`Blocked`,
    :class:`LimitReached`, :class:`SlotTaken` or, for a deputy's reception booked without
    the citizen's ``question``, :class:`QuestionMissing`. With ``token`` (a form's one-time
    value) a repeated submission returns the ticket the first one made.

    An operator booking on a caller's behalf passes ``source`` and ``entered_by``; for a
    caller without an account ``citizen`` is None and ``contact`` holds their ``name``,
    ``phone`` and ``email`` (the profile the queue needs is checked on them).
    """
    contact = {key: (value or "").strip() for key, value in (contact or {}).items()}
    if token:
        existing = Ticket.objects.filter(citizen=citizen, token=token).first()
        if existing is not None:
            return existing
    _check_service(queue, service)
    if not queue.active:
        raise OutsideSchedule(_("This queue is closed for booking."))
    missing = (missing_profile(queue, citizen) if citizen is not None
               else _missing_contact(queue, contact))
    if missing:
        raise ProfileIncomplete(missing)
    question = (question or "").strip()[:QUESTION_MAX]
    if queue.is_reception and not question:
        raise QuestionMissing()
    _check_calendar(queue, start)
    start = _aware(queue, start)
    _slot_start, end, free = _check_time(queue, service, start)
    until = blocked_until(queue, citizen) if citizen is not None else None
    if until is not None:
        raise Blocked(until)
    if free <= 0:
        raise SlotTaken(nearest_free(queue, service, start, exclude={start}))
    if citizen is not None and _active_count(queue, citizen) >= queue.max_active_tickets:
        raise LimitReached()
    day = start.astimezone(queue_timezone(queue)).date()
    try:
        with transaction.atomic():
            if citizen is not None:
                _lock_citizen(citizen)
                if _active_count(queue, citizen) >= queue.max_active_tickets:
                    raise LimitReached()
            _take(queue, _starts(start, service.duration_slots, queue.slot_minutes))
            seq = _next_seq(queue, day)
            ticket = Ticket.objects.create(
                queue=queue, service=service, service_name=service.name, citizen=citizen,
                start=start, end=end, day=day, slots=service.duration_slots, seq=seq,
                number=format_number(queue, seq), token=token or "",
                answers=dict(answers or {}), question=question,
                source=source or "web", entered_by=entered_by,
                contact_name=contact.get("name", "")[:200],
                contact_phone=contact.get("phone", "")[:32],
                contact_email=contact.get("email", "")[:254],
            )
            service_events.booked(ticket, actor=entered_by or citizen)
    except _Full:
        raise SlotTaken(nearest_free(queue, service, start, exclude={start})) from None
    except IntegrityError:
        if token:
            existing = Ticket.objects.filter(citizen=citizen, token=token).first()
            if existing is not None:
                return existing
        raise
    _after_booking(ticket)
    return ticket


def _missing_contact(queue: Queue, contact: dict) -> list[str]:
    """The profile fields ``queue`` needs that a caller without an account did not give
    (their name and, where the queue asks for it, their phone)."""
    given = {"full_name": contact.get("name"), "phone": contact.get("phone")}
    return [name for name in queue.profile_fields() if name in given and not given[name]]


#: ``book`` under a name a parameter called ``book`` does not hide
_book = book


def _after_booking(ticket: Ticket) -> None:
    """The ticket email (with its PDF) is built and sent by a django-q2 worker after
    commit, not in the citizen's request."""
    from django_q.tasks import async_task

    pk = ticket.pk

    def enqueue():
        try:
            async_task("addons.queues.emails.send_ticket_email", pk)
        except Exception:  # a broker outage must not turn a booking into an error page
            logger.exception("ticket email %s not queued; the ticket page can send it", pk)

    transaction.on_commit(enqueue)


# --- who may do what ----------------------------------------------------------------------


def can_manage_ticket(user, ticket: Ticket) -> bool:
    """Staff of the queue: superusers, holders of queues.change_ticket, moderators and
    specialists of the queue's addressee."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or user.has_perm("queues.change_ticket"):
        return True
    addressee_id = ticket.queue.addressee_id
    if addressee_id is None:
        return False
    return addressee_id in staff_addressee_ids(user)


def staff_addressee_ids(user) -> set[int]:
    """Addressees whose queues ``user`` serves: the ones they moderate and the ones where
    they are a specialist (``Specialist.user``), e.g. the one who scans a ticket's QR."""
    from addons.addressees.models import Specialist
    from addons.core.permissions import moderated_addressee_ids

    ids = set(moderated_addressee_ids(user))
    ids.update(Specialist.objects.filter(user=user).values_list("page_id", flat=True))
    return ids


def can_view_ticket(user, ticket: Ticket) -> bool:
    """Whether ``user`` sees the ticket in full (personal data included)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if ticket.citizen_id is not None and ticket.citizen_id == user.pk:
        return True
    return can_manage_ticket(user, ticket)


# --- changes to a ticket ------------------------------------------------------------------


def _lock_ticket(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("queue").get(pk=ticket.pk)


def cancel(ticket: Ticket, user, reason: str = "") -> Ticket:
    """Cancel a booked ticket (its owner or staff); its places are free at once. A citizen
    whose ticket the staff cancel is told, with ``reason`` when given."""
    if not can_view_ticket(user, ticket):
        raise NotAllowed()
    with transaction.atomic():
        locked = service_events.lock(ticket)
        if locked.status != TicketStatus.BOOKED or locked.end <= timezone.now():
            raise InvalidTransition(_("Only a booked future ticket can be cancelled."))
        _release(locked.queue, _starts(locked.start, locked.slots, locked.queue.slot_minutes))
        locked.status = TicketStatus.CANCELLED
        locked.lock_version += 1
        locked.save(update_fields=["status", "lock_version", "updated"])
        service_events.record(locked, service_event_kinds.CANCELLED, actor=user,
                              status=locked.status)
        _log(locked, "queues.cancel", user, by_citizen=user.pk == locked.citizen_id)
        if locked.citizen_id and user.pk != locked.citizen_id:
            from addons.core.notifications import notify

            notify(locked.citizen, "queues.cancelled", {"number": locked.number,
                                                        "queue": locked.queue.title,
                                                        "reason": reason},
                   site=locked.queue.site, url=locked.get_absolute_url())
    ticket.refresh_from_db()
    return ticket


def move(ticket: Ticket, user, new_start: datetime) -> Ticket:
    """Move a booked ticket to ``new_start``; the old places are freed in the same
    transaction. Raises like :func:`book`."""
    if not can_view_ticket(user, ticket):
        raise NotAllowed()
    queue = ticket.queue
    if ticket.status != TicketStatus.BOOKED or ticket.end <= timezone.now():
        raise InvalidTransition(_("Only a booked future ticket can be moved."))
    service = ticket.service
    if service is None:
        raise InvalidService()
    _check_calendar(queue, new_start)
    new_start = _aware(queue, new_start)
    _s, new_end, free = _check_time(queue, service, new_start, ignore_ticket=ticket)
    if free <= 0:
        raise SlotTaken(nearest_free(queue, service, new_start, exclude={new_start}))
    new_day = new_start.astimezone(queue_timezone(queue)).date()
    try:
        with transaction.atomic():
            locked = service_events.lock(ticket)
            if locked.status != TicketStatus.BOOKED:
                raise InvalidTransition(_("Only a booked future ticket can be moved."))
            _release(queue, _starts(locked.start, locked.slots, queue.slot_minutes))
            _take(queue, _starts(new_start, service.duration_slots, queue.slot_minutes))
            if new_day != locked.day:
                locked.seq = _next_seq(queue, new_day)
                locked.number = format_number(queue, locked.seq)
            locked.start, locked.end, locked.day = new_start, new_end, new_day
            locked.slots = service.duration_slots
            locked.reminded_at = None
            locked.save()
            service_events.record(locked, service_event_kinds.EXTENDED, actor=user,
                                  due=new_start, status="moved")
    except _Full:
        raise SlotTaken(nearest_free(queue, service, new_start, exclude={new_start})) from None
    ticket.refresh_from_db()
    _after_booking(ticket)
    return ticket


#: allowed desk marks, from each status
TRANSITIONS = {
    TicketStatus.BOOKED: {TicketStatus.ARRIVED, TicketStatus.SERVED, TicketStatus.NO_SHOW},
    TicketStatus.ARRIVED: {TicketStatus.SERVED, TicketStatus.NO_SHOW},
    TicketStatus.NO_SHOW: {TicketStatus.ARRIVED, TicketStatus.SERVED},
}

#: the audit log actions of the queue (``register_log_actions`` hook)
LOG_ACTIONS = {
    "queues.arrived": _("Mark ticket arrived"),
    "queues.served": _("Mark ticket served"),
    "queues.no_show": _("Mark ticket as missed"),
    "queues.cancel": _("Cancel ticket"),
    "queues.comment": _("Comment on ticket"),
    "queues.file": _("Attach file to ticket"),
    "queues.next_visit": _("Plan next visit"),
    "queues.cancel_day": _("Cancel a day's visits"),
}
MARK_LOG_ACTIONS = {TicketStatus.ARRIVED: "queues.arrived", TicketStatus.SERVED: "queues.served",
                    TicketStatus.NO_SHOW: "queues.no_show"}


def _log(ticket: Ticket, action: str, user, **data) -> None:
    """One entry of Wagtail's audit log (Reports → Site history, the ticket's history).
    Ticket number and status only: no personal data of the citizen."""
    from wagtail.log_actions import log

    actor = user if getattr(user, "is_authenticated", False) else None
    log(ticket, action, user=actor, title=ticket.number,
        data={"ticket": ticket.pk, "number": ticket.number, "queue": ticket.queue_id,
              "day": ticket.day.isoformat(), "status": ticket.status, **data})


def check_mark(ticket: Ticket, status: str, now=None) -> None:
    """The rules of a desk mark, raising :class:`InvalidTransition` with the reason: a
    cancelled ticket is not marked; served and missed visits are marked on the visit's day
    or later; a citizen is marked as not come only once their time has begun."""
    now = now or timezone.now()
    if ticket.status == TicketStatus.CANCELLED:
        raise InvalidTransition(_("This ticket was cancelled: it cannot be marked."))
    if status not in TRANSITIONS.get(ticket.status, set()):
        raise InvalidTransition()
    if status in (TicketStatus.SERVED, TicketStatus.NO_SHOW):
        if now.astimezone(queue_timezone(ticket.queue)).date() < ticket.day:
            raise InvalidTransition(_(
                "The visit is on %(day)s: it can be marked served or missed from that day on."
            ) % {"day": formats.date_format(ticket.day, "DATE_FORMAT")})
    if status == TicketStatus.NO_SHOW and now < ticket.start:
        raise InvalidTransition(_(
            "The visit starts at %(time)s: the citizen can be marked as not come only after "
            "that time."
        ) % {"time": ticket.start.astimezone(queue_timezone(ticket.queue)).strftime("%H:%M")})


def mark(ticket: Ticket, actor, status: str, comment: str = "") -> Ticket:
    """The desk marks a ticket arrived, served or no-show (the queue's staff only); see
    :func:`check_mark`. Written to the audit log."""
    if not can_manage_ticket(actor, ticket):
        raise NotAllowed()
    with transaction.atomic():
        locked = service_events.lock(ticket)
        check_mark(locked, status)
        locked.status = status
        if comment:
            locked.comment = f"{locked.comment}\n{comment}".strip()
        locked.lock_version += 1
        locked.save(update_fields=["status", "comment", "lock_version", "updated"])
        service_events.marked(locked, status, actor=actor)
        _log(locked, MARK_LOG_ACTIONS[status], actor, comment=bool(comment))
    ticket.refresh_from_db()
    return ticket


# --- the desk: each action staff take on a ticket -------------------------------------------
#
# ``fn(ticket, user, **cleaned_data)`` (the ``casework`` actions of apps.py): each refuses with
# a translated ``ValidationError``, writes the audit log and returns a message for the user.

#: files the desk keeps with a ticket
MAX_FILE_SIZE = 10 * 1024 * 1024
FILE_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "odt", "txt")
COMMENT_MAX = 2000


def _refuse(error: BookingError):
    return ValidationError(str(error.message))


def _allowed(ticket: Ticket, user) -> None:
    if not can_manage_ticket(user, ticket):
        raise ValidationError(NotAllowed.message)


def _desk_mark(ticket: Ticket, user, status: str, comment: str = ""):
    try:
        mark(ticket, user, status, comment=(comment or "").strip()[:COMMENT_MAX])
    except BookingError as error:
        raise _refuse(error) from error
    return _("Ticket %(number)s: %(status)s.") % {"number": ticket.number,
                                                  "status": ticket.get_status_display()}


def mark_arrived(ticket: Ticket, user, comment: str = ""):
    """The citizen has come."""
    return _desk_mark(ticket, user, TicketStatus.ARRIVED, comment)


def mark_served(ticket: Ticket, user, comment: str = ""):
    """The visit took place (on its day or later)."""
    return _desk_mark(ticket, user, TicketStatus.SERVED, comment)


def mark_no_show(ticket: Ticket, user, comment: str = ""):
    """The citizen did not come (once their time has begun)."""
    return _desk_mark(ticket, user, TicketStatus.NO_SHOW, comment)


def can_mark(ticket: Ticket, user=None) -> bool:
    """Whether the ticket can still be marked (the desk offers the marks)."""
    return ticket.status in TRANSITIONS


def _touch(ticket: Ticket, **fields) -> Ticket:
    """Save ``fields`` on the locked ticket and raise its version."""
    locked = _lock_ticket(ticket)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.lock_version += 1
    locked.save(update_fields=[*fields, "lock_version", "updated"])
    return locked


def add_comment(ticket: Ticket, user, text: str):
    """Append a dated line, signed by ``user``, to the ticket's desk comments."""
    _allowed(ticket, user)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write a comment."))
    if len(text) > COMMENT_MAX:
        raise ValidationError(_("The comment is longer than %(max)s characters.")
                              % {"max": COMMENT_MAX})
    stamp = timezone.localtime(timezone.now(), queue_timezone(ticket.queue))
    author = getattr(user, "full_name", "") or user.get_username()
    line = f"[{stamp:%Y-%m-%d %H:%M} {author}] {text}"
    with transaction.atomic():
        locked = _lock_ticket(ticket)
        locked = _touch(locked, comment=f"{locked.comment}\n{line}".strip())
        _log(locked, "queues.comment", user)
    ticket.refresh_from_db()
    return _("The comment is added.")


def check_upload(upload) -> None:
    """A file the desk accepts: PDF, an image or an office document, at most 10 MB."""
    name = getattr(upload, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in FILE_EXTENSIONS:
        raise ValidationError(_("This kind of file is not accepted."))
    if upload.size > MAX_FILE_SIZE:
        raise ValidationError(_("The file is larger than 10 MB."))


def attach_file(ticket: Ticket, user, file):
    """Keep ``file`` with the ticket, in private storage."""
    from .models import TicketFile

    _allowed(ticket, user)
    if not file:
        raise ValidationError(_("Choose a file."))
    check_upload(file)
    with transaction.atomic():
        locked = _touch(ticket)
        item = TicketFile.objects.create(ticket=locked, file=file,
                                         original_name=file.name[:255], uploaded_by=user)
        _log(locked, "queues.file", user, file=item.pk)
    ticket.refresh_from_db()
    return _("The file is added.")


def plan_next_visit(ticket: Ticket, user, when: datetime, book: bool = False):
    """Record when the citizen comes back; with ``book`` also book that time for them (the
    same queue and service: every booking rule applies, a taken time offers the nearest
    free ones)."""
    _allowed(ticket, user)
    if when is None:
        raise ValidationError(_("Enter the date and time of the next visit."))
    when = _aware(ticket.queue, when)
    if when <= timezone.now():
        raise ValidationError(_("The next visit must be in the future."))
    new_ticket = None
    with transaction.atomic():
        if book:
            if ticket.citizen_id is None or ticket.service_id is None:
                raise ValidationError(_("This ticket has no citizen or service to book for."))
            try:
                new_ticket = _book(ticket.queue, ticket.service, ticket.citizen, when, {},
                                   question=ticket.question)
            except BookingError as error:
                message = str(error.message)
                alternatives = getattr(error, "alternatives", None)
                if alternatives:
                    tz = queue_timezone(ticket.queue)
                    message = "{} {}".format(message, ", ".join(
                        moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                        for moment in alternatives))
                raise ValidationError(message) from error
        locked = _touch(ticket, next_visit=when)
        _log(locked, "queues.next_visit", user, booked=new_ticket.number if new_ticket else "")
    ticket.refresh_from_db()
    if new_ticket is not None:
        return _("The next visit is booked: ticket %(number)s.") % {"number": new_ticket.number}
    return _("The next visit is planned.")


def can_cancel_days(user, queue: Queue) -> bool:
    """Administrators and the addressee's moderators call a day off (they may cancel others'
    tickets); specialists mark visits but do not."""
    from addons.core.permissions import moderated_addressee_ids

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or user.has_perm("queues.change_ticket"):
        return True
    return queue.addressee_id is not None and queue.addressee_id in moderated_addressee_ids(user)


def cancel_day_available(ticket: Ticket, user) -> bool:
    """The desk offers to call off the ticket's day to those who may, until the day is past."""
    return can_cancel_days(user, ticket.queue) and ticket.day >= local_today(ticket.queue)


def cancel_day(ticket: Ticket, user, reason: str = ""):
    """Call off the day of ``ticket`` at its queue: the day's hours go and every booked
    ticket of that day is cancelled, its holder told ``reason``
    (``receptions.cancel_reception``)."""
    from .receptions import cancel_reception

    if not can_cancel_days(user, ticket.queue):
        raise ValidationError(_("Only the queue's moderators can cancel a day."))
    if ticket.day < local_today(ticket.queue):
        raise ValidationError(_("This day is in the past."))
    with transaction.atomic():
        count = cancel_reception(ticket.queue, ticket.day, user, (reason or "").strip()[:200])
        locked = _touch(ticket)
        _log(locked, "queues.cancel_day", user, cancelled=count)
    ticket.refresh_from_db()
    return ngettext("The day is cancelled; %(count)s ticket was cancelled.",
                    "The day is cancelled; %(count)s tickets were cancelled.",
                    count) % {"count": count}


# --- personal data ------------------------------------------------------------------------


def personal_data(user) -> dict:
    return {
        "tickets": [
            {"number": t.number, "queue": t.queue.title, "service": t.service_name,
             "start": t.start.isoformat(), "status": t.status, "answers": t.answers,
             "question": t.question}
            for t in Ticket.objects.filter(citizen=user).select_related("queue")
        ]
    }


def anonymise_citizen(user) -> None:
    for ticket in Ticket.objects.filter(citizen=user, status=TicketStatus.BOOKED,
                                        end__gt=timezone.now()):
        cancel(ticket, user)
    Ticket.objects.filter(citizen=user).update(citizen=None, answers={}, question="",
                                                     comment="")
