#!/usr/bin/env python
"""Appeals benchmark (part of ``make bench``): 1,000,000 appeals in PostgreSQL.

(c) The moderator's inbox and an appeal's staff page: SQL queries (must be equal) and render
    time with 1,000,000 appeals as a ratio to the same pages with 1,000 (goal <= 1.5x).
(d) The reminder scan (``addons.appeals.jobs.send_reminders``): time with 100,000 and with
    1,000,000 appeals, the same appeals due in both (goal <= 1.5x).

Both sizes hold the same open appeals (the ones due now, a moderator's inbox); the rest are
answered or closed appeals of past years, as in a city that has run the system for years.
Rows are generated in the database (``INSERT ... SELECT generate_series``).

Needs PostgreSQL: ``BENCH_DATABASE_URL`` (or ``DATABASE_URL``) naming one. A scratch database
``<name>_appeals_bench`` is created beside it and dropped at the end (``--keep`` keeps it).
With only SQLite at hand, it says so and exits 0. Exit status 1 when a query count grows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.perf.harness import (  # noqa: E402
    bench_environment,
    bench_url,
    describe_machine,
    setup_django,
)

OPEN_APPEALS = 300  # due now: the same in every size
ADDRESSEES = 50


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="appeals in the large run")
    parser.add_argument("--middle", type=int, default=100_000,
                        help="appeals in the middle run of the reminder scan")
    parser.add_argument("--base", type=int, default=1_000, help="appeals in the small run")
    parser.add_argument("--runs", type=int, default=15, help="timed views per page (median)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args(argv)


# -- the city ------------------------------------------------------------------------------


def make_city():
    from django.contrib.auth import get_user_model
    from wagtail.models import Page, Site

    from addons.addressees.models import AddresseeCatalogPage, AddresseePage, HomePage
    from addons.appeals.models import AppealForm, AppealFormPlacement
    from addons.core.activation import setup_site
    from addons.core.models import SiteProfile

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Світлогірськ", slug="bench-appeals"))
    site = Site.objects.get(is_default_site=True)
    site.root_page, site.hostname, site.port = home, "localhost", 80
    site.save()
    profile = SiteProfile.for_site(site)
    profile.jurisdiction, profile.default_language = "ua", "uk"
    profile.save()
    setup_site(site)
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Адресати", slug="catalog"))
    addressees = [
        catalog.add_child(instance=AddresseePage(title=f"Управління №{number}",
                                                 slug=f"department-{number}"))
        for number in range(ADDRESSEES)
    ]
    form = AppealForm.objects.create(site=site, title="Звернення громадянина")
    AppealFormPlacement.objects.create(page=addressees[0], form=form)
    users = get_user_model().objects
    moderator = users.create_user(username="moderator", email="moderator@city.example",
                                  password="x", full_name="Ірина Модератор", is_staff=True)
    addressees[0].refresh_from_db()
    moderator.groups.add(addressees[0].moderators)
    citizen = users.create_user(username="citizen", email="citizen@city.example", password="x",
                                full_name="Олена Громадянка", postal_address="вул. Центральна, 1")
    return site, addressees, form, moderator, citizen


def _insert(site, addressees, form, author, start: int, stop: int, *, prefix: str,
            spread: int, **sql) -> None:
    """Appeals ``g`` = start..stop in one ``INSERT ... SELECT generate_series``: the columns
    given here, ``sql`` (status, received, due, answered, closed) and every other column its
    model default (``workspace_bench.insert_series``), so the rows follow the model."""
    from addons.appeals.models import Appeal
    from tests.perf.workspace_bench import insert_series

    if stop < start:
        return
    params = {"site": site.pk, "prefix": prefix, "first": addressees[0].pk,
              "addressees": spread, "form": form.pk, "author": author.pk}
    insert_series(Appeal, start, stop, {
        "site_id": "%(site)s",
        "reference": "'AP-' || %(prefix)s || '-' || lpad(g::text, 8, '0')",
        "addressee_id": "%(first)s + (g %% %(addressees)s)",
        "requested_addressee_id": "%(first)s + (g %% %(addressees)s)",
        "form_id": "%(form)s", "kind": "'individual'", "author_id": "%(author)s",
        "applicant_name": "'Заявник ' || g",
        "applicant_address": "'вул. Шевченка, ' || (g %% 200)",
        "applicant_email": "'person' || g || '@example.org'",
        "subject": "'Звернення №' || g",
        "text": "'Текст звернення про ремонт дороги біля будинку ' || g",
        "priority": "CASE WHEN g %% 17 = 0 THEN 'veteran' ELSE '' END",
        "status": sql["status"], "received_at": sql["received"],
        "original_due_date": sql["due"], "due_date": sql["due"],
        "answered_at": sql["answered"], "closed_at": sql["closed"],
    }, params)


def insert_history(site, addressees, form, author, start: int, stop: int) -> None:
    """Answered and closed appeals of past years (not due, not in any inbox)."""
    received = "now() - ((g %% 3650) + 60) * interval '1 day'"
    _insert(site, addressees, form, author, start, stop, prefix="H", spread=ADDRESSEES,
            status="CASE WHEN g %% 3 = 0 THEN 'answered' ELSE 'closed' END",
            received=received, due=f"(({received}) + interval '30 days')::date",
            answered=f"({received}) + ((g %% 40) * interval '1 day')",
            closed=f"({received}) + interval '45 days'")


def insert_open(site, addressees, form, author) -> None:
    """The appeals open now: due from 10 days ago to 10 days ahead, a fifth of them the
    moderator's."""
    _insert(site, addressees, form, author, 1, OPEN_APPEALS, prefix="O", spread=5,
            status="CASE WHEN g %% 2 = 0 THEN 'registered' ELSE 'in_progress' END",
            received="now() - ((g %% 21) + 20) * interval '1 day'",
            due="(current_date + ((g %% 21) - 10))", answered="NULL", closed="NULL")


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def appeal_count() -> int:
    from addons.appeals.models import Appeal

    return Appeal.objects.count()


