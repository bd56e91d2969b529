"""Demo content of problem reports: the demo city's street register, its category ->
addressee mapping, bounds, leadership and a few reports. Every step is idempotent."""

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


def load_demo(site, *, with_reports: bool = True) -> None:
    """Settings, categories with their addressees, the streets and a few demo reports."""
    from addons.core.geo import Point

    from . import services
    from .models import Report, ReportCategory, Street

    data = _load("categories.yaml")
    if site.root_page.slug != data.get("home_slug"):
        services.create_defaults(site)
        return
    options = services.get_settings(site)
    options.category_map = data.get("category_map", {})
    south, west, north, east = data.get("bounds") or (None, None, None, None)
    options.min_lat, options.min_lng, options.max_lat, options.max_lng = south, west, north, east
    options.leadership = services._addressee_by_slug(site, data.get("leadership", ""))
    options.default_addressee = services._addressee_by_slug(
        site, data.get("default_addressee", ""))
    options.save()
    services.create_defaults(site)
    load_streets(site)
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
