#!/usr/bin/env python
"""Management figures' speed: ``insights.figures.compute`` computed cold (not from the
cache) for a whole town and for one addressee's subtree, in two towns of one PostgreSQL
database: a small one (``--small`` records, 17,000 by default) and a large one
(``--large``, 1,700,000: 1,000,000 requests, 200,000 reports, 500,000 queue tickets in
that proportion), records received over two years, the default 30-day period. Prints the
time (first run and median of ``--runs``), the SQL queries of each (they must be equal) and
the ratio large / small (goal: at most 2x, and under 2 s).

The records' facts (``insights_case``) are written straight with ``INSERT ... SELECT
generate_series`` (random but seeded), and about three service events per record
(received, resolved or booked/served, a status change of requests, the escalations the
facts count) into ``core_serviceevent``, so the escalations are counted among ~5,000,000
events.

PostgreSQL only: ``BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/perf_base`` makes
(and drops, unless ``--keep``) beside that existing database the scratch database
``perf_base_insights_speed``; ``--reuse``
measures a kept one again (migrating it first) without filling it anew. Exit status 1 when
the query counts differ between the towns."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.perf.harness import (  # noqa: E402
    bench_url,
    describe_machine,
    drop_database,
    scratch_database,
    setup_django,
)

#: the share of each record type among a town's records (the issue's 1M / 200k / 500k)
MIX = (("tests.request", 1_000_000), ("tests.report", 200_000), ("tests.ticket", 500_000))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=17_000)
    parser.add_argument("--large", type=int, default=1_700_000)
    parser.add_argument("--runs", type=int, default=3, help="timed computations (median)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the kept scratch database again, without filling it")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN (ANALYZE, BUFFERS) of each query of the large town")
    return parser.parse_args(argv)


CASEWORK_SQL = """
INSERT INTO insights_case (site_id, record_type, record_id, reference, public, addressee_id,
    addressee_path, category, district, channel, state, received_at, due_at,
    first_response_at, first_resolved_at, resolved_at, closed_at, response_days,
    resolve_days, on_time, reopened, escalated, forwarded, extended, rating, wait_seconds,
    first_contact, last_event_id, state_at, done_at, rated_at, outcome)
SELECT %(site)s, %(type)s, %(offset)s + g, 'R-' || (%(offset)s + g), %(public)s,
    (%(ids)s)[1 + a], (%(paths)s)[1 + a], (ARRAY['roads', 'light', ''])[1 + c],
    (ARRAY['centre', 'north', ''])[1 + d], (ARRAY['web', 'phone', 'email'])[1 + h],
    CASE WHEN NOT resolved THEN 'open' WHEN closed THEN 'closed' ELSE 'resolved' END,
    received, received + %(term)s * interval '1 day',
    CASE WHEN responded THEN received + response * interval '1.4 day' END,
    CASE WHEN resolved THEN received + resolve * interval '1.4 day' END,
    CASE WHEN resolved THEN received + resolve * interval '1.4 day' END,
    CASE WHEN resolved AND closed THEN received + (resolve + 2) * interval '1.4 day' END,
    CASE WHEN responded THEN floor(response)::float END,
    CASE WHEN resolved THEN floor(resolve)::float END,
    CASE WHEN resolved THEN resolve * 1.4 <= %(term)s END,
    CASE WHEN resolved AND r1 < 0.04 THEN 1 ELSE 0 END,
    CASE WHEN r2 < 0.03 THEN 1 ELSE 0 END, 0, 0,
    CASE WHEN resolved AND r3 < 0.25 THEN 1 + floor(r3 * 20)::int END, NULL, NULL, 0,
    CASE WHEN resolved THEN received + resolve * interval '1.4 day' ELSE received END,
    CASE WHEN resolved THEN received + resolve * interval '1.4 day' END,
    CASE WHEN resolved AND r3 < 0.25 THEN received + (resolve + 1) * interval '1.4 day' END,
    ''
