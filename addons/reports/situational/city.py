"""``GET /api/v1/map.geojson``: the city drawn from its own data, for maps without a tile
server: the street register's streets with a course (lines with their names), the districts
(outlines) and the addressees' offices (points, one per place). Public data of the site the
request is for; nothing from outside the site."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from wagtail.models import Site

from addons.core.geo import parse_point
from addons.core.validation import api_error_responses

from .api import GeoJSONRenderer

#: seconds the city's own map is kept (a change of its streets, districts or offices
#: replaces it at once)
CITY_TIMEOUT = 3600


def _lnglat(points) -> list[list[float]]:
    """[[lat, lng], ...] as stored -> GeoJSON's [[lng, lat], ...]; malformed points left out."""
    out = []
    for point in points or []:
        try:
            lat, lng = float(point[0]), float(point[1])
        except (TypeError, ValueError, IndexError):
            continue
        if -90 <= lat <= 90 and -180 <= lng <= 180:
            out.append([round(lng, 6), round(lat, 6)])
    return out


def city_features(site) -> dict:
    """The site's streets, districts and offices as a GeoJSON FeatureCollection."""
    from addons.addressees.models import AddresseePage

    from ..models import District, Street

    features = []
    for district in District.objects.filter(site=site).only("name", "polygon"):
        ring = _lnglat(district.polygon)
        if len(ring) < 3:
            continue
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        features.append({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"kind": "district", "name": district.name},
        })
    for street in Street.objects.filter(site=site).only("name", "kind", "line"):
        line = _lnglat(street.line)
        if len(line) < 2:
            continue
        features.append({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": line},
            "properties": {"kind": "street", "name": str(street)},
        })
    offices: dict[tuple[float, float], dict] = {}
    pages = (AddresseePage.objects.live().public().descendant_of(site.root_page)
             .exclude(location="").order_by("path")
             .only("id", "title", "location", "office_address", "url_path", "path", "depth"))
    for page in pages:
        point = parse_point(page.location)
        if point is None:
            continue
        key = (round(point.lat, 5), round(point.lng, 5))
        office = offices.setdefault(key, {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [key[1], key[0]]},
            "properties": {"kind": "office", "address": page.office_address, "names": []},
        })
        office["properties"]["names"].append(
            {"title": page.title, "url": page.get_url(current_site=site) or ""})
        if not office["properties"]["address"]:
            office["properties"]["address"] = page.office_address
    features.extend(offices.values())
    return {"type": "FeatureCollection", "features": features}


class CityGeoJSONView(APIView):
    """The city's own map: streets, districts and offices (no tile server needed)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [GeoJSONRenderer]

    @extend_schema(
        summary="The city's streets, districts and offices (GeoJSON)",
        responses={200: OpenApiTypes.OBJECT, **api_error_responses(404)},
    )
    def get(self, request):
        site = Site.find_for_request(request)
        if site is None:
            raise Http404
        from django.core.cache import cache
        from django.utils import translation

        from .. import caching

        # The same for every visitor: kept until a street, a district or an addressee's
        # office changes (or CITY_TIMEOUT passes).
        key = caching.city_key(site.pk, translation.get_language())
        data = cache.get(key)
        if data is None:
            data = city_features(site)
            cache.set(key, data, CITY_TIMEOUT)
        response = Response(data, content_type="application/geo+json")
        response["Cache-Control"] = "public, max-age=300"
        return response


city_view = CityGeoJSONView.as_view()
