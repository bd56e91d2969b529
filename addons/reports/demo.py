"""Demo content of problem reports: the demo city's street register, its category ->
addressee mapping, bounds, leadership (core's staffing setting, when still empty) and a few
reports, and each demo town's geometry (streets with their course, districts) from
``fixtures/demo/geo/``. Every step is idempotent."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings

FIXTURES = Path(getattr(settings, "BASE_DIR", Path(__file__).resolve().parents[2])).parent / (
    "fixtures/reports")


def _fixtures_dir() -> Path:
    here = Path(__file__).resolve().parents[2] / "fixtures" / "reports"
    return here if here.exists() else FIXTURES


def _load(name: str) -> dict:
    with open(_fixtures_dir() / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def load_streets(site, name: str = "streets.yaml") -> int:
    """Add the register's streets missing on ``site``; returns how many were added."""
    from .models import Street

    existing = set(Street.objects.filter(site=site).values_list("name", flat=True))
    added = 0
    for row in _load(name).get("streets", []):
        if row["name"] in existing:
            continue
        lat, lng = row["point"]
        Street.objects.create(site=site, name=row["name"], kind=row.get("kind", ""),
                              aliases="\n".join(row.get("aliases") or []), lat=lat, lng=lng)
        added += 1
    return added


def _geometry_dir() -> Path:
    return _fixtures_dir().parent / "demo" / "geo"


def geometry_file(site) -> Path | None:
    """The geometry file of ``site``: the one whose ``towns`` name the site's home slug or
    hostname."""
    folder = _geometry_dir()
    if not folder.is_dir():
        return None
    slug = site.root_page.slug if site.root_page_id else ""
    for path in sorted(folder.glob("*.yaml")):
        with open(path, encoding="utf-8") as handle:
            towns = (yaml.safe_load(handle) or {}).get("towns") or {}
        if slug in (towns.get("slugs") or []) or site.hostname in (towns.get("hostnames") or []):
            return path
    return None


def load_geometry(site, path: Path | None = None) -> int:
    """The town's streets with their course and its districts (fixtures/demo/geo/): a street
    of the register gets its course when it has none, a missing street is added (its
    reference point in the middle of its course), a district gets its boundary when it has
    none, and the city's bounds are set when unset. Returns how many objects changed."""
    from .models import District, Street

    path = path or geometry_file(site)
    if path is None:
        return 0
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    changed = 0
    districts = []
    for row in data.get("districts", []):
        district, created = District.objects.get_or_create(
            site=site, name=row["name"], defaults={"polygon": row["polygon"]})
        if not created and not district.polygon:
            district.polygon = row["polygon"]
            district.save(update_fields=["polygon"])
            created = True
        changed += created
        districts.append(district)
    for row in data.get("streets", []):
        line = [list(point) for point in row.get("line") or []]
        lat, lng = row.get("point") or line[len(line) // 2]
        street = Street.objects.filter(site=site, name=row["name"]).first()
        if street is None:
            street = Street(site=site, name=row["name"], kind=row.get("kind", ""),
                            aliases="\n".join(row.get("aliases") or []), lat=lat, lng=lng)
        elif street.line:
            continue
        street.line = line
        if street.district_id is None:
            street.district = next((d for d in districts if d.contains(street.lat, street.lng)),
                                   None)
        street.save()
        changed += 1
    bounds = data.get("bounds")
    if bounds:
        from .services import get_settings

        options = get_settings(site)
        if not options.has_bounds():
            options.min_lat, options.min_lng, options.max_lat, options.max_lng = bounds
            options.save()
            changed += 1
    return changed


def load_demo(site, *, with_reports: bool = True) -> None:
    """Settings, categories with their addressees, the streets and a few demo reports."""
    from addons.core.geo import Point
    from addons.core.models import StaffingSettings

    from . import services
    from .models import Report, ReportCategory, Street

    data = _load("categories.yaml")
    if site.root_page.slug != data.get("home_slug"):
        services.create_defaults(site)
        load_geometry(site)
        return
    options = services.get_settings(site)
    options.category_map = data.get("category_map", {})
    south, west, north, east = data.get("bounds") or (None, None, None, None)
    options.min_lat, options.min_lng, options.max_lat, options.max_lng = south, west, north, east
    options.default_addressee = services._addressee_by_slug(
        site, data.get("default_addressee", ""))
    options.save()
    staffing = StaffingSettings.for_site(site)
    if staffing.leadership_id is None:
        # the municipality's leadership is core's staffing setting: fill it if still empty
        staffing.leadership = services._addressee_by_slug(site, data.get("leadership", ""))
        if staffing.leadership is not None:
            staffing.save(update_fields=["leadership"])
    services.create_defaults(site)
    load_streets(site)
    load_geometry(site)
    if not with_reports or Report.objects.filter(site=site).exists():
        return
    for row in data.get("reports", []):
        category = ReportCategory.objects.filter(site=site, code=row["category"]).first()
        street = Street.objects.filter(site=site, name=row["street"]).first()
        if category is None or street is None:
            continue
        services.submit_report(
            site=site, category=category, point=Point(street.lat, street.lng),
            description=row["description"], address=row.get("address", ""),
        )
