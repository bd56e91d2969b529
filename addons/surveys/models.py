"""Quality-of-service surveys: the Survey snippet with its questions, where it hangs, the
answers, one-time links and the counters public statistics are read from.

A :class:`Survey` is built from :class:`Question` rows; the options of a choice question and
the rows of a matrix are typed one per line and kept as :class:`Option` and
:class:`MatrixRow` rows (matched by label, so renaming a line starts a new option while the
answers to the old one stay). An answer is a :class:`Response` with one :class:`Answer` per
item. One answer per citizen, browser or link is held by unique constraints; the
public figures come from :class:`Tally` counters raised with ``F()`` in the answer's
transaction, never from reading the answers. Business rules live in ``services``.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from addons.core.content_languages import translations_field
from addons.core.placements import Placement

DEFAULT_MIN_GROUP = 5


def default_min_group() -> int:
    return getattr(settings, "CIVICDESK_SURVEYS_MIN_GROUP", DEFAULT_MIN_GROUP)


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    STARS = "stars", _("Star rating (1-5)")
    SCALE = "scale", _("Scale")
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    YES_NO = "yes_no", _("Yes or no")
    MATRIX = "matrix", _("Matrix (rows rated on one scale)")


CHOICE_KINDS = {QuestionKind.SINGLE, QuestionKind.MULTIPLE}
NUMBER_KINDS = {QuestionKind.STARS, QuestionKind.SCALE, QuestionKind.YES_NO}
TEXT_KINDS = {QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT}


class Audience(models.TextChoices):
    ANYONE = "anyone", _("Anyone (one answer per browser)")
    CITIZENS = "citizens", _("Logged-in citizens (one answer per citizen)")
    LINK = "link", _("Holders of a one-time link")


class ReportPeriod(models.TextChoices):
    NONE = "", _("No periodic report")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class SurveyCategory(models.Model):
    """A heading of the public opinion center ("City improvement", "Public consultations")."""

    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"),
                             on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.IntegerField(_("order"), default=0)

    panels = [FieldPanel("site"), FieldPanel("name"), FieldPanel("slug"),
              FieldPanel("description"), FieldPanel("sort_order")]

    class Meta:
        verbose_name = _("survey category")
        verbose_name_plural = _("survey categories")
        ordering = ["sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "slug"],
                                               name="surveys_category_slug")]

    def __str__(self) -> str:
        return self.name


class SurveyQuerySet(models.QuerySet):
    def open(self, now=None):
        now = now or timezone.now()
        return self.filter(
            Q(opens_at__isnull=True) | Q(opens_at__lte=now),
            Q(closes_at__isnull=True) | Q(closes_at__gt=now),
            closed=False,
        )

    def archived(self, now=None):
        """Closed surveys: by hand or past their end date."""
        now = now or timezone.now()
        return self.filter(Q(closed=True) | Q(closes_at__lte=now))


class Survey(ClusterableModel):
    """A questionnaire citizens answer, attachable to any number of addressee pages."""

    site = models.ForeignKey("wagtailcore.Site", verbose_name=_("site"),
                             on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    # which default survey this is ("complain", "proposal", "quality"), for setup(site)
    key = models.SlugField(max_length=50, blank=True, editable=False)
    category = models.ForeignKey(SurveyCategory, verbose_name=_("category"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="surveys")
    intro = models.TextField(_("introduction"), blank=True)
    translations = translations_field()
    audience = models.CharField(
        _("who may answer"), max_length=20, choices=Audience.choices,
        default=Audience.CITIZENS,
        help_text=_("\"Anyone\" suits opinion polls: answers are limited per browser, address "
                    "and network, and bursts are marked suspicious, but a determined person "
                    "can still answer more than once. For binding decisions and votes that "
                    "matter, use logged-in citizens or one-time links."),
    )
    anonymous = models.BooleanField(
        _("anonymous"), default=True,
        help_text=_("Store no link between an answer and a person: who answered is kept "
                    "apart from what was answered, and only the date of an answer is kept, "
                    "not its time."),
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True,
                                     help_text=_("Empty: open until closed by hand."))
    closed = models.BooleanField(_("closed"), default=False)
    public_results = models.BooleanField(_("public results"), default=True)
    min_group_size = models.PositiveIntegerField(
        _("minimum group size"), default=default_min_group, validators=[MinValueValidator(1)],
        help_text=_("Results of a group with fewer answers are not shown, to protect "
                    "anonymity."),
    )
    report_period = models.CharField(_("periodic report"), max_length=10, blank=True,
                                     choices=ReportPeriod.choices, default=ReportPeriod.NONE)
    report_recipients = models.TextField(
        _("report recipients"), blank=True, help_text=_("Email addresses, one per line."))
    created = models.DateTimeField(auto_now_add=True)

    objects = SurveyQuerySet.as_manager()

    panels = [
        FieldPanel("site"),
        FieldPanel("title"),
        FieldPanel("category"),
        FieldPanel("intro"),
        MultiFieldPanel([
            FieldPanel("audience"), FieldPanel("anonymous"),
            FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
            FieldPanel("closed"),
        ], heading=_("Who and when")),
        MultiFieldPanel([
            FieldPanel("public_results"), FieldPanel("min_group_size"),
            FieldPanel("report_period"), FieldPanel("report_recipients"),
        ], heading=_("Results")),
        InlinePanel("questions", label=_("question"), heading=_("Questions"), min_num=1),
    ]

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["title"]
        permissions = [("view_results", "Can see survey results and free-text answers")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("surveys:survey", args=[self.pk])

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        if self.closed or (self.opens_at and self.opens_at > now):
            return False
        return not (self.closes_at and self.closes_at <= now)

    @property
    def is_archived(self) -> bool:
        return self.closed or bool(self.closes_at and self.closes_at <= timezone.now())

    def recipients(self) -> list[str]:
        return [line.strip() for line in self.report_recipients.splitlines() if line.strip()]

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The survey must close after it opens.")})
        if self.category_id and self.site_id and self.category.site_id != self.site_id:
            raise ValidationError({"category": _("Choose a category of the survey's site.")})


def _lines(text: str) -> list[str]:
    seen, result = set(), []
    for line in (text or "").splitlines():
        line = line.strip()
        if line and line not in seen:
            seen.add(line)
            result.append(line)
    return result


class Question(Orderable):
    survey = ParentalKey(Survey, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("type"), max_length=20, choices=QuestionKind.choices,
                            default=QuestionKind.STARS)
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=True)
    choices = models.TextField(
        _("options"), blank=True,
        help_text=_("Choice questions: one option per line. Matrix: one row per line."))
    scale_min = models.SmallIntegerField(_("scale from"), default=0,
                                         validators=[MinValueValidator(-10)])
    scale_max = models.SmallIntegerField(_("scale to"), default=10,
                                         validators=[MaxValueValidator(20)])

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("required")]),
        FieldPanel("text"), FieldPanel("help_text"), FieldPanel("choices"),
        FieldRowPanel([FieldPanel("scale_min"), FieldPanel("scale_max")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text

    @property
    def key(self) -> str:
        return f"q{self.pk}"

    def value_range(self) -> range:
        """The numbers a star, scale, yes/no or matrix answer may take."""
        if self.kind == QuestionKind.STARS:
            return range(1, 6)
        if self.kind == QuestionKind.YES_NO:
            return range(0, 2)
        if self.kind == QuestionKind.MATRIX and self.scale_max <= self.scale_min:
            return range(1, 6)
        return range(self.scale_min, self.scale_max + 1)

    def clean(self):
        if self.kind in (QuestionKind.SCALE, QuestionKind.MATRIX) and (
            self.scale_max <= self.scale_min
        ):
            raise ValidationError({"scale_max": _("The scale must end above its start.")})
        if self.kind in CHOICE_KINDS and len(_lines(self.choices)) < 2:
            raise ValidationError({"choices": _("Give at least two options, one per line.")})
        if self.kind == QuestionKind.MATRIX and not _lines(self.choices):
            raise ValidationError({"choices": _("Give the rows of the matrix, one per line.")})

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.sync_lines()

    def sync_lines(self) -> None:
        """Keep Option / MatrixRow rows in step with the typed lines: a line keeps its row
        (and its answers) while its text stays; a removed line is hidden, not deleted."""
        model = MatrixRow if self.kind == QuestionKind.MATRIX else Option
        other = Option if model is MatrixRow else MatrixRow
        lines = _lines(self.choices) if (self.kind in CHOICE_KINDS or model is MatrixRow) else []
        existing = {row.label: row for row in model.objects.filter(question=self)}
        for position, label in enumerate(lines):
            row = existing.pop(label, None)
            if row is None:
                model.objects.create(question=self, label=label, position=position)
            elif row.position != position or not row.active:
                model.objects.filter(pk=row.pk).update(position=position, active=True)
        model.objects.filter(pk__in=[row.pk for row in existing.values()]).update(active=False)
        other.objects.filter(question=self, active=True).update(active=False)


class QuestionLine(models.Model):
    """One typed line of a question: an option, or a row of a matrix."""

    label = models.CharField(_("label"), max_length=300)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label


class Option(QuestionLine):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")


class MatrixRow(QuestionLine):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="rows")


class SurveyPlacement(Placement):
    """A survey attached to a host page ("Rate the quality of service")."""

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE,
                               related_name="placements")

    snippet_field = "survey"
    section_template = "surveys/section.html"
    section_cache = False  # the visitor's own: CSRF token, answered or not, sign-in
    panels = [FieldPanel("survey")]

    class Meta(Placement.Meta):
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")


# --- answers ------------------------------------------------------------------------------


def new_token() -> str:
    return secrets.token_urlsafe(18)


class Invitation(models.Model):
    """A one-time link to a survey (printed on a ticket, sent with an appeal's reply)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    addressee = models.ForeignKey("addressees.AddresseePage", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    token = models.CharField(max_length=40, unique=True, default=new_token, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-time link")
        verbose_name_plural = _("one-time links")

    def __str__(self) -> str:
        return self.token

    def get_absolute_url(self) -> str:
        return reverse("surveys:invitation", args=[self.token])


class Participation(models.Model):
    """That someone answered a survey on an addressee: who, never what.

    ``participant_key`` is a keyed digest of the citizen or browser, so that each answers
    once (the unique constraint, written in the answer's transaction). It has no link to
    the :class:`Response`, no time and no sequential id: nothing in it says which answer
    is whose."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations")
    scope = models.PositiveIntegerField(default=0)
    participant_key = models.CharField(max_length=64, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "scope", "participant_key"],
                                               name="surveys_one_per_participant")]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.scope}"


def local_today():
    return timezone.localdate()


class Response(models.Model):
    """One person's answer to a survey, on one addressee's page (or none). Of an anonymous
    survey only the date is kept, and nothing derived from the person (see
    :class:`Participation`)."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    addressee = models.ForeignKey("addressees.AddresseePage", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    # the addressee's id, or 0: kept when the page goes
    scope = models.PositiveIntegerField(default=0)
    submitted_on = models.DateField(default=local_today)
    # the moment, only for surveys that are not anonymous
    submitted_at = models.DateTimeField(null=True, blank=True)
    # only for surveys that are not anonymous
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="survey_responses")
    invitation = models.OneToOneField(Invitation, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="response")
    # came too fast or in a burst from one network: kept for staff, not counted publicly
    suspicious = models.BooleanField(_("suspicious"), default=False)

    #: which field names the addressee (see addons.core.permissions)
    addressee_field = "addressee"

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["-submitted_on"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "scope", "citizen"],
                                    condition=Q(citizen__isnull=False),
                                    name="surveys_one_per_citizen"),
        ]
        indexes = [models.Index(fields=["survey", "submitted_on"])]

    def __str__(self) -> str:
        return f"{self.survey} #{self.pk}"

    @property
    def when(self):
        """What staff see of the answer's time: the moment, or only the day."""
        return self.submitted_at or self.submitted_on


