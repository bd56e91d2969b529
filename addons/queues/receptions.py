"""Deputies' receptions of citizens: recurring hours kept as RFC 5545 rules, prolonged over
the booking horizon, listed on a public page and booked through the same queue engine.

A deputy's reception is a :class:`~.models.Queue` of a deputy addressee with one or more
:class:`~.models.ReceptionRule` rows ("the first Thursday of each month, 15:00-17:00", or any
RRULE). :func:`prolong` writes one generated "extra hours" exception per date up to the
queue's horizon (public holidays of the site's jurisdiction skipped, days off kept off); the
slot engine offers those hours like any other. The job ``queues.prolong_receptions`` keeps
the horizon rolling every night, and saving a queue in the admin prolongs it at once.
:func:`cancel_reception` calls one date off, keeps it listed as cancelled with its reason
and tells those booked.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.rrule import rrulestr
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Site

from addons.core import calendars
from addons.core.forms import DateInput
from addons.core.public_cache import VersionToken

from .forms import BoundedDateField
from .models import (
    ExceptionKind,
    Frequency,
    Queue,
    ReceptionRule,
    ScheduleException,
    Ticket,
    TicketStatus,
)

logger = logging.getLogger(__name__)

RULE_PREFIX = "RRULE:"
DEPUTY = "deputy"
#: how far ahead the public page looks by default
LIST_DAYS = 90
#: the longest period the public page lists at once (a year)
MAX_LIST_DAYS = 366
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

#: "the first Thursday of the month" in words: one string per pair, since ordinals agree with
#: the weekday's gender in Ukrainian, Romanian and Bulgarian
MONTHLY_WORDS = {
    (1, 0): gettext_lazy("the first Monday"), (1, 1): gettext_lazy("the first Tuesday"),
    (1, 2): gettext_lazy("the first Wednesday"), (1, 3): gettext_lazy("the first Thursday"),
    (1, 4): gettext_lazy("the first Friday"), (1, 5): gettext_lazy("the first Saturday"),
    (1, 6): gettext_lazy("the first Sunday"),
    (2, 0): gettext_lazy("the second Monday"), (2, 1): gettext_lazy("the second Tuesday"),
    (2, 2): gettext_lazy("the second Wednesday"), (2, 3): gettext_lazy("the second Thursday"),
    (2, 4): gettext_lazy("the second Friday"), (2, 5): gettext_lazy("the second Saturday"),
    (2, 6): gettext_lazy("the second Sunday"),
    (3, 0): gettext_lazy("the third Monday"), (3, 1): gettext_lazy("the third Tuesday"),
    (3, 2): gettext_lazy("the third Wednesday"), (3, 3): gettext_lazy("the third Thursday"),
    (3, 4): gettext_lazy("the third Friday"), (3, 5): gettext_lazy("the third Saturday"),
    (3, 6): gettext_lazy("the third Sunday"),
    (4, 0): gettext_lazy("the fourth Monday"), (4, 1): gettext_lazy("the fourth Tuesday"),
    (4, 2): gettext_lazy("the fourth Wednesday"), (4, 3): gettext_lazy("the fourth Thursday"),
    (4, 4): gettext_lazy("the fourth Friday"), (4, 5): gettext_lazy("the fourth Saturday"),
    (4, 6): gettext_lazy("the fourth Sunday"),
    (-1, 0): gettext_lazy("the last Monday"), (-1, 1): gettext_lazy("the last Tuesday"),
    (-1, 2): gettext_lazy("the last Wednesday"), (-1, 3): gettext_lazy("the last Thursday"),
    (-1, 4): gettext_lazy("the last Friday"), (-1, 5): gettext_lazy("the last Saturday"),
    (-1, 6): gettext_lazy("the last Sunday"),
}
WEEKLY_WORDS = (
    gettext_lazy("on Mondays"), gettext_lazy("on Tuesdays"), gettext_lazy("on Wednesdays"),
    gettext_lazy("on Thursdays"), gettext_lazy("on Fridays"), gettext_lazy("on Saturdays"),
    gettext_lazy("on Sundays"),
)


# --- the rule -----------------------------------------------------------------------------


def parse_rule(text: str, first: date):
    """The dateutil rule of ``text`` (``RRULE:...`` or the bare ``FREQ=...``) starting on
    ``first``; ValidationError when it is not a valid recurrence rule."""
    body = text.strip()
    if body.upper().startswith(RULE_PREFIX):
        body = body[len(RULE_PREFIX):]
    if "FREQ=" not in body.upper():
        raise ValidationError(_("A recurrence rule needs FREQ, e.g. FREQ=MONTHLY;BYDAY=+1TH."))
    try:
        return rrulestr(body, dtstart=datetime.combine(first, time.min), ignoretz=True)
    except (ValueError, TypeError) as error:
        raise ValidationError(_("This is not a valid recurrence rule.")) from error


def occurrences(text: str, first: date, since: date, until: date,
                jurisdiction: str | None = None) -> list[date]:
    """Dates of the rule in [since, until], public holidays of ``jurisdiction`` left out."""
    rule = parse_rule(text, first)
    start = datetime.combine(max(first, since), time.min)
    days = [moment.date() for moment in rule.between(
        start, datetime.combine(until, time.max), inc=True)]
    if jurisdiction:
        try:
            days = [day for day in days if not calendars.is_public_holiday(day, jurisdiction)]
        except calendars.UnknownJurisdiction:
            pass
    return days


def rule_text(rule: ReceptionRule) -> str:
    """The RFC 5545 RRULE body of ``rule``: its advanced text, or one built from the
    choices (``FREQ=MONTHLY;BYDAY=+1TH``)."""
    if rule.rrule.strip():
        body = rule.rrule.strip()
        return body[len(RULE_PREFIX):] if body.upper().startswith(RULE_PREFIX) else body
    code = WEEKDAY_CODES[rule.weekday]
    interval = f";INTERVAL={rule.interval}" if rule.interval and rule.interval > 1 else ""
    if rule.frequency == Frequency.WEEKLY:
        return f"FREQ=WEEKLY{interval};BYDAY={code}"
    return f"FREQ=MONTHLY{interval};BYDAY={rule.ordinal:+d}{code}"


def validate_rule(rule: ReceptionRule) -> None:
    """ValidationError (by field) when ``rule`` cannot give reception dates."""
    errors = {}
    if rule.start and rule.end and rule.start >= rule.end:
        errors["end"] = _("The reception ends before it starts.")
    if rule.ends_on and rule.starts_on and rule.ends_on < rule.starts_on:
        errors["ends_on"] = _("The last date is before the first one.")
    if not rule.rrule.strip() and rule.frequency == Frequency.MONTHLY and not rule.ordinal:
        errors["ordinal"] = _("Say which weekday of the month, e.g. the first Thursday.")
    if not errors:
        first = rule.starts_on or timezone.localdate()
        try:
            parsed = parse_rule(rule_text(rule), first)
        except ValidationError as error:
            errors["rrule"] = error.messages
        else:
            if parsed.after(datetime.combine(first, time.min), inc=True) is None:
                errors["rrule"] = _("This rule gives no reception date.")
    if errors:
        raise ValidationError(errors)


def describe(rule: ReceptionRule) -> str:
    """The rule in words: "the first Thursday of the month, 15:00-17:00"."""
    hours = f"{rule.start:%H:%M}–{rule.end:%H:%M}" if rule.start and rule.end else ""
    if rule.rrule.strip():
        when = _("by the rule %(rule)s") % {"rule": rule_text(rule)}
    elif rule.frequency == Frequency.WEEKLY:
        when = str(WEEKLY_WORDS[rule.weekday])
        if rule.interval > 1:
            when = _("%(days)s, every %(count)s weeks") % {"days": when,
                                                            "count": rule.interval}
    else:
        words = MONTHLY_WORDS.get((rule.ordinal, rule.weekday), "")
        if rule.interval > 1:
            when = _("%(day)s of every %(count)s months") % {"day": words,
                                                             "count": rule.interval}
        else:
            when = _("%(day)s of the month") % {"day": words}
    return f"{when}, {hours}" if hours else when


def rule_dates(rule: ReceptionRule, since: date, until: date,
               jurisdiction: str | None = None) -> list[date]:
    """The dates ``rule`` gives in [since, until] (its own bounds applied)."""
    if rule.ends_on:
        until = min(until, rule.ends_on)
    if until < since:
        return []
    return occurrences(rule_text(rule), rule.starts_on, since, until, jurisdiction)


def _jurisdiction(queue: Queue) -> str:
    from . import services

    return services._profile(queue).jurisdiction or ""


def _today(queue: Queue) -> date:
    from . import services

    return services.local_today(queue)


def set_schedule(queue: Queue, rule: str, first: date, start: time, end: time
                 ) -> ReceptionRule:
    """Give ``queue`` a single reception rule given as RRULE text (replacing the earlier
    ones) and prolong it."""
    parse_rule(rule, first)
    row = ReceptionRule(queue=queue, rrule=rule.strip()[:300], starts_on=first, start=start,
                        end=end)
    validate_rule(row)
    with transaction.atomic():
        queue.reception_rules.all().delete()
        row.save()
        prolong(queue)
    return row


def _booked_days(queue: Queue, since: date) -> set[date]:
    return set(Ticket.objects.filter(queue=queue, day__gte=since, status=TicketStatus.BOOKED)
               .values_list("day", flat=True))


def prolong(queue: Queue, today: date | None = None) -> int:
    """Bring the generated reception dates of ``queue`` in line with its rules from today
    up to its horizon: write the missing ones (public holidays skipped, days off kept off)
    and remove future ones no rule gives any longer, unless somebody is booked on them.
    The number of dates written."""
    today = today or _today(queue)
    until = today + timedelta(days=queue.horizon_days)
    jurisdiction = _jurisdiction(queue)
    existing = list(queue.exceptions.filter(date__gte=today))
    closed = {row.date for row in existing
              if row.kind != ExceptionKind.EXTRA and not (row.start and row.end)}
    wanted = {}
    for rule in queue.reception_rules.all():
        try:
            days = rule_dates(rule, today, until, jurisdiction)
        except ValidationError:
            continue
        for day in days:
            wanted.setdefault((day, rule.start, rule.end), rule)
    present = set()
    stale = []
    for row in existing:
        if row.kind != ExceptionKind.EXTRA:
            continue
        key = (row.date, row.start, row.end)
        if row.generated and (key not in wanted or key in present):
            stale.append(row)
        else:
            present.add(key)
    booked = _booked_days(queue, today) if stale else set()
    removable = [row.pk for row in stale if row.date not in booked]
    created = [
        ScheduleException(queue=queue, date=day, kind=ExceptionKind.EXTRA, start=start,
                          end=end, rule=rule, generated=True)
        for (day, start, end), rule in sorted(wanted.items(), key=lambda item: item[0])
        if (day, start, end) not in present and day not in closed
    ]
    with transaction.atomic():
        if removable:
            ScheduleException.objects.filter(pk__in=removable).delete()
        ScheduleException.objects.bulk_create(created)
    if created or removable:
        changed()  # bulk writes send no signal
    return len(created)


def rule_queues(site=None):
    """Queues that have a reception rule (of ``site`` when given)."""
    queues = Queue.objects.filter(reception_rules__isnull=False).distinct()
    return queues.filter(site=site) if site is not None else queues


def site_profile(site):
    """The site's profile (time zone, jurisdiction): one query, for a whole list."""
    from addons.core.models import SiteProfile

    return SiteProfile.for_site(site)


