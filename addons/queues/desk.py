"""The specialist's desk (``/queues/desk/``): today's visits per queue, a ticket opened by its
number or by its QR code, arrived / served / no-show, a comment, a file, the next visit, and
the exports of a queue (CSV, XLSX, a private iCalendar feed).

Who works at the desk of a queue: administrators (superusers, or ``queues.change_ticket``),
the moderators of the queue's addressee and the specialists of that addressee page whose user
account is set. Anyone else gets 404: a ticket's existence is not revealed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from addons.core.forms import DateInput
from addons.core.validation import DatabaseIntegerField, parse_pk

from . import feeds, services, staff
from . import forms as desk_forms
from .forms import BoundedDateField
from .models import Ticket, TicketFile, TicketStatus

MAX_FILE_SIZE = services.MAX_FILE_SIZE
FILE_EXTENSIONS = services.FILE_EXTENSIONS
DESK_STATUSES = (TicketStatus.ARRIVED, TicketStatus.SERVED, TicketStatus.NO_SHOW)


# --- who works at the desk (staff.py) -------------------------------------------------------

_active = staff._active
is_administrator = staff.is_administrator
desk_addressee_ids = staff.desk_addressee_ids
desk_queues = staff.desk_queues
desk_tickets = staff.desk_tickets
is_desk_staff = staff.is_desk_staff
can_handle = staff.can_handle


site_zone = feeds.site_zone
in_site_zone = feeds.in_site_zone


def _staff_only(request):
    if not is_desk_staff(request.user):
        raise Http404


def _desk_ticket(request, code) -> Ticket:
    ticket = get_object_or_404(
        Ticket.objects.select_related("queue", "queue__addressee", "service", "citizen"),
        code=code,
    )
    if not can_handle(request.user, ticket):
        raise Http404
    return ticket


# --- actions (thin: the rules live in services) --------------------------------------------


class DeskRefused(Exception):
    """An action the desk cannot do on this ticket; the message is shown to the staff."""


MARKS = {TicketStatus.ARRIVED: services.mark_arrived, TicketStatus.SERVED: services.mark_served,
         TicketStatus.NO_SHOW: services.mark_no_show}


def _run(service, ticket, actor, **data):
    try:
        return service(ticket, actor, **data)
    except ValidationError as error:
        raise DeskRefused(" ".join(error.messages)) from error


def mark_ticket(ticket: Ticket, actor, status: str, comment: str = "") -> Ticket:
    """Arrived / served / no-show (``services.mark_arrived`` and the others)."""
    if status not in MARKS:
        raise DeskRefused(_("Unknown status."))
    _run(MARKS[status], ticket, actor, comment=comment)
    return ticket


def add_comment(ticket: Ticket, actor, text: str) -> Ticket:
    _run(services.add_comment, ticket, actor, text=text)
    return ticket


def attach_file(ticket: Ticket, actor, upload) -> TicketFile:
    _run(services.attach_file, ticket, actor, file=upload)
    return ticket.files.order_by("-pk").first()


def plan_next_visit(ticket: Ticket, actor, when: datetime, *, book: bool = False):
    return _run(services.plan_next_visit, ticket, actor, when=when, book=book)


# --- forms --------------------------------------------------------------------------------


class DayForm(forms.Form):
    date = BoundedDateField(label=gettext_lazy("Day"), required=False, widget=DateInput())
    queue = DatabaseIntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False,
                               choices=[("", "---")] + list(TicketStatus.choices))


class LookupForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Ticket number or code"), max_length=200,
        help_text=gettext_lazy("A number such as A-042 (today's), or the code from the QR."),
    )


class MarkForm(desk_forms.MarkForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[(value, label) for value, label in TicketStatus.choices
                 if value in DESK_STATUSES],
    )
    field_order = ["status", "comment"]


CommentForm = desk_forms.CommentForm
FileForm = desk_forms.FileForm
NextVisitForm = desk_forms.NextVisitForm


FORMS = {"mark": MarkForm, "comment": CommentForm, "file": FileForm, "next": NextVisitForm}


# --- views --------------------------------------------------------------------------------


@never_cache
@in_site_zone
def today(request):
    """The day's visits of every queue the user works at (today unless ``?date=``)."""
    _staff_only(request)
    day_form = DayForm(request.GET or None)
    day = timezone.localdate()
    chosen = day_form.cleaned_data if day_form.is_bound and day_form.is_valid() else {}
    if chosen.get("date"):
        day = chosen["date"]
    tickets = Ticket.objects.filter(day=day).select_related("citizen").order_by("start", "seq")
    if chosen.get("status"):
        tickets = tickets.filter(status=chosen["status"])
    from wagtail.models import Site

    site = Site.find_for_request(request)
    queues = desk_queues(request.user, site)
    if chosen.get("queue"):
        queues = queues.filter(pk=chosen["queue"])
    queues = list(queues.prefetch_related(
        Prefetch("tickets", queryset=tickets, to_attr="day_tickets")
    ))
    for queue in queues:
        if can_cancel_days(request.user, queue):
            queue.cancel_form = CancelDayForm(prefix=f"cancel-{queue.pk}", initial={"date": day})
    return render(request, "queues/desk/today.html", {
        "queues": queues, "day": day, "day_form": day_form,
        "lookup_form": LookupForm(), "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
    })


