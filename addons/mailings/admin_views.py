"""Staff side of mass mailing in the Wagtail admin: templates, lists and campaigns as
snippets, plus the CSV import with its report and the campaign's page (preview, send now,
schedule, cancel, report). Webmasters and administrators: the model permissions
(``mailings.change_recipientlist`` to import, ``mailings.send_campaign`` to send).
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
from django.views.decorators.http import require_POST
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import desk, services
from .forms import ImportForm, RecipientListForm, ScheduleForm
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


# --- the campaign's page ------------------------------------------------------------------


def _campaign(pk):
    return get_object_or_404(
        Campaign.objects.select_related("template", "recipient_list", "site"), pk=pk)


def campaign_detail(request, pk, *, schedule_form=None, status=200):
    _require(request, "mailings.view_campaign")
    campaign = _campaign(pk)
    return render(request, "mailings/admin/campaign.html", {
        "campaign": campaign,
        **desk.campaign_context(campaign, request),
        **desk.preview_context(campaign, request),
        **desk.report_context(campaign, request),
        "schedule_form": schedule_form or ScheduleForm(record=campaign, user=request.user),
        "can_send": services.may_send(request.user),
        "can_start": services.can_start(campaign),
        "can_cancel": services.can_cancel(campaign),
    }, status=status)


def _act(request, pk, service):
    _require(request, "mailings.send_campaign")
    try:
        messages.success(request, service(_campaign(pk), request.user))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("mailings_admin:campaign", pk=pk)


@require_POST
def campaign_send(request, pk):
    return _act(request, pk, services.send_now)


@require_POST
def campaign_schedule(request, pk):
    _require(request, "mailings.send_campaign")
    campaign = _campaign(pk)
    form = ScheduleForm(request.POST, record=campaign, user=request.user)
    if form.is_valid():
        try:
            messages.success(request, services.schedule(campaign, request.user,
                                                        **form.cleaned_data))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("mailings_admin:campaign", pk=pk)
    return campaign_detail(request, pk, schedule_form=form, status=400)


@require_POST
def campaign_cancel(request, pk):
    return _act(request, pk, services.cancel)


urlpatterns = [
    path("lists/<int:pk>/import/", import_members, name="import"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/send/", campaign_send, name="send"),
    path("campaigns/<int:pk>/schedule/", campaign_schedule, name="schedule"),
    path("campaigns/<int:pk>/cancel/", campaign_cancel, name="cancel"),
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
    return format_html('<a href="{}">{}</a>', reverse("mailings_admin:campaign",
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
