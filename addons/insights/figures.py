"""The figures: a catalogue of standard figures built from the facts of records
(``models.Case``, folded from service events), plus those add-ons compute themselves
(``AddonConfig.figures``). This module is the API the screens, the scheduled reports and
the public page use; it imports no add-on.

A figure is computed for a ``Scope`` (a site, optionally an addressee's subtree, optionally
some record types) and a ``Period`` (whole days in the site's time zone, end inclusive), in a
constant number of queries whatever the data. Every number carries ``drill``: the query
parameters for which ``records(scope, period, drill)`` returns exactly the records behind it,
so a list's count equals the number.

How the numbers are made (each figure's ``definition`` says it to the reader):

- Each figure is a measure over a *population* of records: those whose moment (receipt,
  first response, first resolution, leaving the open states, rating, appointment) falls in
  the period, or those open now (backlog, overdue). ``Value.count`` is the size of that
  population and ``Value.drill`` lists it; for a share (%), ``Value.part`` is the number of
  records that meet the condition (on time, overdue, reopened...) and ``Value.part_drill``
  lists them.
- Counts are counts: a period with nothing received says 0. Shares, medians and means of an
  empty population are None ("no data"), never 0 % or a division error.
- A ``Bar`` lists exactly the records its ``count`` says (``records(scope, period,
  bar.drill).count() == bar.count``); in the overdue breakdown a bar counts the overdue
  records of its addressee and its ``value`` is their share of that addressee's open records
  with a term.
- Figures about time, timeliness, reopening and satisfaction are computed per service
  (``Value.record_type``); intake, backlog and flow have an all-services value
  (``record_type`` "") too, listed first.
- Breakdowns (``Value.breakdowns``): intake "channel", "category", "district",
  "addressee"; backlog "band" (0-7, 8-30, 31-90, 90+ days); flow_in / flow_out "week"
  (key: the Monday, ISO); overdue "addressee". Addressee bars are the children of the
  scope's addressee (the addressee itself, for records addressed to it directly) or, for
  the whole site, of the deepest page above all the site's addressees.
- ``drill`` keys (short strings, safe in a query string): ``figure``, ``record_type``,
  ``part`` ("yes": the share's condition), ``channel`` / ``category`` / ``district``
  (a code, "-" for none), ``addressee`` (a page id, "-" for none; with ``direct`` "1":
  that page only, not its subtree), ``path`` (a removed addressee's tree path), ``band``,
  ``week``. An add-on's own figure (``Value.addon``) has no records behind it: its
  ``drill`` is empty.
- ``compute()`` without ``now`` keeps its result in the cache (see ``CACHE_SECONDS``); the
  dashboard calls ``fold.fold()`` first, which makes the next computation fresh.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Aggregate, Avg, Count, Exists, FloatField, Max, Min, OuterRef, Q
from django.db.models.functions import Substr, TruncWeek
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from addons.core import events as ev
from addons.core import registry

STEPLEN = 4  # wagtail's treebeard paths: four characters a level
BLANK = "-"  # a drill value for "not given" (an empty category, no addressee)


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
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def bounds(self, tz) -> tuple:
        """``(start, end)`` aware datetimes in ``tz``, ``end`` exclusive."""
        return (_midnight(self.start, tz), _midnight(self.end + timedelta(days=1), tz))


def _midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


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
    count: int  # the records behind it (``records(scope, period, drill)`` lists them)
    drill: dict = field(default_factory=dict)
    grey: bool = False  # under the minimum count (rankings, the public page)


@dataclass
class Value:
    """A figure computed for a scope and a period."""

    key: str
    title: str
    definition: str
    unit: str  # "count", "%", "days", "minutes", "seconds", "score"
    record_type: str = ""  # the service it is computed for; "" for all services together
    value: float | None = None  # None: no data in the period ("no data", never 0 %)
    count: int = 0  # the records the value is computed over
    previous: float | None = None  # the same figure in the previous period
    status: str = ""  # "green", "amber", "red" against the target, "" without one
    target: Any = None  # the Target applied, or None
    drill: dict = field(default_factory=dict)
    breakdown: list[Bar] = field(default_factory=list)
    #: every breakdown by name ("channel", "category", "district", "addressee", "band",
    #: "week"); ``breakdown`` is the first of them
    breakdowns: dict = field(default_factory=dict)
    #: for a share: the records meeting the condition (on time, overdue...), and their list
    part: int | None = None
    part_drill: dict = field(default_factory=dict)
    #: True when less is better (times, overdue, reopening, no-shows, abandoned calls)
    less_is_better: bool = False
    #: the figure is an add-on's own (``FigureDefinition``): no list of records behind it
    addon: bool = False


# --- the catalogue -----------------------------------------------------------------------

COUNT, SHARE, MEDIAN, P90, MEAN = "count", "share", "median", "p90", "mean"
OPEN_NOW = None  # the anchor of the figures about records open now
EVENTS = "events"  # the anchor of the figures counting events


@dataclass(frozen=True)
class Figure:
    key: str
    title: Any
    definition: Any
    unit: str
    #: the kinds a record type must write for the figure to apply: every group, one of each
    needs: tuple
    anchor: str | None  # the Case moment the period selects on
    measure: str = COUNT
    where: Q = field(default_factory=Q)  # the population, besides the period
    part: Q | None = None  # a share's condition
    field: str = ""  # a median's or a mean's field
    scale: float = 1.0  # a median's unit: seconds / 60 = minutes
    total: bool = False  # an all-services value too
    less: bool = False  # less is better
    breakdowns: tuple = ()
    percent: bool = False

    def applies(self, kinds) -> bool:
        return all(any(kind in kinds for kind in group) for group in self.needs)


_OPEN = Q(state="open")
_CASEWORK = ((ev.RECEIVED,), (ev.RESOLVED, ev.CLOSED))

FIGURES: tuple[Figure, ...] = (
    Figure("intake", _("Intake"),
           _("Records received in the period, by channel, category, district and addressee."),
           "count", ((ev.RECEIVED, ev.BOOKED),), "received_at", total=True,
           breakdowns=("channel", "category", "district", "addressee")),
    Figure("backlog", _("Backlog"),
           _("Records open now (received and neither resolved nor closed), by how many days "
             "ago they were received."),
           "count", _CASEWORK, OPEN_NOW, where=_OPEN, total=True, breakdowns=("band",),
           less=True),
    Figure("flow_in", _("Flow in"),
           _("Records received in the period, week by week."),
           "count", _CASEWORK, "received_at", total=True, breakdowns=("week",)),
    Figure("flow_out", _("Flow out"),
           _("Records that left the open records in the period, week by week: resolved for "
             "the first time, or closed without a resolution."),
           "count", _CASEWORK, "done_at", total=True, breakdowns=("week",)),
    Figure("response_median", _("Time to first response (median)"),
           _("Half of the records first answered in the period got their first response "
             "within this many working days of receipt (working days of the "
             "jurisdiction's calendar)."),
           "days", ((ev.FIRST_REPLY,),), "first_response_at", MEDIAN,
           where=Q(response_days__isnull=False), field="response_days", less=True),
    Figure("response_p90", _("Time to first response (90th percentile)"),
           _("Nine in ten of the records first answered in the period got their first "
             "response within this many working days of receipt."),
           "days", ((ev.FIRST_REPLY,),), "first_response_at", P90,
           where=Q(response_days__isnull=False), field="response_days", less=True),
    Figure("resolution_median", _("Time to resolution (median)"),
           _("Half of the records resolved for the first time in the period were resolved "
             "within this many working days of receipt; a reopened record keeps its first "
             "resolution."),
           "days", ((ev.RESOLVED,),), "first_resolved_at", MEDIAN,
           where=Q(resolve_days__isnull=False), field="resolve_days", less=True),
    Figure("resolution_p90", _("Time to resolution (90th percentile)"),
           _("Nine in ten of the records resolved for the first time in the period were "
             "resolved within this many working days of receipt."),
           "days", ((ev.RESOLVED,),), "first_resolved_at", P90,
           where=Q(resolve_days__isnull=False), field="resolve_days", less=True),
    Figure("on_time", _("Resolved on time"),
           _("Share of the records resolved for the first time in the period whose first "
             "resolution came within the legal term or service level in force then. "
             "Records without a term are left out."),
           "%", ((ev.RESOLVED,),), "first_resolved_at", SHARE,
           where=Q(on_time__isnull=False), part=Q(on_time=True), percent=True),
    Figure("overdue", _("Overdue now"),
           _("Share of the records open now that are past their term, by addressee. "
             "Records without a term are left out."),
           "%", ((ev.RESOLVED,),), OPEN_NOW, SHARE,
           where=_OPEN & Q(due_at__isnull=False), part=None, less=True,
           breakdowns=("addressee",), percent=True),
    Figure("reopen_rate", _("Reopened"),
           _("Share of the records resolved for the first time in the period that were "
             "reopened afterwards; a record reopened several times counts once."),
           "%", ((ev.REOPENED,),), "first_resolved_at", SHARE,
           part=Q(reopened__gt=0), less=True, percent=True),
    Figure("escalations", _("Escalations"),
           _("Escalations of overdue records to a supervisor in the period; the list shows "
             "the records escalated."),
           "count", ((ev.ESCALATED,),), EVENTS, less=True),
    Figure("satisfaction", _("Satisfaction"),
           _("Mean rating (1 to 5) the citizens gave in the period, the latest rating of "
             "each record."),
           "score", ((ev.RATED,),), "rated_at", MEAN, where=Q(rating__isnull=False),
           field="rating"),
    Figure("survey_score", _("Survey score"),
           _("Mean score (1 to 5) of the survey answers given in the period."),
           "score", ((ev.ANSWERED_SURVEY,),), "rated_at", MEAN,
           where=Q(rating__isnull=False), field="rating"),
    Figure("queue_wait_median", _("Waiting time in the queue (median)"),
           _("Half of the visitors served in the period waited this many minutes or less, "
             "from the later of their slot and their arrival to being called."),
           "minutes", ((ev.SERVED,),), "done_at", MEDIAN,
           where=Q(outcome="served", wait_seconds__isnull=False), field="wait_seconds",
           scale=60.0, less=True),
    Figure("no_show_rate", _("Did not come"),
           _("Share of the appointments due in the period (served or not come, cancelled "
             "ones left out) where the visitor did not come."),
           "%", ((ev.NO_SHOW,),), "due_at", SHARE,
           where=Q(outcome__in=("served", "no_show")), part=Q(outcome="no_show"), less=True,
           percent=True),
    Figure("calls_answered", _("Answered"),
           _("Calls or chats received in the period that staff answered."),
           "count", ((ev.ANSWERED,),), "received_at", where=Q(outcome="answered")),
    Figure("answer_time_median", _("Time to answer (median)"),
           _("Half of the calls or chats answered that were received in the period were "
             "answered within this many seconds."),
           "seconds", ((ev.ANSWERED,),), "received_at", MEDIAN,
           where=Q(outcome="answered", wait_seconds__isnull=False), field="wait_seconds",
           less=True),
    Figure("abandoned_rate", _("Abandoned"),
           _("Share of the calls or chats received in the period (answered or abandoned) "
             "where the caller gave up before an answer."),
           "%", ((ev.ABANDONED,),), "received_at", SHARE,
           where=Q(outcome__in=("answered", "abandoned")), part=Q(outcome="abandoned"),
           less=True, percent=True),
    Figure("first_contact_rate", _("Resolved at first contact"),
           _("Share of the answered calls or chats wrapped up in the period that were "
             "resolved at the first contact, with no follow-up."),
           "%", ((ev.ANSWERED,), (ev.CLOSED,)), "done_at", SHARE,
           where=Q(outcome="answered", first_contact__isnull=False),
           part=Q(first_contact=True), percent=True),
)
FIGURE = {figure.key: figure for figure in FIGURES}

#: the age bands of the backlog: (key, label, youngest day, oldest day or None)
BANDS = (
    ("0-7", pgettext_lazy("age band", "0–7 days"), 0, 7),
    ("8-30", pgettext_lazy("age band", "8–30 days"), 8, 30),
    ("31-90", pgettext_lazy("age band", "31–90 days"), 31, 90),
    ("90+", pgettext_lazy("age band", "over 90 days"), 91, None),
)
BAND = {key: (low, high) for key, _label, low, high in BANDS}
DIMENSIONS = ("channel", "category", "district")


def _declared():
    return [item for _addon, item in registry.service_events()]


def _addon_figures():
    return [item for _addon, item in registry.figures()]


def catalogue(site=None) -> list[dict]:
    """The figures that exist for ``site``'s declared record types: ``dict(key=, title=,
    definition=, unit=, record_types=, less_is_better=, total=, addon=)``, in display
    order. Definitions are translated (lazily)."""
    declared = _declared()
    rows = []
    for figure in FIGURES:
        types = [item.record_type for item in declared if figure.applies(item.kinds)]
        if types:
            rows.append(dict(key=figure.key, title=figure.title, definition=figure.definition,
                             unit=figure.unit, record_types=types, less_is_better=figure.less,
                             total=figure.total, addon=False))
    for item in _addon_figures():
        rows.append(dict(key=item.key, title=item.title, definition=item.definition,
                         unit=item.unit, record_types=[item.record_type] if item.record_type
                         else [], less_is_better=False, total=not item.record_type,
                         addon=True))
    return rows


def figure_keys() -> set[str]:
    return set(FIGURE) | {item.key for item in _addon_figures()}


# --- the period ----------------------------------------------------------------------------

def _profile(site):
    from addons.core.models import SiteProfile

    return SiteProfile.for_site(site)


def site_tz(site):
    try:
        return zoneinfo.ZoneInfo(_profile(site).time_zone or "Europe/Kyiv")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Europe/Kyiv")


def _settings(site):
    from .models import InsightsSettings

    return InsightsSettings.for_site(site)


PRESETS = ("week", "month", "quarter", "year")


def _parse_date(text, label):
    try:
        return date.fromisoformat(str(text).strip())
    except (TypeError, ValueError):
        raise ValidationError(
            _("%(field)s: enter a date as YYYY-MM-DD."), code="bad_date",
            params={"field": label}) from None


def parse_period(data, site, *, today=None) -> Period:
    """The period asked for in ``data`` (``start``, ``end`` as ISO dates, or ``preset``:
    "week", "month", "quarter", "year" ending today); default the last 30 days. Raises
    ``ValidationError`` with a translated message when a date cannot be read, the end is
    before the start or the period is longer than the site's ``maximum_period_days``."""
    from dateutil.relativedelta import relativedelta

    data = data or {}
    if today is None:
        today = timezone.localtime(timezone.now(), site_tz(site)).date()
    preset = (data.get("preset") or "").strip()
    start_text = (data.get("start") or "").strip()
    end_text = (data.get("end") or "").strip()
    if preset and not (start_text or end_text):
        if preset not in PRESETS:
            raise ValidationError(_("Unknown period: choose a week, a month, a quarter or a "
                                    "year."), code="bad_preset")
        months = {"week": None, "month": 1, "quarter": 3, "year": 12}[preset]
        start = today - timedelta(days=6) if months is None \
            else today - relativedelta(months=months) + timedelta(days=1)
        return Period(start, today)
    end = _parse_date(end_text, _("End")) if end_text else today
    start = _parse_date(start_text, _("Start")) if start_text else end - timedelta(days=29)
    if end < start:
        raise ValidationError(_("The period ends before it starts."), code="end_before_start")
    longest = _settings(site).maximum_period_days
    period = Period(start, end)
    if period.days > longest:
        raise ValidationError(
            _("The period spans %(days)s days; it may span at most %(longest)s days."),
            code="too_long", params={"days": period.days, "longest": longest})
    return period


