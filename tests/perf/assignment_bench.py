#!/usr/bin/env python
"""Automatic assignment benchmark (part of ``make bench``).

10,000 newly routed records given out by ``assignment.auto_assign`` to 50 people (5 teams
of 10, the moderators of 5 addressees, equal capacities), once with the least-loaded
policy and once with round robin: the time, records per second, and the largest
difference in load between two people of one team (must be at most 1: exit status 1
otherwise). Every assignment is the real one: the policy row locked, the audit log written,
the assignee's notification written (its delivery is left to the worker).

SQLite in a temporary directory by default; with ``BENCH_DATABASE_URL=postgres://...`` a
scratch database ``<name>_assignment_bench`` is made beside the named one and dropped.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "site"), str(ROOT)]

from tests.perf.harness import bench_environment, describe_machine, setup_django  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000, help="records per policy")
    parser.add_argument("--people", type=int, default=50, help="staff, in teams of 10")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args(argv)


def make_town(people: int):
    """A site with ``people // 10`` addressees, each with a team of 10 moderators."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from wagtail.models import Page, Site

    from addons.addressees.models import AddresseeCatalogPage, AddresseePage, HomePage
    from tests.core.case_addon.models import CaseCategory

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Bench town", slug="bench-town"))
    site = Site.objects.create(hostname="bench.example.org", port=80, root_page=home,
                               site_name="Bench town")
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                           slug="addressees"))
    User = get_user_model()
    password = make_password("bench-password")
    teams = []
    for index in range(max(people // 10, 1)):
        page = catalog.add_child(instance=AddresseePage(title=f"Team {index + 1}",
                                                        slug=f"team-{index + 1}"))
        page.refresh_from_db()
        members = []
        for member in range(10):
            user = User.objects.create(username=f"bench-{index}-{member}",
                                       email=f"bench-{index}-{member}@example.org",
                                       password=password, full_name=f"Staff {index}.{member}")
            user.groups.add(page.moderators)
            members.append(user)
        teams.append((page, members))
    category = CaseCategory.objects.create(site=site, name="Potholes")
    return site, category, teams


def run(mode: str, records: int, site, category, teams) -> dict:
    from django.db.models import Count

    from addons.core.casework import assignment
    from addons.core.casework.models import AssignmentPolicy
    from tests.core.case_addon.models import Case

    capacity = records  # equal, and room for everything
    for page, _members in teams:
        AssignmentPolicy.objects.update_or_create(
            addressee=page, defaults={"mode": mode, "capacity": capacity,
                                      "last_assigned": None})
    Case.objects.all().delete()
    cases = Case.objects.bulk_create([
        Case(site=site, addressee=teams[n % len(teams)][0], reference=f"B-{n:06d}",
             title=f"Bench case {n}", category=category)
        for n in range(records)
    ])
    started = time.perf_counter()
    assigned = sum(1 for case in cases if assignment.auto_assign(case) is not None)
    elapsed = time.perf_counter() - started
    spread = 0
    for _page, members in teams:
        loads = dict(Case.objects.filter(assignee__in=members).values_list("assignee")
                     .annotate(n=Count("pk")).order_by())
        counts = [loads.get(member.pk, 0) for member in members]
        spread = max(spread, max(counts) - min(counts))
    return {"mode": mode, "assigned": assigned, "seconds": elapsed,
            "per_second": assigned / elapsed if elapsed else 0.0, "spread": spread}


def main(argv=None) -> int:
    args = parse_args(argv)
    with bench_environment("assignment_bench", keep=args.keep) as (workdir, database_url):
        setup_django(workdir, database_url)
        from addons.core import notifications

        # the notification rows are written as in production; their delivery is the
        # worker's job, not the assignment's (the tests' synchronous queue would send here)
        notifications.enqueue = lambda pk: None
        print(f"Assignment benchmark on {describe_machine()}")
        site, category, teams = make_town(args.people)
        people = sum(len(members) for _page, members in teams)
        failed = False
        for mode in ("least_loaded", "round_robin"):
            result = run(mode, args.records, site, category, teams)
            ok = result["spread"] <= 1 and result["assigned"] == args.records
            failed |= not ok
            print(f"{mode}: {result['assigned']} records to {people} people in "
                  f"{result['seconds']:.1f} s ({result['per_second']:.0f} records/s); "
                  f"largest load difference in a team: {result['spread']} "
                  f"({'ok' if ok else 'FAILED: must be at most 1'})")
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