class Answer(models.Model):
    """One item of a response: an option, a number (stars, scale, yes = 1 / no = 0, a
    matrix row's rating) or a text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    # a question deleted in the admin takes its answers along (options are only hidden)
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(Option, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    row = models.ForeignKey(MatrixRow, null=True, blank=True, on_delete=models.CASCADE,
                            related_name="+")
    number = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    # free text is for staff only; staff may publish selected ones
    published = models.BooleanField(_("published"), default=False)

    class Meta:
        indexes = [models.Index(fields=["question", "published"])]

    def __str__(self) -> str:
        return self.text[:50] or str(self.number if self.number is not None else self.option)


class Tally(models.Model):
    """A counter behind the public figures, per survey or question, addressee (``scope``,
    0 = every addressee) and bucket: ``responses``; ``answered``; ``o<option>``;
    ``v<number>``; ``r<row>v<number>``; ``sum`` / ``r<row>sum`` hold sums for averages."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="tallies")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="tallies")
    scope = models.PositiveIntegerField(default=0)
    bucket = models.CharField(max_length=40)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "scope", "bucket"],
                                    condition=Q(question__isnull=True),
                                    name="surveys_tally_survey"),
            models.UniqueConstraint(fields=["question", "scope", "bucket"],
                                    condition=Q(question__isnull=False),
                                    name="surveys_tally_question"),
        ]

    def __str__(self) -> str:
        return f"{self.bucket}={self.count}"


class ReportLog(models.Model):
    """A periodic report sent: one row per survey and period, so a rerun sends nothing."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=20)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "period"],
                                               name="surveys_report_once")]

    def __str__(self) -> str:
        return self.period


# --- the public opinion center ------------------------------------------------------------


class OpinionCenterPage(Page):
    """The public opinion center: open surveys by category, and the archive of closed
    surveys with their results. With a category chosen, the page shows that one only."""

    intro = RichTextField(_("introduction"), blank=True)
    category = models.ForeignKey(
        SurveyCategory, verbose_name=_("category"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Empty: every category of the site."))
    translations = translations_field()

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("category")]
    subpage_types = ["surveys.OpinionCenterPage"]
    template = "surveys/opinion_center_page.html"

    class Meta:
        verbose_name = _("opinion center")

    def get_context(self, request, *args, **kwargs):
        from .views import opinion_center_context

        context = super().get_context(request, *args, **kwargs)
        context.update(opinion_center_context(self, request))
        return context