# --- what is counted --------------------------------------------------------------------

class _Context:
    """A scope and a period made ready for queries."""

    def __init__(self, scope: Scope, period: Period, compare: bool = True, now=None):
        from .models import Case

        self.scope, self.period, self.compare = scope, period, compare
        self.site = scope.site
        self.tz = site_tz(scope.site)
        self.now = now or timezone.now()
        self.today = timezone.localtime(self.now, self.tz).date()
        self.current = period.bounds(self.tz)
        self.previous = period.previous().bounds(self.tz) if compare else None
        self.types = [item for item in _declared()
                      if (scope.record_types is None or item.record_type in scope.record_types)
                      and (not scope.public_only or item.public)]
        self.type_keys = [item.record_type for item in self.types]
        self.path = scope.path
        base = Case.objects.filter(site=scope.site, record_type__in=self.type_keys)
        if self.path:
            base = base.filter(addressee_path__startswith=self.path)
        self.base = base

    def windows(self):
        """``[("c", (start, end)), ("p", (start, end))]``: the period and the one before."""
        result = [("c", self.current)]
        if self.previous is not None:
            result.append(("p", self.previous))
        return result

    def span(self):
        return (self.previous or self.current)[0], self.current[1]

    def applicable(self, figure: Figure) -> list[str]:
        return [item.record_type for item in self.types if figure.applies(item.kinds)]


