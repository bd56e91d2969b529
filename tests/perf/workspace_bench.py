#!/usr/bin/env python
"""Back-office benchmark (part of ``make bench``): the staff home, the workspace summary and
the casework desk's lists at 1,000 appeals and at 1,000,000 appeals plus 200,000 problem
reports.

For a moderator of one department it prints, per page, the SQL query count at both sizes
(must be equal) and the render time (median of ``--runs`` views through Django's test
client) at the large size as a ratio to the small one (goal <= 1.5x):
  - the admin's home page ("My work") and ``/api/v1/workspace/summary/``;
  - the desk's list of appeals and of reports filtered by ``?work=mine`` and
    ``?work=overdue``.

Both sizes hold the same open work (appeals and reports being handled now, some assigned to
the moderator, some overdue); the rest are answered or closed records of past years, as in a
city that has run the system for years. Rows are generated in the database (``INSERT ...
SELECT generate_series``), every column the model has filled (given values, else the model's
default), so the bench follows the models as they grow.

Needs PostgreSQL: ``BENCH_DATABASE_URL`` (or ``DATABASE_URL``). A scratch database
``<name>_workspace_bench`` is created beside it and dropped at the end (``--keep`` keeps
it). Sizes: ``--appeals``/``--reports`` or the environment variables
``WORKSPACE_BENCH_APPEALS``/``WORKSPACE_BENCH_REPORTS`` (e.g. 100000 and 20000 for a quick
run). Exit status 1 when a query count grows with the data.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.perf import appeals_bench  # noqa: E402
from tests.perf.appeals_bench import analyze, measure_page  # noqa: E402
from tests.perf.harness import (  # noqa: E402
    bench_environment,
    bench_url,
    describe_machine,
    setup_django,
)

OPEN_APPEALS = 300  # being handled now: the same at every size
OPEN_REPORTS = 150
ADDRESSEES = appeals_bench.ADDRESSEES  # the city is the appeals benchmark's
SMALL_REPORTS = 200


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appeals", type=int,
                        default=int(os.environ.get("WORKSPACE_BENCH_APPEALS", 1_000_000)),
                        help="appeals in the large run (default 1,000,000)")
    parser.add_argument("--reports", type=int,
                        default=int(os.environ.get("WORKSPACE_BENCH_REPORTS", 200_000)),
                        help="problem reports in the large run (default 200,000)")
    parser.add_argument("--base", type=int, default=1_000, help="appeals in the small run")
    parser.add_argument("--runs", type=int, default=15, help="timed views per page (median)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args(argv)


# -- generating rows -----------------------------------------------------------------------


def insert_series(model, start: int, stop: int, expressions: dict[str, str], params: dict):
    """Insert rows ``g`` = start..stop of ``model`` in one statement. ``expressions`` gives
    SQL per column (``g`` is the row number; write ``%%`` for ``%``); other columns get
    ``now()`` (auto dates), a fresh UUID (UUID fields with a default), the model's default,
    or NULL."""
    from django.db import connection, models

    if stop < start:
        return
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        if column in expressions:
            sql = expressions[column]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            sql = "now()"
        elif isinstance(field, models.UUIDField) and field.has_default():
            sql = "gen_random_uuid()"
        else:
            value = field.get_default()
            if value is None:
                if not field.null:
                    raise RuntimeError(f"{model.__name__}.{field.name}: give it a value")
                sql = "NULL"
            else:
                name = f"default_{column}"
                params[name] = field.get_db_prep_save(value, connection)
                sql = f"%({name})s"
        columns.append(connection.ops.quote_name(column))
        values.append(sql)
    table = connection.ops.quote_name(model._meta.db_table)
    statement = (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
                 f"FROM generate_series(%(start)s, %(stop)s) AS g")
    with connection.cursor() as cursor:
        cursor.execute(statement, {**params, "start": start, "stop": stop})


def has_field(model, name: str) -> bool:
    return any(field.name == name for field in model._meta.concrete_fields)


def make_city():
    """The appeals benchmark's city (its moderator is the clerk here) with the reports'
    defaults and the map's bounds."""
    from addons.reports.models import ReportsSettings
    from addons.reports.services import create_defaults

    site, addressees, form, clerk, citizen = appeals_bench.make_city()
    create_defaults(site)
    options = ReportsSettings.for_site(site)
    options.min_lat, options.max_lat, options.min_lng, options.max_lng = 49.3, 49.6, 31.9, 32.2
    options.save()
    return {"site": site, "addressees": addressees, "form": form, "clerk": clerk,
            "citizen": citizen}


