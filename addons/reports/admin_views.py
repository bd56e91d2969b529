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

from addons.addressees.models import AddresseePage
from addons.core.admin_menu import Entry, staff_submenu
from addons.core.forms import DateInput
from addons.core.geo import Point
from addons.core.permissions import AddresseeScopedPermissionPolicy, moderated_addressee_ids

from . import services
from .models import (
    Open311ApiKey,
    Report,
    ReportCategory,
    ReportReplyTemplate,
    ReportStatus,
    ReportUpdate,
)

PAGE_SIZE = 50
#: most reports the list's map shows (the newest of the filtered list)
MAP_LIMIT = 2000

policy = AddresseeScopedPermissionPolicy(Report)

LOG_ACTIONS = {
    "reports.status": gettext_lazy("Change problem report status"),
    "reports.assign": gettext_lazy("Assign problem report"),
    "reports.category": gettext_lazy("Change problem report category"),
    "reports.merge": gettext_lazy("Merge duplicate problem report"),
    "reports.private": gettext_lazy("Make problem report private"),
    "reports.moderate": gettext_lazy("Moderate problem report"),
    "reports.export": gettext_lazy("Export problem reports"),
}


def register_log_actions(actions) -> None:
    """For the ``register_log_actions`` hook."""
    for action, label in LOG_ACTIONS.items():
        actions.register_action(action, label, label)


# --- scope --------------------------------------------------------------------------------


def is_reports_staff(user) -> bool:
    """Whether ``user`` handles reports of at least one addressee (or every report)."""
    return policy.user_has_permission(user, "view")


def staff_reports(user):
    """The reports ``user`` handles as staff; PermissionDenied for anyone else."""
    if not is_reports_staff(user):
        raise PermissionDenied
    return policy.instances_user_has_any_permission_for(user, ["view", "change"])


def _sees_everything(user) -> bool:
    return user.is_superuser or user.has_perm("reports.view_report") \
        or user.has_perm("reports.change_report")


def addressees_in_scope(user):
    pages = AddresseePage.objects.only("pk", "title", "path", "depth").order_by("title")
    if _sees_everything(user):
        return pages
    return pages.filter(pk__in=moderated_addressee_ids(user))


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

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        categories = ReportCategory.objects.select_related("parent").order_by(
            "site_id", "sort_order", "code")
        self.fields["category"].choices = [("", _("Any category"))] + [
            (c.pk, f"{c.parent.label()} · {c.label()}" if c.parent_id else c.label())
            for c in categories
        ]
        self.fields["status"].choices = [
            ("", _("Any status")), ("open", _("Open")), ("closed", _("Closed")),
        ] + [(s.code, s.label()) for s in ReportStatus.objects.all()]
        self.fields["addressee"].choices = [("", _("Any addressee"))] + [
            (page.pk, page.title) for page in addressees_in_scope(user)
        ]

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
    form = ReportFilterForm(request.GET or None, user=request.user)
    queryset = form.apply(staff_reports(request.user)).order_by("-created_at", "-pk")
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


# --- the report's page: forms -------------------------------------------------------------


