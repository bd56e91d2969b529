"""Electronic queue: queues hung on addressee pages, their schedules, and tickets.

A :class:`Queue` (snippet) has services, custom form fields, weekly schedules and one-off
exceptions. Capacity is enforced by the database: every booked time has a :class:`Slot` row
per (queue, start) whose ``taken`` counter is raised by a conditional
``UPDATE ... SET taken = taken + 1 WHERE taken < capacity`` in the booking transaction; the
number of the :class:`Ticket` ("A-042") comes from a :class:`DayCounter` row locked in the same
transaction. Business rules live in ``services``.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from addons.core.intake import Source as IntakeSource
from addons.core.intake import new_pin
from addons.core.placements import Placement

#: bookings open at most two years ahead
MAX_HORIZON_DAYS = 730


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class ExceptionKind(models.TextChoices):
    CLOSED = "closed", _("Closed")
    VACATION = "vacation", _("Vacation")
    SICK_LEAVE = "sick_leave", _("Sick leave")
    EXTRA = "extra", _("Extra hours")


class FieldType(models.TextChoices):
    TEXT = "text", _("Short text")
    TEXTAREA = "textarea", _("Long text")
    CHOICE = "choice", _("Choice")
    DATE = "date", _("Date")


class TicketStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    ARRIVED = "arrived", _("Arrived")
    SERVED = "served", _("Served")
    NO_SHOW = "no_show", _("Did not come")


def private_storage():
    """Files of a ticket are personal data: never under public media."""
    return storages["private"]


def ticket_file_path(instance, filename) -> str:
    extension = (filename.rsplit(".", 1)[-1] if "." in filename else "bin").lower()[:10]
    return f"queues/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


def new_code() -> str:
    return secrets.token_urlsafe(16)


# --- queues -------------------------------------------------------------------------------


class Queue(ClusterableModel):
    """A queue of visits to an addressee: a window, a specialist, a deputy's reception."""

    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    addressee = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("addressee"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="queues",
    )
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(
        _("place"), max_length=300, blank=True,
        help_text=_("What the place is called, e.g. the service center's hall or window 3."),
    )
    street_address = models.CharField(
        _("street and building"), max_length=300, blank=True,
        help_text=_("Empty: the addressee's office address."),
    )
    floor = models.CharField(_("floor"), max_length=50, blank=True)
    room = models.CharField(_("room or window"), max_length=50, blank=True)
    slot_minutes = models.PositiveIntegerField(
        _("slot length, minutes"), default=15,
        validators=[MinValueValidator(5), MaxValueValidator(480)],
    )
    capacity = models.PositiveIntegerField(
        _("places per slot"), default=1, validators=[MinValueValidator(1)],
        help_text=_("How many visitors can be received at the same time (windows)."),
    )
    min_notice_hours = models.PositiveIntegerField(
        _("minimum notice, hours"), default=1,
        help_text=_("How long before the visit booking closes."),
    )
    horizon_days = models.PositiveIntegerField(
        _("booking horizon, days"), default=30,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HORIZON_DAYS)],
        help_text=_("How many days ahead a visit can be booked."),
    )
    max_active_tickets = models.PositiveIntegerField(
        _("active tickets per citizen"), default=1, validators=[MinValueValidator(1)],
    )
    no_show_limit = models.PositiveIntegerField(
        _("no-shows before a block"), default=3,
        help_text=_("0: never block."),
    )
    no_show_block_days = models.PositiveIntegerField(
        _("block after no-shows, days"), default=30,
    )
    letter = models.CharField(
        _("ticket letter"), max_length=3, default="A",
        help_text=_("Prefix of ticket numbers, e.g. A for A-042."),
    )
    holidays_closed = models.BooleanField(
        _("closed on public holidays"), default=True,
    )
    requires_phone = models.BooleanField(
        _("requires the citizen's phone"), default=False,
        help_text=_("The full name is always required; ask for these profile fields too."),
    )
    requires_address = models.BooleanField(_("requires the citizen's postal address"),
                                           default=False)
    active = models.BooleanField(_("open for booking"), default=True)

    panels = [
        FieldPanel("site"),
        FieldPanel("title"),
        FieldPanel("addressee"),
        FieldPanel("description"),
        MultiFieldPanel(
            [
                FieldPanel("place"),
                FieldPanel("street_address"),
                FieldRowPanel([FieldPanel("floor"), FieldPanel("room")]),
            ],
            heading=_("Where citizens come"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("slot_minutes"), FieldPanel("capacity")]),
                FieldRowPanel([FieldPanel("min_notice_hours"), FieldPanel("horizon_days")]),
                FieldRowPanel([FieldPanel("max_active_tickets"), FieldPanel("letter")]),
                FieldRowPanel([FieldPanel("no_show_limit"), FieldPanel("no_show_block_days")]),
                FieldPanel("holidays_closed"),
                FieldRowPanel([FieldPanel("requires_phone"), FieldPanel("requires_address")]),
                FieldPanel("active"),
            ],
            heading=_("Booking rules"),
        ),
        InlinePanel("services", label=_("service"), heading=_("Services")),
        InlinePanel("fields", label=_("form field"), heading=_("Form fields")),
        InlinePanel("schedules", label=_("weekly hours"), heading=_("Weekly schedule")),
        InlinePanel("exceptions", label=_("exception"), heading=_("Exceptions")),
        InlinePanel(
            "reception_rules", label=_("reception rule"), heading=_("Recurring receptions"),
            help_text=_("For a deputy's or an official's reception of citizens: the dates are "
                        "written up to the booking horizon, public holidays skipped."),
        ),
    ]

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("queues:book", args=[self.pk])

    def clean(self):
        """The addressee must be a page of the queue's own site: its moderators and
        specialists work the queue's desk and read its tickets."""
        from django.core.exceptions import ValidationError

        super().clean()
        if self.addressee_id and self.site_id:
            root = self.site.root_page
            if not (self.addressee.path.startswith(root.path)):
                raise ValidationError({"addressee": _("Choose an addressee of the queue's "
                                                      "site.")})

    @property
    def street(self) -> str:
        """The street and building: the queue's own, else its addressee's office."""
        if self.street_address:
            return self.street_address
        return self.addressee.office_address if self.addressee_id and self.addressee else ""

    def address_parts(self, city: str = "") -> list[str]:
        """Where citizens come, most specific last: the place's name, street and building,
        floor, room, and ``city`` unless the street already names it."""
        parts = []
        street = self.street
        if self.place and self.place not in street:
            parts.append(self.place)
        if street:
            parts.append(street)
        if self.floor:
            parts.append(_("floor %(floor)s") % {"floor": self.floor})
        if self.room:
            parts.append(_("room %(room)s") % {"room": self.room})
        if city and city not in street:
            parts.append(city)
        return [str(part) for part in parts]

    def full_address(self, city: str = "") -> str:
        """``address_parts`` on one line."""
        return ", ".join(self.address_parts(city))

    @property
    def is_reception(self) -> bool:
        """A deputy's reception of citizens: the booking asks the citizen's question."""
        return bool(self.addressee_id and self.addressee and self.addressee.kind == "deputy")

    def profile_fields(self) -> list[str]:
        """The citizen's profile fields a booking needs."""
        fields = ["full_name"]
        if self.requires_phone:
            fields.append("phone")
        if self.requires_address:
            fields.append("postal_address")
        return fields


