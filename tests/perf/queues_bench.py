#!/usr/bin/env python
"""Electronic queue benchmark (part of ``make bench``).

(e) Free places: ``free_slots`` for one day and ``free_days`` for the whole horizon of a queue
    with 10 windows and a 90-day horizon holding 10,000 booked tickets, beside the same queue
    with 100 tickets: median time and SQL queries per call (the count must not grow with the
    tickets).
(f) Booking throughput on PostgreSQL: concurrent clients, each on its own connection, book
    tickets into a narrow set of slots through ``book()`` until every place is taken. Prints
    tickets per second, the "just taken" refusals, and the double-booking count (tickets beyond
    a slot's capacity, counted in the database: must be 0).

SQLite in a temporary directory by default (then (f) is skipped, it needs PostgreSQL); with
``BENCH_DATABASE_URL=postgres://...`` a scratch database ``<name>_queues_bench`` is created
beside the named one and dropped at the end (``--keep`` keeps it). Exit status 1 when a query
count grows with the tickets or a slot holds more tickets than its capacity.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.perf.harness import (  # noqa: E402
    bench_environment,
    describe_machine,
    setup_django,
)

WINDOWS = 10
HORIZON_DAYS = 90
SLOT_MINUTES = 15


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=10_000, help="tickets in the large queue")
    parser.add_argument("--base", type=int, default=100, help="tickets in the small queue")
    parser.add_argument("--runs", type=int, default=15, help="timed calls (median)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent booking clients")
    parser.add_argument("--slots", type=int, default=40,
                        help="slots the clients compete for in the throughput run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args(argv)


# -- the city ------------------------------------------------------------------------------


def make_city():
    """A site with one addressee (a service center) and a citizen per booking client."""
    from wagtail.models import Page, Site

    from addons.addressees.models import AddresseeCatalogPage, AddresseePage, HomePage
    from addons.core.activation import setup_site
    from addons.core.models import SiteProfile

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Світлогірськ", slug="bench-queues"))
    site = Site.objects.get(is_default_site=True)
    welcome = site.root_page
    site.root_page, site.hostname, site.port = home, "localhost", 80
    site.save()
    if welcome.specific_class is Page and not welcome.get_children_count():
        welcome.delete()
    profile = SiteProfile.for_site(site)
    profile.jurisdiction, profile.default_language = "ua", "uk"
    profile.save()
    setup_site(site)
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Адресати", slug="catalog"))
    center = catalog.add_child(instance=AddresseePage(
        title="Центр надання адміністративних послуг", slug="cnap"))
    return site, center


def make_queue(site, addressee, title: str, capacity: int = WINDOWS,
               horizon: int = HORIZON_DAYS):
    """A queue open Monday to Friday 08:00-17:00 with a lunch break 12:00-13:00, one
    one-slot service, no notice needed and no per-citizen limit to speak of."""
    from addons.queues.models import Queue, QueueService, WeeklySchedule

    queue = Queue.objects.create(
        site=site, title=title, addressee=addressee, place="вул. Соборна, 1, зал 1",
        slot_minutes=SLOT_MINUTES, capacity=capacity, min_notice_hours=0, horizon_days=horizon,
        max_active_tickets=1_000_000, no_show_limit=0, letter="A",
    )
    service = QueueService.objects.create(queue=queue, name="Паспорт громадянина України",
                                          duration_slots=1, documents="Паспорт, фото")
    for weekday in range(5):
        WeeklySchedule.objects.create(
            queue=queue, weekday=weekday, start=datetime.time(8), end=datetime.time(17),
            break_start=datetime.time(12), break_end=datetime.time(13),
        )
    return queue, service


def make_citizens(count: int, prefix: str) -> list:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    model = get_user_model()
    password = make_password("bench")
    model.objects.bulk_create([
        model(username=f"{prefix}{n}", email=f"{prefix}{n}@bench.example", password=password,
              full_name=f"Громадянин {n}", postal_address=f"вул. Шевченка, {n}",
              phone="+380441234567", email_confirmed=True)
        for n in range(count)
    ])
    return list(model.objects.filter(username__startswith=prefix).order_by("pk"))


def horizon_days(queue):
    """The bookable days of the queue's horizon, from today."""
    today = datetime.date.today()
    return today, today + datetime.timedelta(days=queue.horizon_days)


