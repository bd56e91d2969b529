#!/usr/bin/env python
"""Management figures benchmark (part of ``make bench``; PostgreSQL).

Two towns hold 50,000 service events between them (the baseline), two others 5,000,000
(``--events``): 1,000,000 appeals, 200,000 problem reports, 500,000 queue tickets, 250,000
calls and 150,000 survey answers, each record with the steps of its life (received, first
reply, resolved, reopened, rated; booked, served, no-show; answered, abandoned...), spread
over two years and over a tree of about 2,000 addressees (departments, divisions, units).
The events are written with ``INSERT ... SELECT generate_series`` (no ORM per row); the
fold (``insights.fold``) then builds the per-record facts, and is timed.

Measured for each size, in one run: the management dashboard (``figures.compute`` for the
whole town, the last 30 days, with the previous period) and a department's dashboard (its
subtree), and the admin screens over Django's test client where they exist: SQL queries
(must be equal at both sizes), median and 95th percentile times and the ratio to the
baseline (goal: at most 2x, under 2 s). Then the cost of writing one event
(``core.events.record`` in a transaction: statements added, must be one INSERT). The
machine's load is printed before and after.

``--small`` runs a short version (500,000 events). A scratch database ``<name>_insights_bench``
is created beside the one ``BENCH_DATABASE_URL`` (else ``DATABASE_URL``) names and dropped
at the end (``--keep`` keeps it). Without PostgreSQL the benchmark says so and stops. Exit
status 1 when a query count differs between the sizes or an event costs more than one
statement.
"""

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
    bench_environment,
    bench_url,
    describe_machine,
    setup_django,
)

#: shares of the events of a size, per record type (they add up to 1)
MIX = (
    # record type, records per 1,000,000 events, public
    ("appeals.appeal", 200_000, False),
    ("reports.report", 40_000, True),
    ("queues.ticket", 100_000, False),
    ("contacts.call", 50_000, False),
    ("surveys.response", 30_000, False),
)
#: the first record id of each size (record ids never collide between the sizes)
BASE_IDS = {"small": 0, "large": 100_000_000}
#: minutes in two years: received moments are spread over them
SPREAD_MINUTES = 2 * 365 * 24 * 60


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--base", type=int, default=50_000)
    parser.add_argument("--addressees", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=15, help="timed calls (median, p95)")
    parser.add_argument("--small", action="store_true",
                        help="a short run: 500,000 events, 400 addressees, 7 calls")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--fill-only", action="store_true",
                        help="time building the towns and writing the events, nothing more")
    args = parser.parse_args(argv)
    if args.small:
        args.events, args.addressees, args.runs = 500_000, 400, 7
    return args


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} CPUs)"


# --- towns and their addressee trees --------------------------------------------------------


def tree_shape(addressees: int) -> tuple[int, int, int]:
    """(departments, divisions per department, units per division) for about
    ``addressees`` pages."""
    departments = max(2, round(addressees ** (1 / 3) * 1.5))
    divisions = max(1, round((addressees / departments) ** 0.5) - 1)
    units = max(0, round(addressees / departments / divisions) - 1)
    return departments, divisions, units


def make_town(hostname: str, addressees: int):
    """A town with a tree of about ``addressees`` addressee pages (departments, divisions
    under them, units under those), written in bulk: the tree's paths are computed here, the
    pages and their addressee rows inserted a few hundred at a time. Returns (site, [the
    (id, path) of every division and unit], the first department, pages made)."""
    import uuid

    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Page, Site

    from addons.addressees.models import AddresseePage, HomePage
    from addons.core.models import SiteProfile

    home = Page.get_first_root_node().add_child(
        instance=HomePage(title=hostname, slug=hostname.replace(".", "-")))
    site = Site.objects.create(hostname=hostname, port=80, root_page=home, site_name=hostname)
    SiteProfile.objects.update_or_create(site=site, defaults={"jurisdiction": "ua",
                                                              "default_language": "uk"})
    departments, divisions, units = tree_shape(addressees)
    content_type = ContentType.objects.get_for_model(AddresseePage)
    pages = []

    def node(parent_path, parent_url, index, title, slug, children):
        depth = len(parent_path) // Page.steplen + 1
        page = Page(title=title, draft_title=title, slug=slug, depth=depth, numchild=children,
                    path=Page._get_path(parent_path, depth, index),
                    url_path=f"{parent_url}{slug}/", content_type=content_type,
                    locale_id=home.locale_id, live=True, translation_key=uuid.uuid4())
        pages.append(page)
        return page

    for d in range(1, departments + 1):
        department = node(home.path, home.url_path, d, f"Департамент {d}", f"dep-{d}",
                          divisions)
        for v in range(1, divisions + 1):
            division = node(department.path, department.url_path, v, f"Управління {d}.{v}",
                            f"div-{d}-{v}", units)
            for u in range(1, units + 1):
                node(division.path, division.url_path, u, f"Відділ {d}.{v}.{u}",
                     f"unit-{d}-{v}-{u}", 0)
    Page.objects.bulk_create(pages, batch_size=500)
    Page.objects.filter(pk=home.pk).update(numchild=departments)
    fields = AddresseePage._meta.local_concrete_fields
    rows = [AddresseePage(page_ptr_id=page.pk) for page in pages]
    for start in range(0, len(rows), 500):
        AddresseePage._base_manager._insert(rows[start:start + 500], fields=fields)
    leaves = [(page.pk, page.path) for page in pages if page.depth > home.depth + 1]
    first = AddresseePage.objects.get(pk=pages[0].pk)
    return site, leaves, first, len(pages)