class ReportActionForm(forms.Form):
    """A form of one action on ``report`` by ``user``."""

    def __init__(self, *args, report, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        self.user = user


class StatusForm(ReportActionForm):
    status = forms.ModelChoiceField(
        label=gettext_lazy("New status"), queryset=ReportStatus.objects.all(),
        empty_label=gettext_lazy("Choose a status"),
    )
    template = forms.ModelChoiceField(
        label=gettext_lazy("Reply template"), required=False,
        queryset=ReportReplyTemplate.objects.none(), empty_label=gettext_lazy("None"),
        help_text=gettext_lazy("Its text is used when the public note is left empty."),
    )
    public_note = forms.CharField(
        label=gettext_lazy("Public note (the reporter and followers are told)"),
        required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
    )
    internal_note = forms.CharField(
        label=gettext_lazy("Internal note (staff only)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=4000,
    )

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, report=report, **kwargs)
        self.fields["template"].queryset = reply_templates(report)

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status is not None and status.pk == self.report.status_id:
            self.add_error("status", _("The report already has this status."))
        return cleaned


class AssignForm(ReportActionForm):
    addressee = forms.ModelChoiceField(
        label=gettext_lazy("Responsible addressee"), queryset=AddresseePage.objects.none(),
        empty_label=gettext_lazy("Choose an addressee"),
    )
    public_note = forms.CharField(
        label=gettext_lazy("Public note"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
    )

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, report=report, **kwargs)
        pages = AddresseePage.objects.live().only("pk", "title", "path", "depth")
        root = report.site.root_page
        # only the addressees of the report's own site are offered (and accepted)
        self.fields["addressee"].queryset = pages.filter(path__startswith=root.path).exclude(
            pk=report.addressee_id).order_by("title")


class CategoryForm(ReportActionForm):
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"), queryset=ReportCategory.objects.none(),
        empty_label=gettext_lazy("Choose a category"),
    )

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, report=report, **kwargs)
        self.fields["category"].queryset = (
            ReportCategory.objects.filter(site_id=report.site_id, is_active=True,
                                          parent__isnull=False)
            .exclude(pk=report.category_id).select_related("parent")
        )


