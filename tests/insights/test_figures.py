"""Every figure on a small data set whose values are worked out by hand below, in two towns:
the records of Town 2 happen on the same days and must never show in Town 1's figures."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from addons.core import events as ev
from addons.insights import figures
from addons.insights.fold import fold
from addons.insights.models import InsightsSettings, Target

from .factories import CALL, REPORT, REQUEST, SURVEY, TICKET, TYPES, record

pytestmark = pytest.mark.django_db

NOVEMBER = figures.Period(date(2026, 11, 1), date(2026, 11, 30))  # previous: Oct 2..31


def d(month, day):
    return date(2026, month, day)


@pytest.fixture
def data(towns):
    """Town 1 (Romania: Nov 30 and Dec 1 are holidays):

    r1 received Mon Nov 2 (web, roads, centre, Roads dept), term Nov 10; first reply Nov 3
       (1 working day), resolved Thu Nov 5 (3), reopened Nov 20, resolved again Nov 25,
       rated 4 on Nov 26.
    r2 received Tue Nov 3 (e-mail, light, Parks dept), term Nov 6; replied the same day (0),
       resolved Thu Nov 12 (7 working days: late), rated 2 on Nov 13.
    r3 received Wed Nov 4 (web, roads, Roads dept), term Dec 1: open, overdue on Dec 7;
       escalated Nov 20.
    r4 received Tue Nov 10 (phone, Social dept), term Dec 20: open, not overdue.
    r5 received Thu Oct 15 (previous period; web, roads, Roads dept), term Oct 20; replied
       Oct 16 (1), resolved Mon Oct 19 (2), on time.
    r6 received Sat Nov 28 (web, City hall itself), no term; closed Nov 29 unresolved.
    r7 received Sep 1 (Roads dept), term Sep 30: open and overdue, 97 days old on Dec 7.
    p1 a public report received Nov 5 (web), resolved Nov 6.
    Tickets: t1 for Nov 3 served after 300 s, t2 for Nov 4 did not come, t3 for Nov 5
       served after 600 s, t4 for Nov 6 cancelled (all booked Oct 30).
    Calls on Nov 2: c1 answered in 30 s, closed at first contact; c2 answered in 50 s, closed
       with a follow-up; c3 abandoned; c4 answered in 10 s, not wrapped up.
    Survey answers: 5 on Nov 3, 4 on Nov 4, no score on Nov 5.
    """
    one, two = towns
    at = one.at
    rid = {}
    rid["r1"] = record(one, received=at(d(11, 2)), channel="web", category="roads",
                       district="centre", addressee=one.roads, due=at(d(11, 10), 18), steps=[
                           (ev.FIRST_REPLY, at(d(11, 3))), (ev.RESOLVED, at(d(11, 5))),
                           (ev.REOPENED, at(d(11, 20))), (ev.RESOLVED, at(d(11, 25))),
                           (ev.RATED, at(d(11, 26)), {"value": 4})])
    rid["r2"] = record(one, received=at(d(11, 3)), channel="email", category="light",
                       addressee=one.parks, due=at(d(11, 6), 18), steps=[
                           (ev.FIRST_REPLY, at(d(11, 3), 15)), (ev.RESOLVED, at(d(11, 12))),
                           (ev.RATED, at(d(11, 13)), {"value": 2})])
    rid["r3"] = record(one, received=at(d(11, 4)), channel="web", category="roads",
                       addressee=one.roads, due=at(d(12, 1), 18),
                       steps=[(ev.ESCALATED, at(d(11, 20)))])
    rid["r4"] = record(one, received=at(d(11, 10)), channel="phone", addressee=one.social,
                       due=at(d(12, 20), 18))
    rid["r5"] = record(one, received=at(d(10, 15)), channel="web", category="roads",
                       addressee=one.roads, due=at(d(10, 20), 18), steps=[
                           (ev.FIRST_REPLY, at(d(10, 16))), (ev.RESOLVED, at(d(10, 19)))])
    rid["r6"] = record(one, received=at(d(11, 28)), channel="web", addressee=one.hall,
                       steps=[(ev.CLOSED, at(d(11, 29)))])
    rid["r7"] = record(one, received=at(d(9, 1)), addressee=one.roads, due=at(d(9, 30), 18))
    rid["p1"] = record(one, REPORT, received=at(d(11, 5)), addressee=one.roads,
                       steps=[(ev.RESOLVED, at(d(11, 6)))])
    booked = at(d(10, 30))
    rid["t1"] = record(one, TICKET, received=booked, due=at(d(11, 3), 14),
                       steps=[(ev.SERVED, at(d(11, 3), 14, 5), {"value": 300})])
    rid["t2"] = record(one, TICKET, received=booked, due=at(d(11, 4), 15),
                       steps=[(ev.NO_SHOW, at(d(11, 4), 15, 30))])
    rid["t3"] = record(one, TICKET, received=booked, due=at(d(11, 5), 9),
                       steps=[(ev.SERVED, at(d(11, 5), 9, 10), {"value": 600})])
    rid["t4"] = record(one, TICKET, received=booked, due=at(d(11, 6), 9),
                       steps=[(ev.CANCELLED, at(d(11, 2)))])
    call = at(d(11, 2), 9)
    rid["c1"] = record(one, CALL, received=call, channel="phone", steps=[
        (ev.ANSWERED, at(d(11, 2), 9, 1), {"value": 30}),
        (ev.CLOSED, at(d(11, 2), 9, 5), {"status": "first_contact"})])
    rid["c2"] = record(one, CALL, received=call, channel="phone", steps=[
        (ev.ANSWERED, at(d(11, 2), 9, 1), {"value": 50}), (ev.CLOSED, at(d(11, 2), 9, 9))])
    rid["c3"] = record(one, CALL, received=call, channel="phone",
                       steps=[(ev.ABANDONED, at(d(11, 2), 9, 2))])
    rid["c4"] = record(one, CALL, received=call, channel="phone",
                       steps=[(ev.ANSWERED, at(d(11, 2), 9, 1), {"value": 10})])
    rid["s1"] = record(one, SURVEY, received=at(d(11, 3)), addressee=one.social, value=5)
    rid["s2"] = record(one, SURVEY, received=at(d(11, 4)), addressee=one.social, value=4)
    rid["s3"] = record(one, SURVEY, received=at(d(11, 5)), addressee=one.social)
    # Town 2: the same kinds of things on the same days, never counted in Town 1
    for _n in range(3):
        record(two, received=two.at(d(11, 2)), category="snow", addressee=two.roads,
               due=two.at(d(11, 3)), steps=[(ev.RESOLVED, two.at(d(11, 9))),
                                            (ev.REOPENED, two.at(d(11, 10))),
                                            (ev.ESCALATED, two.at(d(11, 10))),
                                            (ev.RATED, two.at(d(11, 10)), {"value": 1})])
    record(two, received=two.at(d(9, 1)), addressee=two.roads, due=two.at(d(9, 2)))
    record(two, TICKET, received=two.at(d(10, 30)), due=two.at(d(11, 3)),
           steps=[(ev.NO_SHOW, two.at(d(11, 3), 12))])
    record(two, CALL, received=two.at(d(11, 2)), steps=[(ev.ABANDONED, two.at(d(11, 2), 1))])
    record(two, SURVEY, received=two.at(d(11, 2)), value=1)
    fold()
    return one, two, rid


def now(town):
    return town.at(d(12, 7), 12)


def compute(town, **kwargs):
    scope = figures.Scope(town.site, record_types=TYPES, **kwargs.pop("scope", {}))
    return {(value.key, value.record_type): value
            for value in figures.compute(scope, kwargs.pop("period", NOVEMBER),
                                         now=now(town), **kwargs)}


def test_every_figure_of_the_data_set(data):
    one, _two, _rid = data
    values = compute(one)

    def v(key, record_type=REQUEST):
        return values[(key, record_type)]

    assert (v("intake", "").value, v("intake", "").previous) == (10, 5)  # + p1, calls; tickets
    assert (v("intake").value, v("intake").previous, v("intake").count) == (5, 1, 5)
    assert (v("intake", REPORT).value, v("intake", TICKET).previous) == (1, 4)
    intake = v("intake").breakdowns
    assert {bar.key: bar.count for bar in intake["channel"]} == {"web": 3, "email": 1,
                                                                 "phone": 1}
    assert [bar.label for bar in intake["channel"]][:1] == ["Web"]
    assert {bar.key: bar.count for bar in intake["category"]} == {"roads": 2, "light": 1,
                                                                  "-": 2}
    assert {bar.label: bar.count for bar in intake["category"]}["Street lighting"] == 1
    assert {bar.key: bar.count for bar in intake["district"]} == {"centre": 1, "-": 4}
    assert {bar.label: bar.count for bar in intake["addressee"]} == {
        one.hall.title: 4, one.social.title: 1}

    backlog = v("backlog")
    assert (backlog.value, backlog.previous) == (3, None)
    assert [(bar.key, bar.count) for bar in backlog.breakdown] == [
        ("0-7", 0), ("8-30", 1), ("31-90", 1), ("90+", 1)]

    flow_in = v("flow_in")
    assert [(bar.key, bar.count) for bar in flow_in.breakdown] == [
        ("2026-10-26", 0), ("2026-11-02", 3), ("2026-11-09", 1), ("2026-11-16", 0),
        ("2026-11-23", 1), ("2026-11-30", 0)]
    assert (v("flow_out").value, v("flow_out").previous) == (3, 1)
    assert [bar.count for bar in v("flow_out").breakdown] == [0, 1, 1, 0, 1, 0]

    assert (v("response_median").value, v("response_median").count) == (0.5, 2)
    assert (v("response_p90").value, v("response_median").previous) == (0.9, 1)
    assert (v("resolution_median").value, v("resolution_median").previous) == (5, 2)
    assert v("resolution_p90").value == 6.6
    assert (v("on_time").value, v("on_time").count, v("on_time").part,
            v("on_time").previous) == (50.0, 2, 1, 100.0)
    overdue = v("overdue")
    assert (overdue.value, overdue.count, overdue.part) == (66.7, 3, 2)
    assert {bar.label: (bar.value, bar.count) for bar in overdue.breakdown} == {
        one.hall.title: (100.0, 2), one.social.title: (0.0, 0)}
    assert (v("reopen_rate").value, v("reopen_rate").part) == (50.0, 1)
    assert (v("escalations").value, v("escalations").count) == (1, 1)
    assert (v("satisfaction").value, v("satisfaction").count) == (3.0, 2)
    assert (v("survey_score", SURVEY).value, v("survey_score", SURVEY).count) == (4.5, 2)
    assert v("queue_wait_median", TICKET).value == 7.5  # minutes: (300 + 600) / 2 s
    assert (v("no_show_rate", TICKET).value, v("no_show_rate", TICKET).count) == (33.3, 3)
    assert (v("calls_answered", CALL).value, v("answer_time_median", CALL).value) == (3, 30)
    assert (v("abandoned_rate", CALL).value, v("abandoned_rate", CALL).count) == (25.0, 4)
    assert (v("first_contact_rate", CALL).value, v("first_contact_rate", CALL).count) == (
        50.0, 2)
    capacity = v("tests.capacity", TICKET)
    assert (capacity.value, capacity.addon, capacity.drill) == (75.0, True, {})
    # figures that do not apply to a service are not there
    assert ("reopen_rate", TICKET) not in values and ("on_time", CALL) not in values
    assert ("intake", SURVEY) not in values


def test_other_town_sees_only_its_own(data):
    _one, two, _rid = data
    values = compute(two)
    assert values[("intake", REQUEST)].value == 3
    assert values[("reopen_rate", REQUEST)].value == 100.0
    assert values[("on_time", REQUEST)].value == 0.0
    assert values[("satisfaction", REQUEST)].value == 1.0
    assert values[("escalations", REQUEST)].value == 3
    assert values[("overdue", REQUEST)].value == 100.0
    assert values[("no_show_rate", TICKET)].value == 100.0


def test_an_addressees_subtree(data):
    one, _two, _rid = data
    values = compute(one, scope={"addressee": one.hall})
    assert values[("intake", REQUEST)].value == 4  # r1, r2, r3, r6
    bars = {bar.label: bar.count for bar in values[("intake", REQUEST)].breakdowns["addressee"]}
    assert bars == {one.roads.title: 2, one.parks.title: 1, one.hall.title: 1}
    assert values[("overdue", REQUEST)].value == 100.0
    roads = compute(one, scope={"addressee": one.roads})
    assert roads[("resolution_median", REQUEST)].value == 3
    assert roads[("on_time", REQUEST)].value == 100.0


def test_every_number_and_bar_lists_exactly_its_records(data):
    one, _two, _rid = data
    for scope in (figures.Scope(one.site, record_types=TYPES),
                  figures.Scope(one.site, addressee=one.hall, record_types=TYPES)):
        checked = 0
        for value in figures.compute(scope, NOVEMBER, now=now(one)):
            if value.addon:
                continue
            assert figures.records(scope, NOVEMBER, value.drill, now=now(one)).count() == \
                value.count, value
            if value.part is not None:
                assert figures.records(scope, NOVEMBER, value.part_drill,
                                       now=now(one)).count() == value.part, value
            for bars in value.breakdowns.values():
                for bar in bars:
                    listed = figures.records(scope, NOVEMBER, bar.drill, now=now(one))
                    assert listed.count() == bar.count, (value.key, bar)
                    checked += 1
        assert checked > 20


def test_the_drill_of_a_bar_read_back_from_a_query_string(data):
    from django.http import QueryDict
    from django.utils.http import urlencode

    one, _two, rid = data
    scope = figures.Scope(one.site, record_types=TYPES)
    overdue = compute(one)[("overdue", REQUEST)]
    bar = next(bar for bar in overdue.breakdown if bar.count)
    listed = figures.records(scope, NOVEMBER, QueryDict(urlencode(bar.drill)), now=now(one))
    assert set(listed.values_list("record_id", flat=True)) == {rid["r3"], rid["r7"]}


def test_the_number_of_queries_does_not_grow_with_the_data(towns):
    one, _two = towns

    def queries(n):
        for _ in range(n):
            record(one, received=one.at(d(11, 2)), category="roads", addressee=one.roads,
                   due=one.at(d(11, 9)), steps=[(ev.FIRST_REPLY, one.at(d(11, 3))),
                                                (ev.RESOLVED, one.at(d(11, 4))),
                                                (ev.ESCALATED, one.at(d(11, 4)))])
            record(one, CALL, received=one.at(d(11, 2)),
                   steps=[(ev.ANSWERED, one.at(d(11, 2), 11), {"value": 5})])
        fold()
        scope = figures.Scope(one.site, record_types=TYPES)
        figures.compute(scope, NOVEMBER, now=now(one))  # settings and profiles cached
        with CaptureQueriesContext(connection) as captured:
            figures.compute(scope, NOVEMBER, now=now(one))
        return len(captured)

    assert queries(5) == queries(45)


def test_an_empty_period_says_no_data(data):
    one, _two, _rid = data
    values = compute(one, period=figures.Period(date(2020, 1, 1), date(2020, 1, 30)))
    for key in ("response_median", "resolution_p90", "on_time", "reopen_rate",
                "satisfaction"):
        assert values[(key, REQUEST)].value is None, key
        assert values[(key, REQUEST)].previous is None, key
    for key, record_type in (("no_show_rate", TICKET), ("abandoned_rate", CALL),
                             ("queue_wait_median", TICKET), ("survey_score", SURVEY)):
        assert values[(key, record_type)].value is None, key
    assert values[("intake", "")].value == 0  # a count: nothing came
    assert values[("escalations", REQUEST)].value == 0
    assert values[("backlog", REQUEST)].value == 3  # open now, whatever the period


def test_targets_colour_the_figures(data):
    one, _two, _rid = data
    Target.objects.create(site=one.site, figure="on_time", green=90, amber=40)
    Target.objects.create(site=one.site, figure="resolution_median", record_type=REQUEST,
                          green=3, amber=6)
    Target.objects.create(site=one.site, figure="overdue", green=10, amber=20)
    # the Roads department has a target of its own, more specific than the site's
    roads = Target.objects.create(site=one.site, addressee=one.roads, figure="on_time",
                                  green=100, amber=99)
    values = compute(one)
    assert values[("on_time", REQUEST)].status == "amber"  # 50 % between 40 and 90
    assert values[("resolution_median", REQUEST)].status == "amber"  # 5 days, 3..6
    assert values[("overdue", REQUEST)].status == "red"  # 66.7 % above 20
    assert values[("intake", REQUEST)].status == ""
    in_roads = compute(one, scope={"addressee": one.roads})
    assert in_roads[("on_time", REQUEST)].target == roads
    assert in_roads[("on_time", REQUEST)].status == "green"  # 100 %


def test_ranking_greys_addressees_under_the_minimum_count(data):
    one, _two, _rid = data
    settings = InsightsSettings.for_site(one.site)
    settings.minimum_count = 2
    settings.save()
    scope = figures.Scope(one.site, addressee=one.hall, record_types=TYPES)
    bars = figures.ranking(scope, NOVEMBER, "intake", now=now(one))
    assert [(bar.label, bar.count, bar.grey) for bar in bars] == [
        (one.roads.title, 3, False), (one.hall.title, 1, True), (one.parks.title, 1, True)]
    # less is better: the fastest first; each bar lists its records
    bars = figures.ranking(scope, NOVEMBER, "resolution_median", REQUEST, now=now(one))
    assert [(bar.label, bar.value, bar.grey) for bar in bars] == [
        (one.roads.title, 3.0, True), (one.parks.title, 7.0, True)]
    for bar in bars:
        assert figures.records(scope, NOVEMBER, bar.drill, now=now(one)).count() == bar.count
    whole = figures.ranking(figures.Scope(one.site, record_types=TYPES), NOVEMBER, "intake",
                            now=now(one))
    # the City hall's records and the report, the calls with no addressee, Social (grey)
    assert [(bar.key, bar.count, bar.grey) for bar in whole] == [
        (str(one.hall.pk), 5, False), ("-", 4, False), (str(one.social.pk), 1, True)]


def test_the_catalogue_defines_every_figure_in_every_language(declared):
    rows = {row["key"]: row for row in figures.catalogue()}
    for key in ("intake", "backlog", "flow_in", "flow_out", "response_median", "response_p90",
                "resolution_median", "resolution_p90", "on_time", "overdue", "reopen_rate",
                "escalations", "satisfaction", "survey_score", "queue_wait_median",
                "no_show_rate", "calls_answered", "answer_time_median", "abandoned_rate",
                "first_contact_rate", "tests.capacity"):
        assert key in rows, key
        assert str(rows[key]["definition"])
    # the test add-on's types where their kinds say so (the add-ons' own types come too)
    reopened = rows["reopen_rate"]["record_types"]
    assert REQUEST in reopened and REPORT in reopened and TICKET not in reopened
    no_show = rows["no_show_rate"]["record_types"]
    assert TICKET in no_show and REQUEST not in no_show and REPORT not in no_show
    with translation.override("en"):
        english = {key: str(row["definition"]) for key, row in rows.items()
                   if not row["addon"]}
    for language in ("uk", "ro", "bg"):
        with translation.override(language):
            for key, row in rows.items():
                if not row["addon"]:
                    assert str(row["definition"]) != english[key], (language, key)


def test_a_drill_into_another_towns_addressee_or_category_is_refused(data):
    one, two, _rid = data
    scope = figures.Scope(one.site, record_types=TYPES)
    cases = (
        ({"figure": "overdue", "record_type": REQUEST, "addressee": str(two.roads.pk)},
         "bad_addressee"),
        ({"figure": "intake", "category": "snow"}, "bad_category"),
        ({"figure": "nonsense"}, "bad_figure"),
        ({"figure": "intake", "record_type": "other.thing"}, "bad_service"),
        ({"figure": "intake", "part": "yes"}, "bad_part"),
        ({"figure": "backlog", "band": "9-99"}, "bad_part"),
        ({"figure": "flow_in", "week": "2026-10-12"}, "bad_week"),
    )
    for drill, code in cases:
        with pytest.raises(ValidationError) as caught:
            figures.records(scope, NOVEMBER, drill, now=now(one))
        assert caught.value.code == code, drill
        with translation.override("uk"):
            ukrainian = str(caught.value.messages[0])
        with translation.override("en"):
            assert ukrainian != str(caught.value.messages[0]), code
    # an addressee of the same town outside the subtree shown
    inside = figures.Scope(one.site, addressee=one.hall, record_types=TYPES)
    with pytest.raises(ValidationError):
        figures.records(inside, NOVEMBER, {"figure": "intake", "addressee": str(one.social.pk)})


@pytest.mark.parametrize("fields, wrong", [
    ({"figure": "nonsense", "green": 1, "amber": 0}, "figure"),
    ({"figure": "on_time", "green": 120, "amber": 80}, "green"),
    ({"figure": "on_time", "green": 90, "amber": -5}, "amber"),
    ({"figure": "resolution_median", "green": -1, "amber": 4}, "green"),
    ({"figure": "on_time", "green": 80, "amber": 90}, "amber"),  # more is better here
    ({"figure": "overdue", "green": 20, "amber": 10}, "amber"),  # less is better here
    ({"figure": "intake", "record_type": "other.thing", "green": 5, "amber": 1},
     "record_type"),
    ({"figure": "on_time", "green": 90, "amber": 70, "addressee": "other town"}, "addressee"),
])
def test_a_target_out_of_range_is_refused(towns, fields, wrong):
    one, two = towns
    if fields.get("addressee") == "other town":
        fields = {**fields, "addressee": two.roads}
    target = Target(site=one.site, **fields)
    with pytest.raises(ValidationError) as caught:
        target.full_clean()
    assert wrong in caught.value.message_dict
    with translation.override("en"):
        english = ValidationError(caught.value.error_dict).message_dict[wrong][0]
    with translation.override("ro"):
        target2 = Target(site=one.site, **fields)
        with pytest.raises(ValidationError) as again:
            target2.full_clean()
        assert again.value.message_dict[wrong][0] != english


def test_targets_in_range_are_accepted(towns):
    one, _two = towns
    for fields in ({"figure": "on_time", "green": 90, "amber": 70},
                   {"figure": "overdue", "green": 5, "amber": 15, "addressee": one.roads},
                   {"figure": "resolution_median", "record_type": REQUEST, "green": 5,
                    "amber": 10},
                   {"figure": "tests.capacity", "green": 80, "amber": 60}):
        Target(site=one.site, **fields).full_clean()


def test_computed_figures_are_kept_until_something_new_is_folded(data):
    one, _two, _rid = data
    scope = figures.Scope(one.site, record_types=TYPES)
    period = figures.Period(date(2026, 11, 1), date(2026, 11, 30))

    def intake():
        values = figures.compute(scope, period)
        return next(v for v in values if (v.key, v.record_type) == ("intake", REQUEST))

    assert intake().value == 5
    with CaptureQueriesContext(connection) as captured:
        assert intake().value == 5
    assert len(captured) == 1  # where the fold has got to: the figures come from the cache
    record(one, received=one.at(d(11, 15)))
    assert intake().value == 5  # written, not folded yet
    fold()
    assert intake().value == 6
    # a new target is seen at once
    Target.objects.create(site=one.site, figure="intake", record_type=REQUEST, green=10,
                          amber=5)
    assert intake().status == "amber"
