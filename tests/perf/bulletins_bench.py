#!/usr/bin/env python
"""Bulletins benchmark (part of ``make bench``).

(g) E-digest: two sites with the same tree of 45 addressees in one database, one holding
    1,000 bulletins (the baseline), the other 100,000, spread over 1,000 days with tags and
    search index entries. For each: the first page of a filtered digest (an addressee with
    its subtree and a category), a page deep in the unfiltered digest, and a search for a
    word that 30 bulletins of each site carry: SQL queries per request (must be equal on
    both sites) and median time, with the ratio to the baseline (goal: at most 2x). A search
    for a word one bulletin in ten carries is printed too: its cost follows the matches.
(h) Digest matching: 10,000 daily subscriptions of mixed kinds (addressee, subtree,
    category, tags, words) against the day's bulletins of the large site: the time to match
    them (``delivery.plan``), and the whole daily job into the in-memory mail backend
    (emails, SentBulletin rows written).

SQLite in a temporary directory by default; with ``BENCH_DATABASE_URL=postgres://...`` a
scratch database ``<name>_bulletins_bench`` is created beside the named one and dropped at
the end (``--keep`` keeps it). Exit status 1 when a query count differs between the sites.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.perf.harness import bench_environment, describe_machine, setup_django  # noqa: E402

RARE_WORD = "гідрант"
RARE_COUNT = 30
WORDS = ("ремонт дороги вода тепло світло школа парк сквер транспорт автобус тролейбус "
         "засідання бюджет сесія конкурс грант субсидія допомога прийом громадян вулиця "
         "площа міст зупинка сміття прибирання сніг ожеледиця озеленення дерева клумба "
         "фестиваль концерт виставка бібліотека музей стадіон басейн лікарня поліклініка "
         "щеплення вакансія тендер закупівля оренда земля ділянка реєстрація паспорт").split()
COMMON_WORD = "оголошення"  # in one bulletin of ten


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bulletins", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=1_000)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15, help="timed requests (median)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args(argv)


# -- the two towns -------------------------------------------------------------------------


def make_site(hostname: str, default: bool):
    """A site with a catalog of 5 bodies, each with 8 departments under it."""
    from wagtail.models import Page, Site

    from addons.addressees.models import AddresseeCatalogPage, AddresseePage, HomePage
    from addons.core.activation import setup_site

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title=hostname, slug=hostname.replace(".", "-")))
    if default:
        site = Site.objects.get(is_default_site=True)
        welcome = site.root_page
        site.root_page, site.hostname, site.port = home, hostname, 80
        site.save()
        if welcome.specific_class is Page and not welcome.get_children_count():
            welcome.delete()
    else:
        site = Site.objects.create(hostname=hostname, port=80, root_page=home,
                                   site_name=hostname)
    setup_site(site)
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Адресати", slug="catalog"))
    addressees = []
    for body in range(5):
        parent = catalog.add_child(instance=AddresseePage(title=f"Орган {body}",
                                                          slug=f"body-{body}"))
        addressees.append(parent)
        for department in range(8):
            addressees.append(parent.add_child(instance=AddresseePage(
                title=f"Відділ {body}.{department}", slug=f"dept-{body}-{department}")))
    return site, addressees


def fill(site, addressees, count: int, seed: int) -> None:
    """``count`` live bulletins over the last 1,000 days, two tags each, indexed."""
    from django.utils import timezone
    from taggit.models import Tag
    from wagtail.search.backends import get_search_backend

    from addons.bulletins.models import Bulletin, Category, TaggedBulletin

    rng = random.Random(seed)
    now = timezone.now()
    tags = [Tag.objects.get_or_create(name=word, defaults={"slug": word})[0]
            for word in WORDS[:40]]
    rare = set(rng.sample(range(count), RARE_COUNT))
    categories = list(Category.values)
    backend = get_search_backend()
    batch = 5_000
    for start in range(0, count, batch):
        rows = []
        for n in range(start, min(count, start + batch)):
            addressee = addressees[rng.randrange(len(addressees))]
            words = rng.sample(WORDS, 6)
            if n in rare:
                words.append(RARE_WORD)
            if n % 10 == 0:
                words.append(COMMON_WORD)
            rows.append(Bulletin(
                site_id=site.pk, addressee_id=addressee.pk, addressee_path=addressee.path,
                category=categories[n % 3], title=" ".join(words[:4]).capitalize(),
                summary=" ".join(words[2:]), body=f"<p>{' '.join(words)}.</p>", live=True,
                first_published_at=now - timedelta(minutes=rng.randrange(1_000 * 24 * 60)),
            ))
        created = Bulletin.objects.bulk_create(rows)
        if not created or created[0].pk is None:  # backends without RETURNING
            created = list(Bulletin.objects.filter(site_id=site.pk).order_by("-pk")[:len(rows)])
        TaggedBulletin.objects.bulk_create([
            TaggedBulletin(content_object_id=bulletin.pk, tag_id=tag.pk)
            for bulletin in created for tag in rng.sample(tags, 2)
        ])
        backend.add_bulk(Bulletin, list(Bulletin.objects.filter(
            pk__in=[b.pk for b in created]).prefetch_related("tags")))


# -- measuring -----------------------------------------------------------------------------


def measure(client, path: str, cases: list[tuple[str, dict]], runs: int):
    """For each (host, params): (queries, median seconds, matches) of GET ``path``. The
    hosts take turns within each run, so both see the same load on the machine."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = [[] for _ in cases]
    queries = [0 for _ in cases]
    matches = [0 for _ in cases]
    for host, params in cases:
        client.get(path, params, HTTP_HOST=host)  # warm caches
    for _ in range(runs):
        for index, (host, params) in enumerate(cases):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path, params, HTTP_HOST=host)
                times[index].append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            queries[index] = max(queries[index], len(captured))
            matches[index] = response.context["page"].paginator.count
    return [(queries[i], statistics.median(times[i]), matches[i]) for i in range(len(cases))]