# --- the events, in bulk --------------------------------------------------------------------


def _leaves_table(cursor, name: str, leaves) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TEMPORARY TABLE {name} (n integer PRIMARY KEY, id bigint, "
                   "path varchar(255))")
    cursor.executemany(f"INSERT INTO {name} (n, id, path) VALUES (%s, %s, %s)",
                       [(n, pk, path) for n, (pk, path) in enumerate(leaves)])


def fill(site, leaves, events: int, first_id: int) -> dict:
    """Write about ``events`` service events of ``site`` in bulk (PostgreSQL); the number
    written per record type."""
    from django.db import connection, transaction
    from django.utils import timezone

    now = timezone.now().isoformat()
    written = {}
    table = f"bench_leaves_{site.pk}"
    with transaction.atomic(), connection.cursor() as cursor:
        _leaves_table(cursor, table, leaves)
        for record_type, per_million, public in MIX:
            records = max(1, round(events * per_million / 1_000_000))
            written[record_type] = _fill_type(cursor, table, len(leaves), site.pk, record_type,
                                               public, first_id, records, now)
            first_id += records
    return written


def _fill_type(cursor, table, leaf_count, site_id, record_type, public, first_id, records,
               now) -> int:
    """The events of ``records`` records of one type: one INSERT ... SELECT per kind."""
    received = (f"(TIMESTAMPTZ '{now}' - make_interval(mins => "
                f"((g::bigint * 7919) % {SPREAD_MINUTES})::int))")
    common = (
        "INSERT INTO core_serviceevent (site_id, record_type, record_id, reference, kind, at, "
        "addressee_id, addressee_path, category, district, channel, actor_id, public, due, "
        "value, status) SELECT {site}, '{rt}', {first} + g, 'R-' || g, '{kind}', {at}, l.id, "
        "l.path, {category}, 'district-' || (g % 12), {channel}, NULL, {public}, {due}, "
        "{value}, {status} FROM generate_series(1, {records}) g JOIN {table} l "
        "ON l.n = (g % {leaves}) WHERE {where}")

    def insert(kind, at=received, *, where="true", due="NULL", value="NULL", status="''",
               channel="''", category="'category-' || (g % 20)", public_flag=None):
        flag = public_flag or ("(g % 20 <> 0)" if public else "false")
        cursor.execute(common.format(
            site=site_id, rt=record_type, first=first_id, kind=kind, at=at,
            category=category, channel=channel, public=flag, due=due, value=value,
            status=status, records=records, table=table, leaves=leaf_count,
            where=f"({where}) AND {at} < TIMESTAMPTZ '{now}'"))
        return cursor.rowcount

    def later(hours_expr):
        return f"({received} + make_interval(hours => ({hours_expr})::int))"

    total = 0
    if record_type == "appeals.appeal":
        channel = "(ARRAY['web','email','phone','walk_in','post'])[(g % 5) + 1]"
        total += insert("received", due=f"({received} + interval '30 days')", channel=channel)
        total += insert("first_reply", later("24 + (g * 13) % 240"), where="g % 2 = 0")
        total += insert("resolved", later("48 + (g * 31) % 960"), where="g % 10 <> 0")
        total += insert("reopened", later("1000 + (g * 7) % 200"), where="g % 50 = 1")
    elif record_type == "reports.report":
        channel = "(ARRAY['web','mobile','phone','telegram'])[(g % 4) + 1]"
        total += insert("received", due=f"({received} + interval '5 days')", channel=channel)
        total += insert("routed", later("1"))
        total += insert("first_reply", later("4 + (g * 13) % 48"), where="g % 4 <> 0")
        total += insert("resolved", later("12 + (g * 17) % 240"), where="g % 20 > 2")
        total += insert("reopened", later("260 + (g * 7) % 100"), where="g % 20 = 3")
        total += insert("rated", later("270 + (g * 7) % 100"), where="g % 4 = 1",
                        value="(1 + g % 5)::float")
    elif record_type == "queues.ticket":
        total += insert("booked", due=f"({received} + interval '2 days')", channel="'web'",
                        category="''")
        total += insert("served", later("48 + g % 3"), where="g % 20 < 17", category="''",
                        value="((g * 13) % 1800)::float", status="'served'")
        total += insert("no_show", later("49"), where="g % 20 IN (17, 18)", category="''",
                        status="'no_show'")
        total += insert("cancelled", later("10"), where="g % 20 = 19", category="''")
    elif record_type == "contacts.call":
        total += insert("received", channel="'phone'", category="''")
        total += insert("answered", f"({received} + make_interval(secs => g % 120))",
                        where="g % 10 <> 0", value="(g % 120)::float", category="''")
        total += insert("abandoned", f"({received} + make_interval(secs => 60))",
                        where="g % 10 = 0", status="'abandoned'", category="''")
        total += insert("closed", f"({received} + make_interval(mins => 5))",
                        where="g % 10 BETWEEN 1 AND 6",
                        status="CASE WHEN g % 2 = 0 THEN 'first_contact' ELSE '' END",
                        category="''")
    else:  # survey answers
        total += insert("survey_answer", value="(1 + g % 5)::float", category="''")
    return total


