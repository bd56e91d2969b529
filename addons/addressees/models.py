"""The addressee catalog: the host pages every add-on attaches to.

An addressee is anyone a citizen may turn to: the council, the executive committee, the
mayor and deputies, departments, specialists' offices, municipal enterprises, deputies.
Addressees form a page tree of any depth under a catalog page.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from addons.core.casework.models import Assignable
from addons.core.content_languages import translations_field
from addons.core.geo import LeafletPanel
from addons.core.placements import HostPageMixin
from addons.core.registry import register_host_page

from .staff_chooser import StaffChooserWidget


class AddresseeKind(models.TextChoices):
    BODY = "body", _("Body")
    DEPARTMENT = "department", _("Department")
    OFFICIAL = "official", _("Official")
    DEPUTY = "deputy", _("Deputy")
    ENTERPRISE = "enterprise", _("Municipal enterprise")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


@register_snippet
class AddresseeGroup(models.Model):
    """A group of addressees published together ("Executive committee",
    "Administrative service center", "Municipal enterprises", "Deputies")."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("addressee group")
        verbose_name_plural = _("addressee groups")

    def __str__(self):
        return self.name


@register_host_page
class HomePage(HostPageMixin, Page):
    """The site's front page: an introduction, the ways in, and add-on sections."""

    intro = RichTextField(_("introduction"), blank=True)
    translations = translations_field()

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        InlinePanel("quick_links", label=_("What citizens come for"), heading=_(
            "What citizens come for: large cards at the top of the home page")),
    ]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from .pages import home_context

        context = super().get_context(request, *args, **kwargs)
        context.update(home_context(self, request))
        return context


class QuickLinkIcon(models.TextChoices):
    REPORT = "report", _("Report a problem")
    APPEAL = "appeal", _("Write an appeal")
    VISIT = "visit", _("Book a visit")
    FIND = "find", _("Find who handles what")
    NEWS = "news", _("News")
    SURVEY = "survey", _("Survey")
    DOCUMENT = "document", _("Document")