def digest_figures(args, small, large) -> int:
    from django.test import Client

    client = Client()
    status = 0
    cases = [
        ("filtered page (subtree + category)", lambda a: {"addressee": a[0].pk,
                                                          "subtree": "on",
                                                          "category": "news"}, ""),
        ("unfiltered, page 10", lambda a: {"page": 10}, ""),
        (f"search, a word in {RARE_COUNT} bulletins", lambda a: {"q": RARE_WORD}, ""),
        ("search + addressee subtree", lambda a: {"q": RARE_WORD, "addressee": a[0].pk,
                                                  "subtree": "on"}, ""),
        ("search, a word in 1 bulletin of 10", lambda a: {"q": COMMON_WORD},
         "  (cost follows the matches)"),
    ]
    print(f"\n(g) E-digest: {args.base:,} vs {args.bulletins:,} bulletins, "
          f"median of {args.runs}")
    small_label, large_label = f"ms ({args.base:,})", f"ms ({args.bulletins:,})"
    print(f"  {'request':<40} {'queries':>9} {small_label:>9} {large_label:>10} "
          f"{'ratio':>6} {'matches':>15}")
    for label, params, note in cases:
        (q_small, t_small, m_small), (q_large, t_large, m_large) = measure(
            client, "/bulletins/", [(small[0].hostname, params(small[1])),
                                    (large[0].hostname, params(large[1]))], args.runs)
        if q_small != q_large:
            status = 1
            note += "  QUERY COUNT GROWS"
        print(f"  {label:<40} {q_small:>4}/{q_large:<4} {t_small * 1000:>9.1f} "
              f"{t_large * 1000:>10.1f} {t_large / t_small:>5.2f}x "
              f"{m_small:>7,}/{m_large:<7,}{note}")
    return status


def matching_figures(args, large) -> None:
    from django.core import mail
    from django.utils import timezone

    from addons.bulletins import delivery
    from addons.bulletins.models import Bulletin, SentBulletin, Subscription

    site, addressees = large
    rng = random.Random(7)
    confirmed = timezone.now() - timedelta(days=30)
    rows = []
    for n in range(args.subscriptions):
        kind = n % 20
        addressee = addressees[rng.randrange(len(addressees))]
        fields = {}
        if kind < 8:
            fields = {"addressee_id": addressee.pk, "addressee_path": addressee.path}
        elif kind < 12:
            parent = addressees[9 * rng.randrange(5)]
            fields = {"addressee_id": parent.pk, "addressee_path": parent.path,
                      "include_subtree": True}
        elif kind < 16:
            fields = {"category": ["message", "news", "announcement"][n % 3]}
        elif kind < 19:
            fields = {"tags": " ".join(rng.sample(WORDS[:40], 2))}
        else:
            fields = {"query": " ".join(rng.sample(WORDS, 1))}
        rows.append(Subscription(site_id=site.pk, email=f"reader{n % 7000}@bench.example",
                                 frequency="daily", confirmed_at=confirmed, **fields))
    Subscription.objects.bulk_create(rows, batch_size=2_000)
    now = timezone.now()
    day = Bulletin.objects.public(site).filter(
        first_published_at__gte=now - delivery.PERIODS["daily"] - delivery.SLACK).count()
    started = time.perf_counter()
    subscriptions = list(Subscription.objects.confirmed().filter(frequency="daily"))
    facts = delivery._facts(delivery._bulletins({site.pk}, now - delivery.PERIODS["daily"]
                                                - delivery.SLACK, now))
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    planned = delivery.plan(subscriptions, facts)
    matched = time.perf_counter() - started
    pairs = sum(len(bulletins) for _subs, bulletins in planned.values())
    print(f"\n(h) Digest matching: {len(subscriptions):,} daily subscriptions "
          f"({len({s.email for s in subscriptions}):,} addresses) against {day} bulletins "
          f"of the day")
    print(f"  load subscriptions and bulletins {loaded * 1000:9.0f} ms")
    print(f"  match (delivery.plan)            {matched * 1000:9.0f} ms   "
          f"{len(planned):,} digests, {pairs:,} bulletin deliveries")
    mail.outbox = []
    started = time.perf_counter()
    sent = delivery.send_digest("daily", now=now)
    job = time.perf_counter() - started
    print(f"  whole daily job (locmem mail)    {job * 1000:9.0f} ms   {sent:,} emails, "
          f"{SentBulletin.objects.count():,} SentBulletin rows, "
          f"{sent / job:,.0f} emails/s")
    again = delivery.send_digest("daily", now=now)
    print(f"  the same job run again           {again:>9} emails (nothing is sent twice)")


def main(argv=None) -> int:
    args = parse_args(argv)
    print()
    print("Bulletins benchmark")
    with bench_environment("bulletins_bench", keep=args.keep) as (workdir, scratch):
        return run(args, workdir, scratch)


def run(args, workdir: Path, scratch: str | None) -> int:
    setup_django(workdir, scratch)
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.utils import translation

    setup_test_environment()  # responses carry their context; mail stays in memory
    translation.activate("uk")
    print(f"  {describe_machine()}")
    small = make_site("small.bench", True)
    large = make_site("large.bench", False)
    started = time.perf_counter()
    fill(*small, args.base, seed=1)
    fill(*large, args.bulletins, seed=2)
    print(f"  built {args.base + args.bulletins:,} bulletins with tags and search index "
          f"entries in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    status = digest_figures(args, small, large)
    matching_figures(args, large)
    return status


if __name__ == "__main__":
    sys.exit(main())