def insert_appeals(city, start: int, stop: int, *, open_work: bool) -> None:
    """Open appeals (due from 10 days ago to 10 days ahead, every third the clerk's, over
    five departments) or answered and closed appeals of past years (over all fifty)."""
    from addons.appeals.models import Appeal

    params = {"site": city["site"].pk, "first": city["addressees"][0].pk,
              "form": city["form"].pk, "author": city["citizen"].pk,
              "clerk": city["clerk"].pk, "spread": 5 if open_work else ADDRESSEES,
              "prefix": "O" if open_work else "H"}
    if open_work:
        received = "now() - ((g %% 21) + 20) * interval '1 day'"
        due = "(current_date + ((g %% 21) - 10))"
        status = "CASE WHEN g %% 2 = 0 THEN 'registered' ELSE 'in_progress' END"
        answered = closed = "NULL"
        assignee = "CASE WHEN g %% 3 = 0 THEN %(clerk)s ELSE NULL END"
    else:
        received = "now() - ((g %% 3650) + 60) * interval '1 day'"
        due = f"(({received}) + interval '30 days')::date"
        status = "CASE WHEN g %% 3 = 0 THEN 'answered' ELSE 'closed' END"
        answered = f"({received}) + ((g %% 40) * interval '1 day')"
        closed = f"({received}) + interval '45 days'"
        assignee = "CASE WHEN g %% 4 = 0 THEN %(clerk)s ELSE NULL END"
    expressions = {
        "site_id": "%(site)s",
        "reference": "'AP-' || %(prefix)s || '-' || lpad(g::text, 8, '0')",
        "addressee_id": "%(first)s + (g %% %(spread)s)",
        "requested_addressee_id": "%(first)s + (g %% %(spread)s)",
        "form_id": "%(form)s", "kind": "'individual'", "author_id": "%(author)s",
        "applicant_name": "'Заявник ' || g",
        "applicant_address": "'вул. Шевченка, ' || (g %% 200)",
        "applicant_email": "'person' || g || '@example.org'",
        "subject": "'Звернення №' || g",
        "text": "'Текст звернення про ремонт дороги біля будинку ' || g",
        "status": status, "received_at": received, "original_due_date": due,
        "due_date": due, "answered_at": answered, "closed_at": closed,
    }
    if has_field(Appeal, "assignee"):
        expressions["assignee_id"] = assignee
        expressions["assigned_at"] = "CASE WHEN (" + assignee + ") IS NULL THEN NULL " \
                                     "ELSE now() END"
    insert_series(Appeal, start, stop, expressions, params)


def insert_reports(city, start: int, stop: int, *, open_work: bool) -> None:
    """Open reports (due from 5 days ago to 5 days ahead, every third the clerk's, over five
    departments) or resolved and closed ones of past years."""
    from addons.reports.models import Report, ReportCategory, ReportStatus

    site = city["site"]
    category = ReportCategory.objects.filter(site=site, code__contains=".").order_by("pk")[0]
    statuses = {status.code: status for status in ReportStatus.objects.all()}
    params = {"site": site.pk, "first": city["addressees"][0].pk, "category": category.pk,
              "author": city["citizen"].pk, "clerk": city["clerk"].pk,
              "spread": 5 if open_work else ADDRESSEES,
              "new": statuses["new"].pk, "in_progress": statuses["in_progress"].pk,
              "resolved": statuses["resolved"].pk, "closed": statuses["closed"].pk,
              "prefix": "O" if open_work else "H"}
    if open_work:
        created = "now() - ((g %% 30) + 1) * interval '1 day'"
        due = "now() + ((g %% 11) - 5) * interval '1 day'"
        status = "CASE WHEN g %% 2 = 0 THEN %(new)s ELSE %(in_progress)s END"
        is_open, resolved, closed = "true", "NULL", "NULL"
        assignee = "CASE WHEN g %% 3 = 0 THEN %(clerk)s ELSE NULL END"
    else:
        created = "now() - ((g %% 1460) + 60) * interval '1 day'"
        due = f"({created}) + interval '10 days'"
        status = "CASE WHEN g %% 2 = 0 THEN %(resolved)s ELSE %(closed)s END"
        is_open = "false"
        resolved = f"({created}) + interval '5 days'"
        closed = f"({created}) + interval '12 days'"
        assignee = "CASE WHEN g %% 4 = 0 THEN %(clerk)s ELSE NULL END"
    expressions = {
        "site_id": "%(site)s",
        "tracking_number": "'PR-' || %(prefix)s || '-' || lpad(g::text, 8, '0')",
        "category_id": "%(category)s", "addressee_id": "%(first)s + (g %% %(spread)s)",
        "status_id": status, "is_open": is_open,
        "description": "'Яма на дорозі біля будинку ' || g",
        "lat": "49.35 + (g %% 1000) / 10000.0", "lng": "31.95 + (g %% 997) / 10000.0",
        "reporter_id": "%(author)s", "created_at": created, "updated_at": created,
        "due_at": due, "resolved_at": resolved, "closed_at": closed,
    }
    if has_field(Report, "assignee"):
        expressions["assignee_id"] = assignee
        expressions["assigned_at"] = "CASE WHEN (" + assignee + ") IS NULL THEN NULL " \
                                     "ELSE now() END"
    insert_series(Report, start, stop, expressions, params)


