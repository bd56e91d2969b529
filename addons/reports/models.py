"""Problem reports: "there is a big pothole on Florilor street near no. 15".

A citizen files a :class:`Report` of a :class:`ReportCategory` at a point; routing gives it
a responsible addressee, the category's SLA a due time. Staff move it through
:class:`ReportStatus` es; every change leaves a :class:`ReportUpdate` (the public timeline).
Citizens co-sign (:class:`CoSign`) or follow (:class:`Subscription`) reports. What happens
to a report lives in ``services``; who may see one: ``Report.objects.visible_to(user)``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from addons.core.casework.models import Assignable
from addons.core.intake import new_pin
from addons.core.placements import Placement

DESCRIPTION_MAX_LENGTH = 4000


def _label(obj, lang: str | None = None) -> str:
    if lang is None:  # the page's content language (Hungarian on /hu/), else the interface's
        from addons.core.content_languages import content_language

        lang = content_language()
    lang = (lang or get_language() or "").split("-")[0]
    names = obj.names or {}
    return names.get(lang) or obj.name


class SlaUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    WORKING_DAYS = "working_days", _("working days")


class Source(models.TextChoices):
    WEB = "web", _("Website")
    OPEN311 = "open311", _("Open311")
    API = "api", _("API")
    STAFF = "staff", _("Staff")
    PHONE = "phone", _("Phone call")
    WALK_IN = "walk_in", _("Visit in person")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")


def private_storage():
    """Photos never live under public media: they are served by a view that checks rights."""
    return storages["private"]


def photo_path(instance, filename) -> str:
    today = timezone.now()
    return f"reports/{today:%Y/%m}/{uuid.uuid4().hex}.jpg"


# --- categories and statuses --------------------------------------------------------------


def _addressee_off_site(addressee, site_id) -> bool:
    """Whether ``addressee`` (a page or None) lies outside the tree of site ``site_id``."""
    if addressee is None or site_id is None:
        return False
    from wagtail.models import Site

    site = Site.objects.filter(pk=site_id).select_related("root_page").first()
    root = site.root_page if site else None
    return root is None or not addressee.path.startswith(root.path)


class ReportCategory(models.Model):
    """A node of the editable category tree. ``code`` is also the Open311 service_code."""

    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("group"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="children",
    )
    code = models.CharField(
        _("code"), max_length=64, help_text=_("E.g. roads.pothole; the Open311 service code.")
    )
    name = models.CharField(_("name"), max_length=200)
    names = models.JSONField(
        _("names per language"), default=dict, blank=True,
        help_text=_('E.g. {"uk": "Вибоїна", "ro": "Groapă"}.'),
    )
    description = models.TextField(_("description"), blank=True)
    keywords = models.TextField(
        _("keywords"), blank=True, help_text=_("Words citizens use for it, for suggestions.")
    )
    responsible = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("responsible addressee"), null=True,
        blank=True, on_delete=models.SET_NULL, related_name="report_categories",
    )
    sla_amount = models.PositiveIntegerField(_("resolution term"), null=True, blank=True)
    sla_unit = models.CharField(
        _("unit"), max_length=20, choices=SlaUnit.choices, default=SlaUnit.WORKING_DAYS
    )
    allow_anonymous = models.BooleanField(_("anonymous reports allowed"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.IntegerField(_("order"), default=0)

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("parent")]),
        FieldPanel("name"),
        FieldPanel("names"),
        FieldPanel("description"),
        FieldPanel("keywords"),
        FieldPanel("responsible"),
        FieldRowPanel([FieldPanel("sla_amount"), FieldPanel("sla_unit")]),
        FieldRowPanel([FieldPanel("allow_anonymous"), FieldPanel("is_active"),
                       FieldPanel("sort_order")]),
        FieldPanel("site"),
    ]

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="report_category_unique_code")
        ]

    def __str__(self):
        return self.label()

    def clean(self):
        """The responsible addressee and the group belong to the category's own site."""
        super().clean()
        if self.responsible_id and _addressee_off_site(self.responsible, self.site_id):
            raise ValidationError({"responsible": _(
                "Choose an addressee of this category's site.")})
        if self.parent_id and self.site_id and self.parent.site_id != self.site_id:
            raise ValidationError({"parent": _("Choose a group of this category's site.")})

    def label(self, lang: str | None = None) -> str:
        """The name in ``lang`` (the active language by default), else ``name``."""
        return _label(self, lang)

    @property
    def is_group(self) -> bool:
        return self.parent_id is None and "." not in self.code

    def sla_describe(self) -> str:
        from addons.core.deadlines import Term

        if not self.sla_amount:
            return ""
        return Term(self.sla_amount, self.sla_unit).describe()


