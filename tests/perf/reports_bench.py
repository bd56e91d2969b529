#!/usr/bin/env python
"""Situational map benchmark: GET /api/v1/reports.geojson over 200,000 problem reports.

For a city-wide and a street-level viewport it prints the SQL query count, the time (median
of ``--runs`` requests through Django's test client, after warm-up), the time as a ratio to
the raw indexed bbox query that fetches the same rows in the same run (goal: at most 3x),
and the response size (goal: at most 300 KB city-wide). The "data" column is the endpoint's
own work (its queries and the GeoJSON) without the HTTP request around it.

SQLite in a temporary directory by default; with ``BENCH_DATABASE_URL`` set
(``postgres://postgres@127.0.0.1:5432/postgres``) a scratch database ``<name>_reports_bench`` is
created beside the named one and dropped at the end (``--keep`` keeps it). Exit status 1
when the query count differs between the viewports or the filters; timings never fail it.
"""

from __future__ import annotations

import argparse
import datetime
import math
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.perf.harness import bench_environment, setup_django  # noqa: E402

CENTRE = (49.4444, 32.0598)  # lat, lng of the generated city
HALF_LAT, HALF_LNG = 0.1, 0.15  # the city's bounds around it


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=200_000, help="reports to generate")
    parser.add_argument("--runs", type=int, default=15, help="timed requests (median)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument("--batch", type=int, default=5_000, help="bulk insert batch size")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite database")
    parser.add_argument("--workdir", help="folder of the SQLite database (reused if filled)")
    return parser.parse_args(argv)


def make_site():
    from wagtail.models import Page, Site

    from addons.addressees.models import HomePage
    from addons.core.activation import setup_site
    from addons.reports.models import ReportsSettings
    from addons.reports.services import create_defaults

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Черкаси", slug="reports-bench"))
    site = Site.objects.get(is_default_site=True)
    welcome = site.root_page
    site.root_page = home
    site.hostname, site.port = "localhost", 80
    site.save()
    if welcome.specific_class is Page and not welcome.get_children_count():
        welcome.delete()
    setup_site(site)
    create_defaults(site)
    options = ReportsSettings.for_site(site)
    options.min_lat, options.max_lat = CENTRE[0] - HALF_LAT, CENTRE[0] + HALF_LAT
    options.min_lng, options.max_lng = CENTRE[1] - HALF_LNG, CENTRE[1] + HALF_LNG
    options.save()
    return site


