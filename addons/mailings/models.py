"""Mass mailing: templates, recipient lists, campaigns and one delivery record per recipient.

A :class:`Campaign` sends a :class:`MailTemplate` to a :class:`RecipientList` (static members
imported from CSV, or a dynamic segment another add-on declares). Sending materialises one
:class:`Delivery` per recipient, once (unique per campaign and address); django-q2 workers
claim deliveries in batches and mark each one sent as soon as the SMTP server accepts it, so
a worker killed in the middle resumes without a duplicate and without a gap. Business rules
live in ``services`` and ``sending``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from .placeholders import validate_placeholders

PLACEHOLDER_HELP = _(
    "Placeholders: {name}, {email}, {unsubscribe_url}, {site}, {municipality}, {list}. "
    "Write {{ or }} for a literal brace."
)


class MailTemplate(ClusterableModel):
    """Subject and body of a mass email, in one or more languages."""

    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Sent to recipients whose language has no version of its own."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("site"),
        FieldPanel("default_language"),
        InlinePanel("variants", label=_("Language versions"), min_num=1),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("mail template")
        verbose_name_plural = _("mail templates")

    def __str__(self):
        return self.name

    def variant_for(self, language: str):
        """The version in ``language``, else the default language's, else the first."""
        variants = list(self.variants.all())
        for wanted in (language, self.default_language):
            for variant in variants:
                if variant.language == wanted:
                    return variant
        return variants[0] if variants else None


class MailTemplateVariant(Orderable):
    template = ParentalKey(MailTemplate, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(
        _("subject"), max_length=250, validators=[validate_placeholders],
        help_text=PLACEHOLDER_HELP,
    )
    body = models.TextField(
        _("body"), validators=[validate_placeholders], help_text=PLACEHOLDER_HELP
    )

    panels = [FieldPanel("language"), FieldPanel("subject"), FieldPanel("body")]

    class Meta(Orderable.Meta):
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        constraints = [
            models.UniqueConstraint(fields=["template", "language"],
                                    name="mailings_variant_language")
        ]

    def __str__(self):
        return f"{self.template}: {self.language}"

    def clean(self):
        # the validators run on the form's fields; a direct full_clean() runs them too, and
        # this keeps the model refusing an unknown placeholder whichever way it is saved.
        super().clean()
        errors = {}
        for field in ("subject", "body"):
            try:
                validate_placeholders(getattr(self, field))
            except Exception as exc:  # noqa: BLE001 - a ValidationError
                errors[field] = exc
        if errors:
            from django.core.exceptions import ValidationError

            raise ValidationError(errors)


class ListKind(models.TextChoices):
    STATIC = "static", _("Static: members imported from a CSV file")
    DYNAMIC = "dynamic", _("Dynamic: a segment of the city's data")


class RecipientList(models.Model):
    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=ListKind.choices,
                            default=ListKind.STATIC)
    segment = models.CharField(
        _("segment"), max_length=100, blank=True,
        help_text=_("For a dynamic list: who is in it (declared by the add-ons)."),
    )
    segment_value = models.CharField(
        _("segment value"), max_length=200, blank=True,
        help_text=_("For a dynamic list: which queue, district... of the segment."),
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("name"), FieldPanel("site"), FieldPanel("description"),
        MultiFieldPanel([FieldPanel("kind"), FieldPanel("segment"),
                         FieldPanel("segment_value")], heading=_("Who is in the list")),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("recipient list")
        verbose_name_plural = _("recipient lists")

    def __str__(self):
        return self.name

    def clean(self):
        from .forms import clean_recipient_list

        clean_recipient_list(self)


class ListMember(models.Model):
    """A member of a static list (imported from CSV)."""

    recipient_list = models.ForeignKey(
        RecipientList, on_delete=models.CASCADE, related_name="members"
    )
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("list member")
        verbose_name_plural = _("list members")
        constraints = [
            models.UniqueConstraint(fields=["recipient_list", "email"],
                                    name="mailings_member_unique")
        ]

    def __str__(self):
        return self.email


class Unsubscription(models.Model):
    """``email`` asked to receive nothing more from ``recipient_list``."""

    recipient_list = models.ForeignKey(
        RecipientList, on_delete=models.CASCADE, related_name="unsubscriptions"
    )
    email = models.EmailField(_("email"))
    campaign = models.ForeignKey(
        "Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("unsubscribed"), auto_now_add=True)

    class Meta:
        verbose_name = _("unsubscription")
        verbose_name_plural = _("unsubscriptions")
        constraints = [
            models.UniqueConstraint(fields=["recipient_list", "email"],
                                    name="mailings_unsubscription_unique")
        ]

    def __str__(self):
        return self.email


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Campaign(models.Model):
    site = models.ForeignKey(
        "wagtailcore.Site", verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    template = models.ForeignKey(
        MailTemplate, verbose_name=_("template"), on_delete=models.PROTECT,
        related_name="campaigns",
    )
    recipient_list = models.ForeignKey(
        RecipientList, verbose_name=_("recipient list"), on_delete=models.PROTECT,
        related_name="campaigns",
    )
    rate = models.PositiveIntegerField(
        _("messages per second"), null=True, blank=True,
        help_text=_("Leave empty for the site's setting."),
    )
    status = models.CharField(_("status"), max_length=10, choices=CampaignStatus.choices,
                              default=CampaignStatus.DRAFT)
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    #: the last time a worker worked on it: a stale one means nobody does (see ``jobs``)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    note = models.CharField(
        _("note"), max_length=300, blank=True, editable=False,
        help_text=_("Why a scheduled campaign did not start."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [FieldPanel("name"), FieldPanel("site"), FieldPanel("template"),
              FieldPanel("recipient_list"), FieldPanel("rate")]

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        permissions = [("send_campaign", _("Can send mass-mail campaigns"))]
        indexes = [models.Index(fields=["status", "scheduled_at"])]

    def __str__(self):
        return self.name

    @property
    def is_editable(self) -> bool:
        return self.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    SKIPPED = "skipped", _("Skipped (address bounced before)")
    CANCELLED = "cancelled", _("Cancelled")


class Delivery(models.Model):
    """One recipient of one campaign: the record that makes sending resumable."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.QUEUED)
    #: the worker's claim and when it took it (a lease: stale after the lease timeout)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "email"], name="mailings_delivery_once")
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "id"], name="mailings_delivery_claim"),
            models.Index(fields=["email"], name="mailings_delivery_email"),
        ]

    def __str__(self):
        return f"{self.campaign}: {self.email}"

    @property
    def message_id(self) -> str:
        """The same Message-ID whenever this delivery is (re)sent: a mailbox that got it
        once shows it once."""
        from addons.core.sites import public_domain

        return self.message_id_at(public_domain(self.campaign.site))

    def message_id_at(self, domain: str) -> str:
        """The Message-ID on the campaign site's ``domain``."""
        return f"<mailing-{self.campaign_id}-{self.pk}@{domain}>"
