"""The situational map's data: public reports in a viewport as a GeoJSON FeatureCollection
of clusters and single reports, grouped by the database.

One grouped query does the work whatever the number of reports: the bbox is read through
the (site, lat, lng) index and the rows are grouped by grid cell and category, with their
count, coordinate sums (for the centroid), extent, open count and smallest id. A cell that
holds one report becomes that report (a second query reads those reports); from
``SINGLES_ZOOM`` on, every report of a viewport that holds at most ``MAX_SINGLES`` is shown
on its own. The categories and statuses are read once for the labels and the filters.
"""

from __future__ import annotations

from django.db.models import Count, F, FloatField, Func, IntegerField, Max, Min, Q, Sum, Value
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime

from . import clustering
from .clustering import BBox, CellRow, merge_cells

SINGLE_FIELDS = (
    "id", "tracking_number", "lat", "lng", "category_id", "status_id", "is_open", "created_at",
    "cosign_count",
)


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


def grouped_cells(queryset, grid: clustering.Grid) -> list[clustering.Cell]:
    """Run the grouped query on ``queryset`` (already filtered to the bbox)."""
    rows = (
        queryset.order_by()
        .annotate(
            cell_lat=CellIndex("lat", 90, grid.dlat),
            cell_lng=CellIndex("lng", 180, grid.dlng),
        )
        .values("cell_lat", "cell_lng", "category_id")
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
        )
    )
    return merge_cells(CellRow(**row) for row in rows)


def in_bbox(queryset, bbox: BBox):
    return queryset.filter(
        lat__gte=bbox.south, lat__lte=bbox.north, lng__gte=bbox.west, lng__lte=bbox.east
    )


def feature_collection(queryset, bbox: BBox, zoom: int, *, categories, statuses) -> dict:
    """The GeoJSON for ``queryset`` (public reports, filtered) in ``bbox`` at ``zoom``."""
    reports = in_bbox(queryset, bbox)
    grid = clustering.grid_for(bbox, zoom)
    cells = grouped_cells(reports, grid)
    total = sum(cell.count for cell in cells)

    show_all = zoom >= clustering.SINGLES_ZOOM and total <= clustering.MAX_SINGLES
    if show_all:
        singles = list(reports.order_by("-created_at").values(*SINGLE_FIELDS)) if total else []
        clusters = []
    else:
        single_ids = [cell.first_id for cell in cells if cell.count == 1]
        singles = (
            list(reports.filter(pk__in=single_ids).values(*SINGLE_FIELDS)) if single_ids else []
        )
        clusters = [cell for cell in cells if cell.count > 1]

    category_by_id = {category.pk: category for category in categories}
    status_by_id = {status.pk: status for status in statuses}
    # One reverse() for the whole response: the pattern is the same for every report.
    url_template = reverse("reports:detail", args=[_URL_PLACEHOLDER])
    features = [_cluster_feature(cell, category_by_id) for cell in clusters]
    features += [
        _report_feature(row, category_by_id, status_by_id, url_template) for row in singles
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        # Foreign members (RFC 7946, 6.1): what the map shows and how it was grouped.
        "total": total,
        "zoom": zoom,
        "clustered": not show_all,
    }


def _cluster_feature(cell: clustering.Cell, category_by_id: dict) -> dict:
    category = category_by_id.get(cell.dominant_category)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(cell.lng, 6), round(cell.lat, 6)]},
        "properties": {
            "cluster": True,
            "count": cell.count,
            "open": cell.open_count,
            "category": category.code if category else None,
            "bounds": [
                round(cell.west, 6), round(cell.south, 6), round(cell.east, 6), round(cell.north, 6)
            ],
        },
    }


_URL_PLACEHOLDER = "TRACKING-NUMBER"


def _report_feature(row: dict, category_by_id: dict, status_by_id: dict, url_template: str) -> dict:
    category = category_by_id.get(row["category_id"])
    status = status_by_id.get(row["status_id"])
    created = localtime(row["created_at"])
    return {
        "type": "Feature",
        "id": row["tracking_number"],
        "geometry": {"type": "Point", "coordinates": [round(row["lng"], 6), round(row["lat"], 6)]},
        "properties": {
            "number": row["tracking_number"],
            "category": category.code if category else None,
            "category_label": category.label() if category else "",
            "status": status.code if status else None,
            "status_label": status.label() if status else "",
            "open": row["is_open"],
            "date": created.date().isoformat(),
            "date_label": date_format(created, "SHORT_DATE_FORMAT"),
            "cosigns": row["cosign_count"],
            "url": url_template.replace(_URL_PLACEHOLDER, row["tracking_number"]),
        },
    }

