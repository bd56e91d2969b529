"""City bulletins: messages, news and announcements that an addressee's moderators publish,
the streams that show them on addressee pages, and the subscriptions that deliver them.

A :class:`Bulletin` belongs to an addressee; its tree path is copied onto the row
(``addressee_path``) so that "this addressee and everything under it" is an indexed prefix
filter, never a join through the page tree. Publishing, scheduled publication and expiry are
Wagtail's (``DraftStateMixin``: ``live``, ``go_live_at``, ``expire_at``,
``first_published_at``). Business rules live in ``services`` and ``delivery``.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, PublishingPanel
from wagtail.fields import RichTextField
from wagtail.models import DraftStateMixin, Orderable, RevisionMixin
from wagtail.search import index
from wagtail.search.queryset import SearchableQuerySetMixin

from addons.core.content_languages import translations_field
from addons.core.placements import Placement


class Category(models.TextChoices):
    MESSAGE = "message", _("Message")
    NEWS = "news", _("News")
    ANNOUNCEMENT = "announcement", _("Announcement")


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")


class TaggedBulletin(TaggedItemBase):
    content_object = ParentalKey(
        "bulletins.Bulletin", on_delete=models.CASCADE, related_name="tagged_items"
    )


class BulletinQuerySet(SearchableQuerySetMixin, models.QuerySet):
    def public(self, site=None, now=None) -> BulletinQuerySet:
        """Published, not expired bulletins (of ``site``), newest first."""
        now = now or timezone.now()
        queryset = self.filter(live=True, first_published_at__isnull=False).filter(
            models.Q(expire_at__isnull=True) | models.Q(expire_at__gt=now)
        )
        if site is not None:
            queryset = queryset.filter(site_id=site.pk)
        return queryset.order_by("-first_published_at", "-id")


class Bulletin(DraftStateMixin, RevisionMixin, index.Indexed, ClusterableModel):
    """A message, a piece of news or an announcement of one addressee."""

    site = models.ForeignKey(
        "wagtailcore.Site", on_delete=models.CASCADE, related_name="+", editable=False
    )
    addressee = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("addressee"), on_delete=models.CASCADE,
        related_name="bulletins",
        help_text=_("Published on behalf of this addressee."),
    )
    #: the addressee's tree path, kept in step when the page moves (signals.py)
    addressee_path = models.CharField(max_length=255, db_index=True, editable=False)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.NEWS
    )
    title = models.CharField(_("title"), max_length=255)
    summary = models.CharField(
        _("summary"), max_length=300, blank=True,
        help_text=_("One or two sentences shown in lists, feeds and digests."),
    )
    body = RichTextField(_("text"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    tags = ClusterTaggableManager(through=TaggedBulletin, blank=True, verbose_name=_("tags"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: the words of title, summary, text and tags with their stems (``stemming.index_text``),
    #: written on every save: the digest finds word forms with it on any database
    search_stems = models.TextField(blank=True, default="", editable=False)

    objects = BulletinQuerySet.as_manager()

    panels = [
        # a plain list: a moderator sees only the addressees they moderate (admin_views)
        FieldPanel("addressee", widget=forms.Select),
        FieldPanel("category"),
        FieldPanel("title"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("tags"),
        FieldPanel("image"),
        InlinePanel("attachments", heading=_("Attachments"), label=_("Attachment")),
        PublishingPanel(),
    ]

    search_fields = [
        index.SearchField("title", boost=3),
        index.SearchField("summary", boost=2),
        index.SearchField("body"),
        index.RelatedFields("tags", [index.SearchField("name", boost=2)]),
        index.FilterField("id"),
        index.FilterField("site_id"),
        index.FilterField("live"),
        index.FilterField("category"),
        index.FilterField("addressee_id"),
        index.FilterField("addressee_path"),
        index.FilterField("first_published_at"),
        index.FilterField("expire_at"),
    ]

    #: which field names the addressee (addons.core.permissions)
    addressee_field = "addressee"

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-first_published_at", "-pk"]
        # the digest's order is (first_published_at, id) within a site: indexes that hold it
        # whole let the database read a page in order instead of sorting every match
        indexes = [
            models.Index(fields=["site", "-first_published_at", "-id"],
                         name="bulletins_site_newest"),
            models.Index(fields=["site", "category", "-first_published_at", "-id"],
                         name="bulletins_site_category_newest"),
            models.Index(fields=["addressee", "-first_published_at"],
                         name="bulletins_addressee_published"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self.addressee_id and (not self.addressee_path or not self.site_id):
            self._copy_addressee()
        fields = kwargs.get("update_fields")
        if fields is None or {"title", "summary", "body"} & set(fields):
            self.search_stems = self.stems()
            if fields is not None:
                kwargs["update_fields"] = {*fields, "search_stems"}
        result = super().save(*args, **kwargs)
        if kwargs.get("update_fields") is None and self.live:
            # post_save indexed the row before the cluster wrote the tags: index it again
            index.insert_or_update_object(self)
        return result

    def searchable_text(self) -> str:
        """Title, summary, text (without markup) and tag names: what the digest searches."""
        from django.utils.html import strip_tags

        try:
            tags = " ".join(tag.name for tag in self.tags.all())
        except ValueError:  # an unsaved bulletin outside a cluster has no tags yet
            tags = ""
        return " ".join([self.title or "", self.summary or "", strip_tags(self.body or ""),
                         tags])

    def stems(self) -> str:
        from .stemming import index_text

        return index_text(self.searchable_text())

    def _copy_addressee(self) -> None:
        from .services import site_of_page

        addressee = self.addressee
        self.addressee_path = addressee.path
        self.site_id = site_of_page(addressee).pk

    def full_clean(self, *args, **kwargs):
        # the site and the path come from the addressee; validation must not ask for them
        if self.addressee_id:
            self._copy_addressee()
        return super().full_clean(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("bulletins:detail", args=[self.pk])

    @property
    def published_at(self):
        return self.first_published_at


class BulletinAttachment(Orderable):
    bulletin = ParentalKey(Bulletin, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name=_("document"), on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=255, blank=True,
                             help_text=_("Shown instead of the document's own title."))

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    @property
    def label(self) -> str:
        return self.title or self.document.title


# --- the stream on addressee pages ----------------------------------------------------------


class BulletinStream(models.Model):
    """The newest bulletins of an addressee (or of the page it hangs on), with or without
    the addressees under it, of one category or all."""

    title = models.CharField(_("title"), max_length=200)
    addressee = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("addressee"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
        help_text=_("Empty: the addressee of the page the stream is attached to."),
    )
    include_subtree = models.BooleanField(
        _("include subordinate addressees"), default=True,
    )
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, blank=True,
        help_text=_("Empty: every category."),
    )
    count = models.PositiveSmallIntegerField(_("how many"), default=5)
    translations = translations_field()

    panels = [FieldPanel("title"), FieldPanel("addressee"), FieldPanel("include_subtree"),
              FieldPanel("category"), FieldPanel("count")]

    class Meta:
        verbose_name = _("bulletin stream")
        verbose_name_plural = _("bulletin streams")

    def __str__(self) -> str:
        return self.title


class BulletinStreamPlacement(Placement):
    stream = models.ForeignKey(
        BulletinStream, verbose_name=_("bulletin stream"), on_delete=models.CASCADE,
        related_name="placements",
    )

    snippet_field = "stream"
    section_template = "bulletins/section.html"
    section_depends_on, section_timeout = ("bulletins.Bulletin",), 60  # expiring ones
    panel_label = _("Bulletin stream")
    panels = [FieldPanel("stream")]

    class Meta(Placement.Meta):
        verbose_name = _("bulletin stream")
        verbose_name_plural = _("bulletin streams")


# --- subscriptions --------------------------------------------------------------------------


class SubscriptionQuerySet(models.QuerySet):
    def confirmed(self) -> SubscriptionQuerySet:
        return self.filter(confirmed_at__isnull=False, ended_at__isnull=True)

    def of_user(self, user) -> SubscriptionQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(user=user, ended_at__isnull=True)


class Subscription(models.Model):
    """A saved digest filter delivered by email: to a citizen's account address, or to an
    email visitor's address once they confirm it (double opt-in)."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="bulletin_subscriptions",
    )
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    addressee = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("addressee"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )
    addressee_path = models.CharField(max_length=255, blank=True, editable=False)
    include_subtree = models.BooleanField(_("include subordinate addressees"), default=False)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices,
                                blank=True)
    #: tag slugs separated by spaces; a bulletin with any of them matches
    tags = models.CharField(_("tags"), max_length=255, blank=True)
    query = models.CharField(_("words"), max_length=200, blank=True)
    frequency = models.CharField(_("delivery"), max_length=20, choices=Frequency.choices,
                                 default=Frequency.DAILY)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["site", "frequency", "confirmed_at"],
                                name="bulletins_subscription_due")]

    def __str__(self) -> str:
        return f"{self.email}: {self.describe()}"

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split() if tag]

    def describe(self) -> str:
        """The filter in words, for the cabinet and the emails."""
        from .services import describe_filter

        return describe_filter(self)


class SentBulletin(models.Model):
    """One bulletin sent to one address: never again, whatever edits follow, and a digest
    job that was killed resumes where it stopped."""

    email = models.EmailField()
    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "bulletin"], name="bulletins_sent_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bulletin_id} -> {self.email}"
