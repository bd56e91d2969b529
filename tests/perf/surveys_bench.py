#!/usr/bin/env python
"""Surveys benchmark (part of ``make bench``).

(g) The public results page of "Rate the quality of service" (stars, a matrix of three rows,
    yes/no, free text; answers spread over 10 addressees, with the ranking) holding 100,000
    answers, beside the same survey with 100 answers: SQL queries (must be equal) and the
    median time of a view, as a ratio (goal: at most 2x; the public figures come from
    counters kept in the answer's transaction, never from reading the answers). The same for
    one addressee's results. For comparison, the staff results page (counters and a page of
    the written answers) and the same filtered by date, which aggregates the answers in the
    database (GROUP BY), so it grows with them.

The 100 answers are given through ``services.submit`` (so their counters are the real ones,
and are checked against the answers); the 100,000 are written in bulk with the counters
they would have raised. SQLite in a temporary directory by default; with
``BENCH_DATABASE_URL=postgres://...`` a scratch database ``<name>_surveys_bench`` is made
beside the named one and dropped at the end. Exit status 1 when the query counts differ or
the counters disagree with the answers.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "site"), str(ROOT)]

from tests.perf.harness import bench_environment, describe_machine, setup_django  # noqa: E402
from tests.perf.queues_bench import make_city  # noqa: E402

ADDRESSEES = 10


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=100_000, help="answers, large survey")
    parser.add_argument("--base", type=int, default=100, help="answers, small survey")
    parser.add_argument("--runs", type=int, default=15, help="timed views (median)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    return parser.parse_args(argv)


def clone(survey, title):
    """A survey with the same questions (the small one, beside the default)."""
    from addons.surveys.models import Question, Survey

    copy = Survey.objects.create(site=survey.site, title=title, audience=survey.audience,
                                 anonymous=survey.anonymous, min_group_size=5)
    for question in survey.questions.all():
        Question.objects.create(survey=copy, sort_order=question.sort_order,
                                kind=question.kind, text=question.text,
                                required=question.required, choices=question.choices,
                                scale_min=question.scale_min, scale_max=question.scale_max)
    return copy


def items(questions, rng):
    from addons.surveys.models import QuestionKind

    result = {}
    for question in questions:
        if question.kind == QuestionKind.STARS:
            result[question.pk] = rng.choice([5, 5, 4, 4, 4, 3, 2, 1])
        elif question.kind == QuestionKind.YES_NO:
            result[question.pk] = rng.choice([1, 1, 1, 0])
        elif question.kind == QuestionKind.MATRIX:
            result[question.pk] = {row.pk: rng.randint(1, 5) for row in question.rows.all()}
        elif rng.random() < 0.1:
            result[question.pk] = f"Побажання № {rng.randint(1, 10**6)}"
    return result


class Person:
    is_authenticated = True

    def __init__(self, pk):
        self.pk = pk


def fill_through_service(survey, pages, count, rng):
    from addons.surveys import services

    questions = services.questions_of(survey)
    for n in range(count):
        services.submit(survey, items(questions, rng), user=Person(f"small-{n}"),
                        addressee=pages[n % len(pages)], questions=questions)


def fill_in_bulk(survey, pages, count, rng, batch=5000):
    """Responses and answers in bulk, then the counters they would have raised."""
    from django.db import transaction

    from addons.surveys import results, services
    from addons.surveys.models import Response, Tally

    questions = services.questions_of(survey)
    for first in range(0, count, batch):
        with transaction.atomic():
            made = Response.objects.bulk_create([
                Response(survey=survey, addressee=pages[n % len(pages)],
                         scope=pages[n % len(pages)].pk)
                for n in range(first, min(first + batch, count))
            ])
            if made[0].pk is None:  # SQLite before RETURNING: read the ids back
                made = list(Response.objects.filter(survey=survey).order_by("-pk")[:len(made)])
            answers = []
            for response in made:
                answers += services._answers(response, questions, items(questions, rng))
            from addons.surveys.models import Answer

            Answer.objects.bulk_create(answers, batch_size=5000)
    tallies = []
    for scope, responses in [(0, Response.objects.filter(survey=survey))] + [
            (page.pk, Response.objects.filter(survey=survey, scope=page.pk)) for page in pages]:
        for (question, bucket), value in results.answer_counts(responses).items():
            tallies.append(Tally(survey=survey, question_id=question, scope=scope,
                                 bucket=bucket, count=value))
    Tally.objects.bulk_create(tallies, batch_size=5000)


def measure(client, url, runs):
    from django.db import connection

    for _n in range(3):
        assert client.get(url).status_code == 200, url
    captured = []

    def counter(execute, sql, params, many, context):
        captured.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        client.get(url)
    times = []
    for _n in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    return len(captured), statistics.median(times)


def run(args, workdir: Path, scratch: str | None) -> int:
    setup_django(workdir, scratch)
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from addons.addressees.models import AddresseeGroup, AddresseePage
    from addons.surveys import results
    from addons.surveys.models import Response, Survey, SurveyPlacement

    print(f"  {describe_machine()}")
    site, center = make_city()
    group = AddresseeGroup.objects.create(name="Центри надання послуг", slug="centers")
    pages = [center] + [center.get_parent().add_child(instance=AddresseePage(
        title=f"Віддалене робоче місце № {n}", slug=f"office-{n}")) for n in range(1, ADDRESSEES)]
    for page in pages:
        page.groups.add(group)
        page.save()
    large = Survey.objects.get(site=site, key="quality")
    small = clone(large, "Оцініть якість обслуговування (100)")
    for page in pages:
        SurveyPlacement.objects.create(page=page, survey=large, sort_order=0)
        SurveyPlacement.objects.create(page=page, survey=small, sort_order=1)
    rng = random.Random(6)
    started = time.perf_counter()
    fill_through_service(small, pages, args.base, rng)
    fill_in_bulk(large, pages, args.answers, rng)
    built = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    failures = 0
    agree = (results.answer_counts(Response.objects.filter(survey=small))
             == results.tally_counts(small, 0))
    if not agree:
        failures += 1
    print(f"  {args.answers:,} + {args.base:,} answers over {ADDRESSEES} addressees written "
          f"in {built:.1f} s; counters of the {args.base} agree with their answers: "
          f"{'yes' if agree else 'NO'}")
    client = Client()
    rows = []
    for label, suffix in (("results page (all addressees, ranking)", ""),
                          ("results page (one addressee)", f"?addressee={center.pk}")):
        small_q, small_t = measure(client, reverse("surveys:results", args=[small.pk]) + suffix,
                                   args.runs)
        large_q, large_t = measure(client, reverse("surveys:results", args=[large.pk]) + suffix,
                                   args.runs)
        rows.append((label, small_q, large_q, small_t, large_t))
        if small_q != large_q:
            failures += 1
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("bench-admin", "a@bench.example", "x")
    client.force_login(admin)
    staff = []
    since = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    for label, suffix in (("staff results (counters, written answers)", ""),
                          ("staff results filtered (aggregated)", f"?start={since}")):
        small_q, small_t = measure(client, reverse("surveys_admin:results", args=[small.pk])
                                   + suffix, max(3, args.runs // 3))
        large_q, large_t = measure(client, reverse("surveys_admin:results", args=[large.pk])
                                   + suffix, max(3, args.runs // 3))
        staff.append((label, small_q, large_q, small_t, large_t))
    print()
    print(f"  {'page':42} {'queries':>15} {'median ms':>21} {'ratio':>7}")
    print(f"  {'':42} {args.base:>7,} {args.answers:>7,} {args.base:>10,} {args.answers:>10,}")
    for label, sq, lq, st, lt in rows:
        print(f"  {label:42} {sq:>7} {lq:>7} {st * 1000:>10.1f} {lt * 1000:>10.1f} "
              f"{lt / st:>6.2f}x")
    for label, sq, lq, st, lt in staff:
        print(f"  {label:42} {sq:>7} {lq:>7} {st * 1000:>10.1f} {lt * 1000:>10.1f} "
              f"{lt / st:>6.2f}x  (no goal)")
    print()
    worst = max(lt / st for _l, _sq, _lq, st, lt in rows)
    print(f"  Public results with {args.answers:,} answers: {worst:.2f}x the time with "
          f"{args.base} (goal <= 2x), queries equal: "
          f"{'yes' if all(sq == lq for _l, sq, lq, _s, _t in rows) else 'NO'}")
    return 1 if failures else 0


def main(argv=None) -> int:
    args = parse_args(argv)
    print()
    print("Surveys benchmark")
    with bench_environment("surveys_bench", keep=args.keep) as (workdir, scratch):
        return run(args, workdir, scratch)


if __name__ == "__main__":
    sys.exit(main())
