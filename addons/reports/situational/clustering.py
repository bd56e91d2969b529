"""Grid clustering of report points for the public map, independent of the database.

The map asks for a viewport (``bbox``) at a zoom level. The world is cut into a grid of
cells about ``CELL_PX`` screen pixels wide at that zoom, anchored at (-90, -180) so that a
cell stays the same cell while the map pans. The database groups the reports by cell
(``GROUP BY floor((lat + 90) / dlat), floor((lng + 180) / dlng)``); :func:`merge_cells`
turns those grouped rows into clusters, and a cell that holds a single report becomes that
report. :func:`cluster_points` does the same in Python: it is the reference the SQL result
is tested against.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

#: width of a cluster cell in screen pixels
CELL_PX = 80
#: from ``SINGLES_ZOOM`` on, only reports this close on screen (overlapping markers) group
SINGLE_CELL_PX = 8
#: Leaflet's tile size: the world is 256 * 2**zoom pixels wide
TILE_PX = 256
MIN_ZOOM = 0
MAX_ZOOM = 22
#: from this zoom on every report is shown on its own, unless markers would overlap
SINGLES_ZOOM = 17
#: at most this many grid cells across a viewport, so at most this many features: a bbox
#: larger than a screen at its zoom gets coarser cells
MAX_CELLS = 4096


class BadQuery(ValueError):
    """A malformed map query; ``field`` names the parameter at fault."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class BBox:
    west: float
    south: float
    east: float
    north: float

    @property
    def center_lat(self) -> float:
        return (self.south + self.north) / 2

    def contains(self, lat: float, lng: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lng <= self.east


def _number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_bbox(text: str | None) -> BBox:
    """``"w,s,e,n"`` in degrees (WGS 84) -> BBox. Raises :class:`BadQuery`."""
    if not text:
        raise BadQuery("bbox", _("bbox is required: west,south,east,north in degrees."))
    parts = text.split(",")
    if len(parts) != 4:
        raise BadQuery("bbox", _("bbox must be four numbers: west,south,east,north."))
    try:
        west, south, east, north = (_number(part.strip()) for part in parts)
    except ValueError:
        raise BadQuery("bbox", _("bbox must be four numbers: west,south,east,north.")) from None
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise BadQuery("bbox", _("bbox longitudes must be between -180 and 180."))
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise BadQuery("bbox", _("bbox latitudes must be between -90 and 90."))
    if west >= east:
        raise BadQuery("bbox", _("bbox west must be less than east."))
    if south >= north:
        raise BadQuery("bbox", _("bbox south must be less than north."))
    return BBox(west, south, east, north)


def parse_zoom(text: str | None) -> int:
    """A zoom level 0..22 (a fractional zoom is rounded down). Raises :class:`BadQuery`."""
    if text is None or text == "":
        raise BadQuery("zoom", _("zoom is required: a number from 0 to 22."))
    try:
        value = _number(text)
    except ValueError:
        raise BadQuery("zoom", _("zoom must be a number from 0 to 22.")) from None
    if not MIN_ZOOM <= value <= MAX_ZOOM:
        raise BadQuery("zoom", _("zoom must be a number from 0 to 22."))
    return int(math.floor(value))


@dataclass(frozen=True)
class Grid:
    """Cell size in degrees; cells are counted from latitude -90 and longitude -180."""

    dlat: float
    dlng: float

    def cell(self, lat: float, lng: float) -> tuple[int, int]:
        return math.floor((lat + 90) / self.dlat), math.floor((lng + 180) / self.dlng)

    def cells_across(self, bbox: BBox) -> int:
        rows = math.floor((bbox.north + 90) / self.dlat) - math.floor((bbox.south + 90) / self.dlat)
        cols = math.floor((bbox.east + 180) / self.dlng) - math.floor((bbox.west + 180) / self.dlng)
        return (rows + 1) * (cols + 1)


def grid_for(
    bbox: BBox, zoom: int, cell_px: int | None = None, max_cells: int = MAX_CELLS
) -> Grid:
    """The cluster grid for a viewport: cells ``cell_px`` wide on screen at ``zoom``
    (``CELL_PX``, or ``SINGLE_CELL_PX`` from ``SINGLES_ZOOM`` on).

    On a Web Mercator map a degree of latitude is 1/cos(lat) times as long on screen as a
    degree of longitude, so cells are that much shorter in latitude. The latitude used is
    the viewport's centre rounded to a whole degree: stable while the map pans a city.
    A viewport that would need more than ``max_cells`` cells gets coarser cells.
    """
    if cell_px is None:
        cell_px = CELL_PX if zoom < SINGLES_ZOOM else SINGLE_CELL_PX
    dlng = 360.0 / (TILE_PX * 2**zoom) * cell_px
    shrink = max(math.cos(math.radians(round(bbox.center_lat))), 0.05)
    grid = Grid(dlat=dlng * shrink, dlng=dlng)
    while grid.cells_across(bbox) > max_cells:
        grid = Grid(dlat=grid.dlat * 2, dlng=grid.dlng * 2)
    return grid


@dataclass
class Cell:
    """One occupied grid cell: a cluster, or a single report when ``count == 1``."""

    key: tuple[int, int]
    count: int = 0
    sum_lat: float = 0.0
    sum_lng: float = 0.0
    south: float = 90.0
    north: float = -90.0
    west: float = 180.0
    east: float = -180.0
    open_count: int = 0
    first_id: int | None = None
    categories: dict = field(default_factory=dict)  # category id -> count
    #: the report's own values when the cell holds one report (see CellRow.single)
    single: tuple | None = None

    @property
    def lat(self) -> float:
        return self.sum_lat / self.count

    @property
    def lng(self) -> float:
        return self.sum_lng / self.count

    @property
    def dominant_category(self):
        """The category with most reports in the cell (ties: the smallest id)."""
        if not self.categories:
            return None
        return min(self.categories.items(), key=lambda item: (-item[1], item[0]))[0]


@dataclass(frozen=True)
class CellRow:
    """What the database returns per (cell, category)."""

    cell_lat: int
    cell_lng: int
    category_id: int | None
    count: int
    sum_lat: float
    sum_lng: float
    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float
    open_count: int
    min_id: int
    #: (tracking number, status id, created, co-signs): meaningful when ``count == 1``
    single: tuple | None = None


def merge_cells(rows: Iterable[CellRow]) -> list[Cell]:
    """Fold the (cell, category) rows of the grouped query into cells, in grid order."""
    cells: dict[tuple[int, int], Cell] = {}
    for row in rows:
        key = (int(row.cell_lat), int(row.cell_lng))
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = Cell(key=key)
        cell.count += row.count
        cell.sum_lat += row.sum_lat
        cell.sum_lng += row.sum_lng
        cell.south = min(cell.south, row.min_lat)
        cell.north = max(cell.north, row.max_lat)
        cell.west = min(cell.west, row.min_lng)
        cell.east = max(cell.east, row.max_lng)
        cell.open_count += row.open_count or 0
        cell.first_id = row.min_id if cell.first_id is None else min(cell.first_id, row.min_id)
        cell.categories[row.category_id] = cell.categories.get(row.category_id, 0) + row.count
        cell.single = row.single if cell.count == 1 else None
    return [cells[key] for key in sorted(cells)]


@dataclass(frozen=True)
class MapPoint:
    """A report as the pure reference implementation sees it."""

    id: int
    lat: float
    lng: float
    category_id: int | None = None
    is_open: bool = True


def cluster_points(points: Iterable[MapPoint], bbox: BBox, zoom: int) -> list[Cell]:
    """Reference implementation of the whole grouping in Python (tests compare the SQL
    result with it): the points inside ``bbox``, grouped by grid cell."""
    grid = grid_for(bbox, zoom)
    rows: dict[tuple[int, int, int | None], list[MapPoint]] = {}
    for point in points:
        if bbox.contains(point.lat, point.lng):
            rows.setdefault((*grid.cell(point.lat, point.lng), point.category_id), []).append(point)
    return merge_cells(
        CellRow(
            cell_lat=key[0],
            cell_lng=key[1],
            category_id=key[2],
            count=len(group),
            sum_lat=sum(p.lat for p in group),
            sum_lng=sum(p.lng for p in group),
            min_lat=min(p.lat for p in group),
            max_lat=max(p.lat for p in group),
            min_lng=min(p.lng for p in group),
            max_lng=max(p.lng for p in group),
            open_count=sum(1 for p in group if p.is_open),
            min_id=min(p.id for p in group),
        )
        for key, group in rows.items()
    )