class ReportStatus(models.Model):
    """An editable status; ``is_open`` decides whether the SLA still runs."""

    class Open311(models.TextChoices):
        OPEN = "open", "open"
        CLOSED = "closed", "closed"

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    names = models.JSONField(_("names per language"), default=dict, blank=True)
    is_open = models.BooleanField(_("open"), default=True)
    is_public = models.BooleanField(
        _("shown to the public"), default=True,
        help_text=_("Reports in a status that is not public (e.g. rejected spam) are hidden."),
    )
    open311_status = models.CharField(
        _("Open311 status"), max_length=10, choices=Open311.choices, default=Open311.OPEN
    )
    order = models.IntegerField(_("order"), default=0)

    panels = [
        FieldRowPanel([FieldPanel("code"), FieldPanel("order")]),
        FieldPanel("name"),
        FieldPanel("names"),
        FieldRowPanel([FieldPanel("is_open"), FieldPanel("is_public"),
                       FieldPanel("open311_status")]),
    ]

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("report status")
        verbose_name_plural = _("report statuses")

    def __str__(self):
        return self.label()

    def label(self, lang: str | None = None) -> str:
        return _label(self, lang)


class ReportReplyTemplate(models.Model):
    """A ready text staff pick when changing a report's status."""

    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
        help_text=_("Leave empty to offer it on every site."),
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    status = models.ForeignKey(
        ReportStatus, verbose_name=_("for status"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    panels = [FieldPanel("title"), FieldPanel("status"), FieldPanel("text"), FieldPanel("site")]

    class Meta:
        ordering = ["title"]
        verbose_name = _("report reply template")
        verbose_name_plural = _("report reply templates")

    def __str__(self):
        return self.title


# --- places -------------------------------------------------------------------------------


class District(models.Model):
    """An area of the city; with routes, it sends a category's reports to another addressee."""

    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    polygon = models.JSONField(
        _("polygon"), default=list, blank=True,
        help_text=_("The boundary as a list of [latitude, longitude] points."),
    )
    addressee = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("addressee for every category"),
        null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    panels = [FieldPanel("name"), FieldPanel("polygon"), FieldPanel("addressee"),
              FieldPanel("site")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.addressee_id and _addressee_off_site(self.addressee, self.site_id):
            raise ValidationError({"addressee": _(
                "Choose an addressee of this district's site.")})

    def contains(self, lat: float, lng: float) -> bool:
        """Point in polygon (ray casting; planar is enough for a city)."""
        points = self.polygon or []
        inside = False
        n = len(points)
        for i in range(n):
            lat1, lng1 = points[i][:2]
            lat2, lng2 = points[i - 1][:2]
            if (lng1 > lng) != (lng2 > lng):
                cross = (lat2 - lat1) * (lng - lng1) / (lng2 - lng1) + lat1
                if lat < cross:
                    inside = not inside
        return inside


class DistrictRoute(models.Model):
    """In ``district``, reports of ``category`` go to ``addressee``."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="routes")
    category = models.ForeignKey(
        ReportCategory, verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )
    addressee = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("addressee"), on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("district route")
        verbose_name_plural = _("district routes")
        constraints = [
            models.UniqueConstraint(fields=["district", "category"], name="district_route_unique")
        ]

    def __str__(self):
        return f"{self.district}: {self.category}"


class Street(models.Model):
    """The city's street register, for matching a typed address to a point."""

    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40, blank=True, help_text=_("street, lane..."))
    aliases = models.TextField(
        _("other names"), blank=True, help_text=_("Former names and transliterations, one a line.")
    )
    search_name = models.CharField(max_length=400, blank=True, editable=False, db_index=True)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    line = models.JSONField(
        _("course"), default=list, blank=True,
        help_text=_("The street's course for the city's own map, as a list of [latitude, "
                    "longitude] points."),
    )
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="streets",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="street_unique_name")
        ]

    def __str__(self):
        return f"{self.kind} {self.name}".strip()

    def save(self, *args, **kwargs):
        from .geocoding import normalise

        self.search_name = " | ".join(
            normalise(x) for x in [self.name, *self.aliases.splitlines()] if x.strip()
        )
        super().save(*args, **kwargs)


