#!/usr/bin/env python
"""Mass-mailing benchmark (part of ``make bench``).

(m) A campaign to 100,000 recipients into a local SMTP sink (aiosmtpd, in this process),
    sent by a campaign worker in its own process, as django-q2 runs it. Halfway through
    the worker is killed with SIGKILL; after its lease runs out a new worker resumes the
    campaign. Prints messages per second (each worker, and overall without the wait for
    the lease), beside a baseline measured in the same run: the same messages sent through
    the same SMTP connection with no database at all (the ratio is the cost of the delivery
    records). Then what the sink counted: missing recipients and duplicates (a recipient
    who got two different messages), both must be 0, and re-sent copies of the one message
    in flight at the kill (same Message-ID, which a mail client shows once).

PostgreSQL when ``BENCH_DATABASE_URL`` is set (a scratch database ``<name>_mailings_bench``
is created and dropped, ``--keep`` keeps it), else SQLite in a temporary directory. Exit
status 1 when anyone is missing or got two different messages.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.perf.harness import ROOT, bench_environment, describe_machine, setup_django


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=5_000,
                        help="messages of the no-database baseline")
    parser.add_argument("--batch", type=int, default=200, help="deliveries per claim")
    parser.add_argument("--lease", type=float, default=5.0, help="lease of a claim, seconds")
    parser.add_argument("--kill-at", type=float, default=0.5,
                        help="kill the first worker after this share of the recipients")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args(argv)


# -- the city and its campaign ------------------------------------------------------------


def make_campaign(count: int):
    from wagtail.models import Page, Site

    from addons.addressees.models import HomePage
    from addons.core.models import SiteProfile
    from addons.mailings.models import (
        Campaign,
        ListMember,
        MailTemplate,
        MailTemplateVariant,
        RecipientList,
    )

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Світлогірськ", slug="bench-mailings"))
    site = Site.objects.get(is_default_site=True)
    site.root_page, site.hostname, site.port = home, "localhost", 80
    site.save()
    profile = SiteProfile.for_site(site)
    profile.municipality_name = "Світлогірська міська рада"
    profile.save()
    template = MailTemplate.objects.create(site=site, name="Відключення води",
                                           default_language="uk")
    MailTemplateVariant.objects.create(
        template=template, language="uk", subject="{municipality}: відключення води",
        body="Шановні {name}!\n\nЗавтра з 9:00 до 15:00 у вашому районі не буде води.\n\n"
             "Відписатися: {unsubscribe_url}\n")
    recipient_list = RecipientList.objects.create(site=site, name="Мешканці (бенчмарк)")
    emails = [f"resident{n:06d}@bench.example" for n in range(count)]
    ListMember.objects.bulk_create(
        [ListMember(recipient_list=recipient_list, email=email, name=f"Мешканець {n}")
         for n, email in enumerate(emails)], batch_size=5000)
    campaign = Campaign.objects.create(site=site, name="Бенчмарк", template=template,
                                       recipient_list=recipient_list)
    return campaign, emails


def baseline(port: int, count: int) -> float:
    """Messages per second through one SMTP connection, with no database work."""
    from django.core.mail import EmailMessage
    from django.core.mail.backends.smtp import EmailBackend

    connection = EmailBackend(host="127.0.0.1", port=port, use_tls=False, use_ssl=False,
                              username="", password="")
    connection.open()
    body = "Шановні Мешканець!\n\nЗавтра з 9:00 до 15:00 у вашому районі не буде води.\n"
    started = time.perf_counter()
    for n in range(count):
        connection.send_messages([EmailMessage(
            "Світлогірська міська рада: відключення води", body, "noreply@bench.example",
            [f"baseline{n:06d}@bench.example"],
            headers={"List-Unsubscribe": "<http://localhost/unsubscribe/x/>",
                     "Message-ID": f"<baseline-{n}@bench.example>"})])
    elapsed = time.perf_counter() - started
    connection.close()
    return count / elapsed


def worker(campaign_id: int, port: int, args, workdir: Path, scratch: str | None):
    env = {**os.environ, "MAILINGS_SMTP_PORT": str(port), "MAILINGS_LEASE": str(args.lease),
           "MAILINGS_BATCH": str(args.batch), "MAILINGS_RATE": "0",
           "DJANGO_SETTINGS_MODULE": "tests.perf.settings",
           "CIVICDESK_BENCH_DIR": str(workdir), "PYTHONPATH": f"{ROOT / 'site'}:{ROOT}"}
    if scratch:
        env["BENCH_DATABASE_URL"] = scratch
    return subprocess.Popen([sys.executable, "-m", "tests.mailings.worker", str(campaign_id)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def main(argv=None) -> int:
    args = parse_args(argv)
    print()
    print("Mass-mailing benchmark")
    with bench_environment("mailings_bench", keep=args.keep) as (workdir, scratch):
        return run(args, workdir, scratch)


def run(args, workdir: Path, scratch: str | None) -> int:
    setup_django(workdir, scratch)
    from django.db import connection
    from django_q.conf import Conf

    from addons.mailings import sending, services
    from addons.mailings.models import Campaign, Delivery, DeliveryStatus
    from tests.mailings.sink import Server

    Conf.SYNC = False
    sending.enqueue = lambda pk: None  # the workers are started by this script
    hint = "" if connection.vendor == "postgresql" else " (BENCH_DATABASE_URL: PostgreSQL)"
    print(f"  {describe_machine()}{hint}")
    started = time.perf_counter()
    campaign, emails = make_campaign(args.recipients)
    built = time.perf_counter() - started
    started = time.perf_counter()
    services.start_campaign(campaign)
    materialised = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    connection.close()  # the workers are other processes

    with Server() as server:
        base_rate = baseline(server.port, args.baseline)
        sink = server.sink
        base_count = sink.messages
        kill_at = int(args.recipients * args.kill_at) + random.randint(0, args.batch - 1)

        # rates run from a worker's first message to its last (process start-up apart)
        first = worker(campaign.pk, server.port, args, workdir, scratch)
        while sink.messages == base_count and first.poll() is None:
            time.sleep(0.001)
        t0 = time.perf_counter()
        while sink.messages - base_count < kill_at and first.poll() is None:
            time.sleep(0.002)
        first.send_signal(signal.SIGKILL)
        first.wait()
        t1 = sink.last_at
        sent_first = sink.messages - base_count
        leased = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENDING).count()
        connection.close()
        time.sleep(args.lease + 0.5)

        second = worker(campaign.pk, server.port, args, workdir, scratch)
        while sink.messages - base_count == sent_first and second.poll() is None:
            time.sleep(0.001)
        t2 = time.perf_counter()
        _out, err = second.communicate(timeout=3600)
        t3 = sink.last_at
        if second.returncode:
            print(err.decode()[-3000:])
            return 1
        sent_second = sink.messages - base_count - sent_first
        sink.by_address = type(sink.by_address)(
            {a: n for a, n in sink.by_address.items() if not a.startswith("baseline")})
        sink.ids_by_address = {a: ids for a, ids in sink.ids_by_address.items()
                               if not a.startswith("baseline")}
        tally = sink.tally(emails)
        headers = sink.last_headers or {}

    status = Campaign.objects.get(pk=campaign.pk).status
    counts = services.report(campaign)
    first_rate = sent_first / (t1 - t0)
    second_rate = sent_second / (t3 - t2)
    overall = (sent_first + sent_second) / ((t1 - t0) + (t3 - t2))
    print()
    print(f"(m) Campaign to {args.recipients:,} recipients into a local SMTP sink "
          f"(list written in {built:.1f} s; {args.recipients:,} delivery records "
          f"materialised in {materialised:.1f} s); batches of {args.batch}, lease "
          f"{args.lease:g} s, one worker process at a time")
    print(f"  {'':<46}{'messages':>10}{'seconds':>9}{'msg/s':>9}{'ratio':>7}")
    print(f"  {'baseline: SMTP only, no database':<46}{args.baseline:>10,}"
          f"{args.baseline / base_rate:>9.1f}{base_rate:>9.0f}{1:>7.2f}")
    print(f"  {'worker 1 (SIGKILL mid-campaign)':<46}{sent_first:>10,}{t1 - t0:>9.1f}"
          f"{first_rate:>9.0f}{first_rate / base_rate:>7.2f}")
    print(f"  {'worker 2 (resumed after the lease)':<46}{sent_second:>10,}{t3 - t2:>9.1f}"
          f"{second_rate:>9.0f}{second_rate / base_rate:>7.2f}")
    print(f"  {'campaign overall (without the lease wait)':<46}"
          f"{sent_first + sent_second:>10,}{(t1 - t0) + (t3 - t2):>9.1f}{overall:>9.0f}"
          f"{overall / base_rate:>7.2f}")
    print(f"  claimed but unsent when killed (re-queued after the lease): {leased}")
    print(f"  sink: received {tally['received'] - args.baseline:,} campaign messages for "
          f"{args.recipients:,} recipients; missing {tally['missing']}, duplicates "
          f"{tally['duplicates']} (goal: both 0); the in-flight message re-sent with the "
          f"same Message-ID: {tally['resent']}")
    print(f"  campaign: {status}; report: sent {counts['sent']:,}, failed {counts['failed']}, "
          f"bounced {counts['bounced']}, queued {counts['queued']}")
    print(f"  headers: List-Unsubscribe-Post: {headers.get('List-Unsubscribe-Post')}; "
          f"List-Unsubscribe: {'<http' in str(headers.get('List-Unsubscribe'))} URL, "
          f"{'mailto:' in str(headers.get('List-Unsubscribe'))} mailto")
    ok = tally["missing"] == 0 and tally["duplicates"] == 0 and tally["unexpected"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
