"""The situational map's data: public reports in a viewport as a GeoJSON FeatureCollection
of clusters and single reports, grouped by the database.

One grouped query does the work whatever the number of reports: the bbox is read through
the (site, lat, lng) index and the rows are grouped by grid cell and category, with their
count, coordinate sums (for the centroid), extent and open count. For a cell that holds one
report the same row carries that report's number, status, date and co-signs (the MIN of
one value is the value), so single reports cost no second query. The categories and
statuses are read once for the filters and the labels: three queries in all, whatever the
viewport, zoom, filters or number of reports.

Caching (``cached_collection``): a viewport that takes in every public report of the town
(the city-wide view every visitor opens first, or a whole-world box) is answered from the
cache of the town's cells at that grid, whatever the exact box: the key is (town, version,
language, zoom, grid cell size, filters). Any other viewport is cached under its exact box
for a short while. The town's version changes with any report (see ``reports.caching``), so
a changed report shows at once. The categories and statuses are cached the same way.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, F, FloatField, Func, IntegerField, Max, Min, Q, Sum, Value
from django.urls import reverse
from django.utils import timezone, translation

from .. import caching
from . import clustering
from .clustering import BBox, CellRow, merge_cells

_URL_PLACEHOLDER = "TRACKING-NUMBER"


class CellIndex(Func):
    """``floor((column + offset) / size)``: the row or column of a grid cell.

    The offset (90 for latitude, 180 for longitude) keeps the quotient non-negative, so
    SQLite's integer cast (which truncates) is the floor as well.
    """

    function = "FLOOR"
    output_field = IntegerField()

    def __init__(self, column: str, offset: float, size: float):
        quotient = (F(column) + Value(float(offset))) / Value(float(size))
        super().__init__(quotient, output_field=FloatField())

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS INTEGER)")


def in_bbox(queryset, bbox: BBox):
    return queryset.filter(
        lat__gte=bbox.south, lat__lte=bbox.north, lng__gte=bbox.west, lng__lte=bbox.east
    )


def grouped_query(queryset, grid: clustering.Grid):
    """Rows per (cell, category) of ``queryset`` (already filtered to the bbox)."""
    return (
        queryset.order_by()
        .annotate(
            cell_lat=CellIndex("lat", 90, grid.dlat),
            cell_lng=CellIndex("lng", 180, grid.dlng),
        )
        .values_list("cell_lat", "cell_lng", "category_id")
        .annotate(
            count=Count("id"),
            sum_lat=Sum("lat"),
            sum_lng=Sum("lng"),
            min_lat=Min("lat"),
            max_lat=Max("lat"),
            min_lng=Min("lng"),
            max_lng=Max("lng"),
            open_count=Count("id", filter=Q(is_open=True)),
            min_id=Min("id"),
            number=Min("tracking_number"),
            status_id=Min("status_id"),
            created=Min("created_at"),
            cosigns=Min("cosign_count"),
        )
    )


def grouped_cells(queryset, grid: clustering.Grid) -> list[clustering.Cell]:
    """Run the grouped query on ``queryset`` (already filtered to the bbox)."""
    rows = grouped_query(queryset, grid)
    return merge_cells(CellRow(*row[:12], single=row[12:]) for row in rows)


def feature_collection(queryset, bbox: BBox, zoom: int, *, categories, statuses) -> dict:
    """The GeoJSON for ``queryset`` (public reports, filtered) in ``bbox`` at ``zoom``."""
    grid = clustering.grid_for(bbox, zoom)
    cells = grouped_cells(in_bbox(queryset, bbox), grid)

    category_info = {c.pk: (c.code, c.label()) for c in categories}
    status_info = {s.pk: (s.code, s.label()) for s in statuses}
    # One reverse() for the whole response: the pattern is the same for every report.
    url_template = reverse("reports:detail", args=[_URL_PLACEHOLDER])
    zone = timezone.get_current_timezone()
    features = []
    for cell in cells:
        if cell.count == 1:
            features.append(_report_feature(cell, category_info, status_info, url_template, zone))
        else:
            features.append(_cluster_feature(cell, category_info))
    return {
        "type": "FeatureCollection",
        "features": features,
        # Foreign members (RFC 7946, 6.1): how many reports the features stand for.
        "total": sum(cell.count for cell in cells),
        "zoom": zoom,
    }


def _cluster_feature(cell: clustering.Cell, category_info: dict) -> dict:
    code, _label = category_info.get(cell.dominant_category, (None, ""))
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(cell.lng, 6), round(cell.lat, 6)]},
        "properties": {
            "cluster": True,
            "count": cell.count,
            "open": cell.open_count,
            "category": code,
            "bounds": [
                round(cell.west, 6), round(cell.south, 6), round(cell.east, 6), round(cell.north, 6)
            ],
        },
    }


def _report_feature(cell, category_info, status_info, url_template, zone) -> dict:
    number, status_id, created, cosigns = cell.single
    category, category_label = category_info.get(cell.dominant_category, (None, ""))
    status, status_label = status_info.get(status_id, (None, ""))
    return {
        "type": "Feature",
        "id": number,
        "geometry": {"type": "Point", "coordinates": [round(cell.lng, 6), round(cell.lat, 6)]},
        "properties": {
            "number": number,
            "category": category,
            "category_label": category_label,
            "status": status,
            "status_label": status_label,
            "open": bool(cell.open_count),
            "date": created.astimezone(zone).date().isoformat(),
            "cosigns": cosigns,
            "url": url_template.replace(_URL_PLACEHOLDER, number),
        },
    }


# --- caching ------------------------------------------------------------------------------

#: how long a city-wide answer (all of a town's cells at a grid) is kept; any report change
#: replaces it at once through the town's version
CITY_TIMEOUT = 600
#: how long the answer for one exact viewport is kept
BBOX_TIMEOUT = 120
_NOTHING = ()


def site_extent(site, queryset) -> BBox | None:
    """The box round every public report of ``site`` (``queryset``: its public reports),
    None without any; one query per version of the town's reports."""
    key = caching.key("extent", site.pk)
    found = cache.get(key)
    if found is None:
        edges = queryset.order_by().aggregate(
            west=Min("lng"), south=Min("lat"), east=Max("lng"), north=Max("lat"))
        found = _NOTHING if edges["west"] is None else (
            edges["west"], edges["south"], edges["east"], edges["north"])
        cache.set(key, found, CITY_TIMEOUT)
    return BBox(*found) if found else None


def covers(outer: BBox, inner: BBox) -> bool:
    return (outer.west <= inner.west and outer.south <= inner.south
            and outer.east >= inner.east and outer.north >= inner.north)


def cache_key(site, bbox: BBox, zoom: int, filters: tuple, extent: BBox | None) -> tuple:
    """(key, timeout) of the answer for this viewport; see the module's docstring."""
    language = translation.get_language() or ""
    if extent is None or covers(bbox, extent):
        grid = clustering.grid_for(bbox, zoom)
        return caching.key("geojson-city", site.pk, language, zoom, grid.dlat, grid.dlng,
                           filters), CITY_TIMEOUT
    edges = tuple(round(value, 6) for value in (bbox.west, bbox.south, bbox.east, bbox.north))
    return caching.key("geojson-box", site.pk, language, zoom, edges, filters), BBOX_TIMEOUT
