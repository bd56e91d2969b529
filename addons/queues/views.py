"""Citizen pages of the electronic queue: book, see, print, download, cancel and move a
ticket. Every rule is in ``services``; these views only ask and show."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail.models import Site

from addons.core.validation import parse_pk

from . import services
from .documents import city, qr_data_uri, ticket_lines, ticket_url
from .documents import ticket_ics as build_ics
from .documents import ticket_pdf as build_pdf
from .forms import FIRST_DAY, LAST_DAY, BookingForm
from .models import Queue, Ticket


def _site(request):
    return Site.find_for_request(request)


def _queue(request, queue_id) -> Queue:
    queue = get_object_or_404(Queue.objects.select_related("addressee", "site"),
                              pk=parse_pk(queue_id), active=True)
    site = _site(request)
    if site is not None and queue.site_id != site.pk:
        raise Http404
    return queue


def _booking_queue(request, queue_id) -> Queue:
    """The queue of a booking page with its services and fields: for a page being looked
    at (GET), from the cache until the queue, a service or a field changes
    (``services.CALENDAR_VERSION``)."""
    if request.method != "GET":
        return _queue(request, queue_id)
    pk = parse_pk(queue_id)
    key = f"queues:booking-queue:{services.CALENDAR_VERSION.get()}:{pk}"
    queue = cache.get(key) if pk is not None else None
    if queue is None:
        queue = _queue(request, queue_id)
        queue._booking_services = list(queue.services.all())
        queue._booking_fields = list(queue.fields.all())
        cache.set(key, queue, 300)
    site = _site(request)
    if site is not None and queue.site_id != site.pk:
        raise Http404
    return queue


def _services_of(queue) -> list:
    found = getattr(queue, "_booking_services", None)
    return found if found is not None else list(queue.services.all())


def _parse_day(value) -> date | None:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def _service(queue, value):
    pk = parse_pk(value)
    if pk is None:
        return None
    kept = getattr(queue, "_booking_services", None)
    if kept is not None:
        return next((service for service in kept if service.pk == pk), None)
    return queue.services.filter(pk=pk).first()


def _calendar(queue, service, selected):
    """Weeks of the horizon: lists of (day or None, free count, selected) from Monday."""
    today = services.local_today(queue)
    last = services.last_bookable_day(queue)
    free = dict(services.free_days(queue, service, today, last))
    weeks, week = [], [None] * today.weekday()
    day = today
    while day <= last:
        week.append({"day": day, "free": free.get(day, 0), "selected": day == selected})
        if len(week) == 7:
            weeks.append(week)
            week = []
        day += timedelta(days=1)
    if week:
        weeks.append(week + [None] * (7 - len(week)))
    return weeks


def _calendar_html(queue, service, selected) -> str:
    """The month table of free days: the same for every citizen, so kept in the cache per
    queue, service, chosen day and language until a slot is taken or released or the
    queue's hours change (``services.CALENDAR_VERSION``), at most for a minute."""
    now = timezone.now().timestamp()
    key = (f"queues:calendar-html:{services.CALENDAR_VERSION.get()}:{queue.pk}:{service.pk}:"
           f"{selected}:{get_language()}:{int(now // 60)}")
    html = cache.get(key)
    if html is None:
        html = render_to_string("queues/includes/calendar.html",
                                {"weeks": _calendar(queue, service, selected),
                                 "service": service})
        cache.set(key, html, max(1, int(60 - now % 60)))
    return mark_safe(html)  # noqa: S308  (rendered by our own template, escaped there)


def _time_step(request, queue, service, *, ticket=None, template="queues/book.html"):
    """Shared by booking and moving: the calendar, the day's free times and the form."""
    tz = services.queue_timezone(queue)
    kept_fields = getattr(queue, "_booking_fields", None)
    fields = [] if ticket else (kept_fields if kept_fields is not None
                                else list(queue.fields.all()))
    question = ticket is None and queue.is_reception
    day = _parse_day(request.POST.get("day") or request.GET.get("day"))
    status = 200
    alternatives = []
    if request.method == "POST":
        slots = services.free_slots(queue, service, day) if day else []
        form = BookingForm(request.POST, slots=slots, fields=fields, tz=tz, all_times=True,
                           question=question)
        if form.is_valid():
            try:
                if ticket is None:
                    result = services.book(queue, service, request.user,
                                           form.cleaned_data["start"], form.answers(),
                                           token=form.cleaned_data["token"] or None,
                                           question=form.cleaned_data.get("question", ""))
                else:
                    result = services.move(ticket, request.user, form.cleaned_data["start"])
                    messages.success(request, _("The ticket is moved."))
                return redirect(result.get_absolute_url())
            except services.SlotTaken as error:
                alternatives = error.alternatives
                form.add_error("start", str(error.message))
            except services.BookingError as error:
                form.add_error(None, str(error.message))
        status = 400
        slots = services.free_slots(queue, service, day) if day else []
        data = request.POST
        if form.token_refused:  # the form comes back with a fresh one-time value
            data = data.copy()
            data[form.add_prefix("token")] = uuid.uuid4().hex
        rebound = BookingForm(data, slots=slots, fields=fields, tz=tz, question=question)
        rebound._errors = form.errors  # keep the errors, offer only free times
        form = rebound
    else:
        slots = services.free_slots(queue, service, day) if day else []
        form = BookingForm(slots=slots, fields=fields, tz=tz, question=question)
    free_slots = [slot for slot in slots if slot[2] > 0]
    context = {
        "queue": queue, "service": service, "services": _services_of(queue), "day": day,
        "calendar_html": _calendar_html(queue, service, day), "form": form,
        "free_slots": free_slots,
        "alternatives": alternatives, "ticket": ticket, "tz": tz,
        "blocked_until": services.blocked_until(queue, request.user) if not ticket else None,
        "missing_profile": services.missing_profile(queue, request.user) if not ticket else [],
    }
    return render(request, template, context, status=status)