def site_today(profile) -> date:
    """Today in the time zone of the site whose profile is ``profile``."""
    from . import services

    return timezone.now().astimezone(services.zone(profile.time_zone)).date()


#: a day's mark that the receptions of a site are prolonged (by the job or the page)
PROLONGED_KEY = "queues:receptions:prolonged:{site}:{day}"
#: the mark outlives its day (its key names the day): two days
PROLONGED_TTL = 2 * 86400


def _prolonged_key(site_id: int, day: date) -> str:
    return PROLONGED_KEY.format(site=site_id, day=day.isoformat())


def prolong_site(site, profile=None) -> int:
    """Prolong every reception queue of ``site`` (its profile read once) and mark the
    site's day as done. The number of dates written."""
    from django.core.cache import cache

    profile = profile or site_profile(site)
    written = 0
    for queue in rule_queues(site).select_related("site"):
        queue._site_profile = profile
        written += prolong(queue)
    cache.set(_prolonged_key(site.pk, site_today(profile)), 1, PROLONGED_TTL)
    return written


def prolong_all() -> int:
    """The nightly job (``queues.prolong_receptions``): prolong every queue that has a
    reception rule, site by site, and mark each site's day as done so that no page view
    does it again that day."""
    sites = Site.objects.filter(
        pk__in=Queue.objects.filter(reception_rules__isnull=False).values("site_id"))
    return sum(prolong_site(site) for site in sites)


