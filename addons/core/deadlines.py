"""Legal terms and service deadlines, per jurisdiction.

``due(start, rule, jurisdiction)`` answers "by when": appeals count the legal terms of
Ukraine, Romania and Bulgaria; other add-ons register their own rules (a problem report's
SLA in hours or working days) with :func:`register_rule`.

How a term is counted (the rule the three countries' administrative codes share):

* the term starts on the day after ``start`` (the day of receipt is not counted);
* a term of N days ends on day ``start + N``;
* a term of M months ends on the same date M months later, or on that month's last day
  where the date does not exist (31 January + 1 month = 28 or 29 February);
* a term of N working days ends on the N-th working day after ``start``;
* an end that falls on a weekend or a public holiday of that country moves to the next
  working day (:mod:`addons.core.calendars`; Ukraine under martial law has no public holidays).

Terms in hours (``due_at``) are plain clock time and do not move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .calendars import JURISDICTIONS, UnknownJurisdiction, _check, is_working_day, next_working_day

DAYS = "days"
MONTHS = "months"
WORKING_DAYS = "working_days"
HOURS = "hours"
UNITS = (DAYS, MONTHS, WORKING_DAYS, HOURS)


class UnknownRule(KeyError):
    """A rule that the jurisdiction's profile does not have."""

    def __str__(self):
        return str(self.args[0]) if self.args else "unknown rule"


@dataclass(frozen=True)
class Term:
    """A length of time: ``amount`` of ``unit`` (days, months, working_days, hours)."""

    amount: int
    unit: str
    label: object = ""  # what the term is for, a lazy translatable string
    #: move an end that falls on a day off to the next working day
    shift: bool = True

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"Unknown unit {self.unit!r}; expected one of {', '.join(UNITS)}.")
        if self.amount < 0:
            raise ValueError("A term cannot be negative.")

    def describe(self) -> str:
        """The length in words, in the active language ("1 month", "15 days")."""
        n = self.amount
        if self.unit == MONTHS:
            return ngettext("%(n)d month", "%(n)d months", n) % {"n": n}
        if self.unit == WORKING_DAYS:
            return ngettext("%(n)d working day", "%(n)d working days", n) % {"n": n}
        if self.unit == HOURS:
            return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
        return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


# The legal terms. Keys are a contract: appeals and other add-ons ask for them by name.
PROFILES: dict[str, dict[str, Term]] = {
    # Law of Ukraine "On citizens' appeals".
    "ua": {
        "appeal": Term(1, MONTHS, _("answer to an appeal")),
        "appeal-urgent": Term(15, DAYS, _("answer to an appeal that needs no further study")),
        "appeal-extended": Term(45, DAYS, _("answer to an appeal, term extended")),
        "forward": Term(5, DAYS, _("forwarding an appeal to the competent body")),
        "return-incomplete": Term(10, DAYS, _("returning an incomplete appeal")),
    },
    # Government Ordinance 27/2002 on petitions; Law 544/2001 on public information.
    "ro": {
        "petition": Term(30, DAYS, _("answer to a petition")),
        "petition-extended": Term(45, DAYS, _("answer to a petition, term extended")),
        "forward": Term(5, DAYS, _("forwarding a petition to the competent body")),
        "info-request": Term(10, DAYS, _("answer to a request for public information")),
        "info-request-extended": Term(
            30, DAYS, _("answer to a request for public information, term extended")
        ),
    },
    # Administrative Procedure Code, chapter on proposals and signals.
    "bg": {
        "signal": Term(2, MONTHS, _("decision on a signal")),
        "proposal": Term(2, MONTHS, _("decision on a proposal")),
        "notify-decision": Term(7, DAYS, _("notifying the applicant of the decision")),
    },
}