def _window(anchor, bounds) -> Q:
    return Q(**{f"{anchor}__gte": bounds[0], f"{anchor}__lt": bounds[1]})


def _band_q(ctx, key) -> Q:
    low, high = BAND[key]
    q = Q()
    if low:  # received at least ``low`` days ago: before the start of that day
        q &= Q(received_at__lt=_midnight(ctx.today - timedelta(days=low - 1), ctx.tz))
    if high is not None:
        q &= Q(received_at__gte=_midnight(ctx.today - timedelta(days=high), ctx.tz))
    else:
        q = q | Q(received_at__isnull=True)
    return q


def _overdue_q(ctx) -> Q:
    return Q(due_at__lt=ctx.now)


def _part_q(ctx, figure) -> Q | None:
    if figure.key == "overdue":
        return _overdue_q(ctx)
    return figure.part


def _escalated(ctx, bounds):
    from addons.core.models import ServiceEvent

    return ServiceEvent.objects.filter(
        site=ctx.site, kind=ev.ESCALATED, record_type=OuterRef("record_type"),
        record_id=OuterRef("record_id"), at__gte=bounds[0], at__lt=bounds[1])


#: the condition of the figures about records open now among the open records (the open
#: records' index carries no state)
_OPEN_ROWS = {"backlog": Q(), "overdue": Q(due_at__isnull=False)}