def fill(queue, service, count: int, citizens: list, seed: int) -> int:
    """``count`` booked tickets spread at random over the queue's free places, written in
    bulk with their Slot counters and day counters (as ``book()`` leaves them)."""
    import random
    from collections import Counter

    from django.utils import timezone

    from addons.queues import services
    from addons.queues.models import DayCounter, Slot, Ticket

    rng = random.Random(seed)
    first, last = horizon_days(queue)
    places = []
    day = first
    while day <= last:
        for start, _end, free in services.free_slots(queue, service, day):
            places.extend([start] * free)
        day += datetime.timedelta(days=1)
    if count > len(places):
        raise SystemExit(f"the queue has {len(places)} places, not {count}")
    chosen = sorted(rng.sample(places, count))
    taken = Counter(chosen)
    Slot.objects.bulk_create([Slot(queue=queue, start=start, taken=n)
                              for start, n in taken.items()])
    seqs: Counter = Counter()
    tickets = []
    for index, start in enumerate(chosen):
        local_day = timezone.localtime(start).date()
        seqs[local_day] += 1
        seq = seqs[local_day]
        tickets.append(Ticket(
            queue=queue, service=service, service_name=service.name,
            citizen=citizens[index % len(citizens)], start=start,
            end=start + datetime.timedelta(minutes=queue.slot_minutes), day=local_day,
            slots=1, seq=seq, number=f"{queue.letter}-{seq:03d}",
            answers={}, status="booked",
        ))
    Ticket.objects.bulk_create(tickets, batch_size=2000)
    DayCounter.objects.bulk_create([DayCounter(queue=queue, day=d, last=n)
                                    for d, n in seqs.items()])
    return len(places)


# -- measurements --------------------------------------------------------------------------


