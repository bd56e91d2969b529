#!/usr/bin/env python
"""Chat channels benchmark (part of ``make bench``).

(i) The webhook's own step: a signed delivery of each platform (Telegram, Viber, WhatsApp,
    Messenger) verified on its raw bytes, parsed, stored once and queued on django-q2 (the
    ORM broker; the dialogue is not run), through Django's WSGI handler. Printed: requests
    per second, median and p95 milliseconds, and the ratio to the baseline measured in the
    same run: the same request with a wrong signature, refused before anything is parsed
    (what the routing and the channel lookup cost alone).
(ii) A whole conversation per platform, from the first message (a photo with the words) to
    the tracking number, against a local HTTP server that plays the platform (the photo is
    downloaded from it, every answer is sent to it): the time and the number of answers the
    bot sent, on the demo town (``load_demo``).

SQLite in a temporary directory by default; with ``BENCH_DATABASE_URL=postgres://...`` a
scratch database is created beside the named one and dropped at the end (``--keep``)."""

from __future__ import annotations

import argparse
import io
import json
import logging
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.perf.harness import bench_environment, describe_machine, setup_django  # noqa: E402

PLATFORMS = ("telegram", "viber", "whatsapp", "messenger")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=400,
                        help="timed deliveries per platform and kind")
    parser.add_argument("--conversations", type=int, default=3,
                        help="whole conversations per platform (median)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args(argv)


def delivery(platform: str, n: int) -> dict:
    """A realistic delivery of one text message, with Cyrillic and Romanian letters."""
    text = "Велика яма на Городоцькій біля 15; groapă mare pe strada Florilor"
    if platform == "telegram":
        return {"update_id": n, "message": {
            "message_id": n, "date": 1_765_000_000, "text": text,
            "chat": {"id": 5000 + n % 50, "type": "private"},
            "from": {"id": 5000 + n % 50, "first_name": "Olena", "language_code": "uk"}}}
    if platform == "viber":
        return {"event": "message", "timestamp": 1_765_000_000_000, "message_token": n,
                "sender": {"id": f"v{n % 50}", "name": "Olena", "language": "uk"},
                "message": {"type": "text", "text": text}}
    if platform == "whatsapp":
        return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
            "field": "messages", "value": {
                "messaging_product": "whatsapp", "metadata": {"phone_number_id": "PN1"},
                "contacts": [{"profile": {"name": "Olena"}, "wa_id": f"38050{n % 50:07d}"}],
                "messages": [{"from": f"38050{n % 50:07d}", "id": f"wamid.{n}",
                              "timestamp": "1765000000", "type": "text",
                              "text": {"body": text}}]}}]}]}
    return {"object": "page", "entry": [{"id": "PAGE1", "time": 1_765_000_000_000,
                                         "messaging": [{
                                             "sender": {"id": f"m{n % 50}"},
                                             "recipient": {"id": "PAGE1"},
                                             "timestamp": 1_765_000_000_000,
                                             "message": {"mid": f"m.{n}", "text": text}}]}]}