def prolong_due(site, profile=None) -> None:
    """Prolong the rules of ``site`` when the nightly job has not done it today yet (the
    list is right even before the job has run): one cache read per call once the day is
    done. Only the first caller of the day prolongs."""
    from django.core.cache import cache

    profile = profile or site_profile(site)
    key = _prolonged_key(site.pk, site_today(profile))
    if cache.get(key) is None and cache.add(key, 1, PROLONGED_TTL):
        try:
            prolong_site(site, profile)
        except Exception:  # the list is still shown; a later view tries again
            logger.exception("Prolonging the receptions of site %s failed", site.pk)
            cache.delete(key)


def cancel_reception(queue: Queue, day: date, user, reason: str = "") -> int:
    """Call off the reception of ``day``: its hours go (the day stays off when the rules
    are prolonged, and is listed as cancelled with ``reason``) and every booked ticket is
    cancelled with a notice. The number of tickets cancelled."""
    from . import services

    note = (reason or _("Reception cancelled"))[:200]
    with transaction.atomic():
        rows = list(queue.exceptions.filter(date=day, kind=ExceptionKind.EXTRA))
        rule = next((row.rule for row in rows if row.rule_id), None)
        ScheduleException.objects.filter(pk__in=[row.pk for row in rows]).delete()
        ScheduleException.objects.create(queue=queue, date=day, kind=ExceptionKind.CLOSED,
                                         note=note, rule=rule, generated=rule is not None)
        tickets = list(Ticket.objects.filter(queue=queue, day=day, status=TicketStatus.BOOKED))
        for ticket in tickets:
            services.cancel(ticket, user, note)
    return len(tickets)


