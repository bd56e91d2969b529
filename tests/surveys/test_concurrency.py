"""Concurrent answers on PostgreSQL: one answer per citizen and per link held by the
database, and counters that lose no increment."""

import threading

import pytest
from django.db import connection, connections

from addons.surveys import results, services
from addons.surveys.models import Audience, Participation, QuestionKind, Response

from .conftest import add_question, make_survey, q

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

WORKERS = 24


def race(calls):
    """Run every call at once, each in its own thread, connection and transaction.
    Returns (responses, AlreadyAnswered count, other errors)."""
    barrier = threading.Barrier(len(calls))
    made, refused, errors = [], [], []
    lock = threading.Lock()

    def worker(call):
        try:
            barrier.wait()
            response = call()
            with lock:
                made.append(response)
        except services.AlreadyAnswered as error:
            with lock:
                refused.append(error)
        except Exception as error:  # noqa: BLE001
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return made, refused, errors


def test_same_citizen_at_once_makes_one_answer(survey, addressee, citizen):
    stars = q(survey, QuestionKind.STARS)
    calls = [lambda: services.submit(survey, {stars.pk: 5}, user=citizen, addressee=addressee)
             ] * WORKERS
    made, refused, errors = race(calls)
    assert errors == []
    assert len(made) == 1 and len(refused) == WORKERS - 1
    assert Response.objects.count() == 1
    assert Participation.objects.filter(survey=survey, scope=addressee.pk).count() == 1
    assert results.tally_counts(survey, addressee.pk)[(None, "responses")] == 1


def test_same_link_at_once_makes_one_answer(site):
    from django.contrib.auth.models import AnonymousUser

    survey = make_survey(site, audience=Audience.LINK)
    add_question(survey, QuestionKind.STARS)
    link = services.issue_invitation(survey)
    stars = q(survey, QuestionKind.STARS)
    calls = [lambda: services.submit(survey, {stars.pk: 4}, user=AnonymousUser(),
                                     invitation=link)] * WORKERS
    made, refused, errors = race(calls)
    assert errors == [] and len(made) == 1 and len(refused) == WORKERS - 1
    assert Response.objects.filter(survey=survey).count() == 1


def test_same_browser_at_once_makes_one_answer(site):
    """A survey open to anyone: one answer per browser, held by the participation mark."""
    from django.contrib.auth.models import AnonymousUser

    survey = make_survey(site, audience=Audience.ANYONE)
    stars = add_question(survey, QuestionKind.STARS)
    calls = [lambda: services.submit(survey, {stars.pk: 3}, user=AnonymousUser(),
                                     browser_id="b" * 32)] * WORKERS
    made, refused, errors = race(calls)
    assert errors == [] and len(made) == 1 and len(refused) == WORKERS - 1
    assert Response.objects.filter(survey=survey).count() == 1
    assert Participation.objects.filter(survey=survey).count() == 1


def test_counters_lose_no_increment(survey, addressee, make_citizen):
    citizens = [make_citizen() for _ in range(WORKERS)]
    stars = q(survey, QuestionKind.STARS)
    single = q(survey, QuestionKind.SINGLE)
    option = single.options.first()
    calls = [
        (lambda c=c, n=n: services.submit(
            survey, {stars.pk: n % 5 + 1, single.pk: option.pk}, user=c, addressee=addressee))
        for n, c in enumerate(citizens)
    ]
    made, refused, errors = race(calls)
    assert errors == [] and refused == [] and len(made) == WORKERS
    counts = results.tally_counts(survey, 0)
    assert counts[(None, "responses")] == WORKERS
    assert counts[(single.pk, f"o{option.pk}")] == WORKERS
    assert counts[(stars.pk, "sum")] == sum(n % 5 + 1 for n in range(WORKERS))
    assert results.answer_counts(Response.objects.all()) == counts
