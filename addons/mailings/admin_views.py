"""Staff side of mass mailing in the Wagtail admin: templates, lists and campaigns as
snippets, plus the CSV import with its report. A campaign's page (preview, send now,
schedule, cancel, report) is on the campaigns desk (``Casework(key="campaigns")``).
Webmasters and administrators: the model permissions (``mailings.change_recipientlist`` to
import, ``mailings.send_campaign`` to send).
Every change goes through ``services``; a refusal comes back as its translated message."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import include, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import services
from .forms import ImportForm, RecipientListForm
from .models import Campaign, ListKind, MailTemplate, RecipientList


def _require(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


# --- CSV import ---------------------------------------------------------------------------


def import_members(request, pk):
    _require(request, "mailings.change_recipientlist")
    recipient_list = get_object_or_404(RecipientList, pk=pk)
    report = None
    form = ImportForm()
    if recipient_list.kind != ListKind.STATIC:
        messages.error(request, _("Only a static list has members to import."))
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            report = services.import_csv(recipient_list, form.cleaned_data["file"].read(),
                                         skip_broken=form.cleaned_data["skip_broken"])
            if report.error:
                form.add_error("file", report.error)
                report = None
    return render(request, "mailings/admin/import.html", {
        "recipient_list": recipient_list, "form": form, "report": report,
        "members": recipient_list.members.count(),
    })


# --- the campaign's page: on the casework desk --------------------------------------------


def old_campaign_url(request, pk, **kwargs):
    """The old address of a campaign's page: its page on the campaigns desk."""
    return redirect("casework_campaigns:inspect", pk=pk)


urlpatterns = [
    path("lists/<int:pk>/import/", import_members, name="import"),
    path("campaigns/<int:pk>/", old_campaign_url, name="campaign"),
]


def admin_urls():
    """For the ``register_admin_urls`` hook (under /admin/mailings/)."""
    return [path("mailings/", include((urlpatterns, "mailings_admin"),
                                      namespace="mailings_admin"))]


# --- snippets -----------------------------------------------------------------------------


class CampaignForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.instance.is_editable:
            raise ValidationError(_("A campaign that was sent or cancelled cannot be changed."))
        site = cleaned.get("site")
        for name in ("template", "recipient_list"):
            chosen = cleaned.get(name)
            if site and chosen and chosen.site_id != site.pk:
                self.add_error(name, _("Choose one of the campaign's site."))
        return cleaned



def _campaign_link(campaign):
    return format_html('<a href="{}">{}</a>', reverse("casework_campaigns:inspect",
                                                      args=[campaign.pk]),
                       _("Report and sending"))


def _import_link(recipient_list):
    if recipient_list.kind != ListKind.STATIC:
        return recipient_list.get_kind_display()
    return format_html('<a href="{}">{}</a>', reverse("mailings_admin:import",
                                                      args=[recipient_list.pk]),
                       _("Import from CSV"))


class MailTemplateViewSet(SnippetViewSet):
    model = MailTemplate
    icon = "doc-full"
    menu_label = gettext_lazy("Templates")
    list_display = ["name", "default_language", "site", "updated_at"]
    search_fields = ["name"]


class RecipientListViewSet(SnippetViewSet):
    model = RecipientList
    icon = "group"
    menu_label = gettext_lazy("Recipient lists")
    list_display = ["name", "kind", Column("member_count", label=gettext_lazy("Members")),
                    Column("import", label=gettext_lazy("Members"), accessor=_import_link)]
    search_fields = ["name"]
    edit_handler = ObjectList([
        FieldPanel("name"), FieldPanel("site"), FieldPanel("description"),
        MultiFieldPanel([FieldPanel("kind"), FieldPanel("audience"), FieldPanel("segment"),
                         FieldPanel("segment_value")],
                        heading=gettext_lazy("Who is in the list")),
    ], base_form_class=RecipientListForm)

    def get_queryset(self, request):
        return RecipientList.objects.annotate(member_count=Count("members"))


class CampaignViewSet(SnippetViewSet):
    model = Campaign
    icon = "mail"
    menu_label = gettext_lazy("Campaigns")
    list_display = ["name", "status", "recipient_list", "scheduled_at", "started_at",
                    Column("report", label=gettext_lazy("Sending"), accessor=_campaign_link)]
    list_filter = ["status"]
    search_fields = ["name"]
    edit_handler = ObjectList(Campaign.panels, base_form_class=CampaignForm)


class MailingsViewSetGroup(SnippetViewSetGroup):
    items = (CampaignViewSet, MailTemplateViewSet, RecipientListViewSet)
    menu_icon = "mail"
    menu_label = gettext_lazy("Mass mailing")
    menu_name = "mailings"
    menu_order = 260