# -- measurements --------------------------------------------------------------------------


def measure_page(client, url: str, runs: int) -> tuple[int, float]:
    """(queries, median ms) of ``runs`` views after two warm-up views."""
    from django.db import connection

    for _warmup in range(2):
        assert client.get(url).status_code == 200, url
    executed = []

    def counter(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    # An execute wrapper, not CaptureQueriesContext: each request resets the query log.
    with connection.execute_wrapper(counter):
        response = client.get(url)
    assert response.status_code == 200
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return len(executed), statistics.median(times)


def measure_scan(runs: int = 5) -> tuple[float, int]:
    """(median ms, points) of the reminder scan; each run rolled back so every run does
    the same work."""
    from django.db import transaction

    from addons.appeals.jobs import send_reminders

    times, sent = [], 0
    for _run in range(runs):
        with transaction.atomic():
            started = time.perf_counter()
            sent = send_reminders()
            times.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)
    return statistics.median(times), sent


def pages(client, moderator, appeal, runs):
    from django.urls import reverse

    client.force_login(moderator)
    return {
        "moderator's open appeals on the desk (due first)": measure_page(
            client, reverse("casework_appeals:index") + "?work=unassigned&ordering=due_date",
            runs),
        "appeal staff page": measure_page(
            client, reverse("casework_appeals:inspect", args=[appeal.pk]), runs),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    url = bench_url(fallback_to_database_url=True)
    print()
    print("Appeals benchmark")
    if url is None:
        print("  skipped: needs PostgreSQL. Set BENCH_DATABASE_URL=postgres://user@host/db "
              "(a scratch database <db>_appeals_bench is created beside it).")
        return 0
    with bench_environment("appeals_bench", keep=args.keep, url=url) as (workdir, scratch):
        return run(args, workdir, scratch)


def run(args, workdir, scratch) -> int:
    setup_django(workdir, scratch, settings="civicdesk.settings.test")
    from django.test import Client

    from addons.appeals import services
    from addons.appeals.models import Appeal

    print(f"  {describe_machine()}")
    site, addressees, form, moderator, citizen = make_city()
    insert_open(site, addressees, form, citizen)
    appeal = Appeal.objects.filter(addressee=addressees[0]).order_by("due_date", "pk").first()
    services.reply(appeal, moderator, "Відповідь на звернення: роботи заплановано.")
    services.add_note(appeal, moderator, "Передати бригаді.")
    Appeal.objects.filter(pk=appeal.pk).update(status="in_progress", answered_at=None,
                                               due_date=appeal.received_at.date()
                                               + timedelta(days=30))
    insert_history(site, addressees, form, citizen, 1, args.base - OPEN_APPEALS)
    analyze()
    client = Client()
    small = pages(client, moderator, appeal, args.runs)
    small_total = appeal_count()

    started = time.perf_counter()
    insert_history(site, addressees, form, citizen, args.base - OPEN_APPEALS + 1,
                   args.middle - OPEN_APPEALS)
    analyze()
    middle_total = appeal_count()
    scan_middle, points_middle = measure_scan()

    insert_history(site, addressees, form, citizen, args.middle - OPEN_APPEALS + 1,
                   args.size - OPEN_APPEALS)
    analyze()
    built = time.perf_counter() - started
    large_total = appeal_count()
    scan_large, points_large = measure_scan()
    large = pages(client, moderator, appeal, args.runs)

    print()
    print(f"(c) Staff pages, {small_total:,} vs {large_total:,} appeals ({OPEN_APPEALS} open; "
          f"generated in {built:.0f} s); median of {args.runs} views")
    print(f"  {'page':<36}{'queries':>9}{'ms small':>10}{'ms large':>10}{'ratio':>7}  goal")
    grown = []
    for name, (queries_small, ms_small) in small.items():
        queries_large, ms_large = large[name]
        ratio = ms_large / ms_small
        if queries_small != queries_large:
            grown.append(name)
        counts = (f"{queries_small}" if queries_small == queries_large
                  else f"{queries_small}->{queries_large}")
        print(f"  {name:<36}{counts:>9}{ms_small:>10.1f}{ms_large:>10.1f}{ratio:>7.2f}  "
              f"<= 1.5x: {'met' if ratio <= 1.5 else 'NOT MET'}")
    ratio = scan_large / scan_middle
    print()
    print(f"(d) Reminder scan, {middle_total:,} vs {large_total:,} appeals, the same "
          f"{OPEN_APPEALS} open (median of 5 runs, each rolled back)")
    print(f"  {'':<36}{'points':>9}{'ms':>10}")
    print(f"  {f'{middle_total:,} appeals':<36}{points_middle:>9}{scan_middle:>10.1f}")
    print(f"  {f'{large_total:,} appeals':<36}{points_large:>9}{scan_large:>10.1f}")
    print(f"  ratio {ratio:.2f}  (goal <= 1.5x: {'met' if ratio <= 1.5 else 'NOT MET'})")
    if grown:
        print(f"\nFAILED: query count grows with the data on: {', '.join(grown)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
