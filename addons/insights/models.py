"""The insights add-on's data: the facts of each record folded from its service events
(``Case``), where the fold has got to, targets per figure, the site's settings, and
scheduled reports with the periods already sent."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


class Case(models.Model):
    """One record's facts, folded from its service events (``addons.insights.fold``) and
    never from the record's own row: the first resolution stays the first, every reopen is
    counted. Carries no content of the record."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        RESOLVED = "resolved", _("resolved")
        CLOSED = "closed", _("closed")
        BOOKED = "booked", _("booked")
        CANCELLED = "cancelled", _("cancelled")
        SERVED = "served", _("served")
        NO_SHOW = "no_show", _("did not come")
        ANSWERED = "answered", _("answered")
        ABANDONED = "abandoned", _("abandoned")

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+")
    record_type = models.CharField(max_length=60)
    record_id = models.BigIntegerField()
    reference = models.CharField(max_length=40, blank=True)
    public = models.BooleanField(default=False)
    addressee_id = models.BigIntegerField(null=True, blank=True)
    addressee_path = models.CharField(max_length=255, blank=True)
    category = models.CharField(max_length=100, blank=True)
    district = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=30, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN)
    received_at = models.DateTimeField(null=True, blank=True)
    #: the term in force (the last received/extended/booked event's ``due``)
    due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    #: working days (of the site's jurisdiction's calendar) from receipt to the first
    #: response and to the first resolution
    response_days = models.FloatField(null=True, blank=True)
    resolve_days = models.FloatField(null=True, blank=True)
    #: the first resolution came within the term (None: no term, or not resolved yet)
    on_time = models.BooleanField(null=True, blank=True)
    reopened = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    forwarded = models.PositiveIntegerField(default=0)
    extended = models.PositiveIntegerField(default=0)
    rating = models.FloatField(null=True, blank=True)
    #: seconds waited (a queue's ticket) or to answer (a call, a chat)
    wait_seconds = models.FloatField(null=True, blank=True)
    #: resolved at first contact (a call or a chat closed without follow-up)
    first_contact = models.BooleanField(null=True, blank=True)
    last_event_id = models.BigIntegerField(default=0)
    #: when ``state`` was last set (an event older than that does not change it: events
    #: written out of order, as a data migration may, still leave the latest state)
    state_at = models.DateTimeField(null=True, blank=True)
    #: the first time the record left the open states: first resolved, or closed without a
    #: resolution, cancelled, served, did not come, abandoned, a survey answered (flow out)
    done_at = models.DateTimeField(null=True, blank=True)
    #: when the last rating (or survey score) was given
    rated_at = models.DateTimeField(null=True, blank=True)
    #: how a ticket, call or chat ended: "served", "no_show", "cancelled", "answered",
    #: "abandoned" (kept when a later "closed" event closes it)
    outcome = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("record's facts")
        verbose_name_plural = _("records' facts")
        permissions = [("view_figures", _("Can view the management figures"))]
        constraints = [models.UniqueConstraint(fields=["record_type", "record_id"],
                                               name="insights_case_record")]
        indexes = [
            # the figures read one site over a window of one of these moments, every
            # service at once: the columns they count, group and filter by are in the
            # index, so a window is read from the index alone
            models.Index(fields=["site", "received_at"], name="insights_case_at_received",
                         include=["record_type", "addressee_path", "channel", "category",
                                  "district", "outcome", "wait_seconds"]),
            models.Index(fields=["site", "first_resolved_at"], name="insights_case_at_resolved",
                         include=["record_type", "addressee_path", "resolve_days", "on_time",
                                  "reopened"]),
            models.Index(fields=["site", "first_response_at"], name="insights_case_at_response",
                         include=["record_type", "addressee_path", "response_days"]),
            models.Index(fields=["site", "done_at"], name="insights_case_at_done",
                         include=["record_type", "addressee_path", "outcome", "wait_seconds",
                                  "first_contact"]),
            models.Index(fields=["site", "rated_at"], name="insights_case_at_rated",
                         include=["record_type", "addressee_path", "rating"]),
            models.Index(fields=["site", "due_at"], name="insights_case_at_due",
                         include=["record_type", "addressee_path", "outcome"]),
            models.Index(fields=["site", "state"], name="insights_case_state"),
            # the open records now (backlog, overdue): a small part of all
            models.Index(fields=["site", "record_type", "addressee_path"],
                         include=["due_at", "received_at"],
                         name="insights_case_open", condition=models.Q(state="open")),
        ]

    def __str__(self):
        return f"{self.record_type} {self.reference or self.record_id}"


