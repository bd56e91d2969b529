"""Service events: one row per step of a record's life, the ground management figures are
computed from (the insights add-on reads them; add-ons declare theirs with
``AddonConfig.service_events``).

``record(...)`` is called by an add-on's service function inside the transaction of the
change it records and costs exactly one INSERT: everything it stores is passed in, nothing is
looked up. Data migrations that build the events of existing records use ``row(...)`` with
the historical model (``apps.get_model("core", "ServiceEvent")(**row(...))``) and
``bulk_create``.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

#: the kinds of event, in the order of a record's life
RECEIVED = "received"  # filed, with its channel; carries the first term in ``due``
ROUTED = "routed"  # sent to an addressee (the first routing, or re-routing)
ASSIGNED = "assigned"  # a member of staff took it or was given it
FIRST_REPLY = "first_reply"  # the first public reply to the citizen
STATUS_CHANGED = "status_changed"  # ``status`` holds the new status code
FORWARDED = "forwarded"  # handed to another addressee or body
EXTENDED = "extended"  # the term was prolonged; ``due`` holds the new term
ESCALATED = "escalated"  # overdue and raised to a supervisor
RESOLVED = "resolved"  # the city says it is done
REOPENED = "reopened"  # the citizen or staff reopened it after resolved/closed
CLOSED = "closed"  # no more work (also after a rejection, a duplicate)
RATED = "rated"  # the citizen's rating, ``value`` 1..5
# queues
BOOKED = "booked"  # ``due`` holds the appointment's time
CANCELLED = "cancelled"
ARRIVED = "arrived"
SERVED = "served"  # ``value`` holds the seconds waited after arrival (or the slot)
NO_SHOW = "no_show"
# calls and chats
ANSWERED = "answered"  # ``value`` holds the seconds to answer
ABANDONED = "abandoned"  # the caller hung up before an answer
# surveys
ANSWERED_SURVEY = "survey_answer"  # ``value`` holds the score (1..5) where the survey has one

KINDS = (
    RECEIVED, ROUTED, ASSIGNED, FIRST_REPLY, STATUS_CHANGED, FORWARDED, EXTENDED, ESCALATED,
    RESOLVED, REOPENED, CLOSED, RATED, BOOKED, CANCELLED, ARRIVED, SERVED, NO_SHOW, ANSWERED,
    ABANDONED, ANSWERED_SURVEY,
)


def _moment(value):
    """A term given as a date means the end of that day (in the active time zone)."""
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        end = datetime.combine(value, time(23, 59, 59))
        return timezone.make_aware(end, timezone.get_current_timezone())
    return value


def _id(value):
    if value is None or isinstance(value, int):
        return value
    return getattr(value, "pk", value)


def row(record_type: str, record_id: int, kind: str, *, site, at=None, addressee=None,
        addressee_path: str = "", reference: str = "", category: str = "", district: str = "",
        channel: str = "", actor=None, public: bool = False, due=None, value=None,
        status: str = "") -> dict:
    """The fields of one event, for ``ServiceEvent(**row(...))``. ``site``, ``addressee``
    and ``actor`` are objects or ids; an addressee object gives its tree path unless
    ``addressee_path`` is passed."""
    if kind not in KINDS:
        raise ValueError(f"unknown service event kind: {kind!r}")
    if addressee is not None and not addressee_path:
        addressee_path = getattr(addressee, "path", "") or ""
    return {
        "site_id": _id(site),
        "record_type": record_type,
        "record_id": int(record_id),
        "kind": kind,
        "at": at or timezone.now(),
        "addressee_id": _id(addressee),
        "addressee_path": addressee_path,
        "reference": (reference or "")[:40],
        "category": (category or "")[:100],
        "district": (district or "")[:100],
        "channel": (channel or "")[:30],
        "actor_id": _id(actor) if getattr(actor, "is_authenticated", True) else None,
        "public": public,
        "due": _moment(due),
        "value": value,
        "status": (status or "")[:40],
    }


def record(record_type: str, record, kind: str, **fields):
    """Write one event of ``record`` (a model instance or its id) in the current
    transaction: exactly one INSERT. See ``row`` for the fields."""
    from .models import ServiceEvent

    record_id = _id(record)
    if "reference" not in fields:
        fields["reference"] = getattr(record, "reference", "") or ""
    return ServiceEvent.objects.create(**row(record_type, record_id, kind, **fields))


# -- for the data migrations that build the events of existing records -------------------


def chunks(iterable, size: int):
    """``iterable`` in lists of at most ``size`` items (records read a batch at a time)."""
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def removal(record_type: str):
    """The reverse of such a migration: ``fn(apps, schema_editor)`` deleting the events of
    ``record_type``, and no other."""

    def remove(apps, schema_editor):
        apps.get_model("core", "ServiceEvent").objects.filter(record_type=record_type).delete()

    return remove