def generate(site, count: int, batch: int, *, seed: int = 20260101, centre=CENTRE,
             half=(HALF_LAT, HALF_LNG), prefix: str = "B") -> float:
    """``count`` reports, inserted in batches with one prepared INSERT (executemany): half
    spread over the city (``centre`` +- ``half`` degrees of latitude and longitude), half
    crowded round a dozen busy places; 5% private, a few hidden, some in a non-public
    status. Columns not set here get their model defaults. Another town of the same
    database takes another ``seed`` and tracking number ``prefix``."""
    from django.db import connection, transaction
    from django.utils import timezone

    from addons.reports.models import Report, ReportCategory, ReportStatus

    rng = random.Random(seed)
    half_lat, half_lng = half
    categories = [c.pk for c in ReportCategory.objects.filter(site=site) if "." in c.code]
    statuses = list(ReportStatus.objects.all())
    weights = {"new": 20, "evaluation": 8, "planned": 6, "in_progress": 10, "resolved": 25,
               "closed": 25, "not_responsible": 2, "duplicate": 2, "rejected": 2}
    status_weights = [weights.get(s.code, 1) for s in statuses]
    hotspots = [(centre[0] + rng.uniform(-0.6, 0.6) * half_lat,
                 centre[1] + rng.uniform(-0.67, 0.67) * half_lng) for _ in range(12)]
    now = timezone.now()
    lat_range = (centre[0] - half_lat, centre[0] + half_lat)
    lng_range = (centre[1] - half_lng, centre[1] + half_lng)

    fields = [f for f in Report._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}

    def prep(field, value):
        return field.get_db_prep_save(value, connection)

    def row(n: int) -> list:
        if rng.random() < 0.5:
            lat, lng = rng.uniform(*lat_range), rng.uniform(*lng_range)
        else:
            spot = hotspots[rng.randrange(len(hotspots))]
            lat = min(max(rng.gauss(spot[0], 0.12 * half_lat), lat_range[0]), lat_range[1])
            lng = min(max(rng.gauss(spot[1], 0.12 * half_lng), lng_range[0]), lng_range[1])
        status = rng.choices(statuses, status_weights)[0]
        created = now - datetime.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        values = {
            **defaults,
            "site_id": site.pk, "tracking_number": f"PR-{prefix}-{n:07d}",
            "category_id": rng.choice(categories), "status_id": status.pk,
            "is_open": status.is_open, "description": "Згенероване звернення.",
            "lat": lat, "lng": lng, "location": f"SRID=4326;POINT({lng:.6f} {lat:.6f})",
            "is_public": rng.random() >= 0.05, "is_hidden": rng.random() < 0.005,
            "created_at": created, "updated_at": created,
            "resolved_at": None if status.is_open else created + datetime.timedelta(days=3),
            "token": uuid.UUID(int=rng.getrandbits(128)),
            "access_key": uuid.UUID(int=rng.getrandbits(128)),
        }
        return [prep(f, values[f.attname]) for f in fields]

    table = connection.ops.quote_name(Report._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    started = time.perf_counter()
    made = 0
    while made < count:
        rows = [row(made + i) for i in range(min(batch, count - made))]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        made += len(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else f"ANALYZE {table}")
    return time.perf_counter() - started


def viewport(lat: float, lng: float, zoom: int, width_px: int = 1280, height_px: int = 800):
    """The bbox a map of ``width_px`` x ``height_px`` shows at ``zoom`` (Web Mercator)."""
    degrees_per_px = 360.0 / (256 * 2**zoom)
    half_lng = width_px / 2 * degrees_per_px
    half_lat = height_px / 2 * degrees_per_px * math.cos(math.radians(lat))
    return (lng - half_lng, lat - half_lat, lng + half_lng, lat + half_lat)


def medians_ms(functions: dict, runs: int, warmup: int) -> dict[str, float]:
    """Median time of each function; the functions take turns, so that any drift of the
    machine touches all of them alike."""
    for _ in range(warmup):
        for func in functions.values():
            func()
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(runs):
        for name, func in functions.items():
            started = time.perf_counter()
            func()
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def raw_bbox_rows(site, bbox, where: str = "", where_params=()):
    """The baseline: the indexed bbox query that fetches the same rows the map groups
    (public ones, and the filters as ``where``), as plain tuples."""
    from django.db import connection

    from addons.reports.models import Report, ReportStatus

    public_statuses = list(ReportStatus.objects.filter(is_public=True).values_list("pk", flat=True))
    table = Report._meta.db_table
    marks = ", ".join(["%s"] * len(public_statuses))
    sql = (
        f"SELECT id, lat, lng, category_id, status_id FROM {table} "
        f"WHERE site_id = %s AND lat >= %s AND lat <= %s AND lng >= %s AND lng <= %s "
        f"AND is_public AND NOT is_hidden AND merged_into_id IS NULL AND status_id IN ({marks})"
        f"{where}"
    )
    params = [site.pk, bbox[1], bbox[3], bbox[0], bbox[2], *public_statuses, *where_params]

    def fetch():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return fetch


def measure(client, site, name: str, bbox, zoom: int, args, filters=None, raw_where=("", ())):
    from django.db import connection
    from django.http import QueryDict
    from django.utils import translation
    from django.utils.http import urlencode

    from addons.reports.situational import clustering
    from addons.reports.situational.clustering import BBox
    from addons.reports.situational.filters import (
        ReportFilterForm,
        all_statuses,
        public_reports,
        site_categories,
    )
    from addons.reports.situational.geojson import feature_collection, grouped_query, in_bbox

    query = urlencode(filters or {})
    url = (f"/api/v1/reports.geojson?bbox={bbox[0]:.6f},{bbox[1]:.6f},{bbox[2]:.6f},"
           f"{bbox[3]:.6f}&zoom={zoom}" + (f"&{query}" if query else ""))

    def request():
        response = client.get(url, HTTP_HOST="localhost")
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]}")
        return response

    response = request()
    executed = []

    def counter(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        response = request()
    data = response.json()
    box = BBox(*bbox)

    def filtered():
        categories, statuses = site_categories(site), all_statuses()
        form = ReportFilterForm(QueryDict(query), categories=categories, statuses=statuses)
        assert form.is_valid(), form.errors
        return form.apply(public_reports(site)), categories, statuses

    def data_only():
        with translation.override("uk"):
            reports, categories, statuses = filtered()
            return feature_collection(reports, box, zoom, categories=categories,
                                      statuses=statuses)

    reports, _categories, _statuses = filtered()
    grid = clustering.grid_for(box, zoom)
    grouped_sql, grouped_params = grouped_query(in_bbox(reports, box), grid).query.sql_with_params()

    def sql_only():
        with connection.cursor() as cursor:
            cursor.execute(grouped_sql, grouped_params)
            return cursor.fetchall()

    raw = raw_bbox_rows(site, bbox, *raw_where)
    rows = len(raw())
    times = medians_ms(
        {"http": request, "data": data_only, "sql": sql_only, "raw": raw}, args.runs, args.warmup
    )
    clusters = sum(1 for f in data["features"] if f["properties"].get("cluster"))
    return {
        "name": name, "zoom": zoom, "queries": len(executed), "rows": rows,
        "total": data["total"], "features": len(data["features"]), "clusters": clusters,
        "kb": len(response.content) / 1024, **{f"{key}_ms": value for key, value in times.items()},
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.workdir:  # SQLite in a folder of one's own, kept for the next run
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        return run(args, workdir, None)
    with bench_environment("reports_bench", keep=args.keep) as (workdir, scratch):
        return run(args, workdir, scratch)


def run(args, workdir: Path, scratch: str | None) -> int:
    setup_django(workdir, scratch)
    from django.db import connection
    from django.test import Client

    from addons.reports.models import Report, ReportCategory

    if Report.objects.exists():  # --workdir of an earlier --keep run: reuse its reports
        from wagtail.models import Site

        site = Site.objects.get(is_default_site=True)
        seconds = 0.0
        args.reports = Report.objects.count()
    else:
        site = make_site()
        seconds = generate(site, args.reports, args.batch)
    client = Client()
    database = connection.settings_dict
    print("Situational map benchmark (GET /api/v1/reports.geojson)")
    print(f"  {connection.vendor} {database['NAME']}; {args.reports:,} reports generated in "
          f"{seconds:.1f} s; median of {args.runs} requests after {args.warmup} warm-up")

    pothole = ReportCategory.objects.get(site=site, code="roads.pothole")
    city = (CENTRE[1] - HALF_LNG, CENTRE[0] - HALF_LAT, CENTRE[1] + HALF_LNG, CENTRE[0] + HALF_LAT)
    street = viewport(CENTRE[0], CENTRE[1], 17)
    cases = [
        measure(client, site, "city-wide, zoom 12", city, 12, args),
        measure(client, site, "city-wide, open potholes", city, 12, args,
                {"category": "roads.pothole", "state": "open"},
                (" AND category_id = %s AND is_open", [pothole.pk])),
        measure(client, site, "street-level, zoom 17", street, 17, args),
        measure(client, site, "street-level, zoom 16", viewport(CENTRE[0], CENTRE[1], 16), 16,
                args),
    ]
    print()
    print(f"  {'viewport':<27}{'rows':>8}{'feat.':>6}{'queries':>8}{'raw ms':>8}{'sql ms':>8}"
          f"{'data ms':>8}{'http ms':>8}{'sql/raw':>8}{'data/raw':>9}{'http/raw':>9}{'KB':>7}")
    for c in cases:
        raw = c["raw_ms"]
        print(f"  {c['name']:<27}{c['rows']:>8,}{c['features']:>6}{c['queries']:>8}"
              f"{raw:>8.1f}{c['sql_ms']:>8.1f}{c['data_ms']:>8.1f}{c['http_ms']:>8.1f}"
              f"{c['sql_ms'] / raw:>8.2f}{c['data_ms'] / raw:>9.2f}{c['http_ms'] / raw:>9.2f}"
              f"{c['kb']:>7.1f}")
    print()
    print("  rows: public reports in the viewport, which the raw indexed bbox query fetches")
    print("  (raw ms). sql: the grouped query's SQL alone; data: categories, statuses, the grouped")
    print("  query and the GeoJSON; http: the whole request through Django's test client")
    print("  (queries: its SQL queries, 3 of them the middleware's). Goals: sql/raw <= 3,")
    print("  city-wide response <= 300 KB.")

    failed = False
    if len({c["queries"] for c in cases}) != 1:
        print("\nFAILED: the query count differs between viewports or filters")
        failed = True
    for c in cases:
        if c["total"] != c["rows"]:
            print(f"\nFAILED: {c['name']}: the map counts {c['total']} of {c['rows']} rows")
            failed = True
    city_kb = cases[0]["kb"]
    missed = [c["name"] for c in cases if c["sql_ms"] / c["raw_ms"] > 3]
    if city_kb > 300:
        print(f"\nNote: city-wide response {city_kb:.0f} KB is over the 300 KB goal")
    if missed:
        print(f"\nNote: the 3x goal is not met for: {', '.join(missed)}")
    if args.workdir or (args.keep and not scratch):
        print(f"\nDatabase kept in {workdir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