FROM (
    SELECT g, a, c, d, h, r1, r2, r3, received, response, resolve,
        received + response * interval '1.4 day' < now() AS responded,
        received + resolve * interval '1.4 day' < now() AND r4 > 0.03 AS resolved,
        r5 < 0.7 AS closed
    FROM (
        SELECT g, floor(random() * 4)::int AS a, floor(random() * 3)::int AS c,
            floor(random() * 3)::int AS d, floor(random() * 3)::int AS h,
            random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
            now() - random() * interval '730 days' AS received,
            random() * 4 AS response, random() * %(spread)s AS resolve
        FROM generate_series(1, %(count)s) AS g
    ) AS drawn
) AS facts
"""

TICKET_SQL = """
INSERT INTO insights_case (site_id, record_type, record_id, reference, public, addressee_id,
    addressee_path, category, district, channel, state, received_at, due_at,
    first_response_at, first_resolved_at, resolved_at, closed_at, response_days,
    resolve_days, on_time, reopened, escalated, forwarded, extended, rating, wait_seconds,
    first_contact, last_event_id, state_at, done_at, rated_at, outcome)
SELECT %(site)s, %(type)s, %(offset)s + g, 'Q-' || (%(offset)s + g), false,
    (%(ids)s)[1 + a], (%(paths)s)[1 + a], '', '', (ARRAY['web', 'phone', 'walk_in'])[1 + h],
    CASE WHEN slot > now() THEN 'booked' ELSE outcome END, booked, slot,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, NULL,
    CASE WHEN slot <= now() AND outcome = 'served' THEN round(wait * 1800) END, NULL, 0,
    CASE WHEN slot > now() THEN booked ELSE slot END,
    CASE WHEN slot <= now() THEN slot END, NULL,
    CASE WHEN slot > now() THEN '' ELSE outcome END
FROM (
    SELECT g, a, h, wait, booked, booked + random() * interval '14 days' AS slot,
        CASE WHEN r < 0.75 THEN 'served' WHEN r < 0.85 THEN 'no_show' ELSE 'cancelled' END
            AS outcome
    FROM (
        SELECT g, floor(random() * 4)::int AS a, floor(random() * 3)::int AS h,
            random() AS wait, random() AS r,
            now() - random() * interval '730 days' AS booked
        FROM generate_series(1, %(count)s) AS g
    ) AS drawn
) AS facts
"""

#: the service events: each record's first one, its resolution (or the ticket's outcome),
#: a status change of every request, and the escalations the facts count
EVENTS_SQL = """
INSERT INTO core_serviceevent (site_id, record_type, record_id, reference, kind, at,
    addressee_id, addressee_path, category, district, channel, actor_id, public, due, value,
    status)
SELECT site_id, record_type, record_id, reference, kind, at, addressee_id, addressee_path,
    category, district, channel, NULL, public, NULL, NULL, ''
FROM (
    SELECT c.*, e.kind, e.at FROM insights_case c
    CROSS JOIN LATERAL (VALUES
        (CASE WHEN c.record_type = 'tests.ticket' THEN 'booked' ELSE 'received' END,
         c.received_at),
        (CASE WHEN c.record_type = 'tests.ticket' THEN nullif(c.outcome, '')
              ELSE 'resolved' END, coalesce(c.first_resolved_at, c.done_at)),
        (CASE WHEN c.record_type = 'tests.request' THEN 'status_changed' END,
         c.received_at + interval '1 hour'),
        (CASE WHEN c.escalated > 0 THEN 'escalated' END, c.received_at + interval '3 days')
    ) AS e(kind, at)
    WHERE c.site_id = %(site)s AND e.kind IS NOT NULL AND e.at IS NOT NULL
) AS rows
"""


class Town:
    def __init__(self, site, hall, scope_pages):
        self.site, self.hall, self.pages = site, hall, scope_pages


def make_town(index, size):
    """A site with the tests' addressee tree and ``size`` records' facts and events."""
    from django.db import connection

    from tests.conftest import add_town
    from tests.insights.factories import Town as TestTown

    site = add_town(f"town{index}.perf.example", f"Town {index}", slug=f"town-{index}")
    town = TestTown(site, f"t{index}", "ro", "Europe/Bucharest")
    pages = [town.hall, town.roads, town.parks, town.social]
    ids = "ARRAY[" + ",".join(str(page.pk) for page in pages) + "]::bigint[]"
    paths = "ARRAY[" + ",".join(f"'{page.path}'" for page in pages) + "]::varchar[]"
    total = sum(share for _type, share in MIX)
    offset = index * 10_000_000
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [index / 10])
        for record_type, share in MIX:
            count = round(size * share / total)
            values = {"site": site.pk, "type": record_type, "offset": offset,
                      "count": count}
            if record_type == "tests.ticket":
                sql = TICKET_SQL
            else:
                sql = CASEWORK_SQL
                values.update(public=record_type == "tests.report",
                              term=30 if record_type == "tests.request" else 10,
                              spread=40 if record_type == "tests.request" else 15)
            # the arrays are literals of this script (ids and tree paths), not input
            cursor.execute(sql.replace("%(ids)s", ids).replace("%(paths)s", paths), values)
            offset += count
        cursor.execute(EVENTS_SQL, {"site": site.pk})
    return Town(site, town.hall, pages)


def measure(town, addressee, runs):
    """(first run s, median s, best s, queries, the queries) of a cold ``compute`` for the
    town or a subtree."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from addons.insights import figures

    scope = figures.Scope(town.site, addressee=addressee)
    period = figures.parse_period({}, town.site)
    times = []
    queries = None
    for _run in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            figures.compute(scope, period, cached=False)
            times.append(time.perf_counter() - started)
        queries = len(captured.captured_queries)
        last = captured.captured_queries
    return times[0], statistics.median(times), min(times), queries, last


