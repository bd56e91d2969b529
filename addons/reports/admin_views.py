"""Staff side of problem reports in the Wagtail admin ("Problem reports" menu): the filtered
list with its map, a report's page with its actions, exports, the hot-spot dashboard and
the Open311 API keys.

Every screen starts from :func:`staff_reports`: superusers and holders of the model
permission (a city-wide coordinators group) see every report, a moderator the reports of
the addressees they moderate, anyone else nothing (403). A report outside the user's scope
answers 404. Every change goes through ``services``; a refusal comes back as the service's
translated message on the form with what was typed kept; every change and every export is
written to the Wagtail audit log.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log
from wagtail.models import Site

from addons.core.admin_menu import Entry, staff_submenu
from addons.core.forms import DateInput
from addons.core.geo import Point
from addons.core.permissions import AddresseeScopedPermissionPolicy

from . import casework, services
from . import forms as forms_
from .models import (
    Open311ApiKey,
    Report,
    ReportUpdate,
)

PAGE_SIZE = 50
#: most reports the list's map shows (the newest of the filtered list)
MAP_LIMIT = 2000

policy = AddresseeScopedPermissionPolicy(Report)

def register_log_actions(actions) -> None:
    """For the ``register_log_actions`` hook (the labels live with the services)."""
    services.register_log_actions(actions)


# --- scope --------------------------------------------------------------------------------


def is_reports_staff(user) -> bool:
    """Whether ``user`` handles reports of at least one addressee (or every report)."""
    return policy.user_has_permission(user, "view")


def site_of(request):
    """The site being worked on: the one the admin is opened on."""
    return Site.find_for_request(request) or Site.objects.filter(is_default_site=True).first()


def staff_reports(user, site=None):
    """The reports of ``site`` ``user`` handles as staff; PermissionDenied for anyone
    else."""
    if not is_reports_staff(user):
        raise PermissionDenied
    return casework.reports_on_site(
        policy.instances_user_has_any_permission_for(user, ["view", "change"]), site)


# --- the filters --------------------------------------------------------------------------


class ReportFilterForm(forms.Form):
    """Search and filters of the staff list; the map, the exports and the dashboard use it."""

    q = forms.CharField(
        label=gettext_lazy("Search"), required=False, max_length=200,
        help_text=gettext_lazy("Tracking number, description or address."),
    )
    category = forms.TypedChoiceField(
        label=gettext_lazy("Category"), required=False, coerce=int, empty_value=None,
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    addressee = forms.TypedChoiceField(
        label=gettext_lazy("Addressee"), required=False, coerce=int, empty_value=None,
    )
    district = forms.TypedChoiceField(
        label=gettext_lazy("District"), required=False, coerce=int, empty_value=None,
    )
    source = forms.ChoiceField(label=gettext_lazy("Source"), required=False)
    created_from = forms.DateField(label=gettext_lazy("Submitted from"), required=False,
                                   widget=DateInput())
    created_to = forms.DateField(label=gettext_lazy("Submitted until"), required=False,
                                 widget=DateInput())
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    bbox = forms.CharField(required=False, widget=forms.HiddenInput, max_length=100)
    visibility = forms.ChoiceField(
        label=gettext_lazy("Visibility"), required=False,
        choices=[("", gettext_lazy("Any")), ("public", gettext_lazy("Public")),
                 ("private", gettext_lazy("Private")),
                 ("hidden", gettext_lazy("Hidden by moderation"))],
    )

    def __init__(self, data=None, *, user, site, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.site = site
        self.fields["category"].choices = [("", _("Any category"))] + \
            casework.category_choices(site)
        self.fields["status"].choices = [("", _("Any status"))] + casework.status_choices()
        self.fields["addressee"].choices = [("", _("Any addressee"))] + \
            casework.addressee_choices(user, site)
        self.fields["district"].choices = [("", _("Any district"))] + \
            casework.district_choices(site)
        self.fields["source"].choices = [("", _("Any source"))] + casework.source_choices()

    def clean_bbox(self):
        """``south,west,north,east`` in degrees (a hot spot of the dashboard), or None."""
        value = self.cleaned_data["bbox"].strip()
        if not value:
            return None
        try:
            south, west, north, east = (float(part) for part in value.split(","))
        except ValueError:
            raise ValidationError(_("The area is not valid.")) from None
        if not (-90 <= south <= north <= 90 and -180 <= west <= east <= 180):
            raise ValidationError(_("The area is not valid."))
        return south, west, north, east

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("The end of the period is before its start."))
        return cleaned

    def apply(self, queryset):
        """``queryset`` narrowed by the valid filters (invalid ones are ignored)."""
        if not self.is_bound:
            return queryset
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        query = (data.get("q") or "").strip()
        if query:
            queryset = queryset.filter(
                Q(tracking_number__icontains=query) | Q(description__icontains=query)
                | Q(address__icontains=query)
            )
        if data.get("category"):
            queryset = queryset.filter(
                Q(category_id=data["category"]) | Q(category__parent_id=data["category"])
            )
        status = data.get("status")
        if status == "open":
            queryset = queryset.filter(is_open=True)
        elif status == "closed":
            queryset = queryset.filter(is_open=False)
        elif status:
            queryset = queryset.filter(status__code=status)
        if data.get("addressee"):
            queryset = queryset.filter(addressee_id=data["addressee"])
        if data.get("district"):
            queryset = queryset.filter(district_id=data["district"])
        if data.get("source"):
            queryset = queryset.filter(source=data["source"])
        if data.get("created_from"):
            queryset = queryset.filter(created_at__date__gte=data["created_from"])
        if data.get("created_to"):
            queryset = queryset.filter(created_at__date__lte=data["created_to"])
        if data.get("overdue"):
            queryset = queryset.filter(is_open=True, due_at__lt=timezone.now())
        if data.get("bbox"):
            south, west, north, east = data["bbox"]
            queryset = queryset.filter(lat__gte=south, lat__lt=north, lng__gte=west,
                                       lng__lt=east)
        visibility = data.get("visibility")
        if visibility == "public":
            queryset = queryset.filter(is_public=True, is_hidden=False)
        elif visibility == "private":
            queryset = queryset.filter(is_public=False)
        elif visibility == "hidden":
            queryset = queryset.filter(is_hidden=True)
        return queryset


def filtered_reports(request):
    """(filter form, queryset) of the reports ``request.user`` handles, as filtered."""
    site = site_of(request)
    form = ReportFilterForm(request.GET or None, user=request.user, site=site)
    queryset = form.apply(staff_reports(request.user, site)).order_by("-created_at", "-pk")
    return form, queryset


# --- list and map -------------------------------------------------------------------------


@never_cache
def report_list(request):
    """Every report the user handles, newest first, with filters and a map."""
    form, queryset = filtered_reports(request)
    queryset = queryset.select_related("category", "status", "addressee")
    page_obj = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reports/admin/list.html", {
        "filter_form": form,
        "page_obj": page_obj,
        "reports": page_obj.object_list,
        "query_string": query.urlencode(),
        "now": timezone.now(),
        "map_limit": MAP_LIMIT,
    })


@never_cache
def map_data(request):
    """The filtered reports as GeoJSON points for the list's map (the newest MAP_LIMIT)."""
    _form, queryset = filtered_reports(request)
    rows = queryset.values_list(
        "pk", "tracking_number", "lat", "lng", "is_open", "category__name", "status__name"
    )[:MAP_LIMIT]
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lng, lat]},
        "properties": {
            "number": number, "open": is_open, "category": category, "status": status,
            "url": reverse("reports_admin:detail", args=[pk]),
        },
    } for pk, number, lat, lng, is_open, category, status in rows]
    return JsonResponse({"type": "FeatureCollection", "features": features})