def signed_headers(platform: str, channel, body: bytes, *, right: bool) -> dict:
    from addons.channels.adapters.base import signature_hex

    if platform == "telegram":
        return {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": channel.secret if right else "wrong"}
    if platform == "viber":
        secret = channel.token if right else "wrong"
        return {"HTTP_X_VIBER_CONTENT_SIGNATURE": signature_hex(secret, body)}
    secret = channel.secret if right else "wrong"
    return {"HTTP_X_HUB_SIGNATURE_256": "sha256=" + signature_hex(secret, body)}


def channel_for(site, platform, api_base=""):
    from addons.channels.models import Channel

    fields = {"telegram": {"token": "1:bench"}, "viber": {"token": "viber-bench"},
              "whatsapp": {"token": "t", "account_id": "PN1"},
              "messenger": {"token": "t", "account_id": "PAGE1"}}[platform]
    return Channel.objects.create(site=site, platform=platform, name="Bench",
                                  api_base=api_base, **fields)


def timed(send, count: int) -> dict:
    times = []
    started = time.perf_counter()
    for n in range(count):
        began = time.perf_counter()
        send(n)
        times.append((time.perf_counter() - began) * 1000)
    total = time.perf_counter() - started
    times.sort()
    return {"rps": count / total, "median": statistics.median(times),
            "p95": times[int(len(times) * 0.95) - 1]}


def webhooks(args, site) -> None:
    from django.test import Client
    from django_q.conf import Conf

    from addons.channels.models import Inbound

    Conf.SYNC = False  # queued on the ORM broker; nobody works the queue here
    logging.getLogger("django-q").setLevel(logging.WARNING)
    logging.getLogger("addons.channels.views").setLevel(logging.ERROR)  # the refused ones
    client = Client()
    print("\n(i) Webhook deliveries verified, stored once and queued "
          f"({args.deliveries} per platform and kind)")
    print(f"  {'':<11}{'signed req/s':>13}{'median ms':>11}{'p95 ms':>9}"
          f"{'refused req/s':>15}{'median ms':>11}{'p95 ms':>9}{'ratio':>8}")
    counter = iter(range(10_000_000))
    for platform in PLATFORMS:
        channel = channel_for(site, platform)
        path = channel.webhook_path()

        def post(n, right, channel=channel, platform=platform, path=path):
            body = json.dumps(delivery(platform, next(counter)), ensure_ascii=False).encode()
            response = client.post(path, body, content_type="application/json",
                                   HTTP_HOST=site.hostname,
                                   **signed_headers(platform, channel, body, right=right))
            assert response.status_code == (200 if right else 403), response.status_code

        for n in range(20):  # warm
            post(n, True)
            post(n, False)
        before = Inbound.objects.filter(channel=channel).count()
        signed = timed(lambda n, post=post: post(n, True), args.deliveries)
        refused = timed(lambda n, post=post: post(n, False), args.deliveries)
        stored = Inbound.objects.filter(channel=channel).count() - before
        assert stored == args.deliveries, (platform, stored)
        ratio = refused["rps"] / signed["rps"]
        print(f"  {platform:<11}{signed['rps']:>13.0f}{signed['median']:>11.2f}"
              f"{signed['p95']:>9.2f}{refused['rps']:>15.0f}{refused['median']:>11.2f}"
              f"{refused['p95']:>9.2f}{ratio:>7.2f}x")
    Conf.SYNC = True
    print("  ratio: the refused request's rate over the signed one's (the cost of parsing, "
          "storing and queueing).")


def conversations(args, site) -> None:
    from django.test import Client

    from addons.reports.models import Report
    from addons.reports.services import get_settings
    from tests.channels.platform_server import PlatformServer
    from tests.channels.test_whole_path import Citizen, file_a_report

    settings_ = get_settings(site)
    centre = ((settings_.min_lat + settings_.max_lat) / 2,
              (settings_.min_lng + settings_.max_lng) / 2)
    print(f"\n(ii) A whole conversation, first message to tracking number "
          f"(median of {args.conversations}, {site.site_name})")
    print(f"  {'':<11}{'median ms':>11}{'answers sent':>14}")
    logging.getLogger("django-q").setLevel(logging.WARNING)
    for platform in ("warm-up", *PLATFORMS):
        durations, answers = [], []
        for _ in range(1 if platform == "warm-up" else args.conversations):
            server = PlatformServer().start()
            try:
                channel = channel_for(site, "telegram" if platform == "warm-up" else platform,
                                      api_base=server.url)
                if platform in ("telegram", "whatsapp", "messenger"):
                    channel.secret = "whole-path-secret"
                channel.token = "123456:whole-path-token"
                channel.save()
                citizen = Citizen(channel.platform, Client(HTTP_HOST=site.hostname), channel,
                                  server)
                citizen.user = str(7000 + len(durations))
                Report.objects.filter(site=site, source="chat").delete()
                started = time.perf_counter()
                report = file_a_report(citizen, point=centre)
                durations.append((time.perf_counter() - started) * 1000)
                assert report.tracking_number in citizen.replies()[-1][0]
                answers.append(len(citizen.replies()))
            finally:
                server.stop()
        if platform == "warm-up":  # the classifier's model, the templates
            continue
        print(f"  {platform:<11}{statistics.median(durations):>11.0f}"
              f"{statistics.median(answers):>14.0f}")


def run(args, workdir: Path, scratch: str | None) -> int:
    setup_django(workdir, scratch)
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    from addons.core.models import SiteProfile

    setup_test_environment()
    print(f"  {describe_machine()}")
    started = time.perf_counter()
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    print(f"  demo loaded in {time.perf_counter() - started:.0f} s")
    site = next(profile.site for profile in SiteProfile.objects.select_related("site")
                .order_by("site_id") if profile.site.root_page_id)
    webhooks(args, site)
    conversations(args, site)
    return 0


def main(argv=None) -> int:
    args = parse_args(argv)
    print("Chat channels benchmark")
    with bench_environment("channels_bench", keep=args.keep) as (workdir, scratch):
        return run(args, workdir, scratch)


if __name__ == "__main__":
    sys.exit(main())