def declare_types() -> None:
    """Declare the five record types where no installed add-on does yet, so the figures
    count them (the add-ons declare their own once their events are written)."""
    from django.apps import apps

    from addons.core import events, registry
    from addons.core.addon import ServiceEvents

    kinds = {
        "appeals.appeal": (events.RECEIVED, events.FIRST_REPLY, events.RESOLVED,
                           events.REOPENED),
        "reports.report": (events.RECEIVED, events.ROUTED, events.FIRST_REPLY, events.RESOLVED,
                           events.REOPENED, events.RATED),
        "queues.ticket": (events.BOOKED, events.SERVED, events.NO_SHOW, events.CANCELLED),
        "contacts.call": (events.RECEIVED, events.ANSWERED, events.ABANDONED, events.CLOSED),
        "surveys.response": (events.ANSWERED_SURVEY,),
    }
    for record_type, _per_million, public in MIX:
        if registry.service_event_type(record_type) is not None:
            continue
        config = apps.get_app_config(record_type.split(".")[0])
        config.service_events = (*getattr(config, "service_events", ()), ServiceEvents(
            record_type=record_type, title=record_type, kinds=kinds[record_type],
            public=public))


# --- measuring ------------------------------------------------------------------------------


def measure(function, runs: int) -> tuple[float, float, int]:
    """(median ms, p95 ms, SQL queries of one call) of ``function``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()  # warm: settings, content types, the catalogue
    with CaptureQueriesContext(connection) as captured:
        function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
    return statistics.median(times), p95, len(captured)


def dashboards(site, department, runs: int) -> dict:
    import inspect

    from addons.insights import figures

    period = figures.parse_period({}, site)
    whole = figures.Scope(site=site)
    part = figures.Scope(site=site, addressee=department)
    # the figures computed every time, not read back from where compute() keeps them
    fresh = ({"cached": False} if "cached" in inspect.signature(figures.compute).parameters
             else {})
    result = {
        "management dashboard (figures.compute)": measure(
            lambda: figures.compute(whole, period, **fresh), runs),
        "department dashboard (figures.compute)": measure(
            lambda: figures.compute(part, period, **fresh), runs),
        "public page figures (public_only)": measure(
            lambda: figures.compute(figures.Scope(site=site, public_only=True), period,
                                    keys=["intake", "resolution_median", "on_time",
                                          "satisfaction"], compare=False, **fresh), runs),
    }
    if fresh:
        result["management dashboard, kept result"] = measure(
            lambda: figures.compute(whole, period), runs)
    result.update(admin_screens(site, department, runs))
    return result


def admin_screens(site, department, runs: int) -> dict:
    """The dashboards over the test client, where the admin screens exist."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    urls = {}
    for label, name, args in (
            ("management dashboard (admin page)", "insights-admin:dashboard", []),
            ("department dashboard (admin page)", "insights-admin:addressee", [department.pk])):
        try:
            urls[label] = reverse(name, args=args)
        except NoReverseMatch:
            continue
    if not urls:
        return {}
    user = get_user_model().objects.filter(username="bench-manager").first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench-manager", "m@example.org", "x")
    client = Client(HTTP_HOST=site.hostname)
    client.force_login(user)
    result = {}
    for label, url in urls.items():
        def view(url=url):
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code}")
        result[label] = measure(view, runs)
    return result


