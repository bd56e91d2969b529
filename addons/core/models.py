import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from .forms import AddonActivationForm, SiteProfileForm, StaffingSettingsForm

JURISDICTIONS = [
    ("ua", _("Ukraine")),
    ("ro", _("Romania")),
    ("bg", _("Bulgaria")),
]


def validate_public_url(value):
    """An absolute http(s) address of a host, with no path, query or fragment."""
    if not value:
        return
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or parts.path not in ("", "/") or parts.query or parts.fragment
            or parts.username or parts.password or port == 0):
        raise ValidationError(
            _("Enter the address visitors open, such as https://city.example.org "
              "(http or https, with no path)."),
            code="invalid",
        )


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def contrast_with_white(colour: str) -> float:
    """WCAG 2.1 contrast ratio of ``#rrggbb`` against white."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)
    return 1.05 / (luminance + 0.05)


def validate_brand_colour(value):
    """The city's colour carries white text (the header, buttons): at least 4.5:1."""
    if value and re.fullmatch(r"#[0-9a-fA-F]{6}", value) and contrast_with_white(value) < 4.5:
        raise ValidationError(
            _("White text on this colour is hard to read (contrast %(ratio).1f:1; at least "
              "4.5:1 is needed). Choose a darker shade."),
            code="low_contrast",
            params={"ratio": contrast_with_white(value)},
        )


class CachedSiteSetting:
    """A site setting every public page reads: kept in the cache per site (and for the
    request in hand), forgotten when any setting, site or page changes
    (``public_cache.site_setting``)."""

    @classmethod
    def for_site(cls, site):
        if site is None or getattr(site, "pk", None) is None:
            return super().for_site(site)
        from .public_cache import site_setting

        return site_setting(cls, site, lambda: super(CachedSiteSetting, cls).for_site(site))

    @classmethod
    def fresh_for_site(cls, site):
        """The row as the database holds it now, to change and save."""
        return super().for_site(site)


@register_setting(icon="home")
class SiteProfile(CachedSiteSetting, BaseSiteSetting):
    """Who this site is: the municipality, its language, law, theme and contacts."""

    #: the header shows it on every page: read with the profile (and cached with it)
    select_related = ("coat_of_arms",)

    municipality_name = models.CharField(_("municipality name"), max_length=200, blank=True)
    default_language = models.CharField(
        _("default language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The interface language for visitors who have not chosen one."),
    )
    content_languages = models.JSONField(
        _("languages of the content"),
        default=list,
        blank=True,
        help_text=_("The languages the city's pages, addressees and forms are offered in, "
                    "besides the default language; each has its address, e.g. /en/. None "
                    "chosen: the languages of the interface."),
    )
    jurisdiction = models.CharField(
        _("jurisdiction"),
        max_length=2,
        choices=JURISDICTIONS,
        default="ua",
        help_text=_("Whose laws set the fields of appeals, the legal terms and holidays."),
    )
    theme = models.CharField(_("theme"), max_length=50, default="civic")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Kyiv")
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    postal_address = models.CharField(_("postal address"), max_length=300, blank=True)
    map_center = models.CharField(
        _("map centre"),
        max_length=100,
        blank=True,
        help_text=_("The centre of the city's maps, as SRID=4326;POINT(longitude latitude)."),
    )

    public_url = models.CharField(
        _("public address"),
        max_length=200,
        blank=True,
        validators=[validate_public_url],
        help_text=_("The address visitors open, such as https://city.example.org. Links in "
                    "e-mails and feeds use it; when empty, the site's hostname and port."),
    )
    coat_of_arms = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("coat of arms"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown in the site's header, on tickets and on the PDF documents."),
    )
    brand_colour = models.CharField(
        _("city colour"),
        max_length=7,
        blank=True,
        validators=[
            RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #rrggbb, e.g. #0b5394.")),
            validate_brand_colour,
        ],
        help_text=_("The colour of the header, buttons and documents, as #rrggbb. White "
                    "text must stay readable on it. Empty: the theme's own colour."),
    )

    base_form_class = SiteProfileForm
    panels = [
        MultiFieldPanel(
            [FieldPanel("municipality_name"), FieldPanel("public_url"),
             FieldPanel("contact_email"), FieldPanel("contact_phone"),
             FieldPanel("postal_address")],
            heading=_("Municipality"),
        ),
        MultiFieldPanel(
            [FieldPanel("default_language"), FieldPanel("content_languages"),
             FieldPanel("jurisdiction"),
             FieldPanel("time_zone"), FieldPanel("theme"), FieldPanel("map_center"),
             FieldPanel("coat_of_arms"), FieldPanel("brand_colour")],
            heading=_("Language, law and look"),
        ),
    ]

    class Meta:
        verbose_name = _("site profile")


