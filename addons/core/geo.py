"""Maps without a CDN: the admin's Leaflet widget, panel and block on local static files,
and the helpers public maps share.

Points are stored as wagtailgeowidget stores them, without GeoDjango:
``SRID=4326;POINT(<longitude> <latitude>)`` in a CharField.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django import forms
from django.utils.functional import cached_property
from wagtailgeowidget.blocks import LeafletBlock as UpstreamLeafletBlock
from wagtailgeowidget.panels import LeafletPanel as UpstreamLeafletPanel
from wagtailgeowidget.widgets import LeafletField as UpstreamLeafletField

# django-leaflet ships Leaflet itself as static files.
LEAFLET_JS = "leaflet/leaflet.js"
LEAFLET_CSS = "leaflet/leaflet.css"

_POINT_RE = re.compile(
    r"^\s*(?:SRID=(?P<srid>\d+);)?\s*POINT\s*\(\s*(?P<lng>-?\d+(?:\.\d+)?)\s+(?P<lat>-?\d+(?:\.\d+)?)\s*\)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float

    def __str__(self):
        return format_point(self.lat, self.lng)


def parse_point(value: str | None) -> Point | None:
    """``SRID=4326;POINT(lng lat)`` -> Point, or None for an empty or malformed value."""
    if not value:
        return None
    match = _POINT_RE.match(value)
    if not match:
        return None
    lat, lng = float(match["lat"]), float(match["lng"])
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    return Point(lat=lat, lng=lng)


def format_point(lat: float, lng: float) -> str:
    return f"SRID=4326;POINT({lng:.6f} {lat:.6f})"


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres (haversine)."""
    radius = 6371000.0
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lng - a.lng)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(h))


def bbox_around(point: Point, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, min_lng, max_lat, max_lng) of a square enclosing the circle: a cheap
    pre-filter before the exact distance."""
    dlat = radius_m / 111320.0
    dlng = radius_m / (111320.0 * max(math.cos(math.radians(point.lat)), 0.01))
    return point.lat - dlat, point.lng - dlng, point.lat + dlat, point.lng + dlng


class LeafletField(UpstreamLeafletField):
    """wagtailgeowidget's admin map widget with Leaflet from this site's static files."""

    @cached_property
    def media(self):
        return forms.Media(
            css={"all": ("wagtailgeowidget/css/leaflet-field.css", LEAFLET_CSS)},
            js=(
                LEAFLET_JS,
                "wagtailgeowidget/js/leaflet-field.js",
                "wagtailgeowidget/js/leaflet-field-controller.js",
            ),
        )


class LeafletPanel(UpstreamLeafletPanel):
    def widget_overrides(self):
        overrides = super().widget_overrides()
        upstream = overrides[self.field_name]
        overrides[self.field_name] = LeafletField(
            address_field=upstream.address_field,
            zoom_field=upstream.zoom_field,
            hide_latlng=upstream.hide_latlng,
            zoom=upstream.zoom,
            srid=upstream.srid,
            id_prefix="id_",
        )
        return overrides


class LeafletBlock(UpstreamLeafletBlock):
    """A map point in a StreamField. Unlike upstream, honours ``required=False`` and
    accepts an empty value."""

    def __init__(self, *args, required=True, **kwargs):
        self._required = required
        super().__init__(*args, **kwargs)
        self.field_options["required"] = required

    @property
    def required(self):
        return self._required

    @cached_property
    def field(self):
        return forms.CharField(
            required=self._required,
            widget=LeafletField(
                srid=4326,
                id_prefix="",
                address_field=self.address_field,
                zoom_field=self.zoom_field,
                hide_latlng=self.hide_latlng,
            ),
        )

    def to_python(self, value):
        if not value:
            return None
        if isinstance(value, str) and parse_point(value) is None:
            return None
        return super().to_python(value)

    def get_prep_value(self, value):
        if not value:
            return ""
        return super().get_prep_value(value)
