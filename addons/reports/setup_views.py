"""Admin screens for what a city configures: categories, statuses, reply templates, the
street register, districts and the "Report a problem" boxes (Settings-like snippets)."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import (
    District,
    ReportButton,
    ReportCategory,
    ReportReplyTemplate,
    ReportStatus,
    Street,
)


class CategoryViewSet(SnippetViewSet):
    model = ReportCategory
    icon = "list-ul"
    menu_label = _("Categories")
    list_display = ["name", "code", "parent", "responsible", "is_active"]
    list_filter = ["is_active", "site"]
    search_fields = ["name", "code", "keywords"]
    ordering = ["sort_order", "code"]


class StatusViewSet(SnippetViewSet):
    model = ReportStatus
    icon = "tasks"
    menu_label = _("Statuses")
    list_display = ["name", "code", "is_open", "is_public", "order"]
    ordering = ["order"]


class ReplyTemplateViewSet(SnippetViewSet):
    model = ReportReplyTemplate
    icon = "doc-full"
    menu_label = _("Reply templates")
    list_display = ["title", "status"]
    search_fields = ["title", "text"]


class StreetViewSet(SnippetViewSet):
    model = Street
    icon = "site"
    menu_label = _("Street register")
    list_display = ["name", "kind", "district"]
    search_fields = ["name", "aliases"]
    ordering = ["name"]


class DistrictViewSet(SnippetViewSet):
    model = District
    icon = "globe"
    menu_label = _("Districts")
    list_display = ["name", "addressee"]


class ReportButtonViewSet(SnippetViewSet):
    model = ReportButton
    icon = "warning"
    menu_label = _("Report-a-problem boxes")
    list_display = ["title"]


class ReportsSetupGroup(SnippetViewSetGroup):
    menu_label = _("Problem report setup")
    menu_icon = "cogs"
    menu_order = 810
    items = (
        CategoryViewSet,
        StatusViewSet,
        ReplyTemplateViewSet,
        StreetViewSet,
        DistrictViewSet,
        ReportButtonViewSet,
    )