# --- the cached list -----------------------------------------------------------------------

#: one token for every cached list and feed of receptions: replaced by each change of what
#: they show (dates, rules, queues, their services, deputies' pages, a site's profile)
VERSION = VersionToken("queues:receptions:version")
#: seconds a rendered list stays in the cache (each change replaces the version anyway)
CACHE_TIMEOUT = 24 * 3600


def changed() -> None:
    """What the receptions list shows has changed: every cached list and feed is dropped
    now, and again once the transaction commits (so no reader caches what it read in
    between)."""
    VERSION.bump()


def cache_key(kind: str, site, profile, filters: dict | None = None, *extra) -> str:
    """The key of a cached list or feed: the version, the site, its day and time zone,
    the language, the filters (and ``extra``, e.g. the host of the feed's links); of the
    filter's choices (no ``profile``): the version and the site."""
    from django.utils.translation import get_language

    parts = [kind, VERSION.get(), getattr(site, "pk", "")]
    if profile is not None:
        parts += [site_today(profile).isoformat(), profile.time_zone, get_language() or "",
                  *(f"{name}={(filters or {}).get(name) or ''}"
                    for name in ("deputy", "group", "since", "until")), *extra]
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()
    return f"queues:receptions:{kind}:{digest[:40]}"


# --- the public page ----------------------------------------------------------------------


