"""Staff side of mass mailing in the Wagtail admin: templates, lists and campaigns as
snippets, plus the CSV import with its report and the campaign's page (preview, send now,
schedule, cancel, report). Webmasters and administrators: the model permissions
(``mailings.change_recipientlist`` to import, ``mailings.send_campaign`` to send).
Every change goes through ``services``; a refusal comes back as its translated message."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import services
from .forms import ImportForm, RecipientListForm, ScheduleForm
from .models import Campaign, Delivery, DeliveryStatus, ListKind, MailTemplate, RecipientList

PROBLEM_ROWS = 200


def _require(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _site_tz(site) -> ZoneInfo:
    from addons.core.models import SiteProfile

    try:
        return ZoneInfo(SiteProfile.for_site(site).time_zone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


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


def campaign_detail(request, pk, *, schedule_form=None, status=200):
    _require(request, "mailings.view_campaign")
    campaign = get_object_or_404(
        Campaign.objects.select_related("template", "recipient_list", "site"), pk=pk)
    counts = services.report(campaign)
    problems = Delivery.objects.filter(
        campaign=campaign,
        status__in=[DeliveryStatus.FAILED, DeliveryStatus.BOUNCED, DeliveryStatus.SKIPPED],
    ).order_by("status", "email")[:PROBLEM_ROWS]
    subject = body = headers = None
    preview_error = ""
    try:
        subject, body, headers = services.preview(campaign)
    except (services.MailingError, KeyError, IndexError, AttributeError) as exc:
        preview_error = getattr(exc, "message", "") or _("The template has no language "
                                                         "version to show.")
    with timezone.override(_site_tz(campaign.site)):
        return render(request, "mailings/admin/campaign.html", {
            "campaign": campaign, "counts": counts, "problems": problems,
            "subject": subject, "body": body, "headers": headers,
            "preview_error": preview_error,
            "schedule_form": schedule_form or ScheduleForm(),
            "can_send": request.user.has_perm("mailings.send_campaign"),
        }, status=status)


@require_POST
def campaign_send(request, pk):
    _require(request, "mailings.send_campaign")
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        count = services.start_campaign(campaign, user=request.user)
    except services.MailingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Sending to %(count)s recipients has started.")
                         % {"count": count})
    return redirect("mailings_admin:campaign", pk=pk)


@require_POST
def campaign_schedule(request, pk):
    _require(request, "mailings.send_campaign")
    campaign = get_object_or_404(Campaign, pk=pk)
    with timezone.override(_site_tz(campaign.site)):
        form = ScheduleForm(request.POST)
        valid = form.is_valid()
    if valid:
        try:
            services.schedule_campaign(campaign, form.cleaned_data["when"], user=request.user)
        except services.MailingError as exc:
            form.add_error("when", exc.message)
        else:
            messages.success(request, _("The campaign is scheduled."))
            return redirect("mailings_admin:campaign", pk=pk)
    return campaign_detail(request, pk, schedule_form=form, status=400)


@require_POST
def campaign_cancel(request, pk):
    _require(request, "mailings.send_campaign")
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        count = services.cancel_campaign(campaign, user=request.user)
    except services.MailingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The campaign is cancelled: %(count)s messages will not "
                                    "be sent.") % {"count": count})
    return redirect("mailings_admin:campaign", pk=pk)


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
