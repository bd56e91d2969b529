"""Formal appeals (UA "звернення", RO "petiții", BG "сигнали и предложения").

An :class:`AppealForm` is a snippet hung on addressee pages (:class:`AppealFormPlacement`);
a citizen files an :class:`Appeal` through it. What happens to an appeal afterwards
(registering, forwarding, extending, replying...) lives in ``services``; every change leaves
an :class:`AppealEvent`. Who may see an appeal: ``Appeal.objects.visible_to(user)``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable

from addons.core.casework.models import Assignable
from addons.core.content_languages import translations_field
from addons.core.intake import Source as IntakeSource
from addons.core.intake import new_pin
from addons.core.placements import Placement

from .forms_admin import AppealFormAdminForm, AppealsSettingsAdminForm

# --- choices ------------------------------------------------------------------------------


class FormKind(models.TextChoices):
    INDIVIDUAL = "individual", _("From an individual")
    LEGAL_ENTITY = "legal_entity", _("From a legal entity")
    CUSTOM = "custom", _("Custom")


class FileType(models.TextChoices):
    PDF = "pdf", "PDF"
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"
    DOCX = "docx", "DOCX"
    ODT = "odt", "ODT"


def default_file_types() -> list[str]:
    return [choice.value for choice in FileType]


class FieldType(models.TextChoices):
    TEXT = "text", _("Short text")
    TEXTAREA = "textarea", _("Long text")
    CHOICE = "choice", _("Choice")
    DATE = "date", _("Date")
    FILE = "file", _("File")


class Priority(models.TextChoices):
    """Privileged categories of applicants whose appeals are handled first."""

    VETERAN = "veteran", _("War veteran or combatant")
    DISABILITY = "disability", _("Person with a disability")
    LARGE_FAMILY = "large_family", _("Large family")
    CHERNOBYL = "chernobyl", _("Affected by the Chernobyl disaster")
    DISPLACED = "displaced", _("Internally displaced person")
    OTHER = "other", _("Other privileged category")


class AppealType(models.TextChoices):
    """What the applicant asks: the kinds each law names (UA 393/96 art. 3; RO OG 27/2002
    art. 2; BG APC chapter 8). ``jurisdictions.APPEAL_TYPES`` says which a site offers."""

    PROPOSAL = "proposal", _("Proposal")
    STATEMENT = "statement", _("Statement (petition)")
    COMPLAINT = "complaint", _("Complaint")
    SIGNAL = "signal", _("Signal")
    REQUEST = "request", _("Request")
    NOTIFICATION = "notification", _("Notification of a problem")


class Procedure(models.TextChoices):
    """What the applicant files: an appeal under the appeals law of the site's country, or a
    request for public information under its access-to-information law (UA Law 2939-VI,
    RO Law 544/2001, BG Access to Public Information Act). Both travel the same way (inbox,
    reminders, exports, API); the terms and the staff actions follow the procedure."""

    APPEAL = "appeal", _("Appeal")
    INFO_REQUEST = "info_request", _("Request for public information")


class AnswerFormat(models.TextChoices):
    """How the requester of public information wants the answer."""

    EMAIL = "email", _("By email")
    POST = "post", _("By post")
    IN_PERSON = "in_person", _("In person, at the office")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting registration")
    REGISTERED = "registered", _("Registered")
    FORWARDED = "forwarded", _("Forwarded")
    IN_PROGRESS = "in_progress", _("In progress")
    EXTENDED = "extended", _("Term extended")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    RETURNED = "returned", _("Returned as incomplete")
    LEFT_WITHOUT_CONSIDERATION = "left", _("Left without consideration")
    REFUSED = "refused", _("Refused")


#: statuses in which the appeal waits for the addressee (due dates and reminders apply)
OPEN_STATUSES = (
    Status.SUBMITTED, Status.REGISTERED, Status.FORWARDED, Status.IN_PROGRESS, Status.EXTENDED,
)
#: statuses in which an appeal may still be returned as incomplete within the term of the
#: law (UA 393/96 art. 5): it has not been taken in hand yet
RETURN_WATCH_STATUSES = (Status.SUBMITTED, Status.REGISTERED, Status.FORWARDED)
#: statuses after which nothing more is said in the conversation
FINAL_STATUSES = (Status.CLOSED, Status.RETURNED, Status.LEFT_WITHOUT_CONSIDERATION,
                  Status.REFUSED)


class RoutingMode(models.TextChoices):
    DIRECT = "direct", _("Straight to the addressee")
    DEPARTMENT = "department", _("Through the appeals department")


def private_storage():
    """Confidential files: never under public media (``STORAGES["private"]``)."""
    return storages["private"]


def attachment_path(instance, filename) -> str:
    """A name the system makes; the citizen's file name is kept in ``original_name``."""
    today = timezone.now()
    extension = instance.extension or "bin"
    return f"appeals/{today:%Y/%m}/{uuid.uuid4().hex}.{extension}"