class QueueService(Orderable):
    queue = ParentalKey(Queue, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(_("name"), max_length=200)
    duration_slots = models.PositiveIntegerField(
        _("duration, slots"), default=1, validators=[MinValueValidator(1), MaxValueValidator(32)]
    )
    documents = models.TextField(_("documents to bring"), blank=True)

    panels = [FieldPanel("name"), FieldPanel("duration_slots"), FieldPanel("documents")]

    class Meta(Orderable.Meta):
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name


class QueueField(Orderable):
    """A question the citizen answers when booking."""

    queue = ParentalKey(Queue, on_delete=models.CASCADE, related_name="fields")
    label = models.CharField(_("label"), max_length=200)
    field_type = models.CharField(
        _("type"), max_length=20, choices=FieldType.choices, default=FieldType.TEXT
    )
    required = models.BooleanField(_("required"), default=True)
    choices = models.TextField(_("choices"), blank=True, help_text=_("One per line."))
    help_text = models.CharField(_("help text"), max_length=300, blank=True)

    panels = [
        FieldPanel("label"), FieldPanel("field_type"), FieldPanel("required"),
        FieldPanel("choices"), FieldPanel("help_text"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")

    @property
    def key(self) -> str:
        return f"field_{self.pk}"

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class WeeklySchedule(Orderable):
    queue = ParentalKey(Queue, on_delete=models.CASCADE, related_name="schedules")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    break_start = models.TimeField(_("break from"), null=True, blank=True)
    break_end = models.TimeField(_("break until"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    panels = [
        FieldPanel("weekday"),
        FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
        FieldRowPanel([FieldPanel("break_start"), FieldPanel("break_end")]),
        FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly schedule")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")),
                                   name="queues_schedule_end_after_start"),
        ]


class ScheduleException(Orderable):
    """A day off (whole day, or hours when given) or one-off extra hours."""

    queue = ParentalKey(Queue, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("date"))
    kind = models.CharField(
        _("kind"), max_length=20, choices=ExceptionKind.choices, default=ExceptionKind.CLOSED
    )
    start = models.TimeField(
        _("from"), null=True, blank=True, help_text=_("Empty: the whole day.")
    )
    end = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    #: the reception rule that wrote this date (empty: entered by hand)
    rule = models.ForeignKey(
        "ReceptionRule", null=True, blank=True, editable=False, on_delete=models.SET_NULL,
        related_name="dates",
    )
    #: written by a reception rule: a day off overrides it, prolonging may remove it
    generated = models.BooleanField(default=False, editable=False)

    panels = [
        FieldRowPanel([FieldPanel("date"), FieldPanel("kind")]),
        FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
        FieldPanel("note"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("exception")
        verbose_name_plural = _("exceptions")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    WEEKLY = "weekly", _("Weekly")


class Ordinal(models.IntegerChoices):
    FIRST = 1, _("first")
    SECOND = 2, _("second")
    THIRD = 3, _("third")
    FOURTH = 4, _("fourth")
    LAST = -1, _("last")


def _today():
    return timezone.localdate()


class ReceptionRule(Orderable):
    """Recurring reception hours ("the first Thursday of each month, 15:00-17:00"), kept as
    an RFC 5545 rule. ``receptions.prolong`` writes its dates as "extra hours" exceptions
    (linked back by ``ScheduleException.rule``) up to the queue's horizon."""

    queue = ParentalKey(Queue, on_delete=models.CASCADE, related_name="reception_rules")
    frequency = models.CharField(
        _("repeats"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    interval = models.PositiveSmallIntegerField(
        _("every"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("1: every month (or week), 2: every other one, and so on."),
    )
    ordinal = models.SmallIntegerField(
        _("which one in the month"), choices=Ordinal.choices, null=True, blank=True,
        default=Ordinal.FIRST, help_text=_("Monthly receptions: e.g. the first Thursday."),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices,
                                               default=Weekday.THURSDAY)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    starts_on = models.DateField(_("first possible date"), default=_today)
    ends_on = models.DateField(_("last possible date"), null=True, blank=True)
    rrule = models.CharField(
        _("recurrence rule (advanced)"), max_length=300, blank=True,
        help_text=_("Optional RFC 5545 rule that replaces the choices above, e.g. "
                    "FREQ=MONTHLY;BYDAY=+1TH,+3TH."),
    )

    panels = [
        FieldRowPanel([FieldPanel("frequency"), FieldPanel("interval")]),
        FieldRowPanel([FieldPanel("ordinal"), FieldPanel("weekday")]),
        FieldRowPanel([FieldPanel("start"), FieldPanel("end")]),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
        FieldPanel("rrule"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("reception rule")
        verbose_name_plural = _("reception rules")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")),
                                   name="queues_receptionrule_end_after_start"),
        ]

    def __str__(self) -> str:
        from .receptions import describe

        return describe(self)

    def rule_text(self) -> str:
        """The RFC 5545 RRULE of this rule (without the ``RRULE:`` prefix)."""
        from .receptions import rule_text

        return rule_text(self)

    def clean(self):
        from .receptions import validate_rule

        validate_rule(self)


class QueuePlacement(Placement):
    """A queue attached to a host page ("Book a visit")."""

    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="+"
    )

    snippet_field = "queue"
    section_template = "queues/section.html"
    section_depends_on = ("queues.ReceptionRule",)
    section_prefetch = ("queue__reception_rules",)
    panels = [FieldPanel("queue")]

    class Meta(Placement.Meta):
        verbose_name = _("queue")
        verbose_name_plural = _("queues")


# --- capacity and numbering ---------------------------------------------------------------


class Slot(models.Model):
    """Places taken at one start time of a queue; ``taken`` is raised only by a conditional
    UPDATE (``WHERE taken < capacity``), so two bookers never share the last place."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="slots")
    start = models.DateTimeField()
    taken = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["queue", "start"], name="queues_slot_unique"),
            models.CheckConstraint(condition=Q(taken__gte=0), name="queues_slot_taken_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} ({self.taken})"


class DayCounter(models.Model):
    """The last ticket number of a queue on a day; locked while a ticket is numbered."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["queue", "day"], name="queues_daycounter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


# --- tickets ------------------------------------------------------------------------------


class TicketQuerySet(models.QuerySet):
    def visible_to(self, user) -> TicketQuerySet:
        """Tickets ``user`` may see in full: their own; staff of the queue's addressee
        (its moderators and specialists); superusers all."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser or user.has_perm("queues.change_ticket"):
            return self
        from .services import staff_addressee_ids

        return self.filter(
            Q(citizen=user) | Q(queue__addressee_id__in=list(staff_addressee_ids(user)))
        )

    def active(self) -> TicketQuerySet:
        return self.filter(status=TicketStatus.BOOKED, end__gt=timezone.now())


class Ticket(models.Model):
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets")
    service = models.ForeignKey(
        QueueService, verbose_name=_("service"), null=True, on_delete=models.SET_NULL,
        related_name="tickets",
    )
    service_name = models.CharField(_("service"), max_length=200)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="queue_tickets",
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    day = models.DateField(_("day"))
    slots = models.PositiveSmallIntegerField(default=1)
    seq = models.PositiveIntegerField()
    number = models.CharField(_("number"), max_length=20)
    code = models.CharField(max_length=40, unique=True, default=new_code, editable=False)
    token = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=TicketStatus.choices, default=TicketStatus.BOOKED
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    #: what the citizen wants to raise at a deputy's reception: confidential, seen only by
    #: its author and the queue's staff (never in feeds, exports to calendars or lists)
    question = models.TextField(_("question"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    #: how it was booked; an operator booking for a caller without an account keeps the
    #: caller's name and contacts here
    source = models.CharField(_("source"), max_length=10, choices=IntakeSource.choices,
                              default=IntakeSource.WEB)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    contact_name = models.CharField(_("name"), max_length=200, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    #: the digits on the ticket with which a caller proves the ticket is theirs
    status_pin = models.CharField(_("status PIN"), max_length=8, blank=True, default=new_pin,
                                  editable=False)
    next_visit = models.DateTimeField(_("next visit"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    #: raised by every desk action: a desk form sent with an older number was filled in on
    #: a stale copy of the ticket (two people at the same ticket)
    lock_version = models.PositiveIntegerField(default=0, editable=False)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["start", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "day", "seq"], name="queues_ticket_seq"),
            models.UniqueConstraint(
                fields=["citizen", "token"], condition=~Q(token=""),
                name="queues_ticket_token",
            ),
        ]
        indexes = [models.Index(fields=["queue", "start"]), models.Index(fields=["citizen",
                                                                                  "status"])]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("queues:ticket", args=[self.code])

    @property
    def is_active(self) -> bool:
        return self.status == TicketStatus.BOOKED and self.end > timezone.now()

    def citizen_name(self) -> str:
        """The citizen's full name for the desk list ("" once their data is erased)."""
        citizen = self.citizen
        return (getattr(citizen, "full_name", "") or citizen.get_username()) if citizen else ""

    citizen_name.short_description = _("citizen")

    def citizen_email(self) -> str:
        return getattr(self.citizen, "email", "") or ""

    citizen_email.short_description = _("email")

    def citizen_phone(self) -> str:
        return getattr(self.citizen, "phone", "") or ""

    citizen_phone.short_description = _("phone")

    def answers_text(self) -> str:
        """The citizen's answers ({question: answer}) on one line."""
        return "; ".join(f"{question}: {answer}" for question, answer in self.answers.items())

    answers_text.short_description = _("answers")


class TicketFile(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=ticket_file_path, storage=private_storage)
    original_name = models.CharField(_("file name"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ticket file")
        verbose_name_plural = _("ticket files")

    def __str__(self) -> str:
        return self.original_name
