"""The figures: a catalogue of standard figures built from the facts of records
(``models.Case``, folded from service events), plus those add-ons compute themselves
(``AddonConfig.figures``). This module is the API the screens, the scheduled reports and
the public page use; it imports no add-on.

A figure is computed for a ``Scope`` (a site, optionally an addressee's subtree, optionally
some record types) and a ``Period`` (whole days in the site's time zone, end inclusive), in a
constant number of queries whatever the data. Every number carries ``drill``: the query
parameters for which ``records(scope, period, drill)`` returns exactly the records behind it,
so a list's count equals the number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Period:
    """Whole days ``start``..``end`` (inclusive) in the site's time zone."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        raise NotImplementedError

    def bounds(self, tz) -> tuple:
        """``(start, end)`` aware datetimes in ``tz``, ``end`` exclusive."""
        raise NotImplementedError


@dataclass(frozen=True)
class Scope:
    """What a figure counts: the records of ``site`` (``addressee``: a page, its subtree
    only; ``record_types``: those only, None for all declared; ``public_only``: only the
    record types declared public, for the transparency page)."""

    site: Any
    addressee: Any = None
    record_types: tuple | None = None
    public_only: bool = False

    @property
    def path(self) -> str:
        return getattr(self.addressee, "path", "") if self.addressee is not None else ""


@dataclass
class Bar:
    """One part of a figure (a channel, a category, an age band, an addressee, a week)."""

    key: str
    label: str
    value: float | None  # None: no data
    count: int  # the records behind it
    drill: dict = field(default_factory=dict)
    grey: bool = False  # under the minimum count (rankings, the public page)


@dataclass
class Value:
    """A figure computed for a scope and a period."""

    key: str
    title: str
    definition: str
    unit: str  # "count", "%", "days", "hours", "seconds", "score"
    record_type: str = ""  # the service it is computed for; "" for all services together
    value: float | None = None  # None: no data in the period ("no data", never 0 %)
    count: int = 0  # the records the value is computed over
    previous: float | None = None  # the same figure in the previous period
    status: str = ""  # "green", "amber", "red" against the target, "" without one
    target: Any = None  # the Target applied, or None
    drill: dict = field(default_factory=dict)
    breakdown: list[Bar] = field(default_factory=list)


def parse_period(data, site, *, today=None) -> Period:
    """The period asked for in ``data`` (``start``, ``end`` as ISO dates, or ``preset``:
    "week", "month", "quarter", "year" ending today); default the last 30 days. Raises
    ``ValidationError`` with a translated message when the end is before the start or the
    period is longer than the site's ``maximum_period_days``."""
    raise NotImplementedError


def catalogue(site=None) -> list[dict]:
    """The figures that exist for ``site``'s declared record types: ``dict(key=, title=,
    definition=, unit=, record_types=)``, in display order. Definitions are translated."""
    raise NotImplementedError


def compute(scope: Scope, period: Period, keys=None, *, compare=True) -> list[Value]:
    """Every figure of the catalogue (or those in ``keys``) for ``scope`` and ``period``,
    with the previous period's values when ``compare`` and the target statuses; a
    constant number of queries."""
    raise NotImplementedError


def ranking(scope: Scope, period: Period, key: str) -> list[Bar]:
    """The addressees directly under ``scope`` (or every addressee with records) ranked by
    figure ``key``, each with its record count; those under the minimum count come last
    with ``grey=True``."""
    raise NotImplementedError


def records(scope: Scope, period: Period, drill: dict):
    """The ``Case`` queryset behind a number (``drill`` as a ``Value``/``Bar`` carries it,
    or as read back from a URL's query string). Raises ``ValidationError`` for a value
    that does not belong to the scope's site (another town's addressee or category)."""
    raise NotImplementedError