# --- the report's page: the actions (forms.py, services.staff_*) ------------------------


class Action:
    def __init__(self, form_class, heading, label, run, offered=None):
        self.form_class = form_class
        self.heading = heading
        self.label = label
        self.run = run
        self.offered = offered or (lambda report: True)


ACTIONS = {
    "status": Action(forms_.StaffStatusForm, gettext_lazy("Change the status"),
                     gettext_lazy("Change the status"), services.staff_change_status),
    "reply": Action(forms_.ReplyForm, gettext_lazy("Answer publicly"),
                    gettext_lazy("Publish the answer"), services.staff_reply),
    "forward": Action(forms_.ForwardForm, gettext_lazy("Forward to another addressee"),
                      gettext_lazy("Forward"), services.staff_forward),
    "category": Action(forms_.StaffCategoryForm, gettext_lazy("Correct the category"),
                       gettext_lazy("Change the category"), services.staff_set_category),
    "merge": Action(forms_.MergeForm, gettext_lazy("Merge into an original report"),
                    gettext_lazy("Merge as a duplicate"), services.staff_merge,
                    lambda report: report.merged_into_id is None),
    "photos": Action(forms_.PhotosForm, gettext_lazy("Hide or publish photos"),
                     gettext_lazy("Save the photos"), services.staff_photos,
                     lambda report: report.photos.exists()),
    "moderate": Action(forms_.ModerateForm, gettext_lazy("Moderate"),
                       gettext_lazy("Save the moderation"), services.staff_moderate),
    "private": Action(forms_.PrivateForm, gettext_lazy("Make private"),
                      gettext_lazy("Make private"), services.staff_make_private,
                      lambda report: report.is_public),
}


def _make_form(name, report, user, data=None, initial=None):
    return ACTIONS[name].form_class(data, prefix=name, initial=initial, record=report,
                                    user=user)


def _staff_report(request, pk):
    """The report if the user handles it; 404 otherwise (its existence is not revealed)."""
    queryset = staff_reports(request.user, site_of(request)).select_related(
        "site", "category", "category__parent", "status", "addressee", "reporter",
        "merged_into", "district",
    )
    return get_object_or_404(queryset, pk=pk)


def _status_initial(request, report):
    """A status change started from a reply template (``?template=<id>``), without JS."""
    value = request.GET.get("template", "")
    if not value.isdigit():
        return None
    template = forms_.reply_templates(report.site).filter(pk=int(value)).first()
    if template is None:
        return None
    return {"template": template.pk, "public_note": template.text,
            "status": template.status_id}


