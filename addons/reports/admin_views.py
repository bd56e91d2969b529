"""Staff screens of problem reports beside the casework desk. The list, a report's page,
its actions, the bulk actions and the export are the desk's, generated from
``ReportsConfig.casework`` (``/admin/casework/reports/``); here: the map of the desk's
filtered list, the hot-spot dashboard and the Open311 API keys. Both extra screens filter
with the desk's own filterset (``addons.core.casework.filters``): the same choices of the
town being worked on, the same scope. The old ``/admin/problem-reports/`` addresses lead to
the desk.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from wagtail.admin.viewsets.model import ModelViewSet

from addons.core.admin_menu import Entry, staff_submenu
from addons.core.casework.desk import scoped, work_site
from addons.core.casework.filters import build_filterset
from addons.core.permissions import AddresseeScopedPermissionPolicy
from addons.core.registry import casework_for

from . import services
from .models import Open311ApiKey, Report

DESK = "casework_reports"
#: most reports the map shows (the newest of the filtered list)
MAP_LIMIT = 2000

policy = AddresseeScopedPermissionPolicy(Report)


def register_log_actions(actions) -> None:
    """For the ``register_log_actions`` hook (the labels live with the services)."""
    services.register_log_actions(actions)


def is_reports_staff(user) -> bool:
    """Whether ``user`` handles reports of at least one addressee (or every report)."""
    return policy.user_has_permission(user, "view")


def declaration():
    return casework_for("reports")[1]


def desk_filters(request):
    """(filterset, reports): the desk's filters of ``request.GET`` over the reports of the
    town being worked on that the user handles; PermissionDenied for anyone else. Invalid
    filters are shown on the form and left out."""
    if not is_reports_staff(request.user):
        raise PermissionDenied
    site = work_site(request)
    records = scoped(declaration(), request.user, site)
    filterset = build_filterset(declaration(), request.user, site)(
        request.GET or None, queryset=records, request=request)
    return filterset, filterset.qs


def parse_bbox(value: str):
    """``south,west,north,east`` in degrees (a hot spot of the dashboard), or None."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        south, west, north, east = (float(part) for part in value.split(","))
    except ValueError:
        raise ValidationError(_("The area is not valid.")) from None
    if not (-90 <= south <= north <= 90 and -180 <= west <= east <= 180):
        raise ValidationError(_("The area is not valid."))
    return south, west, north, east


def _map_reports(request):
    filterset, queryset = desk_filters(request)
    error = None
    try:
        bbox = parse_bbox(request.GET.get("bbox", ""))
    except ValidationError as exc:
        bbox, error = None, exc.messages[0]
    if bbox:
        south, west, north, east = bbox
        queryset = queryset.filter(lat__gte=south, lat__lt=north, lng__gte=west,
                                   lng__lt=east)
    return filterset, queryset.order_by("-created_at", "-pk"), error, bbox


def _query(request, *drop) -> str:
    query = request.GET.copy()
    for name in drop:
        query.pop(name, None)
    return query.urlencode()


@never_cache
def staff_map(request):
    """The desk's filtered list as a map (the newest MAP_LIMIT reports)."""
    filterset, queryset, error, bbox = _map_reports(request)
    query = _query(request)
    return render(request, "reports/admin/map.html", {
        "filters": filterset.form,
        "bbox_error": error,
        "bbox": bbox,
        "count": queryset.count(),
        "query_string": query,
        "desk_url": reverse(f"{DESK}:index") + (f"?{_query(request, 'bbox')}"
                                                if _query(request, "bbox") else ""),
        "map_limit": MAP_LIMIT,
    })


@never_cache
def map_data(request):
    """The filtered reports as GeoJSON points for the map (the newest MAP_LIMIT)."""
    _filterset, queryset, _error, _bbox = _map_reports(request)
    rows = queryset.values_list(
        "pk", "tracking_number", "lat", "lng", "is_open", "category__name", "status__name"
    )[:MAP_LIMIT]
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lng, lat]},
        "properties": {
            "number": number, "open": is_open, "category": category, "status": status,
            "url": reverse(f"{DESK}:inspect", args=[pk]),
        },
    } for pk, number, lat, lng, is_open, category, status in rows]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@never_cache
def dashboard(request):
    from . import dashboard as figures

    filterset, queryset = desk_filters(request)
    form = figures.DashboardForm(request.GET or None)
    return render(request, "reports/admin/dashboard.html", {
        "form": form,
        "filters": filterset.form,
        "desk_url": reverse(f"{DESK}:index"),
        **figures.compute(queryset, **form.options()),
    })


def old_list(request):
    """The former staff list's address: the desk's list, same query."""
    query = request.GET.urlencode()
    return redirect(reverse(f"{DESK}:index") + (f"?{query}" if query else ""))


def old_detail(request, pk):
    return redirect(f"{DESK}:inspect", pk)


# --- URLs and menu ------------------------------------------------------------------------

urlpatterns = [
    path("", old_list, name="list"),
    path("map/", staff_map, name="staff_map"),
    path("map.json", map_data, name="map"),
    path("dashboard/", dashboard, name="dashboard"),
    path("<int:pk>/", old_detail, name="detail"),
]


def admin_urls():
    """For the ``register_admin_urls`` hook (under /admin/problem-reports/)."""
    return [path("problem-reports/", include((urlpatterns, "reports_admin"),
                                                 namespace="reports_admin"))]


def reports_menu_item():
    """The "Problem reports" admin menu: the desk's list, the map and the hot spots."""
    return staff_submenu(gettext_lazy("Problem reports"), [
        Entry(gettext_lazy("All reports"), f"{DESK}:index", "problem-reports-list",
              "list-ul"),
        Entry(gettext_lazy("Map"), "reports_admin:staff_map", "problem-reports-map", "site"),
        Entry(gettext_lazy("Hot spots"), "reports_admin:dashboard", "problem-reports-dashboard",
              "table"),
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
