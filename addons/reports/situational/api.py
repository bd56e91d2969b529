"""``GET /api/v1/reports.geojson``: the situational map's data (public reports only)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from wagtail.models import Site

from addons.core.validation import api_error_responses

from .clustering import BadQuery, parse_bbox, parse_zoom
from .filters import ReportFilterForm, cached_choices, filter_params, public_reports
from .geojson import cache_key, feature_collection, site_extent


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


def _error(message: str, errors: dict) -> Response:
    return Response({"error": message, "errors": errors}, status=400)


class ReportsGeoJSONView(APIView):
    """Clusters and single reports in a viewport, with the situational center's filters."""

    # Public data, the same for everyone: no session or token is read.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(
        summary="Public problem reports on a map (GeoJSON)",
        parameters=[
            OpenApiParameter("bbox", str, required=True,
                             description="west,south,east,north in degrees (WGS 84)"),
            OpenApiParameter("zoom", int, required=True, description="map zoom level, 0-22"),
            OpenApiParameter("category", str, many=True,
                             description="category code; a group code takes in its categories"),
            OpenApiParameter("status", str, many=True, description="status code"),
            OpenApiParameter("state", str, enum=["open", "closed"]),
            OpenApiParameter("addressee", int, description="responsible addressee (page id)"),
            OpenApiParameter("submitted_from", OpenApiTypes.DATE),
            OpenApiParameter("submitted_to", OpenApiTypes.DATE),
            OpenApiParameter("resolved_from", OpenApiTypes.DATE),
            OpenApiParameter("resolved_to", OpenApiTypes.DATE),
        ],
        responses={200: OpenApiTypes.OBJECT, **api_error_responses(400, 404)},
    )
    def get(self, request):
        try:
            bbox = parse_bbox(request.GET.get("bbox"))
            zoom = parse_zoom(request.GET.get("zoom"))
        except BadQuery as problem:
            return _error(problem.message, {problem.field: [problem.message]})
        site = Site.find_for_request(request)
        if site is None:
            raise Http404
        from django.core.cache import cache

        reports = public_reports(site)
        key, timeout = cache_key(site, bbox, zoom, filter_params(request.GET),
                                 site_extent(site, reports))
        data = cache.get(key)
        if data is None:
            categories, statuses = cached_choices(site)
            form = ReportFilterForm(request.GET, categories=categories, statuses=statuses)
            if not form.is_valid():
                return _error(_("Invalid filter."), form.errors_json())
            data = feature_collection(
                form.apply(reports), bbox, zoom, categories=categories, statuses=statuses
            )
            cache.set(key, data, timeout)
        response = Response(data, content_type="application/geo+json")
        response["Cache-Control"] = "public, max-age=30"
        return response


geojson_view = ReportsGeoJSONView.as_view()