def event_cost(site) -> tuple[int, list[str]]:
    """Statements one ``events.record`` adds to the transaction that causes it."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from addons.core import events

    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            events.record("reports.report", 999_999_999, events.RESOLVED, site=site,
                          reference="R-bench", category="category-1", district="district-1",
                          public=True)
        transaction.set_rollback(True)
    return len(captured), [query["sql"].split(" ")[0] for query in captured]


def fold_all() -> tuple[int, float]:
    from addons.insights.fold import fold

    started = time.perf_counter()
    total = 0
    while True:
        read = fold()
        total += read
        if not read:
            break
    return total, time.perf_counter() - started


def main(argv=None) -> int:
    args = parse_args(argv)
    url = bench_url(fallback_to_database_url=True)
    if url is None:
        print("Management figures benchmark: PostgreSQL needed (BENCH_DATABASE_URL); skipped.")
        return 0
    print(f"Management figures benchmark: {args.events:,} events against {args.base:,}")
    print(f"  load before: {load()}")
    failed = False
    with bench_environment("insights_bench", keep=args.keep, url=url) as (workdir, scratch):
        setup_django(workdir, scratch)
        print(f"  {describe_machine()}")
        from django.db import connection

        declare_types()
        sizes = {}
        for size, events, towns in (("small", args.base, ("small-a.example", "small-b.example")),
                                    ("large", args.events,
                                     ("large-a.example", "large-b.example"))):
            started = time.perf_counter()
            built = [make_town(host, args.addressees * share)
                     for host, share in zip(towns, (0.6, 0.4), strict=True)]
            pages = sum(made for *_rest, made in built)
            print(f"  {size}: {pages:,} addressees in {time.perf_counter() - started:.0f} s")
            started = time.perf_counter()
            first_id, written = BASE_IDS[size], {}
            for (site, leaves, _department, _made), share in zip(built, (0.75, 0.25),
                                                                  strict=True):
                for record_type, count in fill(site, leaves, round(events * share),
                                               first_id).items():
                    written[record_type] = written.get(record_type, 0) + count
                first_id += events
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE core_serviceevent")
            total = sum(written.values())
            print(f"  {size}: {total:,} events written in {time.perf_counter() - started:.0f} s"
                  f" ({', '.join(f'{rt} {n:,}' for rt, n in written.items())})")
            if args.fill_only:
                continue
            read, seconds = fold_all()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE insights_case")
            print(f"  {size}: fold of {read:,} events in {seconds:.1f} s"
                  f" ({read / max(seconds, 0.001):,.0f} events/s)")
            sizes[size] = built[0]
        print(f"  load after the fill: {load()}")
        if args.fill_only:
            return 0

        results = {}
        for size in ("small", "large"):
            site, _leaves, department, _made = sizes[size]
            results[size] = dashboards(site, department, args.runs)
        print("\n  what                                      queries (base/full)  "
              "median ms (base/full)   p95 ms (base/full)   ratio")
        for label in results["small"]:
            small, large = results["small"][label], results["large"].get(label)
            if large is None:
                continue
            ratio = large[0] / small[0] if small[0] else float("inf")
            same = small[2] == large[2]
            failed |= not same
            print(f"  {label:<42} {small[2]:>4} / {large[2]:<4}{'' if same else ' (!)':<9}"
                  f"{small[0]:>8.1f} / {large[0]:<10.1f} {small[1]:>8.1f} / {large[1]:<10.1f}"
                  f"{ratio:>5.2f}x")
        statements, kinds = event_cost(sizes["large"][0])
        failed |= statements != 1
        print(f"\n  writing one event (core.events.record in a transaction): {statements} "
              f"statement(s): {', '.join(kinds)}")
        print(f"  load after: {load()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