class HomeQuickLink(Orderable):
    """One of the large cards the home page leads with ("Report a problem", "Book a
    visit"): a page of the site or an address on it, with an icon of the theme's own."""

    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="quick_links")
    icon = models.CharField(_("icon"), max_length=20, choices=QuickLinkIcon.choices,
                            default=QuickLinkIcon.FIND)
    title = models.CharField(_("title"), max_length=80)
    text = models.CharField(_("text"), max_length=200, blank=True)
    link_page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("page"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )
    link_url = models.CharField(
        _("address"), max_length=300, blank=True,
        help_text=_("A path on this site such as /reports/new/, when the card does not lead "
                    "to a page."),
    )

    panels = [
        FieldRowPanel([FieldPanel("icon"), FieldPanel("title")]),
        FieldPanel("text"),
        FieldRowPanel([FieldPanel("link_page"), FieldPanel("link_url")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("home page card")
        verbose_name_plural = _("home page cards")

    def __str__(self):
        return self.title

    def clean(self):
        from django.core.exceptions import ValidationError

        url = (self.link_url or "").strip()
        if not self.link_page_id and not url:
            raise ValidationError({"link_url": _("Choose a page or give an address.")})
        if url and not (url.startswith("/") and not url.startswith("//")):
            raise ValidationError({"link_url": _(
                "Give a path on this site that begins with a slash, e.g. /reports/new/.")})

    @property
    def url(self) -> str:
        if self.link_page_id:
            return self.link_page.url or ""
        return self.link_url


class AddresseeCatalogPage(Page):
    """The catalog: the tree of addressees below it, searchable and filterable."""

    intro = RichTextField(_("introduction"), blank=True)
    per_page = models.PositiveSmallIntegerField(_("addressees per page"), default=30)
    translations = translations_field()

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("per_page")]
    subpage_types = ["addressees.AddresseePage"]

    class Meta:
        verbose_name = _("addressee catalog")

    def route(self, request, path_components):
        """An addressee at any depth below the catalog in one query (by its indexed slug,
        checked against its full URL path) instead of two queries per level."""
        if path_components:
            url_path = self.url_path + "/".join(path_components) + "/"
            found = [
                page for page in AddresseePage.objects.filter(
                    slug=path_components[-1], depth=self.depth + len(path_components),
                    path__startswith=self.path,
                )
                if page.url_path == url_path and type(page) is page.specific_class
            ]
            if len(found) == 1:
                return found[0].route(request, [])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from .pages import catalog_context

        context = super().get_context(request, *args, **kwargs)
        context.update(catalog_context(self, request))
        return context


class AddresseeGroupPage(Page):
    """A catalog of one group only, e.g. "Deputies": addressees are managed once in the
    main tree and shown here by their group."""

    group = models.ForeignKey(
        AddresseeGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="+"
    )
    intro = RichTextField(_("introduction"), blank=True)
    per_page = models.PositiveSmallIntegerField(_("addressees per page"), default=30)
    translations = translations_field()

    content_panels = Page.content_panels + [
        FieldPanel("group"), FieldPanel("intro"), FieldPanel("per_page")
    ]
    subpage_types = []

    class Meta:
        verbose_name = _("addressee group page")

    def get_context(self, request, *args, **kwargs):
        from .pages import group_context

        context = super().get_context(request, *args, **kwargs)
        context.update(group_context(self, request))
        return context


@register_host_page
class AddresseePageForm(WagtailAdminPageForm):
    """The page editor's form: a specialist's user account must be one the editor may
    choose (the chooser offers only those; a posted id is checked again here)."""

    def clean(self):
        from .services import specialist_candidates

        cleaned = super().clean()
        formset = self.formsets.get("specialists")
        if formset is None:
            return cleaned
        page = self.instance if self.instance.pk else self.parent_page
        allowed = None
        for form in formset.forms:
            # the child forms are validated after this form: validate them now
            if not form.is_valid():
                continue
            user = form.cleaned_data.get("user")
            if user is None or form.cleaned_data.get("DELETE"):
                continue
            if form.instance.pk and form.instance.user_id == user.pk:
                continue  # kept as it was
            if allowed is None:
                allowed = set(specialist_candidates(self.for_user, page)
                              .values_list("pk", flat=True))
            if user.pk not in allowed:
                form.add_error("user", _(
                    "This is not a staff account you may choose: choose a moderator of "
                    "your addressees with the search."))
        return cleaned


class AddresseePage(HostPageMixin, Page):
    kind = models.CharField(
        _("kind"), max_length=20, choices=AddresseeKind.choices, default=AddresseeKind.DEPARTMENT
    )
    position = models.CharField(
        _("position"), max_length=200, blank=True,
        help_text=_("For officials and deputies: the post, e.g. \"Deputy mayor\"."),
    )
    head_name = models.CharField(
        _("head"), max_length=200, blank=True, help_text=_("Name of the person in charge.")
    )
    photo = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("photo"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = RichTextField(_("description"), blank=True)
    duties = models.TextField(
        _("duties"), blank=True,
        help_text=_("What this addressee deals with; searched by citizens."),
    )
    groups = ParentalManyToManyField(
        AddresseeGroup, verbose_name=_("groups"), blank=True, related_name="addressees"
    )
    phone = models.CharField(_("phone"), max_length=100, blank=True)
    extra_phones = models.TextField(_("other phones"), blank=True, help_text=_("One per line."))
    email = models.EmailField(_("email"), blank=True)
    extra_emails = models.TextField(_("other emails"), blank=True, help_text=_("One per line."))
    website = models.URLField(_("website"), blank=True)
    postal_address = models.CharField(_("postal address"), max_length=300, blank=True)
    office_address = models.CharField(
        _("office address"), max_length=300, blank=True,
        help_text=_("Where citizens come: building, floor, room."),
    )
    location = models.CharField(
        _("office location"), max_length=100, blank=True,
        help_text=_("Point on the map: SRID=4326;POINT(longitude latitude)."),
    )
    feedback_enabled = models.BooleanField(_("feedback form"), default=True)
    moderators = models.ForeignKey(
        Group, verbose_name=_("moderators"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="moderated_addressees",
        help_text=_("Staff group whose members receive this addressee's notifications and "
                    "handle its records. Created automatically."),
    )
    translations = translations_field()

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [FieldPanel("kind"), FieldPanel("position"), FieldPanel("head_name"),
             FieldPanel("photo"), FieldPanel("groups")],
            heading=_("Who"),
        ),
        FieldPanel("summary"),
        FieldPanel("description"),
        FieldPanel("duties"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
             FieldPanel("extra_phones"), FieldPanel("extra_emails"), FieldPanel("website"),
             FieldPanel("postal_address")],
            heading=_("Contacts"),
        ),
        MultiFieldPanel(
            [FieldPanel("office_address"),
             LeafletPanel("location", address_field="office_address")],
            heading=_("Office"),
        ),
        InlinePanel("office_hours", heading=_("Office hours"), label=_("Hours")),
        InlinePanel("absences", heading=_("Absences"), label=_("Absence")),
        InlinePanel("specialists", heading=_("Specialists"), label=_("Specialist")),
        MultiFieldPanel(
            [FieldPanel("feedback_enabled"),
             # Only those who manage staff groups may hand an addressee to another group.
             FieldPanel("moderators", permission="auth.change_group")],
            heading=_("Moderation"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("duties"),
        index.SearchField("position"),
        index.SearchField("head_name"),
        index.FilterField("kind"),
    ]
    parent_page_types = ["addressees.AddresseeCatalogPage", "addressees.AddresseePage"]
    subpage_types = ["addressees.AddresseePage"]
    base_form_class = AddresseePageForm

    class Meta:
        verbose_name = _("addressee")
        verbose_name_plural = _("addressees")
        permissions = [("moderate_addressee", _("Can moderate the addressee's records"))]

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._saved_moderators_id = instance.__dict__.get("moderators_id")
        return instance

    def save(self, *args, **kwargs):
        result = super().save(*args, **kwargs)
        # A new addressee, or one without (or with another) moderators group: make sure its
        # group exists and holds the moderation rights.
        if self.moderators_id is None or getattr(self, "_saved_moderators_id", None) != (
            self.moderators_id
        ):
            from .services import ensure_moderators

            ensure_moderators(self)
            self._saved_moderators_id = self.moderators_id
        return result

    def get_context(self, request, *args, feedback_form=None, **kwargs):
        from .pages import addressee_context

        context = super().get_context(request, *args, **kwargs)
        context.update(addressee_context(self, request, feedback_form=feedback_form))
        return context

    @property
    def phones(self) -> list[str]:
        return _lines(self.phone, self.extra_phones)

    @property
    def emails(self) -> list[str]:
        return _lines(self.email, self.extra_emails)


def _lines(first: str, more: str) -> list[str]:
    values = [first.strip()] if first and first.strip() else []
    for line in (more or "").splitlines():
        line = line.strip()
        if line and line not in values:
            values.append(line)
    return values


class OfficeHours(Orderable):
    """One weekday's hours in one of the addressee's named schedules."""

    page = ParentalKey(AddresseePage, on_delete=models.CASCADE, related_name="office_hours")
    schedule = models.CharField(
        _("schedule"), max_length=100, blank=True,
        help_text=_("Name of the schedule, e.g. \"Office hours\" or \"Reception of citizens\"."),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    break_start = models.TimeField(_("break from"), null=True, blank=True)
    break_end = models.TimeField(_("break until"), null=True, blank=True)

    panels = [
        FieldPanel("schedule"),
        FieldRowPanel([FieldPanel("weekday"), FieldPanel("opens"), FieldPanel("closes")]),
        FieldRowPanel([FieldPanel("break_start"), FieldPanel("break_end")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("office hours")
        verbose_name_plural = _("office hours")


class AbsenceKind(models.TextChoices):
    VACATION = "vacation", _("Vacation")
    SICK_LEAVE = "sick", _("Sick leave")
    BUSINESS_TRIP = "trip", _("Business trip")
    CLOSED = "closed", _("Closed")


class Absence(Orderable):
    """A vacation, sick leave or closed period: the office is shown closed."""

    page = ParentalKey(AddresseePage, on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(_("kind"), max_length=20, choices=AbsenceKind.choices,
                            default=AbsenceKind.VACATION)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), help_text=_("The last day of the absence."))
    note = models.CharField(_("note"), max_length=200, blank=True,
                            help_text=_("E.g. who stands in meanwhile."))

    panels = [FieldRowPanel([FieldPanel("kind"), FieldPanel("start"), FieldPanel("end")]),
              FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = _("absence")
        verbose_name_plural = _("absences")


class Specialist(Orderable):
    """A specialist of the addressee with their competences (the contact center)."""

    page = ParentalKey(AddresseePage, on_delete=models.CASCADE, related_name="specialists")
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    competences = models.TextField(_("competences"), blank=True,
                                   help_text=_("Questions this person answers."))
    phone = models.CharField(_("phone"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    room = models.CharField(_("room"), max_length=50, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="specialist_roles",
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("position")]),
        FieldPanel("competences"),
        FieldRowPanel([FieldPanel("phone"), FieldPanel("email"), FieldPanel("room")]),
        FieldPanel("user", widget=StaffChooserWidget),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("specialist")
        verbose_name_plural = _("specialists")

    def __str__(self):
        return self.name


class FeedbackMessage(Assignable, ClusterableModel):
    """A message sent with an addressee's feedback form; its moderators read it, one of them
    takes it (``Assignable``) and marks it handled on the casework desk."""

    addressee = models.ForeignKey(
        AddresseePage, verbose_name=_("addressee"), on_delete=models.CASCADE,
        related_name="feedback_messages",
    )
    name = models.CharField(_("your name"), max_length=200)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    message = models.TextField(_("message"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="feedback_messages",
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    handled = models.BooleanField(_("handled"), default=False)

    #: which field names the addressee (see addons.core.permissions)
    addressee_field = "addressee"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback message")
        verbose_name_plural = _("feedback messages")

    def __str__(self):
        return f"{self.name}: {self.message[:40]}"
