"""The situational map as an attachable: a snippet with its default filters, hung on the
home page or an addressee page through :class:`SituationalMapPlacement`."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.snippets.models import register_snippet

from addons.core.placements import Placement


class MapState(models.TextChoices):
    ALL = "", _("All reports")
    OPEN = "open", _("Open reports")
    CLOSED = "closed", _("Closed reports")


class SituationalMap(models.Model):
    """A public map of reports with default filters."""

    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    categories = models.ManyToManyField(
        "reports.ReportCategory", verbose_name=_("categories"), blank=True, related_name="+",
        help_text=_("Show only these categories (a group includes its categories). "
                    "Leave empty for every category."),
    )
    statuses = models.ManyToManyField(
        "reports.ReportStatus", verbose_name=_("statuses"), blank=True, related_name="+",
        help_text=_("Show only reports in these statuses. Leave empty for every status."),
    )
    state = models.CharField(
        _("open or closed"), max_length=10, choices=MapState.choices, default="", blank=True
    )
    addressee = models.ForeignKey(
        "addressees.AddresseePage", verbose_name=_("addressee"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Show only this addressee's reports."),
    )
    follow_page_addressee = models.BooleanField(
        _("on an addressee's page, show that addressee's reports"), default=True
    )
    zoom = models.PositiveSmallIntegerField(
        _("zoom"), null=True, blank=True, validators=[MaxValueValidator(19)],
        help_text=_("Leave empty to show the whole city."),
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("intro"),
        FieldPanel("categories"),
        FieldPanel("statuses"),
        FieldRowPanel([FieldPanel("state"), FieldPanel("zoom")]),
        FieldPanel("addressee"),
        FieldPanel("follow_page_addressee"),
    ]

    class Meta:
        verbose_name = _("situational map")
        verbose_name_plural = _("situational maps")

    def __str__(self):
        return self.title


class SituationalMapPlacement(Placement):
    map = models.ForeignKey(
        SituationalMap, verbose_name=_("situational map"), on_delete=models.CASCADE,
        related_name="+",
    )

    snippet_field = "map"
    section_template = "reports/situational/section.html"
    section_depends_on = ("reports.Report", "reports.ReportCategory", "reports.ReportStatus")
    panels = [FieldPanel("map")]

    class Meta(Placement.Meta):
        verbose_name = _("situational map")
        verbose_name_plural = _("situational maps")


register_snippet(SituationalMap)