class FoldMark(models.Model):
    """How far the fold has read the service events (one row)."""

    name = models.CharField(max_length=40, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    folded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name}: {self.last_event_id}"


class Target(models.Model):
    """The target of a figure for a site or an addressee's subtree: at or beyond ``green``
    the figure is green, between ``amber`` and ``green`` amber, otherwise red (for a figure
    where less is better, "beyond" means below)."""

    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"),
                             on_delete=models.CASCADE, related_name="+")
    addressee = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("addressee"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
        help_text=_("Empty: the whole municipality."))
    figure = models.CharField(_("figure"), max_length=80)
    record_type = models.CharField(_("service"), max_length=60, blank=True,
                                   help_text=_("Empty: every service the figure applies to."))
    green = models.FloatField(_("green from"))
    amber = models.FloatField(_("amber from"))

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [models.UniqueConstraint(
            fields=["site", "addressee", "figure", "record_type"], name="insights_target_once")]

    def __str__(self):
        return f"{self.figure}: {self.green} / {self.amber}"

    def save(self, *args, **kwargs):
        from .figures import targets_changed

        super().save(*args, **kwargs)
        targets_changed()

    def delete(self, *args, **kwargs):
        from .figures import targets_changed

        result = super().delete(*args, **kwargs)
        targets_changed()
        return result

    def clean(self):
        from .figures import target_errors

        errors = target_errors(self)
        if errors:
            raise ValidationError(errors)


@register_setting(icon="table")
class InsightsSettings(BaseSiteSetting):
    minimum_count = models.PositiveIntegerField(
        _("minimum count"), default=10, validators=[MinValueValidator(1)],
        help_text=_("Rankings and the public page leave out or grey addressees with fewer "
                    "records than this in the period."))
    maximum_period_days = models.PositiveIntegerField(
        _("longest period (days)"), default=731,
        validators=[MinValueValidator(7), MaxValueValidator(3660)])

    panels = [FieldPanel("minimum_count"), FieldPanel("maximum_period_days")]

    class Meta:
        verbose_name = _("management figures")


class ReportSchedule(models.Model):
    """A report mailed every week or month: the dashboard of the period just ended, as PDF
    and XLSX, each period once."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("weekly")
        MONTHLY = "monthly", _("monthly")

    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"),
                             on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    addressee = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("addressee"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
        help_text=_("Empty: the whole municipality."))
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices,
                                 default=Frequency.MONTHLY)
    recipients = models.TextField(_("recipients"),
                                  help_text=_("E-mail addresses, one per line."))
    pdf = models.BooleanField(_("PDF"), default=True)
    xlsx = models.BooleanField(_("XLSX"), default=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("scheduled report")
        verbose_name_plural = _("scheduled reports")

    def __str__(self):
        return self.title

    def clean(self):
        if not self.pdf and not self.xlsx:
            raise ValidationError(_("Choose PDF, XLSX or both."))


class ReportRun(models.Model):
    """A period of a schedule that has been sent (once)."""

    schedule = models.ForeignKey(ReportSchedule, on_delete=models.CASCADE, related_name="runs")
    period_start = models.DateField()
    period_end = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["schedule", "period_start"],
                                               name="insights_run_once")]

    def __str__(self):
        return f"{self.schedule_id}: {self.period_start}..{self.period_end}"