# --- reports ------------------------------------------------------------------------------


class ReportQuerySet(models.QuerySet):
    def public(self) -> ReportQuerySet:
        """What anyone may see: public, not hidden, not merged, in a public status."""
        return self.filter(
            is_public=True, is_hidden=False, merged_into__isnull=True, status__is_public=True
        )

    def open(self) -> ReportQuerySet:
        return self.filter(is_open=True)

    def visible_to(self, user) -> ReportQuerySet:
        """Public reports, plus ``user``'s own, those of addressees they moderate; all for
        superusers."""
        if user is not None and user.is_authenticated and user.is_active:
            if user.is_superuser:
                return self.all()
            from addons.core.permissions import moderated_addressee_ids

            condition = Q(pk__in=self.public().values("pk")) | Q(reporter=user)
            ids = moderated_addressee_ids(user)
            if ids:
                condition |= Q(addressee_id__in=ids)
            return self.filter(condition)
        return self.public()


class Report(Assignable, models.Model):
    """One problem at one place; staff work on it on the casework desk (assignee, watchers,
    ``lock_version``: see ``addons.core.casework``)."""

    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="+"
    )
    #: unique within the site: every town counts its reports from PR-<year>-000001
    tracking_number = models.CharField(_("tracking number"), max_length=32)
    category = models.ForeignKey(
        ReportCategory, verbose_name=_("category"), on_delete=models.PROTECT,
        related_name="reports",
    )
    addressee = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("responsible addressee"), null=True,
        blank=True, on_delete=models.SET_NULL, related_name="reports",
    )
    status = models.ForeignKey(
        ReportStatus, verbose_name=_("status"), on_delete=models.PROTECT, related_name="+"
    )
    #: copy of status.is_open, so the escalation job reads one indexed column
    is_open = models.BooleanField(default=True, editable=False)
    description = models.TextField(
        _("description"), validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)]
    )
    location = models.CharField(_("location"), max_length=100, blank=True)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    is_public = models.BooleanField(_("public"), default=True)
    is_hidden = models.BooleanField(
        _("hidden by moderation"), default=False,
        help_text=_("Hidden reports are seen by staff only."),
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="problem_reports",
    )
    reporter_name = models.CharField(_("name"), max_length=200, blank=True)
    hide_reporter_name = models.BooleanField(_("hide the reporter's name"), default=True)
    contact_email = models.EmailField(_("email"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=32, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.WEB
    )
    #: the operator who filed it on the citizen's behalf (a call, a visit, an e-mail)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    #: the citizen record of who filed it from a chat (told of changes on their channel)
    person = models.ForeignKey(
        "accounts.Person", verbose_name=_("person"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    #: the digits on the receipt with which a caller proves the report is theirs
    status_pin = models.CharField(_("status PIN"), max_length=8, blank=True, default=new_pin,
                                  editable=False)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    due_at = models.DateTimeField(_("expected resolution"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    #: when the escalation job next looks at this report (None: nothing more to escalate)
    next_escalation_at = models.DateTimeField(null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="duplicates",
    )
    cosign_count = models.PositiveIntegerField(_("co-signatures"), default=0)
    confirmed_at = models.DateTimeField(_("confirmed by the reporter"), null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    rating_speed = models.PositiveSmallIntegerField(
        _("speed rating"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_quality = models.PositiveSmallIntegerField(
        _("quality rating"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    questionnaire_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    #: Open311 token returned to the client that posted the request
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    #: the secret in the reporter's links (confirm, reopen, rate) for reporters without an account
    access_key = models.UUIDField(default=uuid.uuid4, editable=False)
    service_request_id = models.CharField(max_length=64, blank=True, editable=False)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ReportQuerySet.as_manager()

    #: which field names the addressee (see addons.core.permissions)
    addressee_field = "addressee"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("problem report")
        verbose_name_plural = _("problem reports")
        constraints = [
            models.UniqueConstraint(fields=["site", "tracking_number"],
                                    name="report_unique_tracking_number"),
        ]
        indexes = [
            models.Index(fields=["site", "lat", "lng"], name="report_site_lat_lng"),
            models.Index(fields=["site", "status", "category"], name="report_site_status_cat"),
            models.Index(fields=["due_at"], condition=Q(is_open=True), name="report_open_due"),
            models.Index(
                fields=["next_escalation_at"], condition=Q(is_open=True),
                name="report_open_escalation",
            ),
            # the desk's and the staff home's counts at 200,000 reports: "mine" (open and
            # closed), a team's open and unassigned ones, the escalated ones
            models.Index(fields=["assignee", "is_open"], name="report_assignee_open"),
            models.Index(fields=["addressee", "assignee"], condition=Q(is_open=True),
                         name="report_open_addressee"),
            models.Index(fields=["escalation_level"], condition=Q(is_open=True),
                         name="report_open_escalated"),
        ]

    def __str__(self):
        return self.tracking_number

    def save(self, *args, **kwargs):
        from addons.core.geo import format_point

        if self.status_id is not None:
            self.is_open = self.status.is_open
        if self.lat is not None and self.lng is not None:
            self.location = format_point(self.lat, self.lng)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.tracking_number])

    @property
    def is_anonymous(self) -> bool:
        return self.reporter_id is None

    @property
    def public_reporter_name(self) -> str:
        if self.hide_reporter_name:
            return ""
        return self.reporter_name

    @property
    def is_overdue(self) -> bool:
        return bool(self.is_open and self.due_at and self.due_at < timezone.now())

    def reporter_email(self) -> str:
        if self.reporter_id and self.reporter.email:
            return self.reporter.email
        return self.contact_email


class ReportPhoto(models.Model):
    """A photo, re-encoded without metadata, with a thumbnail; in private storage."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), storage=private_storage, upload_to=photo_path)
    thumbnail = models.FileField(
        _("thumbnail"), storage=private_storage, upload_to=photo_path, blank=True
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)
    is_hidden = models.BooleanField(_("hidden by moderation"), default=False)
    sort_order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return f"{self.report} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("reports:photo", args=[self.report.tracking_number, self.pk])

    def get_thumbnail_url(self) -> str:
        return reverse("reports:thumbnail", args=[self.report.tracking_number, self.pk])


class UpdateKind(models.TextChoices):
    CREATED = "created", _("Submitted")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Addressee changed")
    CATEGORY = "category", _("Category changed")
    MERGED = "merged", _("Merged")
    ESCALATED = "escalated", _("Escalated")
    CONFIRMED = "confirmed", _("Confirmed as resolved")
    REOPENED = "reopened", _("Reopened")
    RATED = "rated", _("Rated")
    MODERATED = "moderated", _("Moderated")
    PRIVATE = "private", _("Made private")
    NOTE = "note", _("Note")


class ReportUpdate(models.Model):
    """One entry of a report's timeline (and its audit log)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(_("kind"), max_length=20, choices=UpdateKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    status_from = models.ForeignKey(
        ReportStatus, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_to = models.ForeignKey(
        ReportStatus, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    public_note = models.TextField(_("public note"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    is_public = models.BooleanField(_("on the public timeline"), default=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("report update")
        verbose_name_plural = _("report updates")

    def __str__(self):
        return f"{self.report}: {self.get_kind_display()}"


class CoSign(models.Model):
    """ "Me too": a citizen says the problem affects them as well."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="cosigns")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="report_cosigns",
    )
    email = models.EmailField(_("email"), blank=True)
    #: a citizen who co-signed from a chat (known by the messaging platform, maybe with
    #: neither an account nor an e-mail address)
    person = models.ForeignKey(
        "accounts.Person", verbose_name=_("person"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("co-signature")
        verbose_name_plural = _("co-signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"], condition=Q(user__isnull=False),
                name="cosign_unique_user",
            ),
            models.UniqueConstraint(
                fields=["report", "email"], condition=~Q(email=""), name="cosign_unique_email"
            ),
            models.UniqueConstraint(
                fields=["report", "person"], condition=Q(person__isnull=False),
                name="cosign_unique_person",
            ),
        ]

    def __str__(self):
        return f"{self.report} +1"


class Subscription(models.Model):
    """Someone told of every change of a report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="report_subscriptions",
    )
    email = models.EmailField(_("email"), blank=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "user"], condition=Q(user__isnull=False),
                name="report_subscription_unique_user",
            ),
            models.UniqueConstraint(
                fields=["report", "email"], condition=Q(user__isnull=True) & ~Q(email=""),
                name="report_subscription_unique_email",
            ),
        ]

    def __str__(self):
        return f"{self.report} -> {self.user or self.email}"


class Escalation(models.Model):
    """One escalation of one report: the row makes the job idempotent."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="escalations")
    level = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(fields=["report", "level"], name="report_escalation_unique")
        ]

    def __str__(self):
        return f"{self.report} level {self.level}"


# --- placement and settings ---------------------------------------------------------------


class ReportButton(models.Model):
    """A "Report a problem" box for addressee pages."""

    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    categories = models.ManyToManyField(
        ReportCategory, verbose_name=_("categories offered"), blank=True, related_name="+",
        help_text=_("Leave empty to offer every category."),
    )

    panels = [FieldPanel("title"), FieldPanel("intro"), FieldPanel("categories")]

    class Meta:
        verbose_name = _("report-a-problem box")
        verbose_name_plural = _("report-a-problem boxes")

    def __str__(self):
        return self.title


class ReportButtonPlacement(Placement):
    button = models.ForeignKey(
        ReportButton, verbose_name=_("report-a-problem box"), on_delete=models.CASCADE,
        related_name="+",
    )

    snippet_field = "button"
    section_template = "reports/section.html"
    panels = [FieldPanel("button")]

    class Meta(Placement.Meta):
        verbose_name = _("report-a-problem box")
        verbose_name_plural = _("report-a-problem boxes")


@register_setting(icon="warning")
class ReportsSettings(BaseSiteSetting):
    """Per-site settings of problem reports."""

    min_lat = models.FloatField(_("southern edge"), null=True, blank=True)
    min_lng = models.FloatField(_("western edge"), null=True, blank=True)
    max_lat = models.FloatField(_("northern edge"), null=True, blank=True)
    max_lng = models.FloatField(_("eastern edge"), null=True, blank=True)
    duplicate_radius_m = models.PositiveIntegerField(
        _("radius of nearby reports (m)"), default=250
    )
    questionnaire_days = models.PositiveIntegerField(
        _("questionnaire after (days)"), default=28,
        help_text=_("Reporters of unresolved reports are asked how it goes after this time."),
    )
    default_addressee = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("addressee of unrouted reports"),
        null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )
    max_photo_mb = models.PositiveSmallIntegerField(
        _("largest photo (MB)"), default=10, validators=[MinValueValidator(1)]
    )
    photo_max_edge = models.PositiveIntegerField(_("longest photo edge (px)"), default=1600)
    category_map = models.JSONField(
        _("category to addressee mapping"), default=dict, blank=True,
        help_text=_('Code prefix to addressee slug, e.g. {"water.": "vodokanal"}.'),
    )

    panels = [
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("min_lat"), FieldPanel("max_lat")]),
             FieldRowPanel([FieldPanel("min_lng"), FieldPanel("max_lng")])],
            heading=_("City bounds"),
        ),
        FieldPanel("duplicate_radius_m"),
        FieldPanel("questionnaire_days"),
        FieldPanel("default_addressee"),
        FieldRowPanel([FieldPanel("max_photo_mb"), FieldPanel("photo_max_edge")]),
        FieldPanel("category_map"),
    ]

    class Meta:
        verbose_name = _("problem reports")

    def has_bounds(self) -> bool:
        return None not in (self.min_lat, self.min_lng, self.max_lat, self.max_lng)

    def contains(self, lat: float, lng: float) -> bool:
        if not self.has_bounds():
            return True
        return self.min_lat <= lat <= self.max_lat and self.min_lng <= lng <= self.max_lng


# --- Open311 ------------------------------------------------------------------------------


def new_open311_key() -> str:
    import secrets

    return secrets.token_urlsafe(32)


class Open311ApiKey(models.Model):
    """A key an Open311 GeoReport v2 client sends as ``api_key`` to post service requests."""

    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
        help_text=_("Leave empty to accept the key on every site."),
    )
    name = models.CharField(
        _("client"), max_length=200, help_text=_("The application or organisation using it.")
    )
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    key = models.CharField(
        _("key"), max_length=64, unique=True, default=new_open311_key, editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    panels = [FieldPanel("name"), FieldPanel("contact"), FieldPanel("is_active"),
              FieldPanel("site")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self):
        return self.name


# The situational center's map snippet and its placement (addons/reports/situational/).
from .situational.models import SituationalMap, SituationalMapPlacement  # noqa: E402, F401
