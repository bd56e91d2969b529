"""The service events of appeals (``AppealsConfig.service_events``), read by management
figures: one row per step of an appeal's life, written by the service that makes the change
(``services``, ``jobs``, and core's assignment for the ``assigned`` event), in the same
transaction, with one INSERT and nothing looked up.

Every event carries the appeal's site, its addressee at the time (the page and its place in
the tree), its category (the type of appeal; "info_request" for a request for public
information), its channel (how it reached the city, ``Appeal.source``), its status after the
step and the legal term then in force (``due``: the end of the due date). Appeals hold
personal data: their events are never public, and carry no subject, text or name.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from addons.core import events

RECORD_TYPE = "appeals.appeal"

#: the kinds appeals write (see the README's "Service events")
KINDS = (
    events.RECEIVED, events.ROUTED, events.ASSIGNED, events.STATUS_CHANGED, events.FORWARDED,
    events.EXTENDED, events.ESCALATED, events.FIRST_REPLY, events.RESOLVED, events.REOPENED,
    events.CLOSED, events.RATED,
)


def category_of(appeal) -> str:
    """The code figures group appeals by: the type of appeal the applicant chose, or
    "info_request" for a request for public information (which has no type)."""
    from .models import Procedure

    if appeal.procedure == Procedure.INFO_REQUEST:
        return Procedure.INFO_REQUEST.value
    return appeal.appeal_type or ""


def write(appeal, kind: str, actor=None, *, addressee=None, at=None, due=None, value=None):
    """Write one event of ``appeal`` (one INSERT). ``addressee``: the page the appeal is with
    after the step when it is not ``appeal.addressee`` (already loaded by the service);
    ``due``: the term in force, ``appeal.due_date`` unless given."""
    return events.record(
        RECORD_TYPE, appeal, kind,
        site=appeal.site_id,
        at=at,
        addressee=addressee if addressee is not None else appeal.addressee,
        reference=appeal.reference,
        category=category_of(appeal),
        channel=appeal.source,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        public=False,
        due=appeal.due_date if due is None else due,
        value=value,
        status=appeal.status,
    )


# --- the declaration's callables ----------------------------------------------------------


def event_url(record_id) -> str:
    """The appeal's screen on the casework desk (which checks who may open it)."""
    try:
        return reverse("casework_appeals:inspect", args=[record_id])
    except NoReverseMatch:
        return ""


def event_labels(site) -> dict:
    """The labels of the codes appeals' events carry, in the active language."""
    from addons.core.intake import Source

    from .models import AppealType, Procedure

    category = {code: str(label) for code, label in AppealType.choices}
    category[Procedure.INFO_REQUEST.value] = str(Procedure.INFO_REQUEST.label)
    return {
        "category": category,
        "district": {},
        "channel": {code: str(label) for code, label in Source.choices},
    }
