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

(ii) A person's timeline: in a third town, a person with 20 entries (``--timeline-base``),
    one with 250 (``--timeline-full``: the first page full from every source) and one with
    2,000 (``--timeline``) from five add-ons (appeals, problem reports, queue
    tickets, survey answers, bulletin subscriptions and notifications sent), written in
    bulk. The person's page (``/admin/contacts/persons/<id>/``, its first 50 entries) and
    ``contacts.timeline.timeline()`` alone: queries (must be equal) and median time, with
    the ratio.

(iii) The status line (``contacts.voice``): two more towns, one with 1,000 appeals and
    1,000 problem reports (``--status-base``), the other with 1,000,000 appeals and 200,000
    reports (``--appeals``, ``--reports``; ``INSERT ... SELECT generate_series``, so
    PostgreSQL only: skipped on SQLite). The step that tells a record's status (the caller's
    phone is on the record), as the provider posts it, signed with the town's token,
    through Django's test client, a new call each: median and p95 server time of
    ``--voice-runs`` requests, queries and the ratio; a provider waits about 15 s.

``--parts persons,timeline,status`` runs some of them.

SQLite in a temporary directory by default; with ``BENCH_DATABASE_URL=postgres://...`` a
scratch database ``<name>_contacts_bench`` is created beside the named one and dropped at
the end (``--keep`` keeps it). Exit status 1 when a query count differs between the sizes.
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
    parser.add_argument("--timeline", type=int, default=2_000,
                        help="entries of the person whose timeline is measured")
    parser.add_argument("--timeline-base", type=int, default=20,
                        help="entries of the baseline person")
    parser.add_argument("--timeline-full", type=int, default=250,
                        help="entries of a person whose first page is full from every source")
    parser.add_argument("--appeals", type=int, default=1_000_000,
                        help="appeals of the status line's large town (PostgreSQL)")
    parser.add_argument("--reports", type=int, default=200_000,
                        help="problem reports of the status line's large town")
    parser.add_argument("--status-base", type=int, default=1_000,
                        help="appeals and reports of the status line's baseline town")
    parser.add_argument("--voice-runs", type=int, default=100,
                        help="timed status line requests (median and p95)")
    parser.add_argument("--parts", default="persons,timeline,status",
                        help="what to measure, comma-separated (default: all three)")
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
    if count:
        print(f"  {hostname}: {count:,} persons in {time.perf_counter() - started:.0f} s")
    return site


def measure(function, runs: int, *, p95: bool = False) -> tuple:
    """(median milliseconds, SQL queries of one call) of ``function``; with ``p95``,
    (median, 95th percentile, queries)."""
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
    if p95:
        return (statistics.median(times), statistics.quantiles(times, n=20)[-1],
                len(captured))
    return statistics.median(times), len(captured)


# -- (ii) the timeline --------------------------------------------------------------------

#: the five add-ons a person's 2,000 entries come from: appeals, problem reports, queue
#: tickets, survey answers, bulletin subscriptions and the notifications sent (one share)
TIMELINE_SOURCES = ("appeals", "reports", "tickets", "surveys", "notifications")


def make_timeline_person(site, name: str, entries: int, citizen):
    """A person (verified e-mail, phone and cabinet account) with ``entries`` records spread
    over the five sources, each written in bulk straight to the database."""
    import datetime

    from django.utils import timezone

    from addons.accounts.models import Identity, Person
    from addons.addressees.models import AddresseePage
    from addons.appeals.models import Appeal
    from addons.bulletins.models import Subscription
    from addons.core.models import Notification
    from addons.queues.models import Queue, Ticket
    from addons.reports.models import Report, ReportCategory, ReportStatus
    from addons.surveys.models import Response, Survey

    now = timezone.now()
    tag = name.lower().replace(" ", "-")
    email, phone = f"{tag}@example.org", f"+38044{len(tag):03d}{entries:04d}"
    person = Person.objects.create(site=site, full_name=name)
    Identity.objects.bulk_create([
        Identity(person=person, site=site, kind=kind, value=value, raw=value, verified_at=now,
                 verified_how="operator")
        for kind, value in (("email", email), ("phone", phone), ("account", str(citizen.pk)))])
    share = entries // len(TIMELINE_SOURCES)
    hall = (AddresseePage.objects.filter(slug=f"hall-{site.pk}").first()
            or site.root_page.add_child(instance=AddresseePage(title="Housing department",
                                                               slug=f"hall-{site.pk}")))

    def moment(n):
        return now - datetime.timedelta(hours=n + 1)

    Appeal.objects.bulk_create([
        Appeal(site=site, addressee=hall, reference=f"AP-{tag}-{n:06d}", subject="Heating",
               text="The radiators are cold.", applicant_email=email, author=citizen,
               received_at=moment(n)) for n in range(share)])
    category, _created = ReportCategory.objects.get_or_create(
        site=site, code="roads.pothole", defaults={"name": "Pothole"})
    status, _created = ReportStatus.objects.get_or_create(
        code="new", defaults={"name": "New", "is_open": True})
    Report.objects.bulk_create([
        Report(site=site, category=category, status=status, tracking_number=f"PR-{tag}-{n:06d}",
               description="Pothole.", lat=50.45, lng=30.52, reporter=citizen,
               contact_email=email) for n in range(share)])
    queue = Queue.objects.create(site=site, title=f"Passport office {tag}")
    Ticket.objects.bulk_create([
        Ticket(queue=queue, service_name="Passport", start=moment(n),
               end=moment(n) + datetime.timedelta(minutes=15), day=moment(n).date(), seq=n,
               number=f"A-{n:04d}", citizen=citizen, contact_phone=phone)
        for n in range(share)])
    survey = Survey.objects.create(site=site, title=f"Quality of service {tag}",
                                   anonymous=False)
    Response.objects.bulk_create([
        Response(survey=survey, scope=n, citizen=citizen, submitted_at=moment(n))
        for n in range(share)])
    half = share // 2
    Subscription.objects.bulk_create([
        Subscription(site=site, email=email, user=citizen, query=f"words {n}",
                     confirmed_at=now) for n in range(half)])
    Notification.objects.bulk_create([
        Notification(site=site, email=email, recipient=citizen, event="appeals.filed",
                     subject="Your appeal is registered", body="-", status="sent",
                     sent_at=moment(n)) for n in range(entries - 4 * share - half)])
    return person