# --- forms --------------------------------------------------------------------------------


class AppealForm(ClusterableModel):
    """A form citizens file appeals with; attachable to any addressee page."""

    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
        help_text=_("Leave empty to offer the form on every site."),
    )
    key = models.SlugField(
        _("key"), max_length=60, blank=True,
        help_text=_("Internal name of a form the system created; leave empty."),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=FormKind.choices, default=FormKind.INDIVIDUAL
    )
    procedure = models.CharField(
        _("procedure"), max_length=20, choices=Procedure.choices, default=Procedure.APPEAL,
        help_text=_("A request for public information has the shorter terms of the "
                    "access-to-information law and asks how the answer is wanted."),
    )
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    button_label = models.CharField(
        _("button label"), max_length=100, blank=True,
        help_text=_("Leave empty for \"File an appeal\" (\"Request public information\" "
                    "for a request for public information)."),
    )
    translations = translations_field()
    requires_login = models.BooleanField(
        _("only for logged-in citizens"), default=True,
        help_text=_("The law asks for the applicant's name, address and a means of contact, "
                    "not for an account; an account fills them in."),
    )
    requires_complete_profile = models.BooleanField(
        _("requires a complete profile"), default=True,
        help_text=_("The form asks for the details the site's law requires of an applicant, "
                    "filled in from the profile; what the profile lacks may be typed in the "
                    "form (and saved to the profile)."),
    )
    allow_anonymous = models.BooleanField(
        _("allow anonymous appeals"), default=False,
        help_text=_("Name and address may be left empty. Anonymous appeals are not "
                    "considered under the law: they are recorded without a legal term or "
                    "reminders."),
    )
    allow_priority = models.BooleanField(
        _("ask for a privileged category"), default=True,
        help_text=_("Offered only where the site's law (or the site's appeals settings) "
                    "names privileged categories."),
    )
    max_files = models.PositiveSmallIntegerField(
        _("most files per appeal"), default=5, validators=[MaxValueValidator(20)]
    )
    max_file_size_mb = models.PositiveSmallIntegerField(
        _("largest file (MB)"), default=10, validators=[MinValueValidator(1)]
    )
    max_total_size_mb = models.PositiveSmallIntegerField(
        _("largest total of files per appeal (MB)"), default=25, validators=[MinValueValidator(1)]
    )
    allowed_types = models.JSONField(_("allowed file types"), default=default_file_types)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    base_form_class = AppealFormAdminForm
    panels = [
        FieldRowPanel([FieldPanel("title"), FieldPanel("kind"), FieldPanel("procedure")]),
        FieldPanel("intro"),
        FieldPanel("button_label"),
        MultiFieldPanel(
            [FieldPanel("requires_login"), FieldPanel("requires_complete_profile"),
             FieldPanel("allow_anonymous"), FieldPanel("allow_priority")],
            heading=_("Who may file"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("max_files"), FieldPanel("max_file_size_mb"),
                            FieldPanel("max_total_size_mb")]),
             FieldPanel("allowed_types")],
            heading=_("Attachments"),
        ),
        InlinePanel("fields", heading=_("Extra fields"), label=_("Field")),
        FieldPanel("site"),
    ]

    class Meta:
        ordering = ["title"]
        verbose_name = _("appeal form")
        verbose_name_plural = _("appeal forms")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "key"], condition=~Q(key=""), name="appeal_form_unique_key"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def max_file_size(self) -> int:
        return self.max_file_size_mb * 1024 * 1024

    @property
    def max_total_size(self) -> int:
        return self.max_total_size_mb * 1024 * 1024


