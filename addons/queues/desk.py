"""The specialist's desk (``/queues/desk/``): today's visits per queue, a ticket opened by its
number or by its QR code, arrived / served / no-show, a comment, a file, the next visit, and
the exports of a queue (CSV, XLSX, a private iCalendar feed).

Who works at the desk of a queue: administrators (superusers, or ``queues.change_ticket``),
the moderators of the queue's addressee and the specialists of that addressee page whose user
account is set. Anyone else gets 404: a ticket's existence is not revealed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from addons.core.forms import DateInput
from addons.core.permissions import moderated_addressee_ids
from addons.core.validation import parse_pk

from . import services
from .forms import BoundedDateField, BoundedDateTimeField
from .models import Queue, Ticket, TicketFile, TicketStatus

MAX_FILE_SIZE = 10 * 1024 * 1024
FILE_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "odt", "txt")
DESK_STATUSES = (TicketStatus.ARRIVED, TicketStatus.SERVED, TicketStatus.NO_SHOW)


# --- who works at the desk ----------------------------------------------------------------


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_administrator(user) -> bool:
    return _active(user) and (user.is_superuser or user.has_perm("queues.change_ticket"))


def desk_addressee_ids(user) -> set[int]:
    """Addressees whose queues ``user`` handles (see services.staff_addressee_ids)."""
    if not _active(user):
        return set()
    return services.staff_addressee_ids(user)


def desk_queues(user):
    """Queues ``user`` works at (every queue for administrators)."""
    queryset = Queue.objects.select_related("addressee")
    if is_administrator(user):
        return queryset
    if not _active(user):
        return queryset.none()
    return queryset.filter(addressee_id__in=desk_addressee_ids(user))


def desk_tickets(user):
    """Tickets of the queues ``user`` works at."""
    if is_administrator(user):
        return Ticket.objects.all()
    if not _active(user):
        return Ticket.objects.none()
    return Ticket.objects.filter(queue__addressee_id__in=desk_addressee_ids(user))


def is_desk_staff(user) -> bool:
    return is_administrator(user) or bool(desk_addressee_ids(user))


def can_handle(user, ticket) -> bool:
    """Whether ``user`` may see ``ticket`` in full and act on it at the desk."""
    if is_administrator(user):
        return True
    addressee_id = ticket.queue.addressee_id
    return addressee_id is not None and addressee_id in desk_addressee_ids(user)


def site_zone(request):
    """The time zone of the request's site (``SiteProfile.time_zone``)."""
    from zoneinfo import ZoneInfo

    from addons.core.models import SiteProfile

    try:
        return ZoneInfo(SiteProfile.for_request(request).time_zone)
    except Exception:  # no site or an unknown zone name: the server's
        return timezone.get_default_timezone()