@dataclass
class Reception:
    queue: Queue
    day: date
    start: datetime
    end: datetime
    #: called off for this date; ``notice`` says why
    cancelled: bool = False
    notice: str = ""

    @property
    def deputy(self):
        return self.queue.addressee

    @property
    def summary(self) -> str:
        """The deputy and the queue, the deputy's name said once: a queue titled
        "<deputy>: reception of citizens" is not prefixed with the name again."""
        title = self.queue.title
        name = self.deputy.title if self.deputy else ""
        if not name or name.casefold() in title.casefold():
            return title
        return f"{name}: {title}"

    @property
    def address(self) -> str:
        """Where the reception takes place: place, street, floor, room."""
        return self.queue.full_address()

    @property
    def book_url(self) -> str:
        url = reverse("queues:book", args=[self.queue.pk]) + f"?day={self.day.isoformat()}"
        services = list(self.queue.services.all())
        if len(services) == 1:
            url += f"&service={services[0].pk}"
        return url


def upcoming(site, *, deputy=None, group=None, since: date | None = None,
             until: date | None = None, profile=None) -> list[Reception]:
    """The receptions of deputies of ``site`` in [since, until], in time order; dates
    called off are included with ``cancelled`` set. A constant number of queries (the
    site's ``profile`` is read once, or given)."""
    from . import services

    profile = profile or site_profile(site)
    tz = services.zone(profile.time_zone)
    since = since or site_today(profile)
    until = until or since + timedelta(days=LIST_DAYS)
    prolong_due(site, profile)
    rows = (
        ScheduleException.objects.filter(
            date__gte=since, date__lte=until,
            queue__site=site, queue__active=True, queue__addressee__kind=DEPUTY,
        )
        .select_related("queue", "queue__addressee", "queue__site", "rule")
        .prefetch_related("queue__services")
        .order_by("date", "start")
    )
    if deputy:
        rows = rows.filter(queue__addressee_id=deputy)
    if group:
        rows = rows.filter(queue__addressee__groups=group)
    rows = list(rows)
    closed = {(row.queue_id, row.date) for row in rows
              if row.kind != ExceptionKind.EXTRA and not (row.start and row.end)}
    result, seen = [], set()
    for row in rows:
        if row.kind == ExceptionKind.EXTRA and row.start and row.end:
            if row.generated and (row.queue_id, row.date) in closed:
                continue
            start, end, cancelled = row.start, row.end, False
        elif row.generated and row.rule_id and row.kind == ExceptionKind.CLOSED:
            start, end, cancelled = row.rule.start, row.rule.end, True
        else:
            continue
        key = (row.queue_id, row.date, start)
        if key in seen:
            continue
        seen.add(key)
        row.queue._site_profile = profile  # one profile for the whole list
        result.append(Reception(
            queue=row.queue, day=row.date,
            start=datetime.combine(row.date, start, tzinfo=tz),
            end=datetime.combine(row.date, end, tzinfo=tz),
            cancelled=cancelled, notice=row.note if cancelled else "",
        ))
    result.sort(key=lambda item: (item.start, item.queue.title))
    return result