def timeline_figures(args, client, admin) -> dict:
    """(median ms, queries) of the person's page and of ``timeline()`` for a person with
    ``--timeline-base`` entries and one with ``--timeline`` entries, in one town."""
    from django.contrib.auth import get_user_model

    from addons.contacts.timeline import timeline

    site = make_town("timeline.example", 0)
    citizens = get_user_model().objects
    figures = {}
    for label, entries in (("baseline", args.timeline_base), ("full", args.timeline_full),
                           ("large", args.timeline)):
        citizen = citizens.create_user(username=f"citizen-{label}", password="x",
                                       email=f"citizen-{label}@example.org")
        person = make_timeline_person(site, f"Timeline {label}", entries, citizen)
        last = timeline(person, admin, page=-(-entries // 50))  # every entry is found
        assert len(last.entries) == entries - (last.page - 1) * 50 and not last.has_next, (
            label, len(last.entries), sorted(entry.source for entry in last.entries))

        def page(person=person):
            response = client.get(f"/admin/contacts/persons/{person.pk}/",
                                  HTTP_HOST=site.hostname)
            assert response.status_code == 200, response.status_code

        figures[label] = {"entries": entries,
                          "page": measure(page, args.runs),
                          "timeline": measure(lambda person=person: timeline(person, admin),
                                              args.runs)}
    return figures


# -- (iii) the status line ----------------------------------------------------------------

VOICE_TOKEN = "bench-voice-token"
CALLER = "+380671234567"


def fill_records(site, appeals: int, reports: int) -> tuple:
    """``appeals`` appeals and ``reports`` problem reports of past years in one
    ``INSERT ... SELECT generate_series`` each (``workspace_bench.insert_series``: every
    other column its model default), then the appeal and the report the caller asks about,
    with this year's references and the caller's phone on them; (appeal, report)."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from addons.addressees.models import AddresseePage
    from addons.appeals.models import Appeal, AppealForm, Status
    from addons.reports.models import Report, ReportCategory, ReportStatus
    from tests.perf.workspace_bench import insert_series

    hall = site.root_page.add_child(instance=AddresseePage(title="Roads department",
                                                           slug=f"roads-{site.pk}"))
    form = AppealForm.objects.create(site=site, title="Appeal")
    author = get_user_model().objects.create_user(username=f"author-{site.pk}", password="x",
                                                  email=f"author-{site.pk}@example.org")
    category = ReportCategory.objects.create(site=site, code=f"roads.{site.pk}", name="Pothole")
    closed, _created = ReportStatus.objects.get_or_create(
        code="closed", defaults={"name": "Closed", "is_open": False})
    in_work, _created = ReportStatus.objects.get_or_create(
        code="in_progress", defaults={"name": "In progress", "is_open": True})
    received = "now() - ((g %% 3650) + 60) * interval '1 day'"
    insert_series(Appeal, 1, appeals, {
        "site_id": "%(site)s", "reference": "'AP-H-' || lpad(g::text, 8, '0')",
        "addressee_id": "%(hall)s", "requested_addressee_id": "%(hall)s",
        "form_id": "%(form)s", "kind": "'individual'", "author_id": "%(author)s",
        "applicant_name": "'Applicant ' || g", "applicant_email": "'p' || g || '@example.org'",
        "applicant_phone": "'+38050' || lpad(g::text, 7, '0')",
        "subject": "'Appeal ' || g", "text": "'Text of appeal ' || g", "status": "'closed'",
        "received_at": received, "original_due_date": f"(({received}) + interval '30 days')::date",
        "due_date": f"(({received}) + interval '30 days')::date",
        "answered_at": f"({received}) + interval '20 days'",
        "closed_at": f"({received}) + interval '45 days'",
    }, {"site": site.pk, "hall": hall.pk, "form": form.pk, "author": author.pk})
    created = "now() - ((g %% 1460) + 60) * interval '1 day'"
    insert_series(Report, 1, reports, {
        "site_id": "%(site)s", "tracking_number": "'PR-H-' || lpad(g::text, 8, '0')",
        "category_id": "%(category)s", "addressee_id": "%(hall)s", "status_id": "%(status)s",
        "is_open": "false", "description": "'Pothole ' || g",
        "contact_phone": "'+38050' || lpad(g::text, 7, '0')",
        "lat": "49.35 + (g %% 1000) / 10000.0", "lng": "31.95 + (g %% 997) / 10000.0",
        "created_at": created, "updated_at": created, "due_at": f"({created}) + interval '10 days'",
        "resolved_at": f"({created}) + interval '5 days'",
        "closed_at": f"({created}) + interval '12 days'",
    }, {"site": site.pk, "category": category.pk, "hall": hall.pk, "status": closed.pk})
    year = timezone.localdate().year
    appeal = Appeal.objects.create(
        site=site, reference=f"AP-{year}-000123", addressee=hall, subject="Heating",
        text="Cold radiators.", applicant_phone=CALLER, status=Status.IN_PROGRESS,
        due_date=timezone.localdate() + datetime.timedelta(days=20))
    report = Report.objects.create(
        site=site, tracking_number=f"PR-{year}-000042", category=category, status=in_work,
        addressee=hall, description="Deep pothole", lat=49.4, lng=32.0, contact_phone=CALLER,
        is_public=False, due_at=timezone.now() + datetime.timedelta(days=5))
    return appeal, report


def status_line_figures(args) -> dict:
    """Per town (``--status-base`` appeals and reports against ``--appeals`` appeals and
    ``--reports`` reports): the server time of the step that tells a record's status
    (``step=ref``, the caller's phone on the record), median and p95 of ``--voice-runs``
    signed requests, each a new call, through the WSGI handler; and its SQL queries."""
    from django.db import connection
    from django.test import Client
    from twilio.request_validator import RequestValidator

    from addons.contacts.models import PhoneEndpoint

    towns = {"baseline": (args.status_base, args.status_base),
             "city": (args.appeals, args.reports)}
    figures = {}
    client = Client()
    validator = RequestValidator(VOICE_TOKEN)
    calls = iter(range(10**9))
    for name, (appeals, reports) in towns.items():
        started = time.perf_counter()
        site = make_town(f"voice-{name}.example", 0)
        PhoneEndpoint.objects.create(site=site, voice_token=VOICE_TOKEN, voice_enabled=True,
                                     voice_languages="en", transfer_number="+380441234567")
        fill_records(site, appeals, reports)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"  {site.hostname}: {appeals:,} appeals and {reports:,} reports in "
              f"{time.perf_counter() - started:.0f} s")
        year = time.gmtime().tm_year
        for kind in ("appeal", "report"):
            digits = f"{year}123#" if kind == "appeal" else f"{year}42#"
            query = f"kind={'appeals' if kind == 'appeal' else 'reports'}&lang=en&step=ref"

            def ask(site=site, query=query, digits=digits, kind=kind):
                path = f"/contacts/voice/?{query}"
                params = {"CallSid": f"CA{next(calls)}", "From": CALLER,
                          "To": "+380441110000", "AccountSid": "AC1", "Digits": digits}
                signature = validator.compute_signature(f"http://{site.hostname}{path}", params)
                response = client.post(path, params, HTTP_HOST=site.hostname,
                                       HTTP_X_TWILIO_SIGNATURE=signature)
                body = response.content.decode()
                assert response.status_code == 200 and "Status:" in body, (kind, body)

            figures.setdefault(kind, {})[name] = measure(ask, args.voice_runs, p95=True)
    return figures


def person_figures(args, client) -> dict:
    from addons.accounts.persons import find_by_identity

    towns = {"baseline": make_town("base.example", args.base),
             "city": make_town("city.example", args.persons)}
    analyze()
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
    return figures


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def ratio(large: float, base: float) -> float:
    return large / base if base else float("inf")


def print_persons(args, figures) -> bool:
    print(f"\n(i) Finding a person by phone: {args.base:,} persons against "
          f"{args.persons:,} (goal: at most 1.5x, the same queries)")
    print(f"  {'':<34}{'baseline ms':>12}{'city ms':>10}{'ratio':>8}{'queries':>12}")
    failed = False
    for key, label in (("lookup", "find by a typed phone number"),
                       ("popup", "the caller pop-up")):
        (base_ms, base_q), (city_ms, city_q) = figures["baseline"][key], figures["city"][key]
        queries = str(base_q) if base_q == city_q else f"{base_q} -> {city_q}"
        failed |= base_q != city_q
        print(f"  {label:<34}{base_ms:>12.2f}{city_ms:>10.2f}"
              f"{ratio(city_ms, base_ms):>7.2f}x{queries:>12}")
    return failed


def print_timeline(args, figures) -> bool:
    base, full, large = figures["baseline"], figures["full"], figures["large"]
    print(f"\n(ii) A person's timeline from five add-ons (appeals, problem reports, tickets, "
          f"survey answers, bulletin subscriptions and notifications): {base['entries']:,} "
          f"entries (all on the first page), {full['entries']:,} (the first page of 50 full, "
          f"each source asked for 51) and {large['entries']:,}; the same queries")
    print(f"  {'':<22}{base['entries']:>7,} ms{full['entries']:>7,} ms"
          f"{large['entries']:>7,} ms{'/' + str(base['entries']):>8}"
          f"{'/' + str(full['entries']):>8}{'queries':>10}")
    failed = False
    for key, label in (("page", "the person's page"), ("timeline", "timeline() alone")):
        (base_ms, base_q), (full_ms, full_q), (large_ms, large_q) = (
            base[key], full[key], large[key])
        counts = {base_q, full_q, large_q}
        queries = str(base_q) if len(counts) == 1 else f"{base_q}/{full_q}/{large_q}"
        failed |= len(counts) > 1
        print(f"  {label:<22}{base_ms:>10.1f}{full_ms:>10.1f}{large_ms:>10.1f}"
              f"{ratio(large_ms, base_ms):>7.2f}x{ratio(large_ms, full_ms):>7.2f}x"
              f"{queries:>10}")
    return failed


def print_status_line(args, figures) -> bool:
    print(f"\n(iii) The status line tells a record's status (step=ref, a signed request, a "
          f"new call each): {args.status_base:,} appeals and reports against "
          f"{args.appeals:,} appeals and {args.reports:,} reports; server time of "
          f"{args.voice_runs} requests (a provider gives up after about 15 s)")
    print(f"  {'':<20}{'base median':>12}{'p95':>8}{'city median':>13}{'p95':>8}"
          f"{'ratio':>8}{'queries':>10}")
    failed = False
    for kind, label in (("appeal", "an appeal"), ("report", "a problem report")):
        (base_ms, base_p95, base_q) = figures[kind]["baseline"]
        (city_ms, city_p95, city_q) = figures[kind]["city"]
        queries = str(base_q) if base_q == city_q else f"{base_q} -> {city_q}"
        failed |= base_q != city_q
        print(f"  {label:<20}{base_ms:>12.2f}{base_p95:>8.2f}{city_ms:>13.2f}{city_p95:>8.2f}"
              f"{ratio(city_ms, base_ms):>7.2f}x{queries:>10}")
    slowest = max(figures[kind]["city"][1] for kind in figures)
    print(f"  slowest p95 {slowest:.0f} ms: {15_000 / slowest:,.0f} times under the 15 s "
          "timeout")
    return failed


def run(args, workdir: Path, scratch: str | None) -> int:
    setup_django(workdir, scratch)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    print(f"  {describe_machine()}")
    parts = {part.strip() for part in args.parts.split(",")}
    analyze()
    admin = get_user_model().objects.create_superuser("operator", "operator@example.org",
                                                      "a long pass phrase")
    client = Client()
    client.force_login(admin)
    failed = False
    if "persons" in parts:
        failed |= print_persons(args, person_figures(args, client))
    if "timeline" in parts:
        failed |= print_timeline(args, timeline_figures(args, client, admin))
    if "status" in parts and connection.vendor != "postgresql":
        print("\n(iii) The status line with 1,000,000 appeals: skipped, it needs "
              "PostgreSQL (BENCH_DATABASE_URL)")
    elif "status" in parts:
        failed |= print_status_line(args, status_line_figures(args))
    return 1 if failed else 0


def main(argv=None) -> int:
    args = parse_args(argv)
    print("Contact center benchmark")
    with bench_environment("contacts_bench", keep=args.keep) as (workdir, scratch):
        return run(args, workdir, scratch)


if __name__ == "__main__":
    sys.exit(main())