def _population(ctx, figure, bounds) -> Q:
    """The records ``figure`` is computed over in ``bounds`` (ignored for records open
    now)."""
    if figure.anchor is OPEN_NOW:
        return figure.where
    if figure.anchor == EVENTS:
        return Q(Exists(_escalated(ctx, bounds)))
    return figure.where & _window(figure.anchor, bounds)


# --- percentiles --------------------------------------------------------------------------

class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``."""

    function = "percentile_cont"
    name = "Percentile"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _sql_percentiles() -> bool:
    return connection.vendor == "postgresql"


def percentile(values, fraction):
    """Linear interpolation between the closest ranks, as ``percentile_cont`` does."""
    if not values:
        return None
    values = sorted(values)
    position = fraction * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


_FRACTION = {MEDIAN: 0.5, P90: 0.9}


# --- gathering -----------------------------------------------------------------------------

def _prefix(length):
    return Substr("addressee_path", 1, length)


def _gather(ctx, figures, group_length=None):
    """``{(figure key, record_type, group, window): {"n":, "k":, "v":}}`` for ``figures``
    in a constant number of queries: one per anchor (plus, off PostgreSQL, one per
    median's population). ``group_length``: also group by the addressee path's first
    characters (rankings)."""
    results: dict = {}
    by_anchor: dict = {}
    for figure in figures:
        if ctx.applicable(figure):
            by_anchor.setdefault(figure.anchor, []).append(figure)
    group_fields = ["record_type"]
    extra = {}
    if group_length:
        extra["group"] = _prefix(group_length)
        group_fields.append("group")
    windows = ctx.windows()
    for anchor, members in by_anchor.items():
        if anchor == EVENTS:
            _gather_events(ctx, members, results, group_length)
            continue
        rows = ctx.base
        if anchor is OPEN_NOW:
            rows = rows.filter(_OPEN)
            windows_here = [("c", None)]
        else:
            rows = rows.filter(_window(anchor, ctx.span()))
            windows_here = windows
        annotations: dict = {}
        names: dict = {}  # column -> (figure key, record type or None: the row's, window, what)

        def add(expression, key, record_type, tag, what, *more, names=names,
                annotations=annotations):
            column = f"f{len(names)}"
            names[column] = (key, record_type, tag, what, *more)
            annotations[column] = expression

        for figure in members:
            types = ctx.applicable(figure)
            # grouped (rankings): a row per service and group; otherwise a single row with
            # a column per service, so the window is neither sorted nor hashed (a median
            # sorts only its own values)
            services = [(None, Q(record_type__in=types))] if group_length else \
                [(record_type, Q(record_type=record_type)) for record_type in types]
            part = _part_q(ctx, figure)
            for record_type, of_type in services:
                for tag, _bounds in windows_here:
                    if anchor is OPEN_NOW:  # the rows are open: no need to read the state
                        population = of_type & _OPEN_ROWS.get(figure.key, figure.where)
                    else:  # the rows are in the span: one bound tells the windows apart
                        population = of_type & figure.where & _half(ctx, anchor, tag)
                    key = figure.key
                    # counting ``site`` (never null, the first column of every index the
                    # figures read) lets PostgreSQL count a window from the index alone
                    add(Count("site", filter=population), key, record_type, tag, "n")
                    if part is not None:
                        add(Count("site", filter=population & part), key, record_type, tag,
                            "k")
                    if figure.measure == MEAN:
                        add(Avg(figure.field, filter=population), key, record_type, tag, "v")
                    elif figure.measure in _FRACTION and _sql_percentiles():
                        add(Percentile(figure.field, _FRACTION[figure.measure],
                                       filter=population), key, record_type, tag, "v")
                    if key in ("flow_in", "flow_out") and tag == "c" and _inline_weeks(ctx):
                        for monday, week in _weeks(ctx):
                            add(Count("site", filter=of_type & figure.where
                                      & _window(anchor, week)),
                                key, record_type, tag, "weeks", monday)
                    if key == "backlog" and tag == "c":
                        for band, *_rest in BANDS:
                            add(Count("site", filter=population & _band_q(ctx, band)),
                                key, record_type, tag, "bands", band)
        if group_length:
            query = rows.annotate(**extra).values(*group_fields).annotate(**annotations) \
                .order_by()
        else:
            query = [rows.aggregate(**annotations)] if annotations else []
        for row in query:
            group = row.get("group")
            for column, number in row.items():
                if column not in names:
                    continue
                key, record_type, tag, what, *more = names[column]
                slot = results.setdefault((key, record_type or row["record_type"], group, tag),
                                          {})
                if more:
                    slot.setdefault(what, {})[more[0]] = number
                else:
                    slot[what] = number
        if not _sql_percentiles():
            _python_percentiles(ctx, rows, members, windows_here, results, extra,
                                group_length)
    return results


def _half(ctx, anchor, tag) -> Q:
    """Window ``tag`` among rows already within ``ctx.span()``: the period is what is at or
    after its start, the previous period what is before it."""
    if ctx.previous is None:
        return Q()
    start = ctx.current[0]
    return Q(**{f"{anchor}__gte": start}) if tag == "c" else Q(**{f"{anchor}__lt": start})


def _python_percentiles(ctx, rows, members, windows, results, extra, group_length):
    """Medians off PostgreSQL (SQLite, in tests and development): one query per distinct
    population, the values sorted in Python."""
    seen = {}
    for figure in members:
        if figure.measure not in _FRACTION:
            continue
        seen.setdefault((figure.anchor, figure.field, str(figure.where)), []).append(figure)
    for (anchor, field_name, _where), same in seen.items():
        figure = same[0]
        types = ctx.applicable(figure)
        fields = ["record_type", anchor, field_name] + (["group"] if group_length else [])
        values: dict = {}
        for row in rows.filter(figure.where, record_type__in=types).annotate(**extra) \
                .values_list(*fields).order_by(field_name):
            group = row[3] if group_length else None
            for tag, bounds in windows:
                if bounds[0] <= row[1] < bounds[1]:
                    values.setdefault((row[0], group, tag), []).append(row[2])
        for member in same:
            for (record_type, group, tag), numbers in values.items():
                results.setdefault((member.key, record_type, group, tag), {})["v"] = \
                    percentile(numbers, _FRACTION[member.measure])


def _gather_events(ctx, members, results, group_length):
    from addons.core.models import ServiceEvent

    from .models import Case

    for figure in members:
        start, end = ctx.span()
        rows = ServiceEvent.objects.filter(
            site=ctx.site, kind=ev.ESCALATED, record_type__in=ctx.applicable(figure),
            at__gte=start, at__lt=end)
        cases = Case.objects.filter(site=ctx.site, record_type=OuterRef("record_type"),
                                    record_id=OuterRef("record_id"))
        if ctx.path:
            cases = cases.filter(addressee_path__startswith=ctx.path)
        rows = rows.filter(Exists(cases))
        fields = ["record_type"]
        extra = {}
        if group_length:
            from django.db.models import Subquery

            extra["group"] = Subquery(cases.annotate(p=_prefix(group_length))
                                      .values("p")[:1])
            fields.append("group")
        annotations = {}
        for tag, bounds in ctx.windows():
            within = Q(at__gte=bounds[0], at__lt=bounds[1])
            annotations[f"{tag}__v"] = Count("site", filter=within)
            annotations[f"{tag}__n"] = Count("record_id", filter=within, distinct=True)
        for row in rows.annotate(**extra).values(*fields).annotate(**annotations).order_by():
            for tag, _bounds in ctx.windows():
                results[(figure.key, row["record_type"], row.get("group"), tag)] = {
                    "n": row[f"{tag}__n"], "v": row[f"{tag}__v"]}


def _number(figure, slot):
    """The value of ``figure`` from its gathered ``slot``."""
    if not slot:
        slot = {}
    count = slot.get("n") or 0
    if figure.measure == COUNT:
        if figure.anchor == EVENTS:
            return float(slot.get("v") or 0), count
        return float(count), count
    if not count:
        return None, 0
    if figure.measure == SHARE:
        return round(100.0 * (slot.get("k") or 0) / count, 1), count
    value = slot.get("v")
    if value is None:
        return None, count
    return round(float(value) / figure.scale, 2), count


#: up to this many weeks the weekly flow is counted in the query of its figure (a column
#: a week); a longer period groups by week in a query of its own
INLINE_WEEKS = 16


def _weeks(ctx):
    """``[(monday, (start, end))]``: the weeks of the period, clipped to it."""
    result = []
    monday = ctx.period.start - timedelta(days=ctx.period.start.weekday())
    while monday <= ctx.period.end:
        first = max(monday, ctx.period.start)
        last = min(monday + timedelta(days=6), ctx.period.end)
        result.append((monday, Period(first, last).bounds(ctx.tz)))
        monday += timedelta(days=7)
    return result


def _inline_weeks(ctx) -> bool:
    return (ctx.period.days + 6) // 7 + 1 <= INLINE_WEEKS


def _sum_slots(slots):
    total: dict = {}
    for slot in slots:
        for name, number in slot.items():
            if name in ("bands", "weeks"):
                for key, count in number.items():
                    total.setdefault(name, {})
                    total[name][key] = total[name].get(key, 0) + (count or 0)
            elif name in ("n", "k", "v"):
                total[name] = (total.get(name) or 0) + (number or 0)
    return total


# --- breakdowns -------------------------------------------------------------------------

def _tree_base(ctx) -> str:
    """The path whose children the addressee bars show: the scope's addressee, or for the
    whole site the deepest page above every addressee of the site (one query)."""
    if ctx.path:
        return ctx.path
    from django.apps import apps

    from addons.core.permissions import ADDRESSEE_MODEL

    root = getattr(getattr(ctx.site, "root_page", None), "path", "") or ""
    model = apps.get_model(ADDRESSEE_MODEL)
    bounds = model.objects.filter(path__startswith=root).aggregate(lo=Min("path"),
                                                                    hi=Max("path"))
    low, high = bounds["lo"] or "", bounds["hi"] or ""
    common = 0
    while common < min(len(low), len(high)) and low[common] == high[common]:
        common += 1
    common -= common % STEPLEN
    if common and low == high:  # one addressee: show it
        common -= STEPLEN
    return low[:common] if common >= len(root) else root


def _dimension_rows(ctx, figure_keys):
    """Rows of the breakdowns the figures asked for: the intake's four in one query
    (grouped by all four, summed here), the overdue share by addressee in one, a query per
    weekly flow."""
    wanted = {name for key in figure_keys for name in FIGURE[key].breakdowns}
    out: dict = {}
    start, end = ctx.current
    base = None
    length = None
    if "addressee" in wanted:
        base = _tree_base(ctx)
        length = len(base) + STEPLEN
    if "intake" in figure_keys:
        rows = list(ctx.base.filter(received_at__gte=start, received_at__lt=end,
                                    record_type__in=ctx.applicable(FIGURE["intake"]))
                    .annotate(p=_prefix(length or STEPLEN))
                    .values_list("record_type", *DIMENSIONS, "p").annotate(n=Count("site"))
                    .order_by())
        for index, name in enumerate((*DIMENSIONS, "addressee"), start=1):
            sums: dict = {}
            for row in rows:
                key = (row[0], row[index])
                sums[key] = sums.get(key, 0) + row[-1]
            out[name] = [(*key, number) for key, number in sums.items()]
    if "overdue" in figure_keys and length:
        out["overdue"] = list(
            ctx.base.filter(_OPEN, due_at__isnull=False,
                            record_type__in=ctx.applicable(FIGURE["overdue"]))
            .annotate(p=_prefix(length)).values_list("record_type", "p")
            .annotate(n=Count("site"), k=Count("site", filter=_overdue_q(ctx))).order_by())
    if "week" in wanted and not _inline_weeks(ctx):
        for key, anchor in (("flow_in", "received_at"), ("flow_out", "done_at")):
            if key in figure_keys:
                out[key] = list(
                    ctx.base.filter(_window(anchor, ctx.current),
                                    record_type__in=ctx.applicable(FIGURE[key]))
                    .annotate(w=TruncWeek(anchor, tzinfo=ctx.tz))
                    .values_list("record_type", "w").annotate(n=Count("site")).order_by())
    return out, base


def _page_labels(paths):
    """``{path: (id, title)}`` of the pages at ``paths`` (one query, no page instances)."""
    from wagtail.models import Page

    paths = [path for path in paths if path]
    if not paths:
        return {}
    return {path: (pk, title) for pk, path, title in
            Page.objects.filter(path__in=paths).values_list("id", "path", "title")}


def _label_maps(ctx):
    return {item.record_type: (item.label_map(ctx.site) or {}) for item in ctx.types}


def _addressee_drill(path, base, pages):
    if not path:
        return {"addressee": BLANK}
    if path in pages:
        drill = {"addressee": str(pages[path][0])}
        if path == base:
            drill["direct"] = "1"
        return drill
    return {"path": path}


def _addressee_label(path, pages):
    if not path:
        return str(_("No addressee"))
    if path in pages:
        return pages[path][1]
    return str(_("Removed addressee"))


def _week_key(moment, tz) -> date:
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment, tz) if timezone.is_aware(moment) else moment
        return moment.date()
    return moment


# --- compute ----------------------------------------------------------------------------

#: how long computed figures are kept (their key names the last event folded and the
#: targets' version, so new facts or targets are seen at once; "now" moves on meanwhile)
CACHE_SECONDS = 300
TARGETS_VERSION = "insights:targets-version"


def targets_changed():
    """Called when a target is saved or deleted: computed figures kept are stale."""
    from django.core.cache import cache

    cache.set(TARGETS_VERSION, timezone.now().isoformat(), None)


def _cache_key(scope, period, keys, compare):
    import hashlib

    from django.core.cache import cache
    from django.utils.translation import get_language

    from .models import FoldMark

    mark = FoldMark.objects.filter(name="events").values_list("last_event_id", flat=True) \
        .first()
    parts = (scope.site.pk, scope.path, scope.record_types, scope.public_only,
             period.start.isoformat(), period.end.isoformat(),
             tuple(sorted(keys)) if keys is not None else None, compare, get_language(), mark,
             cache.get(TARGETS_VERSION), tuple(item.record_type for item in _declared()))
    return "insights:figures:" + hashlib.sha1(repr(parts).encode()).hexdigest()


def compute(scope: Scope, period: Period, keys=None, *, compare=True, now=None,
            cached=None) -> list[Value]:
    """Every figure of the catalogue (or those in ``keys``) for ``scope`` and ``period``,
    with the previous period's values when ``compare`` and the target statuses; a
    constant number of queries. Call ``fold.fold()`` first for fresh facts.

    ``cached`` (default: when ``now`` is not given): keep the result in the cache for
    ``CACHE_SECONDS`` under a key naming the last event folded, so a dashboard opened
    again costs two queries until something new is folded or a target changes."""
    if cached is None:
        cached = now is None
    if not cached:
        return _compute(scope, period, keys, compare, now)
    from django.core.cache import cache

    key = _cache_key(scope, period, keys, compare)
    values = cache.get(key)
    if values is None:
        values = _compute(scope, period, keys, compare, now)
        cache.set(key, values, CACHE_SECONDS)
    return values


def _compute(scope, period, keys, compare, now) -> list[Value]:
    ctx = _Context(scope, period, compare, now)
    wanted = [figure for figure in FIGURES if (keys is None or figure.key in keys)
              and ctx.applicable(figure)]
    results = _gather(ctx, wanted)
    wanted_keys = {figure.key for figure in wanted}
    dimensions, base = _dimension_rows(ctx, wanted_keys)
    paths = {row[1] for name in ("addressee", "overdue") for row in dimensions.get(name, [])}
    pages = _page_labels(paths)
    labels = _label_maps(ctx) if wanted_keys & {"intake"} else {}
    values: list[Value] = []
    for figure in wanted:
        types = ctx.applicable(figure)
        rows = []
        if figure.total:
            rows.append(("", types))
        rows += [(record_type, [record_type]) for record_type in types]
        for record_type, among in rows:
            current = _sum_slots(results.get((figure.key, t, None, "c"), {}) for t in among)
            number, count = _number(figure, current)
            value = Value(key=figure.key, title=str(figure.title),
                          definition=str(figure.definition), unit=figure.unit,
                          record_type=record_type, value=number, count=count,
                          less_is_better=figure.less)
            if compare and figure.anchor is not OPEN_NOW:
                before = _sum_slots(results.get((figure.key, t, None, "p"), {}) for t in among)
                value.previous = _number(figure, before)[0]
            value.drill = {"figure": figure.key}
            if record_type:
                value.drill["record_type"] = record_type
            if figure.measure == SHARE:
                value.part = current.get("k") or 0
                value.part_drill = {**value.drill, "part": "yes"}
            _breakdowns(ctx, figure, value, among, current, dimensions, base, pages, labels)
            values.append(value)
    values += _addon_values(ctx, keys)
    _apply_targets(ctx, values)
    return values


def _breakdowns(ctx, figure, value, among, current, dimensions, base, pages, labels):
    drill = value.drill
    if figure.key == "backlog":
        bands = current.get("bands", {})
        value.breakdowns["band"] = [
            Bar(key, str(label), float(bands.get(key, 0)), bands.get(key, 0),
                {**drill, "band": key}) for key, label, _low, _high in BANDS]
    if figure.key == "intake":
        for name in DIMENSIONS + ("addressee",):
            counts: dict = {}
            for record_type, code, number in dimensions.get(name, []):
                if record_type in among:
                    counts[code or ""] = counts.get(code or "", 0) + number
            bars = []
            for code, number in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
                if name == "addressee":
                    bars.append(Bar(str(pages.get(code, (code,))[0]) if code else BLANK,
                                    _addressee_label(code, pages), float(number), number,
                                    {**drill, **_addressee_drill(code, base, pages)}))
                    continue
                label = _code_label(labels, among, name, code)
                bars.append(Bar(code or BLANK, label, float(number), number,
                                {**drill, name: code or BLANK}))
            value.breakdowns[name] = bars
    if figure.key == "overdue":
        counts = {}
        for record_type, path, number, late in dimensions.get("overdue", []):
            if record_type in among:
                was = counts.get(path or "", (0, 0))
                counts[path or ""] = (was[0] + number, was[1] + late)
        bars = []
        for path, (number, late) in counts.items():
            bars.append(Bar(str(pages.get(path, (path,))[0]) if path else BLANK,
                            _addressee_label(path, pages),
                            round(100.0 * late / number, 1) if number else None, late,
                            {**drill, "part": "yes", **_addressee_drill(path, base, pages)}))
        bars.sort(key=lambda bar: (-(bar.value or 0), -bar.count, bar.label))
        value.breakdowns["addressee"] = bars
    if figure.key in ("flow_in", "flow_out"):
        counts = dict(current.get("weeks", {}))
        for record_type, moment, number in dimensions.get(figure.key, []):
            if record_type in among:
                week = _week_key(moment, ctx.tz)
                counts[week] = counts.get(week, 0) + number
        bars = []
        monday = ctx.period.start - timedelta(days=ctx.period.start.weekday())
        while monday <= ctx.period.end:
            number = counts.get(monday, 0)
            bars.append(Bar(monday.isoformat(), formats.date_format(
                max(monday, ctx.period.start), "SHORT_DATE_FORMAT"), float(number), number,
                {**drill, "week": monday.isoformat()}))
            monday += timedelta(days=7)
        value.breakdowns["week"] = bars
    if value.breakdowns:
        value.breakdown = next(iter(value.breakdowns.values()))


def _code_label(labels, among, name, code):
    if not code:
        return str(_("Not given"))
    for record_type in among:
        found = (labels.get(record_type) or {}).get(name, {}).get(code)
        if found:
            return str(found)
    return code


def _addon_values(ctx, keys):
    values = []
    for item in _addon_figures():
        if keys is not None and item.key not in keys:
            continue
        if item.record_type and item.record_type not in ctx.type_keys:
            continue
        result = item.value(ctx.site, ctx.path, *ctx.current) or {}
        value = Value(key=item.key, title=str(item.title), definition=str(item.definition),
                      unit=result.get("unit") or item.unit, record_type=item.record_type,
                      value=result.get("value"), count=result.get("count") or 0, addon=True)
        if ctx.previous is not None:
            value.previous = (item.value(ctx.site, ctx.path, *ctx.previous) or {}).get("value")
        values.append(value)
    return values


# --- targets ----------------------------------------------------------------------------

def less_is_better(key) -> bool:
    figure = FIGURE.get(key)
    return bool(figure and figure.less)


def status(value, target, less=False) -> str:
    """"green", "amber" or "red" for ``value`` against ``target`` ("" without either)."""
    if value is None or target is None:
        return ""
    if less:
        return "green" if value <= target.green else "amber" if value <= target.amber \
            else "red"
    return "green" if value >= target.green else "amber" if value >= target.amber else "red"


def _apply_targets(ctx, values):
    from django.db.models import F

    from .models import Target

    keys = {value.key for value in values}
    if not keys:
        return
    targets = list(Target.objects.filter(site=ctx.site, figure__in=keys)
                   .annotate(addressee_path=F("addressee__path")))
    for value in values:
        best, rank = None, None
        for target in targets:
            if target.figure != value.key:
                continue
            if target.record_type and target.record_type != value.record_type:
                continue
            path = target.addressee_path or ""
            if target.addressee_id and not (ctx.path and ctx.path.startswith(path)):
                continue
            order = (len(path), bool(target.record_type))
            if rank is None or order > rank:
                best, rank = target, order
        if best is not None:
            value.target = best
            value.status = status(value.value, best, value.less_is_better)


def target_errors(target) -> dict:
    """What is wrong with ``target`` (``{field: [messages]}``), translated."""
    errors: dict = {}
    key = target.figure
    if key not in figure_keys():
        errors["figure"] = [ValidationError(_("Unknown figure: %(key)s."), code="bad_figure",
                                             params={"key": key})]
        return errors
    figure = FIGURE.get(key)
    if target.record_type and target.record_type not in {item.record_type
                                                         for item in _declared()}:
        errors["record_type"] = [ValidationError(_("Unknown service: %(key)s."),
                                                  code="bad_service",
                                                  params={"key": target.record_type})]
    for name in ("green", "amber"):
        number = getattr(target, name)
        if number is None:
            continue
        if number < 0:
            errors.setdefault(name, []).append(_("A target cannot be negative."))
        elif figure is not None and figure.percent and number > 100:
            errors.setdefault(name, []).append(_("A share cannot be more than 100 %."))
    if "green" not in errors and "amber" not in errors and target.green is not None \
            and target.amber is not None:
        if less_is_better(key) and target.amber < target.green:
            errors["amber"] = [_("Less is better for this figure: amber must be at or above "
                                 "green.")]
        elif not less_is_better(key) and target.amber > target.green:
            errors["amber"] = [_("More is better for this figure: amber must be at or below "
                                 "green.")]
    if target.addressee_id and target.site_id:
        from wagtail.models import Page, Site

        root = Site.objects.filter(pk=target.site_id).values_list("root_page__path",
                                                                   flat=True).first() or ""
        path = Page.objects.filter(pk=target.addressee_id).values_list("path",
                                                                       flat=True).first()
        if path is None or not path.startswith(root):
            errors["addressee"] = [_("This addressee belongs to another municipality.")]
    return errors


# --- ranking ----------------------------------------------------------------------------

def ranking(scope: Scope, period: Period, key: str, record_type: str | None = None,
            *, now=None) -> list[Bar]:
    """The addressees directly under ``scope`` (or the top level of the site's tree) ranked
    by figure ``key``, each with its record count; those under the minimum count come last
    with ``grey=True``. ``record_type``: the service (default: all services for intake,
    backlog and flow, else the first service the figure applies to)."""
    figure = FIGURE.get(key)
    if figure is None:
        raise ValidationError(_("Unknown figure: %(key)s."), code="bad_figure",
                              params={"key": key})
    ctx = _Context(scope, period, compare=False, now=now)
    types = ctx.applicable(figure)
    if record_type:
        if record_type not in types:
            raise ValidationError(_("Unknown service: %(key)s."), code="bad_service",
                                  params={"key": record_type})
        types = [record_type]
    elif not figure.total:
        types = types[:1]
    if not types:
        return []
    base = _tree_base(ctx)
    results = _gather(ctx, [figure], group_length=len(base) + STEPLEN)
    groups: dict = {}
    for (fkey, rtype, group, tag), slot in results.items():
        if fkey == key and rtype in types and tag == "c":
            groups.setdefault(group or "", []).append(slot)
    pages = _page_labels(groups)
    minimum = _settings(scope.site).minimum_count
    drill = {"figure": key}
    if len(types) == 1 and (record_type or not figure.total):
        drill["record_type"] = types[0]
    bars = []
    for path, slots in groups.items():
        number, count = _number(figure, _sum_slots(slots))
        if not count:
            continue
        bars.append(Bar(str(pages.get(path, (path,))[0]) if path else BLANK,
                        _addressee_label(path, pages), number, count,
                        {**drill, **_addressee_drill(path, base, pages)},
                        grey=count < minimum))

    def order(bar):
        missing = bar.value is None
        number = bar.value or 0
        return (bar.grey, missing, number if figure.less else -number, bar.label)

    return sorted(bars, key=order)


# --- the records behind a number ----------------------------------------------------------

def _one(drill, name):
    value = drill.get(name) if hasattr(drill, "get") else None
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return "" if value is None else str(value)


def records(scope: Scope, period: Period, drill: dict, *, now=None):
    """The ``Case`` queryset behind a number (``drill`` as a ``Value``/``Bar`` carries it,
    or as read back from a URL's query string). Raises ``ValidationError`` (translated)
    for an unknown figure or part, or a value that does not belong to the scope's site
    (another town's addressee or category)."""
    from wagtail.models import Page

    key = _one(drill, "figure")
    figure = FIGURE.get(key)
    if figure is None:
        raise ValidationError(_("Unknown figure: %(key)s."), code="bad_figure",
                              params={"key": key})
    ctx = _Context(scope, period, compare=False, now=now)
    types = ctx.applicable(figure)
    record_type = _one(drill, "record_type")
    if record_type:
        if record_type not in types:
            raise ValidationError(_("Unknown service: %(key)s."), code="bad_service",
                                  params={"key": record_type})
        types = [record_type]
    rows = ctx.base.filter(record_type__in=types)
    bounds = ctx.current
    week = _one(drill, "week")
    if week:
        try:
            monday = date.fromisoformat(week)
        except ValueError:
            monday = None
        if monday is None or monday.weekday() or not (
                ctx.period.start - timedelta(days=6) <= monday <= ctx.period.end):
            raise ValidationError(_("This week is not in the period."), code="bad_week")
        start = max(monday, ctx.period.start)
        end = min(monday + timedelta(days=6), ctx.period.end)
        bounds = Period(start, end).bounds(ctx.tz)
    rows = rows.filter(_population(ctx, figure, bounds))
    part = _one(drill, "part")
    if part:
        condition = _part_q(ctx, figure)
        if part != "yes" or condition is None:
            raise ValidationError(_("Unknown part of a figure: %(part)s."), code="bad_part",
                                  params={"part": part})
        rows = rows.filter(condition)
    band = _one(drill, "band")
    if band:
        if band not in BAND or figure.key != "backlog":
            raise ValidationError(_("Unknown part of a figure: %(part)s."), code="bad_part",
                                  params={"part": band})
        rows = rows.filter(_band_q(ctx, band))
    labels = None
    for name in DIMENSIONS:
        code = _one(drill, name)
        if not code:
            continue
        if code == BLANK:
            rows = rows.filter(**{name: ""})
            continue
        if labels is None:
            labels = _label_maps(ctx)
        known = any(code in (labels.get(t) or {}).get(name, {}) for t in types)
        if not known and not ctx.base.filter(**{name: code}).exists():
            messages = {
                "category": _("This category is not one of this municipality's."),
                "district": _("This district is not one of this municipality's."),
                "channel": _("This channel is not one of this municipality's."),
            }
            raise ValidationError(messages[name], code=f"bad_{name}")
        rows = rows.filter(**{name: code})
    addressee = _one(drill, "addressee")
    root = getattr(getattr(scope.site, "root_page", None), "path", "") or ""
    if addressee:
        if addressee == BLANK:
            rows = rows.filter(addressee_path="")
        else:
            path = Page.objects.filter(pk=addressee).values_list("path", flat=True).first() \
                if addressee.isdigit() else None
            if path is None or not path.startswith(root) or not path.startswith(ctx.path):
                raise ValidationError(_("This addressee is not one of this municipality's "
                                        "or is outside the figures shown."),
                                      code="bad_addressee")
            if _one(drill, "direct"):
                rows = rows.filter(addressee_path=path)
            else:
                rows = rows.filter(addressee_path__startswith=path)
    path = _one(drill, "path")
    if path:
        if not path.startswith(root) or not path.startswith(ctx.path):
            raise ValidationError(_("This addressee is not one of this municipality's "
                                    "or is outside the figures shown."), code="bad_addressee")
        rows = rows.filter(addressee_path__startswith=path)
    return rows.order_by("-received_at", "-id")