class ReceptionFilterForm(forms.Form):
    deputy = forms.TypedChoiceField(label=gettext_lazy("Deputy"), required=False, coerce=int,
                                    empty_value=None)
    group = forms.TypedChoiceField(label=gettext_lazy("District or faction"), required=False,
                                   coerce=int, empty_value=None)
    since = BoundedDateField(label=gettext_lazy("Receptions from"), required=False,
                            widget=DateInput())
    until = BoundedDateField(label=gettext_lazy("Receptions until"), required=False,
                            widget=DateInput())

    def __init__(self, data=None, *, site, **kwargs):
        super().__init__(data, **kwargs)
        from django.core.cache import cache

        from addons.addressees.models import AddresseeGroup, AddresseePage

        # the deputies who have a queue on this site (a council's few dozen) and their
        # districts: ids and names read as values (no page is built), kept in the cache
        # with the list (the same version drops them)
        key = cache_key("choices", site, None)
        choices = cache.get(key) if site is not None else None
        if choices is None:
            deputies = (AddresseePage.objects.live().filter(kind=DEPUTY, queues__site=site)
                        .values("pk"))
            choices = (
                list(AddresseePage.objects.filter(pk__in=deputies).order_by("title", "pk")
                     .values_list("pk", "title")),
                list(AddresseeGroup.objects.filter(addressees__in=deputies).distinct()
                     .order_by("name", "pk").values_list("pk", "name")),
            )
            if site is not None:
                cache.set(key, choices, CACHE_TIMEOUT)
        self.fields["deputy"].choices = [("", _("Every deputy")), *choices[0]]
        self.fields["group"].choices = [("", _("Every district")), *choices[1]]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period is before its start."))
        elif until and (until - (since or timezone.localdate())).days > MAX_LIST_DAYS:
            self.add_error("until", _("Choose a period of at most a year."))
        return cleaned


def _filtered(request):
    """The filter form, the site, its profile and the filters to apply (none when the form
    is not valid)."""
    from addons.core.middleware import site_profile as request_profile

    site = Site.find_for_request(request)
    form = ReceptionFilterForm(request.GET or None, site=site)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    profile = request_profile(request) if site else None
    return form, site, profile, data


def _items(site, profile, data) -> list[Reception]:
    return upcoming(site, deputy=data.get("deputy"), group=data.get("group"),
                    since=data.get("since"), until=data.get("until"), profile=profile)


def receptions_page(request):
    """Upcoming receptions of every deputy, with filters; each links to its booking. The
    list is the same for every visitor of a site in a language: it is rendered once into
    the cache per filter and day, and rendered again after any change it shows."""
    from django.core.cache import cache

    form, site, profile, data = _filtered(request)
    status = 400 if form.is_bound and form.errors else 200
    listing = ""
    if site is not None:
        key = cache_key("list", site, profile, data)
        listing = cache.get(key)
        if listing is None:
            listing = render_to_string("queues/receptions/items.html",
                                       {"receptions": _items(site, profile, data)})
            cache.set(key, listing, CACHE_TIMEOUT)
    return render(request, "queues/receptions/list.html",
                  {"form": form, "listing": mark_safe(listing)}, status=status)


def receptions_feed(request):
    """The same list as an iCalendar feed (cached like the list, per host)."""
    from django.core.cache import cache

    from addons.core.sites import branding

    from .exports import calendar_text

    _form, site, profile, data = _filtered(request)
    host = request.get_host().split(":")[0]
    key = cache_key("feed", site, profile, data, request.scheme, request.get_host()) \
        if site is not None else None
    text = cache.get(key) if key else None
    if text is None:
        items = _items(site, profile, data) if site is not None else []
        city = branding(site)["name"]
        events = [{
            "uid": f"reception-{item.queue.pk}-{item.day.isoformat()}-{item.start:%H%M}@{host}",
            "start": item.start, "end": item.end,
            "summary": item.summary,
            "location": item.queue.full_address(city),
            "url": request.build_absolute_uri(item.book_url),
            "status": "CANCELLED" if item.cancelled else "",
            "description": item.notice,
        } for item in items]
        text = calendar_text(_("Receptions of deputies"), events)
        if key:
            cache.set(key, text, CACHE_TIMEOUT)
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="receptions.ics"'
    return response


urlpatterns = [
    path("", receptions_page, name="list"),
    path("feed.ics", receptions_feed, name="feed"),
]