def explain(captured):
    from django.db import connection

    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            print("\n" + sql[:300] + "...\n" + plan)


def main(argv=None) -> int:
    args = parse_args(argv)
    url = bench_url(fallback_to_database_url=True)
    if not url:
        print("PostgreSQL only: set BENCH_DATABASE_URL=postgres://.../perf_base")
        return 2
    if args.reuse:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        scratch = urlunsplit(parts._replace(path=parts.path + "_insights_speed"))
    else:
        scratch = scratch_database(url, "insights_speed")
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="civicdesk-insights-"))
    try:
        setup_django(workdir, scratch)
        from django.core.cache import cache
        from django.db import connection

        from addons.core import registry
        from tests.insights.factories import FakeAddon

        registry._addons[FakeAddon.label] = FakeAddon()
        cache.clear()
        print(describe_machine())
        towns = []
        if args.reuse:
            from wagtail.models import Page, Site

            for index in (1, 2):
                site = Site.objects.get(hostname=f"town{index}.perf.example")
                hall = Page.objects.get(slug=f"hall-t{index}")
                towns.append(Town(site, hall, []))
        else:
            for index, size in ((1, args.small), (2, args.large)):
                started = time.perf_counter()
                towns.append(make_town(index, size))
                print(f"town {index}: {size:,} records filled in "
                      f"{time.perf_counter() - started:.0f} s")
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE insights_case")
                cursor.execute("VACUUM ANALYZE core_serviceevent")
        with connection.cursor() as cursor:
            cursor.execute("SELECT site_id, count(*) FROM insights_case GROUP BY 1 ORDER BY 1")
            sizes = dict(cursor.fetchall())
            cursor.execute("SELECT count(*) FROM core_serviceevent")
            events = cursor.fetchone()[0]
        print(f"service events in the database: {events:,}")
        failed = False
        for label, pick in (("whole town", lambda town: None),
                            ("addressee's subtree", lambda town: town.hall)):
            rows = []
            for town in towns:
                first, median, best, queries, captured = measure(town, pick(town),
                                                                 args.runs)
                rows.append((first, median, queries))
                print(f"{label}, {sizes.get(town.site.pk, 0):>9,} records: first "
                      f"{first:.3f} s, median {median:.3f} s, best {best:.3f} s, "
                      f"{queries} queries")
            ratio = rows[1][1] / rows[0][1] if rows[0][1] else float("inf")
            print(f"{label}: ratio large / small {ratio:.1f}x "
                  f"(goal at most 2x; large under 2 s: {'yes' if rows[1][1] < 2 else 'NO'})")
            if rows[0][2] != rows[1][2]:
                print(f"{label}: query counts differ ({rows[0][2]} / {rows[1][2]})")
                failed = True
            if args.explain:
                explain(captured)
        return 1 if failed else 0
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(url, scratch)
        else:
            print(f"Scratch database kept: {scratch}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