def timed(call, runs: int) -> tuple[int, float, object]:
    """(queries of one call, median ms of ``runs`` calls, the result) after a warm-up."""
    from django.db import connection

    call()
    executed = []

    def counter(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        result = call()
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return len(executed), statistics.median(times), result


def free_places(queue, service, days: list, runs: int) -> dict:
    """Queries and median ms of free_slots for one day and of free_days for the horizon."""
    from addons.queues import services

    first, last = horizon_days(queue)
    # A busy working day in the middle of the horizon.
    day = days[len(days) // 2]
    queries_day, ms_day, slots = timed(lambda: services.free_slots(queue, service, day), runs)
    queries_horizon, ms_horizon, open_days = timed(
        lambda: services.free_days(queue, service, first, last), max(3, runs // 3))
    return {
        "day": (queries_day, ms_day, len(slots)),
        "horizon": (queries_horizon, ms_horizon, len(list(open_days))),
        "per_day_in_horizon": ms_horizon / max(1, (last - first).days + 1),
    }


def page_requests(client, queue, service, day, runs: int) -> dict:
    """Queries and median ms of the API's slots of a day and of the booking page (the
    horizon's calendar and the day's times), through Django's test client."""
    from django.urls import reverse

    api = (reverse("queues-api:slots", args=[queue.pk])
           + f"?service={service.pk}&date={day.isoformat()}")
    page = reverse("queues:book", args=[queue.pk]) + f"?service={service.pk}&day={day}"
    result = {}
    for key, url in (("api", api), ("page", page)):
        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response
        queries, ms, _response = timed(get, runs)
        result[key] = (queries, ms, 0)
    return result


def double_bookings(queue) -> tuple[int, int]:
    """(tickets beyond capacity over all slots, slots whose counter disagrees with the
    tickets), counted in the database from the tickets themselves."""
    from django.db.models import Count

    from addons.queues.models import Slot, Ticket

    per_start = (Ticket.objects.filter(queue=queue).exclude(status="cancelled")
                 .values("start").annotate(n=Count("pk")))
    beyond = sum(max(0, row["n"] - queue.capacity) for row in per_start)
    counted = {row["start"]: row["n"] for row in per_start}
    mismatched = sum(1 for slot in Slot.objects.filter(queue=queue)
                     if slot.taken != counted.get(slot.start, 0))
    return beyond, mismatched


def throughput(site, addressee, clients: int, slot_count: int, *, mail: bool) -> dict:
    """``clients`` threads, one citizen and one connection each, book into ``slot_count``
    slots of a fresh 10-window queue, at random, until every place is taken. Without
    ``mail`` the ticket email (PDF rendered and sent after commit) is left out."""
    import random
    from unittest import mock

    from django.db import connections

    from addons.queues import services

    queue, service = make_queue(site, addressee, f"Швидкість запису {int(mail)}",
                                capacity=WINDOWS, horizon=HORIZON_DAYS)
    citizens = make_citizens(clients, f"client{int(mail)}-")
    starts = []
    day = datetime.date.today() + datetime.timedelta(days=1)
    while len(starts) < slot_count:
        starts.extend(start for start, _end, _free in services.free_slots(queue, service, day))
        day += datetime.timedelta(days=1)
    starts = starts[:slot_count]
    places = slot_count * queue.capacity
    full: set = set()
    lock = threading.Lock()
    booked, refused, errors = [0] * clients, [0] * clients, []
    barrier = threading.Barrier(clients)

    def client(index: int) -> None:
        rng = random.Random(index)
        citizen = citizens[index]
        try:
            barrier.wait()
            while True:
                with lock:
                    open_starts = [start for start in starts if start not in full]
                if not open_starts:
                    return
                start = rng.choice(open_starts)
                try:
                    services.book(queue, service, citizen, start, {})
                    booked[index] += 1
                except services.SlotTaken:
                    refused[index] += 1
                    with lock:
                        full.add(start)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(repr(error))
        finally:
            connections.close_all()

    failed_mail = []

    class Failures(logging.Handler):
        def emit(self, record):
            failed_mail.append(record.getMessage())

    mail_log = logging.getLogger("addons.queues.emails")
    handler, propagate = Failures(level=logging.ERROR), mail_log.propagate
    mail_log.addHandler(handler)
    mail_log.propagate = False
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    with mock.patch.object(services, "_after_booking", services._after_booking if mail
                           else (lambda ticket: None)):
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    mail_log.removeHandler(handler)
    mail_log.propagate = propagate
    beyond, mismatched = double_bookings(queue)
    return {
        "clients": clients, "places": places, "booked": sum(booked), "refused": sum(refused),
        "errors": errors, "seconds": elapsed, "per_second": sum(booked) / elapsed,
        "double": beyond, "mismatched": mismatched, "mail_failed": len(failed_mail),
    }


# -- the run -------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    print()
    print("Electronic queue benchmark")
    with bench_environment("queues_bench", keep=args.keep) as (workdir, scratch):
        return run(args, workdir, scratch)


def run(args, workdir: Path, scratch: str | None) -> int:
    setup_django(workdir, scratch)
    from django.db import connection
    from django_q.conf import Conf

    from addons.queues import services

    # Mail goes to the task queue (as in production), not out in the booking thread.
    Conf.SYNC = False
    print(f"  {describe_machine()}")
    site, center = make_city()
    citizens = make_citizens(500, "citizen")
    queue_small, service_small = make_queue(site, center, "ЦНАП: паспорти (мало)")
    queue_large, service_large = make_queue(site, center, "ЦНАП: паспорти")
    started = time.perf_counter()
    places = fill(queue_large, service_large, args.tickets, citizens, seed=1)
    fill(queue_small, service_small, args.base, citizens, seed=2)
    built = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    first, last = horizon_days(queue_large)
    days = [day for day, _count in services.free_days(queue_large, service_large, first, last)]
    small = free_places(queue_small, service_small, days, args.runs)
    large = free_places(queue_large, service_large, days, args.runs)
    from django.test import Client

    client = Client()
    client.force_login(citizens[0])
    day = days[len(days) // 2]
    small.update(page_requests(client, queue_small, service_small, day, args.runs))
    large.update(page_requests(client, queue_large, service_large, day, args.runs))

    print()
    print(f"(e) Free places: {WINDOWS} windows, {SLOT_MINUTES}-minute slots, Mon-Fri "
          f"08:00-17:00 with a break, {HORIZON_DAYS}-day horizon ({places:,} places, "
          f"{len(days)} open days); {args.base:,} vs {args.tickets:,} tickets "
          f"(written in {built:.1f} s); median of {args.runs} calls")
    print(f"  {'call':<34}{'queries':>9}{'ms small':>10}{'ms large':>10}{'ratio':>7}")
    grown = []
    for key, name in (("day", "free_slots, one day"),
                      ("horizon", f"free_days, {HORIZON_DAYS + 1} days"),
                      ("api", "GET /api/v1/queues/<id>/slots/"),
                      ("page", "booking page (calendar + times)")):
        queries_small, ms_small, _n = small[key]
        queries_large, ms_large, _n = large[key]
        if queries_small != queries_large:
            grown.append(name)
        counts = (f"{queries_small}" if queries_small == queries_large
                  else f"{queries_small}->{queries_large}")
        print(f"  {name:<34}{counts:>9}{ms_small:>10.2f}{ms_large:>10.2f}"
              f"{ms_large / ms_small:>7.2f}")
    print(f"  per day within the horizon call: {large['per_day_in_horizon']:.2f} ms "
          f"({args.tickets:,} tickets)")

    failed = bool(grown)
    print()
    if connection.vendor != "postgresql":
        print("(f) Booking throughput: skipped, needs PostgreSQL. Set "
              "BENCH_DATABASE_URL=postgres://user@host/db (a scratch database "
              "<db>_queues_bench is created beside it).")
    else:
        results = [throughput(site, center, args.clients, args.slots, mail=mail)
                   for mail in (False, True)]
        print(f"(f) Booking throughput: {args.clients} concurrent clients (a thread and a "
              f"connection each) book every place of {args.slots} slots x {WINDOWS} windows "
              f"through book(); the second run includes the ticket email (PDF, after commit)")
        print(f"  {'':<26}{'booking':>12}{'+ email':>12}")
        rows = (("places", "places", "d"), ("tickets booked", "booked", "d"),
                ("'just taken' answers", "refused", "d"), ("seconds", "seconds", ".2f"),
                ("tickets per second", "per_second", ".1f"),
                ("double bookings (0)", "double", "d"),
                ("counter mismatches (0)", "mismatched", "d"),
                ("emails not sent", "mail_failed", "d"))
        for label, key, spec in rows:
            values = "".join(f"{format(result[key], spec):>12}" for result in results)
            print(f"  {label:<26}{values}")
        print("  double bookings: tickets beyond a slot's capacity, counted from the ticket "
              "rows; counter mismatches: a slot's counter != its tickets")
        for result in results:
            if result["errors"]:
                print(f"  errors: {result['errors'][:3]}")
            failed = failed or bool(result["double"] or result["mismatched"]
                                    or result["errors"] or result["booked"] != result["places"])
    if grown:
        print(f"\nFAILED: query count grows with the tickets on: {', '.join(grown)}")
    elif failed:
        print("\nFAILED: see (f)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
