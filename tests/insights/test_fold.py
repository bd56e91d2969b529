"""Folding service events into each record's facts (``addons.insights.fold``)."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from addons.core import events
from addons.insights.fold import fold, working_days
from addons.insights.models import Case, FoldMark

from .factories import CALL, REQUEST, SURVEY, TICKET, record, write

pytestmark = pytest.mark.django_db

FRI = date(2026, 11, 27)  # a Friday; Mon 30 Nov and Tue 1 Dec are public holidays in Romania


def case(record_id, record_type=REQUEST):
    return Case.objects.get(record_type=record_type, record_id=record_id)


def test_working_days_skip_weekends_and_the_jurisdictions_holidays():
    assert working_days(FRI, FRI, "ro") == 0
    assert working_days(FRI, date(2026, 11, 30), "ro") == 0  # Sat, Sun, a holiday
    assert working_days(FRI, date(2026, 12, 2), "ro") == 1  # Dec 1 a holiday too
    assert working_days(FRI, date(2026, 12, 2), "bg") == 3  # no holidays there then
    # across a new year: Dec 28 2026 .. Jan 5 2027 in Bulgaria
    assert working_days(date(2026, 12, 28), date(2027, 1, 5), "bg") == \
        sum(1 for n in range(1, 9) if (date(2026, 12, 28) + timedelta(days=n)).weekday() < 5
            and date(2026, 12, 28) + timedelta(days=n) != date(2027, 1, 1))


def test_a_reopen_is_counted_once_and_the_first_resolution_is_kept(towns):
    one, two = towns
    due = one.at(FRI + timedelta(days=7), 18)
    rid = record(one, received=one.at(FRI), due=due, addressee=one.roads, category="roads",
                 channel="email", steps=[
                     (events.FIRST_REPLY, one.at(date(2026, 11, 30))),
                     (events.RESOLVED, one.at(date(2026, 12, 2))),
                     (events.REOPENED, one.at(date(2026, 12, 3))),
                     (events.RESOLVED, one.at(date(2026, 12, 8))),
                     (events.RATED, one.at(date(2026, 12, 8), 12), {"value": 4}),
                 ])
    # the same life in the other town (Bulgaria: no holidays on Nov 30 and Dec 1)
    other = record(two, received=two.at(FRI), addressee=two.roads, steps=[
        (events.FIRST_REPLY, two.at(date(2026, 11, 30))),
        (events.RESOLVED, two.at(date(2026, 12, 2))),
    ])
    assert fold() == 9
    facts = case(rid)
    assert facts.site_id == one.site.pk
    assert facts.first_resolved_at == one.at(date(2026, 12, 2))
    assert facts.resolved_at == one.at(date(2026, 12, 8))
    assert facts.reopened == 1
    assert facts.state == "resolved"
    assert facts.on_time is True
    assert facts.response_days == 0  # the first reply came on a weekend-and-holiday run
    assert facts.resolve_days == 1
    assert facts.rating == 4
    assert (facts.channel, facts.category, facts.addressee_path) == ("email", "roads",
                                                                   one.roads.path)
    assert facts.done_at == one.at(date(2026, 12, 2))
    theirs = case(other)
    assert theirs.site_id == two.site.pk
    assert (theirs.response_days, theirs.resolve_days, theirs.on_time) == (1, 3, None)


def test_late_first_resolution_is_not_on_time_and_an_extension_moves_the_term(towns):
    one, _two = towns
    late = record(one, received=one.at(FRI), due=one.at(FRI + timedelta(days=3)), steps=[
        (events.RESOLVED, one.at(FRI + timedelta(days=5)))])
    extended = record(one, received=one.at(FRI), due=one.at(FRI + timedelta(days=3)), steps=[
        (events.EXTENDED, one.at(FRI + timedelta(days=2)), {"due": one.at(FRI + timedelta(10))}),
        (events.ESCALATED, one.at(FRI + timedelta(days=4))),
        (events.FORWARDED, one.at(FRI + timedelta(days=4), 11), {"addressee": one.parks}),
        (events.RESOLVED, one.at(FRI + timedelta(days=5)))])
    fold()
    assert case(late).on_time is False
    facts = case(extended)
    assert facts.on_time is True
    assert (facts.extended, facts.escalated, facts.forwarded) == (1, 1, 1)
    assert facts.addressee_path == one.parks.path
    assert facts.addressee_id == one.parks.pk


def test_a_record_closed_without_resolution_is_not_resolved(towns):
    one, _two = towns
    rid = record(one, received=one.at(FRI), steps=[(events.CLOSED, one.at(FRI, 15))])
    fold()
    facts = case(rid)
    assert facts.state == "closed"
    assert facts.first_resolved_at is None and facts.resolve_days is None
    assert facts.on_time is None
    assert facts.done_at == one.at(FRI, 15)  # it leaves the backlog all the same


def test_tickets_calls_and_surveys(towns):
    one, _two = towns
    served = record(one, TICKET, received=one.at(FRI), due=one.at(FRI, 14), steps=[
        (events.ARRIVED, one.at(FRI, 13, 50)),
        (events.SERVED, one.at(FRI, 14, 5), {"value": 300})])
    missed = record(one, TICKET, received=one.at(FRI), due=one.at(FRI, 15), steps=[
        (events.NO_SHOW, one.at(FRI, 15, 30))])
    answered = record(one, CALL, received=one.at(FRI), channel="phone", steps=[
        (events.ANSWERED, one.at(FRI, 10, 1), {"value": 42}),
        (events.CLOSED, one.at(FRI, 10, 9), {"status": "first_contact"})])
    abandoned = record(one, CALL, received=one.at(FRI), channel="phone", steps=[
        (events.ABANDONED, one.at(FRI, 10, 2))])
    survey = record(one, SURVEY, received=one.at(FRI), addressee=one.social, value=5)
    fold()
    assert (case(served, TICKET).state, case(served, TICKET).wait_seconds) == ("served", 300)
    assert case(served, TICKET).due_at == one.at(FRI, 14)
    assert (case(missed, TICKET).outcome, case(missed, TICKET).state) == ("no_show", "no_show")
    call = case(answered, CALL)
    assert (call.outcome, call.state, call.wait_seconds, call.first_contact) == (
        "answered", "closed", 42, True)
    assert case(abandoned, CALL).outcome == "abandoned"
    answer = case(survey, SURVEY)
    assert (answer.rating, answer.state, answer.rated_at) == (5, "closed", one.at(FRI))


def test_refolding_the_same_events_counts_nothing_twice(towns):
    one, _two = towns
    rid = record(one, received=one.at(FRI), steps=[
        (events.RESOLVED, one.at(FRI, 12)), (events.REOPENED, one.at(FRI, 13)),
        (events.ESCALATED, one.at(FRI, 14))])
    assert fold() == 4
    assert fold() == 0  # nothing new
    FoldMark.objects.filter(name="events").update(last_event_id=0)
    assert fold() == 4  # read again...
    facts = case(rid)
    assert (facts.reopened, facts.escalated) == (1, 1)  # ...and counted once
    assert facts.state == "open"


def test_events_written_out_of_order_leave_the_latest_state_and_the_earliest_moments(towns):
    one, _two = towns
    rid = 777001
    write(REQUEST, rid, events.RESOLVED, one, one.at(FRI, 12))
    fold()
    write(REQUEST, rid, events.RECEIVED, one, one.at(FRI, 9), channel="post")
    write(REQUEST, rid, events.RESOLVED, one, one.at(FRI, 11))
    fold()
    facts = case(rid)
    assert facts.state == "resolved"  # the received event is older than the resolution
    assert facts.first_resolved_at == one.at(FRI, 11)
    assert facts.received_at == one.at(FRI, 9)
    assert facts.resolve_days == 0


def test_fold_reads_in_batches_with_a_constant_number_of_queries(towns):
    one, _two = towns

    def queries(n):
        for _ in range(n):
            record(one, received=one.at(FRI), steps=[(events.RESOLVED, one.at(FRI, 12))])
        with CaptureQueriesContext(connection) as captured:
            fold()
        return len(captured)

    fold()  # the mark exists
    assert queries(3) == queries(30)


def test_limit_and_batches(towns):
    one, _two = towns
    ids = [record(one, received=one.at(FRI), steps=[(events.RESOLVED, one.at(FRI, 12))])
           for _ in range(5)]
    assert fold(limit=4, batch=3) == 4
    assert FoldMark.objects.get(name="events").last_event_id > 0
    assert fold(batch=3) == 6
    assert Case.objects.filter(record_id__in=ids, state="resolved").count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_folds_at_once_count_every_event_once(towns):
    """On PostgreSQL two threads fold at once (the mark's row lock makes them take turns);
    on SQLite, which has no row locks, the two folds run one after the other."""
    one, _two = towns
    ids = []
    for _n in range(120):
        ids.append(record(one, received=one.at(FRI), steps=[
            (events.RESOLVED, one.at(FRI, 12)), (events.REOPENED, one.at(FRI, 13)),
            (events.ESCALATED, one.at(FRI, 14))]))
    read = []
    start = threading.Barrier(2)

    def run():
        try:
            start.wait()
            read.append(fold(batch=25))
        finally:
            connection.close()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        read.extend([fold(batch=25), fold(batch=25)])
    assert sum(read) == 480
    assert Case.objects.filter(record_id__in=ids).count() == 120
    assert set(Case.objects.filter(record_id__in=ids).values_list("reopened", "escalated")) \
        == {(1, 1)}