def register_rule(
    key: str, term: Term, jurisdictions: tuple[str, ...] | None = None, *, replace: bool = False
) -> None:
    """Add rule ``key`` to the profiles of ``jurisdictions`` (all of them by default).

    Registering the same rule again is a no-op, so an add-on may call this from
    ``AppConfig.ready()``; a different term under an existing key raises ``ValueError``
    unless ``replace`` is given (the legal terms are not overwritten by accident).
    """
    for code in jurisdictions or JURISDICTIONS:
        profile = PROFILES.setdefault(_check(code), {})
        existing = profile.get(key)
        if existing is not None and existing != term and not replace:
            raise ValueError(f"Rule {key!r} of {code!r} is already {existing}; not replacing it.")
        profile[key] = term


def rules(jurisdiction: str) -> dict[str, Term]:
    """The rules of ``jurisdiction``: key -> Term."""
    return dict(PROFILES.get(_check(jurisdiction), {}))


def get_term(rule: str, jurisdiction: str) -> Term:
    """The Term of ``rule`` in ``jurisdiction``; UnknownJurisdiction or UnknownRule."""
    profile = PROFILES.get(_check(jurisdiction), {})
    try:
        return profile[rule]
    except KeyError:
        known = ", ".join(sorted(profile)) or "none"
        raise UnknownRule(
            f"Unknown rule {rule!r} for jurisdiction {jurisdiction!r}; known rules: {known}."
        ) from None


def add_working_days(start: date, days: int, jurisdiction: str) -> date:
    """The ``days``-th working day after ``start`` (before it, for a negative number).

    With 0: ``start`` itself if it is a working day, else the next working day.
    """
    _check(jurisdiction)
    if days == 0:
        return next_working_day(start, jurisdiction)
    step = timedelta(days=1 if days > 0 else -1)
    remaining = abs(days)
    current = start
    while remaining:
        current += step
        if is_working_day(current, jurisdiction):
            remaining -= 1
    return current


def end_of_term(start: date, term: Term, jurisdiction: str) -> date:
    """The last day of ``term`` counted from ``start`` (a date) in ``jurisdiction``."""
    _check(jurisdiction)
    if term.unit == WORKING_DAYS:
        return add_working_days(start, term.amount, jurisdiction)
    if term.unit == MONTHS:
        end = start + relativedelta(months=term.amount)  # clamps to the month's last day
    elif term.unit == DAYS:
        end = start + timedelta(days=term.amount)
    else:  # HOURS: clock time, never moved; the date it ends on
        return (datetime.combine(start, time.min) + timedelta(hours=term.amount)).date()
    return next_working_day(end, jurisdiction) if term.shift else end


def due(start: date, rule: str, jurisdiction: str) -> date:
    """The last day of the term ``rule`` for something received on ``start``.

    >>> due(date(2026, 1, 31), "appeal", "ua")   # 28 Feb 2026 is a Saturday
    datetime.date(2026, 3, 2)
    """
    if isinstance(start, datetime):
        start = timezone.localtime(start).date() if timezone.is_aware(start) else start.date()
    return end_of_term(start, get_term(rule, jurisdiction), jurisdiction)


def due_at(start: datetime, rule: str, jurisdiction: str) -> datetime:
    """The moment the term ``rule`` ends for something received at ``start``.

    Terms in hours end that many hours later; terms in days, months or working days end
    at the end of their last day (local time).
    """
    term = get_term(rule, jurisdiction)
    if term.unit == HOURS:
        return start + timedelta(hours=term.amount)
    aware = timezone.is_aware(start)
    local_start = timezone.localtime(start) if aware else start
    last_day = end_of_term(local_start.date(), term, jurisdiction)
    end = datetime.combine(last_day, time(23, 59, 59))
    return timezone.make_aware(end) if aware else end


__all__ = [
    "DAYS",
    "HOURS",
    "MONTHS",
    "PROFILES",
    "WORKING_DAYS",
    "Term",
    "UnknownJurisdiction",
    "UnknownRule",
    "add_working_days",
    "due",
    "due_at",
    "end_of_term",
    "get_term",
    "register_rule",
    "rules",
]