class AppealFormField(Orderable):
    """An extra question an administrator adds to a form."""

    form = ParentalKey(AppealForm, on_delete=models.CASCADE, related_name="fields")
    label = models.CharField(_("label"), max_length=200)
    name = models.SlugField(
        _("name"), max_length=60, blank=True,
        help_text=_("Key of the answer in exports; made from the label when empty."),
    )
    field_type = models.CharField(
        _("type"), max_length=20, choices=FieldType.choices, default=FieldType.TEXT
    )
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(
        _("options"), blank=True, help_text=_("For a choice: one option per line.")
    )
    help_text = models.CharField(_("help text"), max_length=300, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("label"), FieldPanel("field_type"), FieldPanel("required")]),
        FieldPanel("choices"),
        FieldPanel("help_text"),
        FieldPanel("name"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("extra field")
        verbose_name_plural = _("extra fields")

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        if not self.name:
            self.name = slugify(self.label)[:50] or f"field-{uuid.uuid4().hex[:8]}"
        return super().save(*args, **kwargs)

    @property
    def option_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class AppealFormPlacement(Placement):
    """An appeal form attached to a host page."""

    form = models.ForeignKey(
        AppealForm, verbose_name=_("appeal form"), on_delete=models.CASCADE, related_name="+"
    )

    snippet_field = "form"
    section_template = "appeals/section.html"
    panels = [FieldPanel("form")]

    class Meta(Placement.Meta):
        verbose_name = _("appeal form")
        verbose_name_plural = _("appeal forms")


# --- appeals ------------------------------------------------------------------------------


class AppealQuerySet(models.QuerySet):
    def visible_to(self, user) -> AppealQuerySet:
        """Appeals ``user`` may see: their own, those of the addressees they moderate, every
        appeal of a site whose appeals department they moderate; superusers all."""
        from .permissions import visibility_filter

        condition = visibility_filter(user)
        if condition is None:
            return self.none()
        if condition is True:
            return self.all()
        return self.filter(condition)

    def handled_by(self, user) -> AppealQuerySet:
        """Appeals ``user`` handles as staff (not their own as a citizen): the admin lists."""
        from .permissions import staff_filter

        condition = staff_filter(user)
        if condition is None:
            return self.none()
        if condition is True:
            return self.all()
        return self.filter(condition)

    def open(self) -> AppealQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today=None) -> AppealQuerySet:
        return self.open().filter(due_date__lt=today or timezone.localdate())

    def due_within(self, days: int, today=None) -> AppealQuerySet:
        today = today or timezone.localdate()
        return self.open().filter(
            due_date__gte=today, due_date__lte=today + timezone.timedelta(days=days)
        )

    def for_inbox(self) -> AppealQuerySet:
        """What a list of appeals shows, in a constant number of queries."""
        return self.select_related("addressee", "author", "site").only(
            "pk", "site__hostname", "site__site_name", "reference", "addressee__title",
            "addressee__id", "author__id", "author__full_name", "author__email", "subject",
            "status", "priority", "received_at", "due_date", "kind", "appeal_type",
            "do_not_disclose", "return_by", "urgent_at", "procedure", "refuse_by",
            "forward_by",
            "applicant_name", "repeated_of_id", "anonymised_at",
        )