@never_cache
@login_required
def book(request, queue_id):
    """Choose the service, then a day in the calendar, then a time; fill the fields and
    confirm."""
    queue = _booking_queue(request, queue_id)
    service = _service(queue, request.POST.get("service") or request.GET.get("service"))
    if service is None:
        if request.GET.get("service") or request.POST.get("service"):
            raise Http404
        return render(request, "queues/book.html",
                      {"queue": queue, "services": _services_of(queue), "service": None})
    return _time_step(request, queue, service)


def _ticket(request, code) -> Ticket:
    """The ticket of ``code`` on this site (a town's pages show its own tickets only)."""
    queryset = Ticket.objects.select_related("queue__site", "queue__addressee", "citizen",
                                             "service")
    site = _site(request)
    if site is not None:
        queryset = queryset.filter(queue__site=site)
    return get_object_or_404(queryset, code=code)


@never_cache
def ticket(request, code):
    """The ticket: in full for its owner and the queue's staff; otherwise nothing personal."""
    item = _ticket(request, code)
    if not services.can_view_ticket(request.user, item):
        return render(request, "queues/ticket_public.html", {"ticket": item}, status=200)
    url = ticket_url(item, request)
    return render(request, "queues/ticket.html", {
        "ticket": item, "lines": ticket_lines(item), "qr": qr_data_uri(url), "url": url,
        "city": city(item),
        "is_owner": item.citizen_id == request.user.pk,
        "is_staff": services.can_manage_ticket(request.user, item),
    })


def _owned(request, code) -> Ticket:
    item = _ticket(request, code)
    if not services.can_view_ticket(request.user, item):
        raise Http404
    return item


@never_cache
@login_required
def ticket_pdf(request, code):
    item = _owned(request, code)
    response = HttpResponse(build_pdf(item, ticket_url(item, request)),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="ticket-{item.number}.pdf"'
    return response


@never_cache
@login_required
def ticket_ics(request, code):
    item = _owned(request, code)
    response = HttpResponse(build_ics(item, ticket_url(item, request)),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ticket-{item.number}.ics"'
    return response


@login_required
@require_POST
def email_ticket(request, code):
    """Send the ticket with its PDF to the owner's email again."""
    from .emails import send_ticket_email

    item = _owned(request, code)
    if item.citizen_id != request.user.pk:
        raise Http404
    if send_ticket_email(item.pk, copy=False):
        messages.success(request, _("The ticket is sent to your email."))
    else:
        messages.error(request, _("The email could not be sent. Download the PDF instead."))
    return redirect(item.get_absolute_url())


@login_required
@require_POST
def cancel_ticket(request, code):
    item = _owned(request, code)
    try:
        services.cancel(item, request.user)
        messages.success(request, _("The ticket is cancelled; the time is free for others."))
    except services.BookingError as error:
        messages.error(request, str(error.message))
    return redirect(item.get_absolute_url())


@never_cache
@login_required
def move_ticket(request, code):
    item = _owned(request, code)
    if not item.is_active or item.service is None:
        messages.error(request, _("Only a booked future ticket can be moved."))
        return redirect(item.get_absolute_url())
    return _time_step(request, item.queue, item.service, ticket=item)


def _with_local_times(tickets):
    """Give each ticket ``local_start`` in its queue's site time zone (one profile lookup
    per site, not per ticket)."""
    zones = {}
    for ticket in tickets:
        site_id = ticket.queue.site_id
        if site_id not in zones:
            zones[site_id] = services.queue_timezone(ticket.queue)
        # naive on purpose: templates would convert an aware value to the server's zone
        ticket.local_start = ticket.start.astimezone(zones[site_id]).replace(tzinfo=None)
    return tickets


def _this_sites(request, tickets):
    """Only the tickets of this town's queues (its links open on this host only)."""
    site = _site(request)
    return tickets.filter(queue__site=site) if site is not None else tickets


@never_cache
@login_required
def my_tickets(request):
    tickets = _with_local_times(list(
        _this_sites(request, Ticket.objects.filter(citizen=request.user))
        .select_related("queue").order_by("-start")
    ))
    return render(request, "queues/my_tickets.html", {"tickets": tickets})


def cabinet_context(request):
    """The cabinet's "My tickets": upcoming booked tickets first."""
    if not request.user.is_authenticated:
        return {"tickets": []}
    tickets = list(_this_sites(request, Ticket.objects.filter(citizen=request.user)).active()
                   .select_related("queue").order_by("start")[:10])
    return {"tickets": _with_local_times(tickets)}