class MergeForm(ReportActionForm):
    original = forms.CharField(
        label=gettext_lazy("Tracking number of the original report"), max_length=32,
    )
    public_note = forms.CharField(
        label=gettext_lazy("Public note"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
        help_text=gettext_lazy('Empty: "Merged into <number>."'),
    )

    def clean_original(self):
        """The original: a report of this site that the user handles. A report outside the
        user's scope gets the same answer as one that does not exist (numbers are easy to
        guess; the answer must not tell which exist)."""
        number = self.cleaned_data["original"].strip().upper()
        original = Report.objects.filter(
            site_id=self.report.site_id, tracking_number__iexact=number
        ).first()
        if original is None or (self.user is not None
                                and not services.may_change(self.user, original)):
            raise ValidationError(_("No report of this site that you handle has this "
                                    "tracking number."))
        return original


class PrivateForm(ReportActionForm):
    internal_note = forms.CharField(
        label=gettext_lazy("Reason (staff only)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
    )


class PhotoChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return _("Photo %(number)s") % {"number": obj.sort_order + 1}


class ModerateForm(ReportActionForm):
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
    )
    hide_reporter_name = forms.BooleanField(
        label=gettext_lazy("Hide the reporter's name"), required=False,
    )
    hidden_photos = PhotoChoiceField(
        label=gettext_lazy("Hidden photos"), required=False, queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Checked photos are shown to staff only."),
    )
    is_hidden = forms.BooleanField(
        label=gettext_lazy("Hide the whole report from the public"), required=False,
    )
    internal_note = forms.CharField(
        label=gettext_lazy("Reason (staff only)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
    )

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, report=report, **kwargs)
        self.fields["hidden_photos"].queryset = report.photos.all()
        if not self.is_bound:
            self.initial.update({
                "description": report.description,
                "hide_reporter_name": report.hide_reporter_name,
                "is_hidden": report.is_hidden,
                "hidden_photos": [p.pk for p in report.photos.all() if p.is_hidden],
            })


def reply_templates(report):
    return ReportReplyTemplate.objects.filter(
        Q(site__isnull=True) | Q(site_id=report.site_id)
    ).select_related("status")


# --- the report's page: what each action does ---------------------------------------------


def _do_status(report, user, data):
    entry = services.change_status(
        report, data["status"], user, public_note=data["public_note"],
        internal_note=data["internal_note"], template=data["template"],
    )
    return {"status_from": entry.status_from.code if entry.status_from else "",
            "status_to": data["status"].code, "template": getattr(data["template"], "pk", None)}


def _do_assign(report, user, data):
    old = report.addressee.title if report.addressee_id else ""
    services.assign(report, data["addressee"], user, public_note=data["public_note"])
    return {"from": old, "to": data["addressee"].title}


def _do_category(report, user, data):
    old = report.category.code
    services.set_category(report, data["category"], user)
    return {"from": old, "to": data["category"].code}


def _do_merge(report, user, data):
    services.merge(report, data["original"], user, public_note=data["public_note"])
    return {"original": data["original"].tracking_number}


def _do_private(report, user, data):
    services.make_private(report, user, internal_note=data["internal_note"])
    return {}


def _do_moderate(report, user, data):
    hidden_now = {p.pk for p in report.photos.all() if p.is_hidden}
    wanted = {p.pk for p in data["hidden_photos"]}
    description = data["description"]
    changes = {
        "description_changed": description.strip() != report.description,
        "hide_reporter_name": data["hide_reporter_name"],
        "is_hidden": data["is_hidden"],
        "hidden_photos": sorted(wanted - hidden_now),
        "shown_photos": sorted(hidden_now - wanted),
    }
    services.moderate(
        report, user,
        description=description if changes["description_changed"] else None,
        hide_reporter_name=data["hide_reporter_name"], is_hidden=data["is_hidden"],
        hide_photos=changes["hidden_photos"], show_photos=changes["shown_photos"],
        internal_note=data["internal_note"],
    )
    return changes


class Action:
    def __init__(self, form_class, heading, label, run, offered=None):
        self.form_class = form_class
        self.heading = heading
        self.label = label
        self.run = run
        self.offered = offered or (lambda report: True)


ACTIONS = {
    "status": Action(StatusForm, gettext_lazy("Change the status"),
                     gettext_lazy("Change the status"), _do_status),
    "assign": Action(AssignForm, gettext_lazy("Assign to an addressee"),
                     gettext_lazy("Assign"), _do_assign),
    "category": Action(CategoryForm, gettext_lazy("Correct the category"),
                       gettext_lazy("Change the category"), _do_category),
    "merge": Action(MergeForm, gettext_lazy("Merge into an original report"),
                    gettext_lazy("Merge as a duplicate"), _do_merge,
                    lambda report: report.merged_into_id is None),
    "private": Action(PrivateForm, gettext_lazy("Make private"),
                      gettext_lazy("Make private"), _do_private,
                      lambda report: report.is_public),
    "moderate": Action(ModerateForm, gettext_lazy("Moderate"),
                       gettext_lazy("Save the moderation"), _do_moderate),
}


def _make_form(name, report, user, data=None, initial=None):
    return ACTIONS[name].form_class(data, prefix=name, initial=initial, report=report,
                                    user=user)


def _staff_report(request, pk):
    """The report if the user handles it; 404 otherwise (its existence is not revealed)."""
    queryset = staff_reports(request.user).select_related(
        "site", "category", "category__parent", "status", "addressee", "reporter",
        "merged_into", "district",
    )
    return get_object_or_404(queryset, pk=pk)


def _status_initial(request, report):
    """A status change started from a reply template (``?template=<id>``), without JS."""
    value = request.GET.get("template", "")
    if not value.isdigit():
        return None
    template = reply_templates(report).filter(pk=int(value)).first()
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
        "templates": list(reply_templates(report)),
        "nearby": nearby,
        "duplicates": list(report.duplicates.only("pk", "tracking_number")),
        "can_change": can_change,
        "now": timezone.now(),
    }


@never_cache
def report_detail(request, pk):
    report = _staff_report(request, pk)
    return render(request, "reports/admin/detail.html", _detail_context(request, report))


def _messages_of(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [str(m) for items in error.message_dict.values() for m in items]
    return [str(m) for m in error.messages]


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
            data = ACTIONS[action].run(report, request.user, form.cleaned_data)
        except ValidationError as error:
            for message in _messages_of(error):
                form.add_error(None, message)
        except PermissionDenied:
            form.add_error(None, _("You may not do this to this report."))
        else:
            log(report, f"reports.{action}", user=request.user, title=report.tracking_number,
                data={"report": report.pk, "tracking_number": report.tracking_number, **data})
            messages.success(request, _("%(action)s: done for report %(number)s.") % {
                "action": ACTIONS[action].heading, "number": report.tracking_number,
            })
            if staff_reports(request.user).filter(pk=report.pk).exists():
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
    site = Site.find_for_request(request) or Site.objects.filter(is_default_site=True).first()
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

    queryset = staff_reports(request.user)
    form = figures.DashboardForm(request.GET or None)
    options = form.options()
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
