#!/usr/bin/env python
"""Contact center benchmark (part of ``make bench``).

(i) Finding a person by phone and the caller pop-up: two towns in one database, one with
    1,000 persons (the baseline), the other with 1,000,000 (``--persons``), each with a
    verified phone (E.164) and half of them an e-mail too. For each town: the lookup of a
    typed number (``accounts.persons.find_by_identity``, the number as an operator types
    it, normalised first) and the caller pop-up a phone system opens
    (``/admin/contacts/call/?from=…``) for a known caller: SQL queries per request (must be
    equal in both towns) and the median time, with the ratio to the baseline (goal: at most
    1.5x).

SQLite in a temporary directory by default; with ``BENCH_DATABASE_URL=postgres://...`` a
scratch database ``<name>_contacts_bench`` is created beside the named one and dropped at
the end (``--keep`` keeps it). Exit status 1 when a query count differs between the towns.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.perf.harness import bench_environment, describe_machine, setup_django  # noqa: E402

BATCH = 10_000


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--base", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=30, help="timed requests (median)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args(argv)


def phone_of(n: int) -> str:
    """A valid Ukrainian mobile number per person: +38050 and seven digits."""
    return f"+38050{n:07d}"


def typed(n: int) -> str:
    """The same number as an operator types it."""
    digits = f"{n:07d}"
    return f"050 {digits[:3]}-{digits[3:5]}-{digits[5:]}"


def make_town(hostname: str, count: int):
    from django.utils import timezone
    from wagtail.models import Page, Site

    from addons.accounts.models import Identity, Person
    from addons.addressees.models import HomePage
    from addons.core.models import SiteProfile

    home = Page.get_first_root_node().add_child(
        instance=HomePage(title=hostname, slug=hostname.replace(".", "-")))
    site = Site.objects.create(hostname=hostname, port=80, root_page=home,
                               site_name=hostname)
    SiteProfile.objects.update_or_create(site=site, defaults={"jurisdiction": "ua",
                                                              "default_language": "uk"})
    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        stop = min(count, start + BATCH)
        persons = Person.objects.bulk_create(
            [Person(site=site, full_name=f"Person {n}") for n in range(start, stop)])
        if persons[0].pk is None:  # SQLite before returning ids
            persons = list(Person.objects.filter(site=site).order_by("-pk")[:stop - start])
            persons.reverse()
        identities = []
        for n, person in zip(range(start, stop), persons, strict=True):
            identities.append(Identity(person=person, site=site, kind="phone",
                                       value=phone_of(n), raw=typed(n), verified_at=now,
                                       verified_how="operator"))
            if n % 2 == 0:
                identities.append(Identity(person=person, site=site, kind="email",
                                           value=f"person{n}@example.org",
                                           raw=f"person{n}@example.org", verified_at=now,
                                           verified_how="email_link"))
        Identity.objects.bulk_create(identities)
    print(f"  {hostname}: {count:,} persons in {time.perf_counter() - started:.0f} s")
    return site


def measure(function, runs: int) -> tuple[float, int]:
    """(median milliseconds, SQL queries of one call) of ``function``."""
    from django.db import connection

    function()  # warm: the site's settings, the content types
    captured = []

    def count(execute, sql, params, many, context):
        captured.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), len(captured)


def run(args, workdir: Path, scratch: str | None) -> int:
    setup_django(workdir, scratch)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from addons.accounts.persons import find_by_identity

    setup_test_environment()
    print(f"  {describe_machine()}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    towns = {"baseline": make_town("base.example", args.base),
             "city": make_town("city.example", args.persons)}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    admin = get_user_model().objects.create_superuser("operator", "operator@example.org",
                                                      "a long pass phrase")
    client = Client()
    client.force_login(admin)
    figures = {}
    for name, site in towns.items():
        count = args.base if name == "baseline" else args.persons
        caller = count // 2 + 1

        def lookup(site=site, caller=caller):
            found = list(find_by_identity(site, "phone", typed(caller)))
            assert len(found) == 1, found

        def popup(site=site, caller=caller):
            response = client.get("/admin/contacts/call/", {"from": typed(caller)},
                                  HTTP_HOST=site.hostname)
            assert response.status_code == 200, response.status_code
            assert f"Person {caller}" in response.content.decode()

        figures[name] = {"lookup": measure(lookup, args.runs),
                         "popup": measure(popup, args.runs)}
    print(f"\n(i) Finding a person by phone: {args.base:,} persons against "
          f"{args.persons:,} (goal: at most 1.5x, the same queries)")
    print(f"  {'':<34}{'baseline ms':>12}{'city ms':>10}{'ratio':>8}{'queries':>12}")
    failed = False
    for key, label in (("lookup", "find by a typed phone number"),
                       ("popup", "the caller pop-up")):
        (base_ms, base_q), (city_ms, city_q) = figures["baseline"][key], figures["city"][key]
        ratio = city_ms / base_ms if base_ms else float("inf")
        queries = str(base_q) if base_q == city_q else f"{base_q} -> {city_q}"
        failed |= base_q != city_q
        print(f"  {label:<34}{base_ms:>12.2f}{city_ms:>10.2f}{ratio:>7.2f}x{queries:>12}")
    return 1 if failed else 0


def main(argv=None) -> int:
    args = parse_args(argv)
    print("Contact center benchmark")
    with bench_environment("contacts_bench", keep=args.keep) as (workdir, scratch):
        return run(args, workdir, scratch)


if __name__ == "__main__":
    sys.exit(main())
