"""A counted survey answer writes one ``survey_answer`` service event in its transaction:
the score 1..5 of its rating questions (None without any), the surveyed addressee, channel
"web", only the day for an anonymous survey; one INSERT and nothing else. The data
migration builds the same events for the answers given before, on two towns, once."""

import importlib
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from addons.core import events
from addons.core.models import ServiceEvent
from addons.core.registry import service_event_type
from addons.surveys import events as survey_events
from addons.surveys import services
from addons.surveys.models import QuestionKind
from tests.conftest import add_town

from .conftest import add_question, make_survey, q, stars_items

pytestmark = pytest.mark.django_db
TYPE = "surveys.response"
migration = importlib.import_module("addons.surveys.migrations.0007_service_events")


def _event(response):
    return ServiceEvent.objects.get(record_type=TYPE, record_id=response.pk)


def test_an_answer_writes_its_event_with_the_score(survey, addressee, citizen, site):
    matrix = q(survey, QuestionKind.MATRIX)
    rows = list(matrix.rows.all())
    items = {q(survey, QuestionKind.STARS).pk: 4,           # 4
             q(survey, QuestionKind.SCALE).pk: 5,           # 0..10 -> 3
             q(survey, QuestionKind.YES_NO).pk: 1,          # not a rating
             matrix.pk: {rows[0].pk: 5, rows[1].pk: 2}}     # mean 3.5
    response = services.submit(survey, items, user=citizen, addressee=addressee)
    event = _event(response)
    assert event.kind == events.ANSWERED_SURVEY == "survey_answer"
    assert event.site_id == site.pk and event.public is True
    assert event.addressee_id == addressee.pk and event.addressee_path == addressee.path
    assert event.channel == "web" and event.category == str(survey.pk)
    assert event.reference == str(response.pk)
    assert event.value == pytest.approx((4 + 3 + 3.5) / 3)
    assert event.actor_id is None


def test_an_anonymous_answer_keeps_only_its_day(survey, citizen):
    response = services.submit(survey, stars_items(survey, 5), user=citizen)
    event = _event(response)
    assert event.value == 5
    local = timezone.localtime(event.at)
    assert local.date() == response.submitted_on
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)


def test_a_named_answer_keeps_its_moment(site, citizen):
    named = make_survey(site, title="Named", anonymous=False)
    add_question(named, QuestionKind.STARS)
    moment = timezone.now()
    response = services.submit(named, stars_items(named, 2), user=citizen, now=moment)
    assert _event(response).at == moment and _event(response).value == 2


def test_without_rating_questions_the_value_is_none(site, citizen):
    plain = make_survey(site, title="Plain")
    add_question(plain, QuestionKind.YES_NO, "Was it open?")
    add_question(plain, QuestionKind.SHORT_TEXT, "Anything else?", required=False)
    response = services.submit(plain, {q(plain, QuestionKind.YES_NO).pk: 1}, user=citizen)
    assert _event(response).value is None


def test_rating_questions_left_unanswered_give_no_score(survey, citizen):
    single = q(survey, QuestionKind.SINGLE)
    items = {q(survey, QuestionKind.STARS).pk: 1, single.pk: single.options.first().pk}
    assert _event(services.submit(survey, items, user=citizen)).value == 1


def test_a_suspicious_or_refused_answer_writes_no_event(survey, citizen, make_citizen):
    services.submit(survey, stars_items(survey, 5), user=citizen, suspicious=True)
    with pytest.raises(services.SurveyError):
        services.submit(survey, stars_items(survey, 9), user=make_citizen())
    with pytest.raises(services.SurveyError):  # a second answer by the same citizen
        services.submit(survey, stars_items(survey, 3), user=citizen)
    assert not ServiceEvent.objects.exists()


def test_scores_on_every_scale():
    assert survey_events.rating_range("stars", 0, 10) == (1, 5)
    assert survey_events.rating_range("scale", -2, 2) == (-2, 2)
    assert survey_events.rating_range("matrix", 0, 0) == (1, 5)
    assert survey_events.rating_range("yes_no", 0, 1) is None
    assert survey_events.rating_range("single", 0, 10) is None
    assert survey_events.mean_score([(-2, 2, [2])]) == 5
    assert survey_events.mean_score([(-2, 2, [-2])]) == 1
    assert survey_events.mean_score([(1, 5, [3]), (0, 10, [10])]) == 4
    assert survey_events.mean_score([(1, 5, [None])]) is None
    assert survey_events.mean_score([]) is None


def test_one_insert_and_nothing_else(survey, addressee, make_citizen):
    def answer():
        services.submit(survey, stars_items(survey, 4), user=make_citizen(),
                        addressee=addressee)

    answer()  # warm the caches
    with mock.patch.object(survey_events, "record"), \
            CaptureQueriesContext(connection) as without:
        answer()
    with CaptureQueriesContext(connection) as with_events:
        answer()
    sql = [query["sql"] for query in with_events.captured_queries]
    added = [statement for statement in sql if "core_serviceevent" in statement]
    assert len(added) == 1 and added[0].startswith('INSERT INTO "core_serviceevent"')
    assert len(sql) - 1 == len(without.captured_queries)


def test_the_declaration(site, survey):
    declared = service_event_type(TYPE)
    assert declared is not None and declared.public and declared.kinds == ("survey_answer",)
    with translation.override("en"):
        labels = declared.label_map(site)
    assert labels["category"] == {str(survey.pk): "Quality"}
    assert labels["channel"] == {"web": "Website"}
    with translation.override("uk"):
        assert declared.label_map(site)["channel"]["web"] != "Website"
    url = declared.admin_url(7)
    assert url == "" or "7" in url


def _facts():
    return sorted((e.site_id, e.record_id, e.kind, e.at, e.addressee_id, e.addressee_path,
                   e.category, e.channel, e.public, e.value, e.reference, e.actor_id)
                  for e in ServiceEvent.objects.filter(record_type=TYPE))


def test_the_migration_builds_the_events_on_two_towns_once(survey, site, addressee,
                                                           make_citizen):
    town2 = add_town("surveys2.example")
    other = make_survey(town2, title="Town two", anonymous=False)
    add_question(other, QuestionKind.SCALE, scale_min=0, scale_max=4)
    add_question(other, QuestionKind.YES_NO, required=False)
    services.submit(survey, stars_items(survey, 3), user=make_citizen(), addressee=addressee)
    services.submit(survey, stars_items(survey, 5), user=make_citizen())
    services.submit(survey, stars_items(survey, 1), user=make_citizen(), suspicious=True)
    scale = q(other, QuestionKind.SCALE)
    services.submit(other, {scale.pk: 1}, user=make_citizen())
    live = _facts()
    assert len(live) == 3 and {fact[0] for fact in live} == {site.pk, town2.pk}
    ServiceEvent.objects.all().delete()

    migration.build(django_apps, None)
    assert _facts() == live
    migration.build(django_apps, None)  # again: nothing new
    assert _facts() == live

    ServiceEvent.objects.create(**events.row("reports.report", 1, "received", site=site))
    migration.Migration.operations[-1].reverse_code(django_apps, None)
    assert list(ServiceEvent.objects.values_list("record_type", flat=True)) == [
        "reports.report"]