@never_cache
@in_site_zone
def find(request):
    """A ticket by its code (what the QR encodes) or by today's number."""
    _staff_only(request)
    form = LookupForm(request.GET or None)
    found = []
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        if "/" in query:  # a scanned URL: the part after "ticket/" is the code
            parts = [part for part in query.split("?")[0].split("/") if part]
            query = parts[parts.index("ticket") + 1] if "ticket" in parts[:-1] else parts[-1]
        visible = desk_tickets(request.user).select_related("queue")
        found = list(visible.filter(
            Q(code=query) | Q(number__iexact=query, day=timezone.localdate())
        ).order_by("queue__title")[:20])
        if len(found) == 1:
            return redirect("queues:desk:ticket", code=found[0].code)
    status = 200 if found or not form.is_bound else 404
    return render(request, "queues/desk/find.html", {"form": form, "found": found},
                  status=status)


def _ticket_context(request, ticket, bound=None):
    forms_ = {name: cls(prefix=name, record=ticket, user=request.user)
              for name, cls in FORMS.items()}
    if bound is not None:
        forms_[bound[0]] = bound[1]
    from .documents import ticket_address

    return {
        "ticket": ticket,
        "address": ticket_address(ticket),
        "forms": forms_,
        "files": ticket.files.order_by("created"),
        "cancelled": ticket.status == TicketStatus.CANCELLED,
        "can_mark": ticket.status != TicketStatus.CANCELLED,
    }


@never_cache
@in_site_zone
def ticket_detail(request, code):
    ticket = _desk_ticket(request, code)
    return render(request, "queues/desk/ticket.html", _ticket_context(request, ticket))


@require_POST
@in_site_zone
def ticket_action(request, code, action):
    ticket = _desk_ticket(request, code)
    form_class = FORMS.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, request.FILES, prefix=action, record=ticket,
                      user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "mark":
                mark_ticket(ticket, request.user, data["status"], data["comment"])
                messages.success(request, _("The ticket is marked."))
            elif action == "comment":
                add_comment(ticket, request.user, data["text"])
                messages.success(request, _("The comment is added."))
            elif action == "file":
                attach_file(ticket, request.user, data["file"])
                messages.success(request, _("The file is added."))
            else:
                messages.success(request, plan_next_visit(ticket, request.user, data["when"],
                                                          book=data["book"]))
            return redirect("queues:desk:ticket", code=ticket.code)
        except DeskRefused as error:
            form.add_error(None, str(error))
    ticket.refresh_from_db()
    context = _ticket_context(request, ticket, bound=(action, form))
    status = 409 if ticket.status == TicketStatus.CANCELLED else 400
    return render(request, "queues/desk/ticket.html", context, status=status)


def ticket_file(request, code, pk):
    """A file of a ticket, for the desk staff only; always a download."""
    ticket = _desk_ticket(request, code)
    item = get_object_or_404(TicketFile, pk=parse_pk(pk), ticket=ticket)
    try:
        handle = item.file.open("rb")
    except OSError as error:
        raise Http404 from error
    response = FileResponse(handle, as_attachment=True, filename=item.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


can_cancel_days = services.can_cancel_days


class CancelDayForm(forms.Form):
    date = BoundedDateField(label=gettext_lazy("Day"), widget=DateInput())
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False,
                             help_text=gettext_lazy("Sent to everyone booked on that day."))


@require_POST
@in_site_zone
def cancel_day(request, queue_id):
    """Call off one day's reception of a queue: its hours go and those booked are told."""
    from . import receptions

    queue = get_object_or_404(desk_queues(request.user), pk=parse_pk(queue_id))
    if not can_cancel_days(request.user, queue):
        raise Http404
    form = CancelDayForm(request.POST, prefix=f"cancel-{queue.pk}")
    if form.is_valid() and form.cleaned_data["date"] < timezone.localdate():
        form.add_error("date", _("This day is in the past."))
    if not form.is_valid():
        return render(request, "queues/desk/cancel_day.html", {"queue": queue, "form": form},
                      status=400)
    count = receptions.cancel_reception(queue, form.cleaned_data["date"], request.user,
                                        form.cleaned_data["reason"])
    messages.success(request, _("The day is cancelled; %(count)s tickets were cancelled.")
                     % {"count": count})
    return redirect(reverse("queues:desk:today") + f"?date={form.cleaned_data['date']:%Y-%m-%d}")


# --- exports and the calendar feed (feeds.py) -----------------------------------------------

ExportForm = feeds.ExportForm
export = feeds.export
calendar_token = feeds.calendar_token
calendar_url = feeds.calendar_url
calendar = feeds.calendar


# --- admin menu ---------------------------------------------------------------------------


def desk_menu_item():
    """"Desk" in the Wagtail menu, for those who work at a queue."""
    from addons.core.admin_menu import staff_menu_item

    return staff_menu_item(gettext_lazy("Desk"), "queues:desk:today", allowed=is_desk_staff,
                           name="queues-desk", icon_name="time", order=250)