class Appeal(Assignable, models.Model):
    """One appeal of one applicant to one addressee; staff take it in hand on the casework
    desk (assignee, watchers, ``lock_version``: see ``addons.core.casework``)."""

    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(_("reference number"), max_length=32)
    addressee = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("addressee"), on_delete=models.PROTECT,
        related_name="appeals",
    )
    requested_addressee = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("addressee chosen by the applicant"),
        null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    form = models.ForeignKey(
        AppealForm, verbose_name=_("form"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="appeals",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=FormKind.choices, default=FormKind.INDIVIDUAL
    )
    procedure = models.CharField(
        _("procedure"), max_length=20, choices=Procedure.choices, default=Procedure.APPEAL,
    )
    answer_format = models.CharField(
        _("preferred form of the answer"), max_length=20, choices=AnswerFormat.choices,
        blank=True,
    )
    appeal_type = models.CharField(
        _("type of appeal"), max_length=20, choices=AppealType.choices, blank=True,
        help_text=_("Chosen by the applicant; empty for appeals filed before it was asked."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="appeals",
    )
    # The applicant as they were when filing (the profile may change later).
    applicant_name = models.CharField(_("full name"), max_length=200, blank=True)
    applicant_address = models.TextField(_("postal address"), blank=True)
    applicant_email = models.EmailField(_("email"), blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=32, blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=300, blank=True)
    #: how it reached the city; an oral appeal taken by phone or in person has an operator
    source = models.CharField(_("source"), max_length=10, choices=IntakeSource.choices,
                              default=IntakeSource.WEB)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    #: the digits on the receipt with which a caller proves the appeal is theirs
    status_pin = models.CharField(_("status PIN"), max_length=8, blank=True, default=new_pin,
                                  editable=False)
    organisation_code = models.CharField(
        _("organisation code"), max_length=20, blank=True,
        help_text=_("EDRPOU, CUI or EIK/BULSTAT."),
    )

    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField(_("substance of the appeal"))
    answers = models.JSONField(_("answers to extra fields"), default=dict, blank=True)
    do_not_disclose = models.BooleanField(_("do not disclose personal data"), default=False)
    priority = models.CharField(
        _("privileged category"), max_length=20, choices=Priority.choices, blank=True
    )

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    original_due_date = models.DateField(_("first due date"), null=True, blank=True)
    due_date = models.DateField(
        _("due date"), null=True, blank=True,
        help_text=_("The current term, extensions included; none for an anonymous appeal."),
    )
    anonymous = models.BooleanField(
        _("anonymous"), default=False,
        help_text=_("Filed without the details that identify the applicant: not considered "
                    "under the law, no legal term."),
    )
    extended_until = models.DateField(_("extended until"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    forward_by = models.DateField(
        _("forward by"), null=True, blank=True,
        help_text=_("The last day to forward it to the competent addressee."),
    )
    urgent_at = models.DateTimeField(
        _("marked urgent"), null=True, blank=True,
        help_text=_("When staff found that the appeal needs no further study: the shorter "
                    "urgent term of the site's law applies."),
    )
    urgent_reason = models.TextField(_("why it is urgent"), blank=True)
    return_by = models.DateField(
        _("return by"), null=True, blank=True,
        help_text=_("The last day to return the appeal to the applicant if it is incomplete "
                    "(where the site's law sets such a term)."),
    )
    notify_by = models.DateField(
        _("notify the decision by"), null=True, blank=True,
        help_text=_("The last day to inform the applicant of the decision (where the site's "
                    "law sets such a term)."),
    )
    occurred_on = models.DateField(
        _("when it happened"), null=True, blank=True,
        help_text=_("The day of the violation a signal reports, as the applicant gave it "
                    "(asked where the law limits how old it may be)."),
    )
    refuse_by = models.DateField(
        _("refuse by"), null=True, blank=True,
        help_text=_("The last day to communicate a refusal of a request for public "
                    "information (where the site's law sets a term of its own)."),
    )
    notified_at = models.DateTimeField(_("applicant informed of the decision"), null=True,
                                       blank=True)
    forwarded_from = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("forwarded from"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    repeated_of = models.ForeignKey(
        "self", verbose_name=_("repeats"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="repeats",
        help_text=_("An earlier answered appeal of the same applicant on the same matter."),
    )
    substance_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)

    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    resolved_by_citizen_at = models.DateTimeField(
        _("marked resolved by the applicant"), null=True, blank=True
    )
    rating = models.PositiveSmallIntegerField(
        _("rating of the answer"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)

    submission_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AppealQuerySet.as_manager()

    #: which field names the addressee (see addons.core.permissions)
    addressee_field = "addressee"

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(fields=["site", "reference"], name="appeal_unique_reference")
        ]
        indexes = [
            models.Index(fields=["site", "addressee", "status", "due_date"], name="appeal_inbox"),
            models.Index(fields=["addressee", "-received_at"], name="appeal_addressee_recent"),
            models.Index(fields=["author", "-received_at"], name="appeal_author"),
            models.Index(fields=["site", "-received_at"], name="appeal_site_recent"),
            # the reminder scan reads only open appeals by due date; the desk's "due soon"
            # and "overdue" counts too
            models.Index(
                fields=["due_date"], name="appeal_open_due",
                condition=Q(status__in=[status.value for status in OPEN_STATUSES]),
            ),
            # the desk and the staff home: "assigned to me and open" ...
            models.Index(
                fields=["assignee", "due_date"], name="appeal_open_assignee",
                condition=Q(status__in=[status.value for status in OPEN_STATUSES]),
            ),
            # ... and "nobody's yet" of a town, among the addressees a person handles
            models.Index(
                fields=["site", "addressee", "due_date"], name="appeal_open_unassigned",
                condition=Q(status__in=[status.value for status in OPEN_STATUSES],
                            assignee__isnull=True),
            ),
        ]
        permissions = [("handle_appeal", _("Can handle appeals of any addressee"))]

    def __str__(self):
        return f"{self.reference}: {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("appeals:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_repeated(self) -> bool:
        return self.repeated_of_id is not None

    @property
    def awaits_return_check(self) -> bool:
        """Whether the term to return it as incomplete still runs: not yet taken in hand,
        returned or otherwise considered."""
        return self.return_by is not None and self.status in RETURN_WATCH_STATUSES

    def is_return_overdue(self, today=None) -> bool:
        return self.awaits_return_check and self.return_by < (today or timezone.localdate())

    @property
    def awaits_notice(self) -> bool:
        """Whether the applicant is still to be informed of the decision within its term."""
        return self.notify_by is not None and self.notified_at is None

    def is_time_barred(self) -> bool:
        """Whether the signal reports a violation older than the law considers (BG APC
        art. 113: two years before the signal), by the date the applicant gave."""
        from . import jurisdictions

        years = jurisdictions.SIGNAL_AGE_LIMIT_YEARS.get(jurisdictions.jurisdiction_of(self.site))
        if not years or self.occurred_on is None or self.procedure != Procedure.APPEAL:
            return False
        received = timezone.localdate(self.received_at)
        try:
            limit = received.replace(year=received.year - years)
        except ValueError:  # 29 February
            limit = received.replace(year=received.year - years, day=28)
        return self.occurred_on < limit

    @property
    def is_info_request(self) -> bool:
        return self.procedure == Procedure.INFO_REQUEST

    @property
    def awaits_refusal_check(self) -> bool:
        """Whether the term to communicate a refusal (RO Law 544/2001: 5 days) still runs."""
        return self.refuse_by is not None and self.status in OPEN_STATUSES

    def is_refusal_overdue(self, today=None) -> bool:
        return self.awaits_refusal_check and self.refuse_by < (today or timezone.localdate())

    def is_overdue(self, today=None) -> bool:
        return (self.is_open and self.due_date is not None
                and self.due_date < (today or timezone.localdate()))

    def term_marks(self):
        """The list's marks of the terms: overdue or due soon, urgent, and the terms to
        return, refuse or forward that passed."""
        from django.utils.formats import date_format
        from django.utils.html import format_html, format_html_join
        from django.utils.translation import gettext

        today = timezone.localdate()
        marks = []
        if self.is_open and self.due_date is not None:
            if self.due_date < today:
                marks.append(("appeal-overdue", gettext("overdue")))
            elif self.due_date <= today + timezone.timedelta(days=5):
                marks.append(("appeal-due-soon", gettext("due soon")))
        if self.priority and self.is_open:
            marks.append(("appeal-priority", gettext("priority")))
        if self.urgent_at and self.is_open:
            marks.append(("appeal-urgent", gettext("urgent")))
        if self.awaits_return_check and self.return_by < today:
            marks.append(("appeal-return-overdue", gettext("return term passed %(when)s") % {
                "when": date_format(self.return_by, "SHORT_DATE_FORMAT")}))
        if self.awaits_refusal_check and self.refuse_by < today:
            marks.append(("appeal-refuse-overdue", gettext("refusal term passed %(when)s") % {
                "when": date_format(self.refuse_by, "SHORT_DATE_FORMAT")}))
        if self.forward_by and self.forward_by < today and self.status == Status.SUBMITTED:
            marks.append(("appeal-forward-overdue",
                          gettext("forwarding term passed %(when)s") % {
                              "when": date_format(self.forward_by, "SHORT_DATE_FORMAT")}))
        if not marks:
            return ""
        return format_html_join(" ", '<strong class="status-tag secondary {}">{}</strong>',
                                marks) or format_html("")

    term_marks.short_description = _("Terms")

    # --- the desk's export columns (``Casework.list_export``): plain values, with labels ---

    def export_kind(self) -> str:
        return self.get_kind_display()

    def export_status(self) -> str:
        return self.get_status_display()

    def export_on_time(self) -> str:
        """"yes"/"no" once answered, by the answer's local date against the due date."""
        if self.answered_at is None or self.due_date is None:
            return ""
        answered = timezone.localtime(self.answered_at).date()
        return str(_("yes") if answered <= self.due_date else _("no"))

    def export_priority(self) -> str:
        return self.get_priority_display() if self.priority else ""

    def export_applicant(self) -> str:
        """The applicant's name, left out where they asked not to disclose their personal
        data: an export file travels beyond the system."""
        return str(_("(not disclosed)")) if self.do_not_disclose else self.applicant_name

    def export_repeated(self) -> str:
        return str(_("yes")) if self.repeated_of_id else ""

    def export_type(self) -> str:
        return self.get_appeal_type_display() if self.appeal_type else ""

    def export_procedure(self) -> str:
        return self.get_procedure_display()

    def export_urgent(self):
        return timezone.localtime(self.urgent_at).date() if self.urgent_at else None

    def export_answer_format(self) -> str:
        return self.get_answer_format_display() if self.answer_format else ""

    export_kind.short_description = _("Kind")
    export_status.short_description = _("Status")
    export_on_time.short_description = _("Answered on time")
    export_priority.short_description = _("Privileged category")
    export_applicant.short_description = _("Applicant")
    export_repeated.short_description = _("Repeated")
    export_type.short_description = _("Type of appeal")
    export_procedure.short_description = _("Procedure")
    export_urgent.short_description = _("Marked urgent")
    export_answer_format.short_description = _("Preferred form of the answer")


class AppealMessage(models.Model):
    """One turn of the conversation: a reply of staff, a comment of the citizen, or an
    internal note that the citizen never sees."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        COMMENT = "comment", _("Comment of the applicant")
        NOTE = "note", _("Internal note")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["appeal", "created_at"], name="appeal_message_order")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:40]}"


class AppealAttachment(models.Model):
    """A file of an appeal or of one of its messages, in private storage."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        AppealMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(
        _("file"), storage=private_storage, upload_to=attachment_path, max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=255)
    extension = models.CharField(max_length=10, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("appeals:attachment", args=[self.appeal_id, self.pk])


class AppealEvent(models.Model):
    """The history of an appeal: filing, status changes, forwarding, extensions, replies,
    and views by staff."""

    class Action(models.TextChoices):
        FILED = "filed", _("Filed")
        REGISTERED = "registered", _("Registered")
        FORWARDED = "forwarded", _("Forwarded")
        STARTED = "started", _("Handling started")
        EXTENDED = "extended", _("Term extended")
        REPLIED = "replied", _("Answered")
        COMMENTED = "commented", _("Comment added")
        NOTE = "note", _("Internal note added")
        RETURNED = "returned", _("Returned as incomplete")
        URGENT = "urgent", _("Marked urgent")
        REFUSED = "refused", _("Refused")
        NOTIFIED = "notified", _("Applicant informed of the decision")
        LEFT = "left", _("Left without consideration")
        CLOSED = "closed", _("Closed")
        RESOLVED = "resolved", _("Marked resolved by the applicant")
        REOPENED = "reopened", _("Taken in hand again after the answer")
        RATED = "rated", _("Answer rated")
        VIEWED = "viewed", _("Viewed by staff")
        ANONYMISED = "anonymised", _("Personal data removed")

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")
        indexes = [models.Index(fields=["appeal", "created_at"], name="appeal_event_order")]

    def __str__(self):
        return f"{self.appeal_id}: {self.get_action_display()}"


class ReplyTemplate(models.Model):
    """A ready text staff start a reply from."""

    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(
        _("text"),
        help_text=_("May use {reference}, {applicant}, {subject} and {received}."),
    )
    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("municipality"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
        help_text=_("The municipality whose staff may use it. Leave empty to offer it in "
                    "every municipality of the installation."),
    )
    addressee = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("addressee"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
        help_text=_("Leave empty to offer it to every addressee."),
    )

    panels = [FieldPanel("title"), FieldPanel("text"), FieldPanel("site"),
              FieldPanel("addressee")]

    class Meta:
        ordering = ["title"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.addressee_id is None:
            return
        addressee_site = self.addressee.get_site()
        if addressee_site is None:
            return
        if self.site_id is None:
            self.site = addressee_site
        elif self.site_id != addressee_site.pk:
            raise ValidationError({"addressee": _("Choose an addressee of this municipality.")})


class AppealReminder(models.Model):
    """A reminder or escalation already sent for one point of one term. The row is written
    in the transaction that writes its notifications: a point is never sent twice."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="reminders")
    point = models.CharField(max_length=30)  # "due-5", "due-1", "due-0", "overdue-head"...
    due_date = models.DateField()  # the term it was sent for (an extension is a new term)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appeal", "point", "due_date"], name="appeal_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.appeal_id} {self.point} {self.due_date}"


@register_setting(icon="mail")
class AppealsSettings(BaseSiteSetting):
    """How appeals travel on this site."""

    routing_mode = models.CharField(
        _("routing"), max_length=20, choices=RoutingMode.choices, default=RoutingMode.DIRECT
    )
    department = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("appeals department"), null=True,
        blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Registers and forwards every appeal when routing goes through it; its "
                    "moderators also see every appeal and get the reminders."),
    )
    reminder_days = models.CharField(
        _("reminders, days before the due date"), max_length=50, default="5,1,0",
        help_text=_("Comma separated, e.g. 5,1,0 (0: the day itself)."),
    )
    leadership_after_days = models.PositiveSmallIntegerField(
        _("alert the leadership after (days overdue)"), default=3
    )
    report_recipients = models.TextField(
        _("report recipients"), blank=True, help_text=_("Email addresses, one per line.")
    )
    report_period = models.CharField(
        _("periodic report"), max_length=10, default="monthly",
        choices=[("", _("none")), ("weekly", _("weekly")), ("monthly", _("monthly"))],
        blank=True,
    )
    priority_categories = models.JSONField(
        _("privileged categories"), default=list, blank=True,
        help_text=_("Empty: those of the site's law."),
    )

    base_form_class = AppealsSettingsAdminForm

    panels = [
        MultiFieldPanel(
            [FieldPanel("routing_mode"), FieldPanel("department")],
            heading=_("Routing"),
        ),
        MultiFieldPanel(
            [FieldPanel("reminder_days"), FieldPanel("leadership_after_days")],
            heading=_("Reminders"),
        ),
        MultiFieldPanel(
            [FieldPanel("report_recipients"), FieldPanel("report_period")],
            heading=_("Reports"),
        ),
        FieldPanel("priority_categories"),
    ]

    class Meta:
        verbose_name = _("appeals")

    @property
    def reminder_offsets(self) -> list[int]:
        """Days before the due date, largest first; malformed parts are ignored."""
        values = set()
        for part in (self.reminder_days or "").split(","):
            part = part.strip()
            if part.isdigit():
                values.add(int(part))
        return sorted(values, reverse=True)

    @property
    def recipients(self) -> list[str]:
        return [line.strip() for line in self.report_recipients.splitlines() if line.strip()]
