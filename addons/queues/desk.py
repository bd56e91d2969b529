"""The old addresses of the specialist's desk (``/queues/desk/...``): the desk itself is in
the admin now (core's casework screens of ``Casework(key="tickets")``, see apps.py).

Bookmarks and scanned ticket codes keep working: the day list, a ticket and its files
redirect to the admin desk, a lookup by number, code or scanned ticket URL opens the ticket
there. The queue's exports and its private calendar feed keep their addresses (feeds.py).
A ticket is revealed only to those who handle it: anyone else gets 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache

from addons.core.validation import parse_pk

from . import staff
from .forms import BoundedDateField
from .models import Ticket, TicketFile

# who works at the desk (staff.py), under their former names
is_administrator = staff.is_administrator
desk_addressee_ids = staff.desk_addressee_ids
desk_queues = staff.desk_queues
desk_tickets = staff.desk_tickets
is_desk_staff = staff.is_desk_staff
can_handle = staff.can_handle


def _staff_only(request):
    if not is_desk_staff(request.user):
        raise Http404


def _handled_ticket(request, code) -> Ticket:
    ticket = get_object_or_404(Ticket.objects.select_related("queue"), code=code)
    if not can_handle(request.user, ticket):
        raise Http404
    return ticket


@never_cache
def today(request):
    """The day list: the admin desk's list of that day (``?date=``, default today)."""
    _staff_only(request)
    field = BoundedDateField(required=False)
    try:
        day = field.clean(request.GET.get("date") or None)
    except Exception:  # a mistyped day: today, as the desk always did
        day = None
    if day is None:
        return redirect(staff.LIST_URL_NAME)
    return redirect(staff.list_url(day=day))


def scanned_code(query: str) -> str:
    """The ticket code in a scanned ticket URL (``.../queues/ticket/<code>/pdf/``), else the
    text as typed."""
    query = query.strip()
    if "/" in query:
        parts = [part for part in query.split("?")[0].split("/") if part]
        if "ticket" in parts[:-1]:
            return parts[parts.index("ticket") + 1]
        return parts[-1] if parts else query
    return query


@never_cache
def find(request):
    """A ticket by its code (what the QR encodes), the scanned ticket URL or today's
    number: the ticket's page at the admin desk when one ticket matches, else the desk's
    list searched for the text."""
    _staff_only(request)
    query = scanned_code(request.GET.get("q", "")[:200])
    if not query:
        return redirect(staff.LIST_URL_NAME)
    from wagtail.models import Site

    site = Site.find_for_request(request)
    found = list(desk_tickets(request.user, site).filter(
        Q(code=query) | Q(number__iexact=query, day=staff.site_today(site))
    ).values_list("pk", flat=True)[:2])
    if len(found) == 1:
        return redirect("casework_tickets:inspect", found[0])
    return redirect(f"{reverse(staff.LIST_URL_NAME)}?{urlencode({'q': query})}")


@never_cache
def ticket_detail(request, code):
    return redirect(staff.detail_url(_handled_ticket(request, code)))


@never_cache
def ticket_file(request, code, pk):
    ticket = _handled_ticket(request, code)
    item = get_object_or_404(TicketFile, pk=parse_pk(pk), ticket=ticket)
    return redirect("queues_desk_file", ticket.code, item.pk)


@never_cache
def elsewhere(request, **kwargs):
    """Any other former desk address (the action and day-off forms): the admin desk."""
    _staff_only(request)
    return redirect(staff.LIST_URL_NAME)
