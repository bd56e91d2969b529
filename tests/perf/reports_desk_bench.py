#!/usr/bin/env python
"""Casework desk counts over 200,000 problem reports: the standard work filters (mine,
unassigned, due soon, overdue, escalated) as a moderator of one addressee counts them on
the staff home, with the query plan's indexes and the time (median of ``--runs``).

The reports are those of ``reports_bench.generate``; then spread over ``--addressees``
addressees, a third of them assigned to one of ``--staff`` people, a few escalated.
SQLite in a temporary directory by default; ``BENCH_DATABASE_URL``
(``postgres://postgres@127.0.0.1:5432/postgres``) measures on a scratch PostgreSQL database
``<name>_reports_desk_bench``, dropped at the end. Timings never fail it; a count that
reads the whole table (a sequential scan on PostgreSQL) does (exit status 1).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.perf.harness import bench_environment, setup_django  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--addressees", type=int, default=20)
    parser.add_argument("--staff", type=int, default=40)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--batch", type=int, default=5_000)
    return parser.parse_args(argv)


def spread(site, args) -> tuple:
    """Addressees and staff, the reports spread over them; (moderator, addressee)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from addons.addressees.models import AddresseePage
    from addons.reports.models import Report

    home = site.root_page
    pages = [home.add_child(instance=AddresseePage(title=f"Department {n}", slug=f"dep-{n}"))
             for n in range(args.addressees)]
    users = get_user_model().objects.bulk_create([
        get_user_model()(username=f"staff{n}", email=f"staff{n}@example.org", is_staff=True)
        for n in range(args.staff)])
    moderator = users[0]
    pages[0].refresh_from_db()
    moderator.groups.add(pages[0].moderators)
    table = connection.ops.quote_name(Report._meta.db_table)
    page_ids = [page.pk for page in pages]
    user_ids = [user.pk for user in users]
    due = ("created_at + interval '10 days'" if connection.vendor == "postgresql"
           else "datetime(created_at, '+10 days')")
    with connection.cursor() as cursor:
        # addressee: id modulo the addressees; a third assigned; one in fifty escalated
        for i, pk in enumerate(page_ids):
            cursor.execute(f"UPDATE {table} SET addressee_id = %s WHERE id %% %s = %s",
                           [pk, len(page_ids), i])
        for i, pk in enumerate(user_ids):
            cursor.execute(f"UPDATE {table} SET assignee_id = %s WHERE id %% %s = %s",
                           [pk, 3 * len(user_ids), i])
        cursor.execute(f"UPDATE {table} SET escalation_level = 1 WHERE id %% %s = 0", [50])
        cursor.execute(f"UPDATE {table} SET due_at = {due}")
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else f"ANALYZE {table}")
    return moderator, pages[0]


def plan(queryset) -> str:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN " if connection.vendor == "postgresql"
                        else "EXPLAIN QUERY PLAN ") + sql, params)
        return "\n".join(" ".join(str(part) for part in row) for row in cursor.fetchall())


def main(argv=None) -> int:
    args = parse_args(argv)
    with bench_environment("reports_desk_bench") as (workdir, scratch):
        setup_django(workdir, scratch)
        from django.db import connection

        from addons.core.casework import queries
        from addons.core.registry import casework_for
        from tests.perf.reports_bench import generate, make_site

        site = make_site()
        seconds = generate(site, args.reports, args.batch)
        moderator, addressee = spread(site, args)
        declaration = casework_for("reports")[1]
        print("Casework desk counts (the staff home's figures)")
        print(f"  {connection.vendor}; {args.reports:,} reports generated in {seconds:.1f} s; "
              f"{args.addressees} addressees, {args.staff} staff; median of {args.runs}")
        from django.contrib.auth import get_user_model

        coordinator = get_user_model().objects.create_superuser("coordinator", "c@x.org", "x")
        failed = False
        for who, user in (("moderator of one addressee", moderator),
                          ("city-wide coordinator", coordinator)):
            print(f"\n  {who}")
            print(f"  {'filter':<12}{'count':>8}{'ms':>8}  plan")
            for key in queries.WORK_FILTERS:
                queryset = queries.work_queryset(declaration, user, site, key)
                times = []
                for _ in range(args.runs):
                    started = time.perf_counter()
                    count = queryset.count()
                    times.append((time.perf_counter() - started) * 1000)
                explained = plan(queryset.values("pk"))
                indexes = sorted({word for word in explained.replace("(", " ").split()
                                  if word.startswith("report_")})
                scan = "Seq Scan on reports_report" in explained
                failed |= scan
                print(f"  {key:<12}{count:>8,}{statistics.median(times):>8.1f}  "
                      f"{', '.join(indexes) or '-'}{'  SEQUENTIAL SCAN' if scan else ''}")
        if failed:
            print("\nFAILED: a count reads the whole table")
        return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