def counts() -> tuple[int, int]:
    from addons.appeals.models import Appeal
    from addons.reports.models import Report

    return Appeal.objects.count(), Report.objects.count()


# -- measurements --------------------------------------------------------------------------


def pages() -> dict[str, str]:
    """The pages measured: name -> URL (a desk list only where its kind is declared)."""
    from addons.core.casework.access import list_url

    result = {"staff home (/admin/)": "/admin/",
              "workspace summary (API)": "/api/v1/workspace/summary/"}
    for key in ("appeals", "reports"):
        for work in ("mine", "overdue"):
            url = list_url(key, work)
            if url:
                result[f"desk: {key} ?work={work}"] = url
    return result


def measure(client, clerk, runs) -> dict[str, tuple[int, float]]:
    client.force_login(clerk)
    return {name: measure_page(client, url, runs) for name, url in pages().items()}


def figures(clerk, site) -> str:
    from addons.core.casework.home import my_work

    parts = []
    for kind in my_work(clerk, site):
        values = ", ".join(f"{figure.key} {figure.value}" for figure in kind["figures"])
        parts.append(f"{kind['key']}: {values}")
    return "; ".join(parts) or "no casework declared"


def main(argv=None) -> int:
    args = parse_args(argv)
    url = bench_url(fallback_to_database_url=True)
    print()
    print("Back-office benchmark (staff home, workspace summary, desk lists)")
    if url is None:
        print("  skipped: needs PostgreSQL. Set BENCH_DATABASE_URL=postgres://user@host/db "
              "(a scratch database <db>_workspace_bench is created beside it).")
        return 0
    with bench_environment("workspace_bench", keep=args.keep, url=url) as (workdir, scratch):
        return run(args, workdir, scratch)


def run(args, workdir, scratch) -> int:
    setup_django(workdir, scratch, settings="civicdesk.settings.test")
    from django.test import Client

    from addons.core import registry

    print(f"  {describe_machine()}")
    declared = [declaration.key for _addon, declaration in registry.casework()]
    missing = [key for key in ("appeals", "reports") if key not in declared]
    if missing:
        print(f"  note: {', '.join(missing)} not declared as casework in this tree: their "
              "desk lists and figures are left out")
    city = make_city()
    insert_appeals(city, 1, OPEN_APPEALS, open_work=True)
    insert_appeals(city, 1, args.base - OPEN_APPEALS, open_work=False)
    insert_reports(city, 1, OPEN_REPORTS, open_work=True)
    insert_reports(city, 1, SMALL_REPORTS - OPEN_REPORTS, open_work=False)
    analyze()
    client = Client()
    small_counts = counts()
    small_figures = figures(city["clerk"], city["site"])
    small = measure(client, city["clerk"], args.runs)

    started = time.perf_counter()
    step = 250_000
    for first in range(args.base - OPEN_APPEALS + 1, args.appeals - OPEN_APPEALS + 1, step):
        insert_appeals(city, first, min(first + step - 1, args.appeals - OPEN_APPEALS),
                       open_work=False)
    insert_reports(city, SMALL_REPORTS - OPEN_REPORTS + 1, args.reports - OPEN_REPORTS,
                   open_work=False)
    analyze()
    built = time.perf_counter() - started
    large_counts = counts()
    large_figures = figures(city["clerk"], city["site"])
    large = measure(client, city["clerk"], args.runs)

    print()
    print(f"  small: {small_counts[0]:,} appeals, {small_counts[1]:,} reports; large: "
          f"{large_counts[0]:,} appeals, {large_counts[1]:,} reports (generated in "
          f"{built:.0f} s); the same open work; median of {args.runs} views")
    print(f"  figures small: {small_figures}")
    print(f"  figures large: {large_figures}")
    print(f"  {'page':<32}{'queries':>9}{'ms small':>10}{'ms large':>10}{'ratio':>7}  goal")
    grown = []
    for name, (queries_small, ms_small) in small.items():
        queries_large, ms_large = large[name]
        ratio = ms_large / ms_small
        if queries_small != queries_large:
            grown.append(name)
        shown = (f"{queries_small}" if queries_small == queries_large
                 else f"{queries_small}->{queries_large}")
        print(f"  {name:<32}{shown:>9}{ms_small:>10.1f}{ms_large:>10.1f}{ratio:>7.2f}  "
              f"<= 1.5x: {'met' if ratio <= 1.5 else 'NOT MET'}")
    home, api = small["staff home (/admin/)"], small["workspace summary (API)"]
    print(f"  staff home and summary: {home[0]} and {api[0]} queries")
    if small_figures != large_figures:
        print("FAILED: the figures differ between the sizes (the same open work)")
        return 1
    if grown:
        print(f"\nFAILED: query count grows with the data on: {', '.join(grown)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
