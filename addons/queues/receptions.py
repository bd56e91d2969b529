"""Deputies' receptions of citizens: a monthly (or any RFC 5545) rule, prolonged over the
booking horizon, listed on a public page and booked through the same queue engine.

A deputy's reception is a :class:`~.models.Queue` of a deputy addressee. Its rule is an
"extra hours" exception of that queue whose note is the rule, e.g.
``RRULE:FREQ=MONTHLY;BYDAY=+1TH`` on the date of the first reception, 15:00-17:00. From it
:func:`prolong` writes one "extra hours" exception per reception date up to the queue's
horizon (public holidays of the site's jurisdiction skipped, closed days kept closed); the
slot engine then offers those hours like any other. Reading the receptions prolongs each
rule once a day (:func:`prolong_due`; :func:`prolong_all` suits a scheduled job);
:func:`cancel_reception` calls one date off and tells those booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.rrule import rrulestr
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Site

from addons.core import calendars

from .models import ExceptionKind, Queue, ScheduleException, Ticket, TicketStatus

RULE_PREFIX = "RRULE:"
DEPUTY = "deputy"
#: how far ahead the public page looks by default
LIST_DAYS = 90


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


def rule_rows(queue: Queue):
    return queue.exceptions.filter(kind=ExceptionKind.EXTRA, note__istartswith=RULE_PREFIX)


def _jurisdiction(queue: Queue) -> str:
    from addons.core.models import SiteProfile

    return SiteProfile.for_site(queue.site).jurisdiction or ""


def _today(queue: Queue) -> date:
    from . import services

    return services.local_today(queue)


def set_schedule(queue: Queue, rule: str, first: date, start: time, end: time
                 ) -> ScheduleException:
    """Give ``queue`` the reception rule (replacing an earlier one) and prolong it."""
    parse_rule(rule, first)
    if start >= end:
        raise ValidationError(_("The reception ends before it starts."))
    text = rule.strip()
    if not text.upper().startswith(RULE_PREFIX):
        text = RULE_PREFIX + text
    with transaction.atomic():
        rule_rows(queue).delete()
        row = ScheduleException.objects.create(
            queue=queue, date=first, kind=ExceptionKind.EXTRA, start=start, end=end,
            note=text[:200],
        )
        prolong(queue)
    return row


def prolong(queue: Queue, today: date | None = None) -> int:
    """Write the reception dates of ``queue`` up to its horizon; the number written."""
    today = today or _today(queue)
    until = today + timedelta(days=queue.horizon_days)
    jurisdiction = _jurisdiction(queue)
    existing = list(queue.exceptions.filter(date__gte=today, date__lte=until))
    closed = {row.date for row in existing if row.kind != ExceptionKind.EXTRA}
    taken = {(row.date, row.start, row.end) for row in existing
             if row.kind == ExceptionKind.EXTRA}
    created = []
    for rule in rule_rows(queue):
        try:
            days = occurrences(rule.note, rule.date, today, until, jurisdiction)
        except ValidationError:
            continue
        for day in days:
            key = (day, rule.start, rule.end)
            if day in closed or key in taken:
                continue
            taken.add(key)
            created.append(ScheduleException(queue=queue, date=day, kind=ExceptionKind.EXTRA,
                                             start=rule.start, end=rule.end))
    ScheduleException.objects.bulk_create(created)
    return len(created)


def rule_queues(site=None):
    """Queues that have a reception rule (of ``site`` when given)."""
    queues = Queue.objects.filter(
        exceptions__kind=ExceptionKind.EXTRA, exceptions__note__istartswith=RULE_PREFIX
    ).distinct()
    return queues.filter(site=site) if site is not None else queues


def prolong_all() -> int:
    """For a scheduled job: prolong every queue that has a reception rule."""
    return sum(prolong(queue) for queue in rule_queues())


def prolong_due(site) -> None:
    """Prolong the rules of ``site`` once a day, when the receptions are first read that
    day (the horizon rolls without a job)."""
    from django.core.cache import cache

    for queue in rule_queues(site).select_related("site"):
        if cache.add(f"queues:receptions:prolonged:{queue.pk}:{_today(queue)}", 1, 86400):
            prolong(queue)


def cancel_reception(queue: Queue, day: date, user, reason: str = "") -> int:
    """Call off the reception of ``day``: its hours go, the day stays closed when the rule
    is prolonged, and every booked ticket is cancelled with a notice. The tickets cancelled."""
    from . import services

    with transaction.atomic():
        rows = queue.exceptions.filter(date=day, kind=ExceptionKind.EXTRA)
        for row in rows:
            if row.note.upper().startswith(RULE_PREFIX):
                # the rule's own row: it moves to the next reception after this one
                following = occurrences(row.note, row.date, day + timedelta(days=1),
                                        day + timedelta(days=400))
                if following:
                    row.date = following[0]
                    row.save(update_fields=["date"])
                continue
            row.delete()
        ScheduleException.objects.create(
            queue=queue, date=day, kind=ExceptionKind.CLOSED,
            note=(reason or _("Reception cancelled"))[:200],
        )
        tickets = list(Ticket.objects.filter(queue=queue, day=day, status=TicketStatus.BOOKED))
        for ticket in tickets:
            services.cancel(ticket, user)
    return len(tickets)


# --- the public page ----------------------------------------------------------------------


@dataclass
class Reception:
    queue: Queue
    day: date
    start: datetime
    end: datetime

    @property
    def deputy(self):
        return self.queue.addressee

    @property
    def book_url(self) -> str:
        url = reverse("queues:book", args=[self.queue.pk]) + f"?day={self.day.isoformat()}"
        services = list(self.queue.services.all())
        if len(services) == 1:
            url += f"&service={services[0].pk}"
        return url


def upcoming(site, *, deputy=None, group=None, since: date | None = None,
             until: date | None = None) -> list[Reception]:
    """The receptions of deputies of ``site`` in [since, until], in time order."""
    from . import services

    since = since or timezone.localdate()
    until = until or since + timedelta(days=LIST_DAYS)
    prolong_due(site)
    rows = (
        ScheduleException.objects.filter(
            kind=ExceptionKind.EXTRA, date__gte=since, date__lte=until,
            start__isnull=False, end__isnull=False,
            queue__site=site, queue__active=True, queue__addressee__kind=DEPUTY,
        )
        .select_related("queue", "queue__addressee", "queue__site")
        .prefetch_related("queue__services")
        .order_by("date", "start")
    )
    if deputy:
        rows = rows.filter(queue__addressee_id=deputy)
    if group:
        rows = rows.filter(queue__addressee__groups=group)
    closed = set(
        ScheduleException.objects.filter(date__gte=since, date__lte=until,
                                         queue__site=site)
        .exclude(kind=ExceptionKind.EXTRA).filter(start__isnull=True)
        .values_list("queue_id", "date")
    )
    result, seen = [], set()
    for row in rows:
        key = (row.queue_id, row.date, row.start)
        if key in seen or (row.queue_id, row.date) in closed:
            continue
        seen.add(key)
        tz = services.queue_timezone(row.queue)
        result.append(Reception(
            queue=row.queue, day=row.date,
            start=datetime.combine(row.date, row.start, tzinfo=tz),
            end=datetime.combine(row.date, row.end, tzinfo=tz),
        ))
    return result


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReceptionFilterForm(forms.Form):
    deputy = forms.TypedChoiceField(label=gettext_lazy("Deputy"), required=False, coerce=int,
                                    empty_value=None)
    group = forms.TypedChoiceField(label=gettext_lazy("District or faction"), required=False,
                                   coerce=int, empty_value=None)
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    until = forms.DateField(label=gettext_lazy("Until"), required=False, widget=DateInput())

    def __init__(self, data=None, *, site, **kwargs):
        super().__init__(data, **kwargs)
        from addons.addressees.models import AddresseeGroup, AddresseePage

        deputies = (AddresseePage.objects.live().filter(kind=DEPUTY, queues__site=site)
                    .distinct().order_by("title"))
        self.fields["deputy"].choices = [("", _("Every deputy"))] + [
            (page.pk, page.title) for page in deputies]
        groups = AddresseeGroup.objects.filter(addressees__in=deputies).distinct()
        self.fields["group"].choices = [("", _("Every district"))] + [
            (group.pk, group.name) for group in groups.order_by("name")]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("since") and cleaned.get("until") and cleaned["since"] > cleaned["until"]:
            self.add_error("until", _("The end of the period is before its start."))
        return cleaned


def _filtered(request):
    site = Site.find_for_request(request)
    form = ReceptionFilterForm(request.GET or None, site=site)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    items = upcoming(site, deputy=data.get("deputy"), group=data.get("group"),
                     since=data.get("since"), until=data.get("until")) if site else []
    return form, items


def receptions_page(request):
    """Upcoming receptions of every deputy, with filters; each links to its booking."""
    form, items = _filtered(request)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "queues/receptions/list.html",
                  {"form": form, "receptions": items}, status=status)


def receptions_feed(request):
    """The same list as an iCalendar feed."""
    from .exports import calendar_text

    _form, items = _filtered(request)
    host = request.get_host().split(":")[0]
    events = [{
        "uid": f"reception-{item.queue.pk}-{item.day.isoformat()}-{item.start:%H%M}@{host}",
        "start": item.start, "end": item.end,
        "summary": f"{item.deputy.title}: {item.queue.title}",
        "location": item.queue.place, "url": request.build_absolute_uri(item.book_url),
    } for item in items]
    response = HttpResponse(calendar_text(_("Receptions of deputies"), events),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="receptions.ics"'
    return response


urlpatterns = [
    path("", receptions_page, name="list"),
    path("feed.ics", receptions_feed, name="feed"),
]
