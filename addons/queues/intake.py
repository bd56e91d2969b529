"""Booking a visit on a caller's behalf (``AddonConfig.intakes``): the operator picks the
queue, the service, the day and one of its free times, and the booking goes through
:func:`addons.queues.services.book` (the slot's capacity, the day's number, the ticket
e-mail). A caller without a cabinet account gets a ticket without a citizen: their name,
phone and e-mail are kept on the ticket, and the ticket is e-mailed to them when they gave
an address."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from addons.accounts.persons import contact_details

from . import services
from .forms import answers_of, queue_form_field
from .models import Queue, QueueService


class BookingIntakeForm(forms.Form):
    """The queue, the service, the day and the time, the caller's name and contacts, and the
    chosen queue's own questions (those its public booking form asks, validated alike):
    they appear once the queue is chosen."""

    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.none())
    service = forms.ModelChoiceField(label=_("Service"), queryset=QueueService.objects.none())
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("One of the free times listed; leave empty to see them."),
    )
    contact_name = forms.CharField(label=_("Caller's name"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("Caller's phone"), max_length=32, required=False)
    contact_email = forms.EmailField(label=_("Caller's e-mail"), required=False)
    question = forms.CharField(
        label=_("Question for the reception"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the caller wants to raise (a deputy's reception asks for it)."),
    )

    def __init__(self, *args, site, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        queues = Queue.objects.filter(site=site, active=True).order_by("title")
        self.fields["queue"].queryset = queues
        self.fields["service"].queryset = QueueService.objects.filter(
            queue__in=queues).select_related("queue").order_by("queue__title", "sort_order")
        self.fields["service"].label_from_instance = (
            lambda service: f"{service.queue.title}: {service.name}")
        self.queue_fields = self._queue_fields()
        for field in self.queue_fields:
            self.fields[field.key] = queue_form_field(field, required=_(
                "The queue asks this question: ask the caller and type the answer."))
        if person is not None and not self.is_bound:
            details = contact_details(person)
            self.initial.setdefault("contact_name", details["name"])
            self.initial.setdefault("contact_phone", details["phone"])
            self.initial.setdefault("contact_email", details["email"])

    def _queue_fields(self) -> list:
        """The questions of the queue chosen in the submitted form (none before)."""
        if not self.is_bound:
            return []
        try:
            queue = self.fields["queue"].clean(self.data.get(self.add_prefix("queue")))
        except ValidationError:
            return []
        return list(queue.fields.all())

    def clean(self):
        data = super().clean()
        data["answers"] = answers_of(self.queue_fields, data)
        queue, service = data.get("queue"), data.get("service")
        if queue is not None and service is not None and service.queue_id != queue.pk:
            self.add_error("service", _("This service is not offered by the chosen queue."))
        elif queue is not None and service is not None and data.get("day") and (
                data.get("time") is None and "time" not in self.errors):
            self.add_error("time", _("Choose one of the free times."))
        return data

    def free_times(self) -> list:
        """The free start times of the chosen queue, service and day (local times), for
        the operator to pick from; empty until the three are chosen."""
        if not self.is_bound:
            return []
        try:
            queue = self.fields["queue"].clean(self.data.get(self.add_prefix("queue")))
            service = self.fields["service"].clean(self.data.get(self.add_prefix("service")))
            day = self.fields["day"].clean(self.data.get(self.add_prefix("day")))
        except ValidationError:
            return []
        if service.queue_id != queue.pk:
            return []
        zone = services.queue_timezone(queue)
        return [start.astimezone(zone).time()
                for start, _end, free in services.free_slots(queue, service, day) if free > 0]


def _times(moments, queue) -> str:
    zone = services.queue_timezone(queue)
    return ", ".join(f"{moment.astimezone(zone):%d.%m %H:%M}" for moment in moments)


def file(site, data, *, person=None, source, entered_by):
    """Book the visit; ValidationError per field when a booking rule says no (a time just
    taken names the nearest free ones)."""
    details = contact_details(person)
    queue, service = data["queue"], data["service"]
    if queue.site_id != site.pk:
        raise ValidationError({"queue": _("Choose a queue.")})
    citizen = details["user"]
    contact = {"name": data.get("contact_name") or details["name"],
               "phone": data.get("contact_phone") or "",
               "email": data.get("contact_email") or ""}
    start = datetime.combine(data["day"], data["time"])
    try:
        ticket = services.book(
            queue, service, citizen, start, data.get("answers") or {},
            question=data.get("question") or "",
            source=source, entered_by=entered_by, contact=contact,
        )
    except services.SlotTaken as error:
        message = str(error.message)
        if error.alternatives:
            message = f"{message} {_times(error.alternatives, queue)}"
        raise ValidationError({"time": message}) from None
    except services.OutsideSchedule as error:
        raise ValidationError({"time": str(error.message)}) from None
    except services.ProfileIncomplete as error:
        field = "contact_phone" if error.missing == ["phone"] else "contact_name"
        raise ValidationError({field: str(error.message)}) from None
    except services.QuestionMissing as error:
        raise ValidationError({"question": str(error.message)}) from None
    except services.BookingError as error:
        raise ValidationError(str(error.message)) from None
    if ticket.citizen_id is None and ticket.contact_email:
        _send_ticket(ticket)
    ticket.reference = ticket.number
    return ticket


def _send_ticket(ticket) -> None:
    """The ticket by e-mail to a caller without an account (core notifications, after
    commit); a citizen with an account gets the ticket e-mail of every booking."""
    from addons.core.notifications import notify, recipient_language

    from .documents import ticket_lines, ticket_url

    url = ticket_url(ticket)
    with translation.override(recipient_language(None, ticket.queue.site)):
        subject = gettext("Your ticket %(number)s") % {"number": ticket.number}
        body = "\n".join(f"{label}: {value}" for label, value in ticket_lines(ticket))
    notify(None, "queues.booked", {"number": ticket.number}, site=ticket.queue.site,
           url=url, email=ticket.contact_email, subject=subject,
           body=f"{body}\n\n{url}\n", key=f"queues.booked:{ticket.pk}")
