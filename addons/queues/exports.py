"""Exports of a queue's tickets: CSV and XLSX for the desk (core.exports), and an iCalendar
feed of the visits for the specialist's calendar.

The feed travels to calendar services beyond the system: it carries the ticket number, the
service and a link to the desk, never the citizen's personal data.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from addons.core import calendars
from addons.core import exports as spreadsheet
from addons.core.exports import CHUNK, local, safe

from .models import TicketStatus
from .staff import detail_url

#: days of past visits kept in the calendar feed
FEED_PAST_DAYS = 14


def columns() -> list[str]:
    return [
        _("Number"), _("Day"), _("Start"), _("End"), _("Queue"), _("Service"), _("Status"),
        _("Citizen"), _("Email"), _("Phone"), _("Answers"), _("Comment"), _("Next visit"),
    ]


def _answers(ticket) -> str:
    """The citizen's answers ({question: answer}) on one line."""
    return "; ".join(f"{question}: {answer}" for question, answer in ticket.answers.items())


def rows(queryset):
    """Plain values of each ticket, in ``columns()`` order."""
    queryset = queryset.select_related("queue", "citizen")
    for ticket in queryset.order_by("start", "seq").iterator(chunk_size=CHUNK):
        citizen = ticket.citizen
        yield [
            ticket.number,
            ticket.day,
            local(ticket.start),
            local(ticket.end),
            safe(ticket.queue.title),
            safe(ticket.service_name),
            ticket.get_status_display(),
            safe(getattr(citizen, "full_name", "") or "") if citizen else "",
            safe(citizen.email) if citizen else "",
            safe(getattr(citizen, "phone", "") or "") if citizen else "",
            safe(_answers(ticket)),
            safe(ticket.comment),
            local(ticket.next_visit),
        ]


def csv_response(queryset):
    return spreadsheet.csv_response(columns(), rows(queryset), "tickets")


def xlsx_response(queryset):
    return spreadsheet.xlsx_response(columns(), rows(queryset), "tickets", _("Tickets"))


# --- iCalendar ----------------------------------------------------------------------------


def calendar_text(name: str, events) -> str:
    """A VCALENDAR of ``events`` (see ``core.calendars.ics_calendar``), lines folded."""
    return calendars.ics_calendar(events, name=name, product="-//CivicDesk//Queues//EN")


def ics_response(queue, request):
    """The feed of ``queue``: its visits from two weeks ago on, cancelled ones left out."""
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    tickets = queue.tickets.filter(start__gte=since).exclude(
        status=TicketStatus.CANCELLED).order_by("start", "seq")
    host = request.get_host().split(":")[0]
    events = (
        {
            "uid": f"ticket-{ticket.pk}@{host}",
            "start": ticket.start,
            "end": ticket.end,
            "summary": f"{ticket.number} · {ticket.service_name}",
            "location": queue.full_address(),
            "description": ticket.get_status_display(),
            "url": request.build_absolute_uri(detail_url(ticket)),
        }
        for ticket in tickets.iterator(chunk_size=CHUNK)
    )
    response = HttpResponse(calendar_text(queue.title, events),
                            content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="queue-{queue.pk}.ics"'
    return response
