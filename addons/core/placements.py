"""Attachables: how an add-on hangs its snippets on host pages.

An add-on defines a placement model (``Placement`` subclass: page + snippet FK + order) and
names it in its ``AddonConfig.placements``. Host page types (``HostPageMixin``) get one
InlinePanel per installed placement model in an "Attached services" tab, and templates
render every enabled add-on's section with ``{% addon_sections page %}``.
No page model refers to an add-on's classes, so an add-on can be removed without touching
page migrations.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import InlinePanel, ObjectList, TabbedInterface
from wagtail.models import Orderable
from wagtail.utils.decorators import cached_classmethod

from . import registry


class Placement(Orderable):
    """Abstract placement. Subclasses add a FK to their snippet and name it in
    ``snippet_field``; ``section_template`` renders the section on the host page."""

    page = ParentalKey(
        "wagtailcore.Page",
        on_delete=models.CASCADE,
        related_name="%(app_label)s_%(class)s_set",
    )

    snippet_field: str = ""
    section_template: str = ""
    #: lookups prefetched with the placements when the section renders, e.g.
    #: ("queue__reception_rules",): the section's query count stays constant
    section_prefetch: tuple[str, ...] = ()
    #: heading of the inline panel in the admin
    panel_label = None
    #: the section is shared between anonymous visitors from the cache (``public_cache``):
    #: False for a section with anything of the visitor's own (a form with a CSRF token,
    #: "you have answered")
    section_cache: bool = True
    #: models (``"app.Model"``) whose rows the section shows besides its placement and
    #: snippet: a save or delete of one forgets the cached sections of this placement model
    section_depends_on: tuple[str, ...] = ()
    #: seconds: a section that changes with time (an expiring bulletin) is kept only until
    #: the next boundary of this many seconds (60: the next minute); None: until a change
    section_timeout: int | None = None

    class Meta(Orderable.Meta):
        abstract = True

    @classmethod
    def relation_name(cls) -> str:
        return f"{cls._meta.app_label}_{cls._meta.model_name}_set"

    @property
    def snippet(self):
        return getattr(self, self.snippet_field)

    def clean(self):
        """A snippet that belongs to a municipality (a ``site`` field) hangs only on that
        municipality's pages: one town's survey or queue never collects another town's
        answers or bookings."""
        super().clean()
        if not self.snippet_field or getattr(self, f"{self.snippet_field}_id", None) is None:
            return
        snippet_site_id = getattr(self.snippet, "site_id", None)
        page = getattr(self, "page", None)
        if snippet_site_id is None or page is None or not page.path:
            return
        page_site = page.get_site()
        if page_site is not None and page_site.pk != snippet_site_id:
            raise ValidationError(
                {self.snippet_field: _("Choose one of this municipality's own; this one "
                                       "belongs to another municipality.")}
            )


class HostPageMixin:
    """A page type that carries attachables from add-ons."""

    @cached_classmethod
    def get_edit_handler(cls):
        tabs = []
        if cls.content_panels:
            tabs.append(ObjectList(cls.content_panels, heading=_("Content")))
        attached = [
            InlinePanel(
                model.relation_name(),
                label=model.panel_label or model._meta.verbose_name,
                heading=model._meta.verbose_name_plural,
            )
            for _addon, model in registry.placement_models()
        ]
        if attached:
            tabs.append(ObjectList(attached, heading=_("Attached services")))
        if cls.promote_panels:
            tabs.append(ObjectList(cls.promote_panels, heading=_("Promote")))
        if cls.settings_panels:
            tabs.append(ObjectList(cls.settings_panels, heading=_("Settings")))
        from .content_languages import REGISTRY

        if cls in REGISTRY:  # the page's translations (see content_languages)
            from .translation_admin import TranslatedTabbedInterface, translation_panels

            tabs.append(ObjectList(translation_panels(cls, REGISTRY[cls]),
                                   heading=_("Translations")))
            return TranslatedTabbedInterface(
                tabs, base_form_class=cls.base_form_class).bind_to_model(cls)
        return TabbedInterface(tabs, base_form_class=cls.base_form_class).bind_to_model(cls)