@register_setting(icon="cogs")
class AddonActivation(CachedSiteSetting, BaseSiteSetting):
    """The add-ons control panel: which installed add-ons are on for this site.

    ``states`` maps an add-on label to True/False; an add-on missing from it follows its
    ``default_enabled``. ``set_up`` records when ``setup(site)`` last ran for each label.
    """

    states = models.JSONField(default=dict, blank=True)
    set_up = models.JSONField(default=dict, blank=True, editable=False)

    base_form_class = AddonActivationForm
    panels = [FieldPanel("enabled_addons", heading=_("Enabled add-ons"))]

    class Meta:
        verbose_name = _("add-ons")


class ReferenceCounter(models.Model):
    """The last number issued per site, kind and year (see ``numbering``)."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE)
    kind = models.CharField(max_length=20)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "kind", "year"], name="unique_counter")
        ]

    def __str__(self):
        return f"{self.kind}-{self.year}: {self.last}"


class Notification(models.Model):
    """One message to one person: the outbox row that a django-q2 task delivers, and the
    copy the citizen reads in the cabinet inbox (see ``notifications``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("not sent (no address)")

    site = models.ForeignKey(
        "wagtailcore.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="notifications",
    )
    #: the citizen record told, when known (a citizen known only by a chat identity too)
    person = models.ForeignKey(
        "accounts.Person", verbose_name=_("person"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="notifications",
    )
    email = models.EmailField(_("email"), blank=True)
    #: the transport that carried it, or the one being tried ("email", "telegram", "sms")
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    #: every try and fallback: ``[{"channel", "at", "result", "detail"}]``, ``result`` one of
    #: "sent", "retry", "refused", "unreachable" (see ``notifications.deliver``)
    attempt_log = models.JSONField(_("delivery attempts"), default=list, blank=True)
    event = models.CharField(_("event"), max_length=100)
    context = models.JSONField(_("context"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    key = models.CharField(
        _("key"), max_length=200, unique=True, null=True, blank=True,
        help_text=_("Idempotency key: the same key never makes a second row."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["status", "next_attempt_at"], name="notification_outbox"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.subject

    def get_channel_display(self) -> str:
        """The name of the transport that carried it ("Telegram", "E-mail")."""
        from .registry import transport

        found = transport(self.channel) if self.channel else None
        return str(found.title) if found is not None else self.channel


class EmailSuppression(models.Model):
    """An address that bounced (see ``mass_email.record_bounce``): mass email skips it once
    it is ``suppressed`` (one hard bounce, or too many soft ones)."""

    email = models.EmailField(_("email"), unique=True)
    hard_bounces = models.PositiveIntegerField(_("hard bounces"), default=0)
    soft_bounces = models.PositiveIntegerField(_("soft bounces"), default=0)
    suppressed = models.BooleanField(_("suppressed"), default=False)
    last_reason = models.CharField(_("last reason"), max_length=500, blank=True)
    last_bounce_at = models.DateTimeField(_("last bounce"), null=True, blank=True)
    suppressed_at = models.DateTimeField(_("suppressed since"), null=True, blank=True)

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self):
        return self.email


class UnsubscribeAlias(models.Model):
    """A short name of an unsubscribe token too long for an e-mail address's local part
    (RFC 5321: 64 octets): ``unsubscribe+<code>@…`` stands for ``token``."""

    code = models.CharField(max_length=32, unique=True)
    token = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("unsubscribe address")
        verbose_name_plural = _("unsubscribe addresses")

    def __str__(self):
        return self.code


from .casework.models import (  # noqa: E402,F401  (core's models)
    Assignable,
    AssignmentPolicy,
    InternalNote,
    NoteAttachment,
    StaffAbsence,
    StaffCapacity,
    StaffSkill,
)


@register_setting(icon="group")
class StaffingSettings(BaseSiteSetting):
    """Who receives the records nobody in the department tree is there to handle, and who
    leads the municipality (see ``addons.core.staffing``)."""

    reception_office = models.ForeignKey(
        "auth.Group", verbose_name=_("reception office"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Staff group that receives the records of addressees with nobody at "
                    "work, up the whole tree (e.g. the appeals department, the general "
                    "office)."),
    )
    leadership = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("municipality's leadership"), null=True,
        blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("Its staff supervise the addressees at the top of the tree and get the "
                    "last escalation of overdue records (e.g. the mayor's office)."),
    )
    administrators = models.ForeignKey(
        "auth.Group", verbose_name=_("administrators"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Besides the superusers, the last to receive records when there is no "
                    "reception office."),
    )

    base_form_class = StaffingSettingsForm
    panels = [
        FieldPanel("reception_office"),
        FieldPanel("leadership"),
        FieldPanel("administrators"),
    ]

    class Meta:
        verbose_name = _("reception office and leadership")


class ServiceEvent(models.Model):
    """One step of a record's life (received, routed, resolved, reopened, served...), written
    by ``addons.core.events.record`` in the transaction of the change it records and never
    changed afterwards. Management figures are computed from these, never from the records'
    mutable rows: a reopen stays one reopen and a record's first resolution is kept.

    Events carry no content of the record (no subject, text or name): only what figures
    group and filter by. ``addressee_path`` is the addressee page's tree path at the time,
    so a subtree is ``addressee_path__startswith``."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+")
    #: the record type as the add-on declares it (``ServiceEvents.record_type``):
    #: "appeals.appeal", "reports.report", "queues.ticket", "contacts.call"...
    record_type = models.CharField(max_length=60)
    record_id = models.BigIntegerField()
    reference = models.CharField(max_length=40, blank=True)
    #: what happened: one of ``addons.core.events.KINDS``
    kind = models.CharField(max_length=30)
    at = models.DateTimeField()
    addressee_id = models.BigIntegerField(null=True, blank=True)
    addressee_path = models.CharField(max_length=255, blank=True)
    category = models.CharField(max_length=100, blank=True)
    district = models.CharField(max_length=100, blank=True)
    #: how it came or went: "web", "email", "phone", "walk_in", "telegram", "api"...
    channel = models.CharField(max_length=30, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    #: whether the record type is shown on the public transparency page
    public = models.BooleanField(default=False)
    #: the term in force after this event (received, extended), None when none
    due = models.DateTimeField(null=True, blank=True)
    #: a number the event carries: the rating (1-5), seconds waited, seconds to answer
    value = models.FloatField(null=True, blank=True)
    #: the new status (status_changed) or the outcome ("served", "no_show", "abandoned")
    status = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["record_type", "record_id", "at"], name="core_event_record"),
            models.Index(fields=["site", "kind", "at"], name="core_event_site_kind_at"),
        ]

    def __str__(self):
        moment = f"{self.at:%Y-%m-%d %H:%M}"
        return f"{self.record_type} {self.reference or self.record_id} {self.kind} {moment}"