def in_site_zone(view):
    """Run ``view`` with the site's time zone active (today, forms, shown times)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with timezone.override(site_zone(request)):
            return view(request, *args, **kwargs)

    return wrapper


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


def mark_ticket(ticket: Ticket, actor, status: str, comment: str = "") -> Ticket:
    """Arrived / served / no-show through ``services.mark``; a cancelled ticket is refused.

    ``services.mark`` lets administrators and moderators mark; a specialist of the addressee
    (``Specialist.user``) is let through here with the same transitions."""
    from . import services

    if ticket.status == TicketStatus.CANCELLED:
        raise DeskRefused(_("This ticket was cancelled: it cannot be marked."))
    if status not in DESK_STATUSES:
        raise DeskRefused(_("Unknown status."))
    try:
        if services.can_manage_ticket(actor, ticket):
            return services.mark(ticket, actor, status, comment=comment)
        if not can_handle(actor, ticket):
            raise services.NotAllowed()
        return _specialist_mark(ticket, status, comment)
    except services.BookingError as error:
        raise DeskRefused(str(error.message)) from error


def _specialist_mark(ticket: Ticket, status: str, comment: str) -> Ticket:
    from . import services

    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if status not in services.TRANSITIONS.get(locked.status, set()):
            raise services.InvalidTransition()
        locked.status = status
        if comment:
            locked.comment = f"{locked.comment}\n{comment}".strip()
        locked.save(update_fields=["status", "comment", "updated"])
    ticket.refresh_from_db()
    return ticket


def add_comment(ticket: Ticket, actor, text: str) -> Ticket:
    """Appends a dated line to the staff comment of ``ticket``."""
    text = text.strip()
    if not text:
        raise DeskRefused(_("Write a comment."))
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    author = getattr(actor, "full_name", "") or actor.get_username()
    line = f"[{stamp} {author}] {text}"
    ticket.comment = f"{ticket.comment}\n{line}".strip()
    ticket.save(update_fields=["comment", "updated"])
    return ticket


def attach_file(ticket: Ticket, actor, upload) -> TicketFile:
    return TicketFile.objects.create(
        ticket=ticket, file=upload, original_name=upload.name[:255], uploaded_by=actor
    )


def plan_next_visit(ticket: Ticket, actor, when: datetime, *, book: bool = False):
    """Records the next visit; with ``book`` also books a ticket for the citizen then
    (the same queue and service). Returns the new ticket or None."""
    from . import services

    if when <= timezone.now():
        raise DeskRefused(_("The next visit must be in the future."))
    new_ticket = None
    if book:
        if ticket.citizen_id is None or ticket.service_id is None:
            raise DeskRefused(_("This ticket has no citizen or service to book for."))
        try:
            new_ticket = services.book(ticket.queue, ticket.service, ticket.citizen, when, {},
                                       question=ticket.question)
        except services.BookingError as error:
            message = str(error.message)
            alternatives = getattr(error, "alternatives", None)
            if alternatives:
                times = ", ".join(timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
                                  for moment in alternatives)
                message = f"{message} {times}"
            raise DeskRefused(message) from error
    ticket.next_visit = when
    ticket.save(update_fields=["next_visit", "updated"])
    return new_ticket


# --- forms --------------------------------------------------------------------------------


class DayForm(forms.Form):
    date = BoundedDateField(label=gettext_lazy("Day"), required=False, widget=DateInput())


class LookupForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Ticket number or code"), max_length=200,
        help_text=gettext_lazy("A number such as A-042 (today's), or the code from the QR."),
    )


class MarkForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[(value, label) for value, label in TicketStatus.choices
                 if value in DESK_STATUSES],
    )
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class CommentForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Comment"), widget=forms.Textarea(
        attrs={"rows": 3}), max_length=2000)


class FileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("PDF, image or text document, up to 10 MB."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in FILE_EXTENSIONS:
            raise ValidationError(_("This kind of file is not accepted."))
        if upload.size > MAX_FILE_SIZE:
            raise ValidationError(_("The file is larger than 10 MB."))
        return upload


class NextVisitForm(forms.Form):
    when = BoundedDateTimeField(
        label=gettext_lazy("Next visit"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    book = forms.BooleanField(
        label=gettext_lazy("Book a ticket for the citizen at this time"), required=False
    )


FORMS = {"mark": MarkForm, "comment": CommentForm, "file": FileForm, "next": NextVisitForm}


# --- views --------------------------------------------------------------------------------


@never_cache
@in_site_zone
def today(request):
    """The day's visits of every queue the user works at (today unless ``?date=``)."""
    _staff_only(request)
    day_form = DayForm(request.GET or None)
    day = timezone.localdate()
    if day_form.is_bound and day_form.is_valid() and day_form.cleaned_data["date"]:
        day = day_form.cleaned_data["date"]
    tickets = Ticket.objects.filter(day=day).select_related("citizen").order_by("start", "seq")
    from wagtail.models import Site

    site = Site.find_for_request(request)
    queues = list(desk_queues(request.user).filter(site=site).prefetch_related(
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
    forms_ = {name: cls(prefix=name) for name, cls in FORMS.items()}
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
    form = form_class(request.POST, request.FILES, prefix=action)
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
                new = plan_next_visit(ticket, request.user, data["when"], book=data["book"])
                if new is not None:
                    messages.success(request, _("The next visit is booked: ticket %(number)s.")
                                     % {"number": new.number})
                else:
                    messages.success(request, _("The next visit is planned."))
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


def can_cancel_days(user, queue) -> bool:
    """Administrators and the addressee's moderators (they may cancel others' tickets);
    specialists mark visits but do not call days off."""
    return is_administrator(user) or (
        queue.addressee_id is not None and queue.addressee_id in moderated_addressee_ids(user))


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


# --- exports ------------------------------------------------------------------------------


class ExportForm(forms.Form):
    start = BoundedDateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    end = BoundedDateField(label=gettext_lazy("Until"), required=False, widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", _("The end of the period is before its start."))
        return cleaned


@in_site_zone
def export(request, queue_id, fmt):
    """Tickets of a queue (``?start=&end=`` days, default: today) as CSV or XLSX."""
    from . import exports

    queue = get_object_or_404(desk_queues(request.user), pk=parse_pk(queue_id))
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = ExportForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(" ".join(m for e in form.errors.values() for m in e), status=400,
                            content_type="text/plain; charset=utf-8")
    data = form.cleaned_data if form.is_bound else {}
    start = data.get("start") or timezone.localdate()
    end = data.get("end") or start
    tickets = queue.tickets.filter(day__gte=start, day__lte=end)
    if fmt == "csv":
        return exports.csv_response(tickets)
    return exports.xlsx_response(tickets)


def calendar_token(queue) -> str:
    """The secret of a queue's iCalendar feed (changes with SECRET_KEY)."""
    return salted_hmac("queues.calendar", str(queue.pk)).hexdigest()[:32]


def calendar_url(queue) -> str:
    return reverse("queues:desk:calendar", args=[queue.pk, calendar_token(queue)])


@never_cache
def calendar(request, queue_id, token):
    """The visits of a queue as an iCalendar feed for the specialist's calendar."""
    from . import exports

    queue = get_object_or_404(Queue, pk=parse_pk(queue_id))
    if not constant_time_compare(token, calendar_token(queue)):
        raise Http404
    return exports.ics_response(queue, request)



# --- admin menu ---------------------------------------------------------------------------


def desk_menu_item():
    """"Desk" in the Wagtail menu, for those who work at a queue."""
    from addons.core.admin_menu import staff_menu_item

    return staff_menu_item(gettext_lazy("Desk"), "queues:desk:today", allowed=is_desk_staff,
                           name="queues-desk", icon_name="time", order=250)