def _detail_context(request, report, bound=None):
    can_change = policy.user_has_permission_for_instance(request.user, "change", report)
    actions = []
    if can_change:
        for name, action in ACTIONS.items():
            if bound and bound[0] == name:
                form = bound[1]
            elif not action.offered(report):
                continue
            else:
                initial = _status_initial(request, report) if name == "status" else None
                form = _make_form(name, report, request.user, initial=initial)
            actions.append({"name": name, "heading": action.heading, "label": action.label,
                            "form": form})
    nearby = []
    if report.merged_into_id is None:
        nearby = [
            {"report": other, "metres": round(metres)}
            for other, metres in services.nearby_open(
                report.category, Point(report.lat, report.lng), site=report.site,
                exclude=report, limit=5)
        ]
    updates = ReportUpdate.objects.filter(report=report).select_related(
        "author", "status_from", "status_to")
    return {
        "report": report,
        "photos": list(report.photos.all()),
        "updates": list(updates),
        "actions": actions,
        "templates": list(forms_.reply_templates(report.site)),
        "nearby": nearby,
        "duplicates": list(report.duplicates.only("pk", "tracking_number")),
        "can_change": can_change,
        "now": timezone.now(),
    }


@never_cache
def report_detail(request, pk):
    report = _staff_report(request, pk)
    return render(request, "reports/admin/detail.html", _detail_context(request, report))


def _add_errors(form, error: ValidationError) -> None:
    """The service's refusal on the form: on its field where the form has one."""
    if hasattr(error, "error_dict"):
        for field, items in error.message_dict.items():
            for message in items:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def report_action(request, pk, action):
    """Run one action's form through its service; on refusal show the page again with the
    service's message on the form and everything typed kept."""
    if action not in ACTIONS:
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    report = _staff_report(request, pk)
    if not policy.user_has_permission_for_instance(request.user, "change", report):
        raise PermissionDenied
    form = _make_form(action, report, request.user, request.POST)
    if form.is_valid():
        try:
            message = ACTIONS[action].run(report, request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        except PermissionDenied:
            form.add_error(None, _("You may not do this to this report."))
        else:
            messages.success(request, message)
            if staff_reports(request.user, site_of(request)).filter(pk=report.pk).exists():
                return redirect("reports_admin:detail", report.pk)
            return redirect("reports_admin:list")
    report = _staff_report(request, pk)
    context = _detail_context(request, report, bound=(action, form))
    context["failed_action"] = action
    return render(request, "reports/admin/detail.html", context, status=400)


# --- exports and dashboard ----------------------------------------------------------------


def export(request, fmt):
    """The filtered list as CSV or XLSX, with the same rights as the list; audited."""
    from . import exports

    if fmt not in ("csv", "xlsx"):
        raise Http404
    form, queryset = filtered_reports(request)
    site = site_of(request)
    if site is not None:
        filters = {key: value for key, value in request.GET.items() if value}
        log(site, "reports.export", user=request.user,
            data={"format": fmt, "count": queryset.count(), "filters": filters})
    if fmt == "csv":
        return exports.csv_response(queryset)
    return exports.xlsx_response(queryset)


@never_cache
def dashboard(request):
    from . import dashboard as figures

    site = site_of(request)
    form = figures.DashboardForm(request.GET or None, user=request.user, site=site)
    options = form.options()
    queryset = form.apply(staff_reports(request.user, site))
    return render(request, "reports/admin/dashboard.html", {
        "form": form,
        **figures.compute(queryset, **options),
    })


# --- URLs and menu ------------------------------------------------------------------------

urlpatterns = [
    path("", report_list, name="list"),
    path("map.json", map_data, name="map"),
    path("export.<str:fmt>", export, name="export"),
    path("dashboard/", dashboard, name="dashboard"),
    path("<int:pk>/", report_detail, name="detail"),
    path("<int:pk>/<slug:action>/", report_action, name="action"),
]


def admin_urls():
    """For the ``register_admin_urls`` hook (under /admin/problem-reports/)."""
    return [path("problem-reports/", include((urlpatterns, "reports_admin"),
                                                 namespace="reports_admin"))]


def reports_menu_item():
    """The "Problem reports" admin menu: the list and the dashboard (staff only)."""
    return staff_submenu(gettext_lazy("Problem reports"), [
        Entry(gettext_lazy("All reports"), "reports_admin:list", "problem-reports-list",
              "list-ul"),
        Entry(gettext_lazy("Hot spots"), "reports_admin:dashboard", "problem-reports-dashboard",
              "site"),
    ], allowed=is_reports_staff, name="problem-reports", icon_name="warning", order=250)


class Open311ApiKeyViewSet(ModelViewSet):
    """Settings → Open311 API keys (superusers, or the model's permissions)."""

    model = Open311ApiKey
    icon = "key"
    menu_label = gettext_lazy("Open311 API keys")
    add_to_settings_menu = True
    name = "open311_keys"
    list_display = ["name", "key", "site", "is_active", "last_used_at"]
    search_fields = ["name", "contact"]


open311_key_viewset = Open311ApiKeyViewSet()
