"""Problem reports write their service events (``addons.core.events``) in the services, in
the transaction of each change: filing by every channel, routing and forwarding, the first
public reply, status changes with resolved / closed / reopened, escalation and rating. Each
event costs one INSERT and nothing else; the data migration builds the same events for the
reports that existed before, on two towns, once."""

import importlib
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from addons.core import events
from addons.core.models import ServiceEvent
from addons.core.registry import service_event_type
from addons.reports import chat, intake, services
from addons.reports import events as report_events
from addons.reports.models import District, Open311ApiKey, Report, ReportCategory, Source

from .conftest import CENTRE
from .test_chat_intake import _data, _person
from .test_two_towns import town2  # noqa: F401  (the second town)

pytestmark = pytest.mark.django_db
TYPE = "reports.report"
migration = importlib.import_module("addons.reports.migrations.0011_service_events")


def _events(report, kind=None):
    rows = ServiceEvent.objects.filter(record_type=TYPE, record_id=report.pk)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("pk"))


def _kinds(report):
    return [event.kind for event in _events(report)]


def _reload(report):
    return Report.objects.select_related("site", "category", "status", "addressee").get(
        pk=report.pk)


@pytest.fixture
def district(reports_site):
    d = 0.01
    return District.objects.create(site=reports_site, name="Centre", polygon=[
        [CENTRE.lat - d, CENTRE.lng - d], [CENTRE.lat - d, CENTRE.lng + d],
        [CENTRE.lat + d, CENTRE.lng + d], [CENTRE.lat + d, CENTRE.lng - d]])


# --- filing -------------------------------------------------------------------------------


def test_filing_writes_received_and_routed_with_every_fact(make_report, citizen, addressee,
                                                           district, reports_site):
    report = make_report(source=Source.WEB)
    received, routed = _events(report)
    assert (received.kind, routed.kind) == (events.RECEIVED, events.ROUTED)
    for event in (received, routed):
        assert event.site_id == reports_site.pk
        assert event.record_id == report.pk and event.reference == report.tracking_number
        assert event.addressee_id == addressee.pk
        assert event.addressee_path == addressee.path
        assert event.category == "roads.pothole"
        assert event.district == str(district.pk)
        assert event.channel == "web"
        assert event.due == report.due_at and event.due is not None
        assert event.actor_id == citizen.pk
        assert event.public is True
        assert event.at == report.created_at


def test_web_form_open311_chat_and_operator_intake_each_name_their_channel(
        client, reports_site, category, make_user, addressee):
    # the website's form
    form = {"category": "roads.pothole", "description": "Pothole by the school",
            "lat": f"{CENTRE.lat:.6f}", "lng": f"{CENTRE.lng:.6f}", "is_public": "on",
            "action": "submit", "contact_email": "anon@example.org", "website": ""}
    assert client.post("/reports/new/", form).status_code == 302
    # an Open311 client
    key = Open311ApiKey.objects.create(name="City app", site=reports_site)
    posted = client.post("/open311/v2/requests.json", {
        "api_key": key.key, "service_code": "roads.pothole", "lat": str(CENTRE.lat),
        "long": str(CENTRE.lng), "description": "A pothole near the school.",
        "email": "someone@example.org"})
    assert posted.status_code in (200, 201), posted.content
    # a chat
    with translation.override("en"):
        chat.file(reports_site, _data(), person=_person(reports_site, "1001"),
                  source=Source.CHAT)
    # an operator taking a call
    operator = make_user("operator", is_staff=True)
    intake.file(reports_site, {"category": category, "point": CENTRE,
                               "description": "Called about a pothole"},
                source=Source.PHONE, entered_by=operator)
    received = ServiceEvent.objects.filter(record_type=TYPE, kind=events.RECEIVED)
    assert sorted(received.values_list("channel", flat=True)) == sorted(
        ["web", "open311", "chat", "phone"])
    by_phone = received.get(channel="phone")
    assert by_phone.actor_id == operator.pk
    for event in received:
        report = Report.objects.get(pk=event.record_id)
        assert event.channel == report.source and event.due == report.due_at
        assert event.addressee_id == addressee.pk


def test_a_private_reports_events_are_not_public(make_report, moderator):
    report = make_report(is_public=False)
    services.change_status(report, "in_progress", moderator)
    services.change_status(_reload(report), "resolved", moderator)
    assert len(_events(report)) == 6
    assert not any(event.public for event in _events(report))
    # a public one's are
    other = make_report()
    assert all(event.public for event in _events(other))


def test_a_hidden_reports_events_are_not_public(make_report, moderator):
    report = make_report()
    services.moderate(report, moderator, is_hidden=True)
    services.change_status(_reload(report), "in_progress", moderator)
    assert [e.public for e in _events(report)] == [True, True, False, False]


def test_a_report_without_an_addressee_is_received_but_not_routed(reports_site, citizen):
    category = ReportCategory.objects.get(site=reports_site, code="lighting.street")
    report = services.submit_report(site=reports_site, category=category, point=CENTRE,
                                    description="Dark street", reporter=citizen)
    assert report.addressee_id is None
    (received,) = _events(report)
    assert received.kind == events.RECEIVED and received.addressee_id is None
    assert received.addressee_path == ""


# --- the report's life --------------------------------------------------------------------


def test_routing_and_forwarding(make_report, moderator, superuser, water, reports_site):
    category = ReportCategory.objects.get(site=reports_site, code="lighting.street")
    unrouted = services.submit_report(site=reports_site, category=category, point=CENTRE,
                                      description="Dark street")
    services.assign(unrouted, water, superuser)
    (routed,) = _events(unrouted, events.ROUTED)
    assert routed.addressee_id == water.pk and routed.actor_id == superuser.pk
    assert routed.addressee_path == water.path

    report = _reload(make_report())
    services.staff_forward(report, moderator, water, public_note="For the water company")
    (forwarded,) = _events(report, events.FORWARDED)
    assert forwarded.addressee_id == water.pk and forwarded.addressee_path == water.path
    assert forwarded.actor_id == moderator.pk


def test_the_first_public_reply(make_report, moderator):
    """A public answer or a status change by staff while the report is still "new" is a
    first reply (the earliest is the one figures keep); later ones are not."""
    report = _reload(make_report())
    services.staff_reply(report, moderator, "We are looking at it.")
    (reply,) = _events(report, events.FIRST_REPLY)
    assert reply.actor_id == moderator.pk and reply.public
    services.change_status(report, "in_progress", moderator)
    services.staff_reply(_reload(report), moderator, "Crew booked for Monday.")
    services.change_status(_reload(report), "planned", moderator)
    replies = _events(report, events.FIRST_REPLY)
    assert len(replies) == 2 and replies[0].pk == reply.pk  # the answer, leaving "new"

    other = _reload(make_report())
    services.staff_change_status(other, moderator, "planned", public_note="Planned")
    services.staff_change_status(_reload(other), moderator, "in_progress")
    services.staff_reply(_reload(other), moderator, "Soon")
    (first,) = _events(other, events.FIRST_REPLY)
    assert first.at == _events(other, events.STATUS_CHANGED)[0].at


def test_the_citizens_own_change_is_no_reply(make_report, citizen):
    report = _reload(make_report())
    services.questionnaire_answer(report, True, "Fixed by neighbours", by=citizen)
    assert _kinds(report) == ["received", "routed", "status_changed", "resolved",
                              "status_changed", "closed"]  # fixed, then confirmed


def test_status_changes_resolution_closing_and_reopening(make_report, moderator, citizen):
    report = _reload(make_report())
    services.staff_change_status(report, moderator, "in_progress", public_note="On it")
    services.staff_change_status(_reload(report), moderator, "resolved", public_note="Done")
    first_resolved = _events(report, events.RESOLVED)[0]
    # the citizen says it is not fixed: one reopened event, the first resolution stays
    services.reopen(_reload(report), by=citizen, note="Still there")
    services.staff_change_status(_reload(report), moderator, "resolved", public_note="Now")
    services.confirm_resolution(_reload(report), by=citizen)
    assert _kinds(report) == [
        "received", "routed",
        "first_reply", "status_changed",
        "status_changed", "resolved",
        "status_changed", "reopened",
        "status_changed", "resolved",
        "status_changed", "closed",
    ]
    (reopened,) = _events(report, events.REOPENED)
    assert reopened.actor_id == citizen.pk and reopened.status == "in_progress"
    assert reopened.due == _reload(report).due_at  # the fresh term
    assert _events(report, events.RESOLVED)[0].pk == first_resolved.pk
    statuses = [e.status for e in _events(report, events.STATUS_CHANGED)]
    assert statuses == ["in_progress", "resolved", "in_progress", "resolved", "closed"]
    assert _events(report, events.CLOSED)[0].status == "closed"


def test_staff_reopening_a_closed_report_is_a_reopen(make_report, moderator):
    report = _reload(make_report())
    services.staff_change_status(report, moderator, "not_responsible")
    services.staff_change_status(_reload(report), moderator, "evaluation")
    assert _kinds(report)[2:] == ["first_reply", "status_changed", "closed",
                                  "status_changed", "reopened"]
    assert _events(report, events.CLOSED)[0].status == "not_responsible"


def test_rejected_and_duplicate_close_with_their_status(make_report, moderator):
    rejected = _reload(make_report())
    services.staff_change_status(rejected, moderator, "rejected")
    assert _events(rejected, events.CLOSED)[0].status == "rejected"
    original = _reload(make_report())
    duplicate = _reload(make_report())
    services.staff_merge(duplicate, moderator, original)
    (closed,) = _events(duplicate, events.CLOSED)
    assert closed.status == "duplicate" and closed.actor_id == moderator.pk
    assert _events(original) and not _events(original, events.CLOSED)


def test_escalation_writes_one_event_per_level(make_report):
    report = make_report()
    past = timezone.now() - timedelta(days=1)
    Report.objects.filter(pk=report.pk).update(next_escalation_at=past, due_at=past)
    assert services.escalate_overdue() == 1
    assert services.escalate_overdue() == 0  # nothing new: no second event
    (escalated,) = _events(report, events.ESCALATED)
    assert escalated.value == 1 and escalated.actor_id is None
    assert escalated.due == past


def test_rating(make_report, moderator, citizen):
    report = _reload(make_report())
    services.change_status(report, "resolved", moderator)
    services.rate(_reload(report), 4, 5, by=citizen)
    (rated,) = _events(report, events.RATED)
    assert rated.value == 4.5 and rated.actor_id == citizen.pk


def test_a_failed_change_writes_no_event(make_report, other_citizen):
    from django.core.exceptions import PermissionDenied

    report = _reload(make_report())
    before = _kinds(report)
    with pytest.raises(PermissionDenied):
        services.staff_change_status(report, other_citizen, "in_progress")
    with pytest.raises(Exception):  # noqa: B017 - ratings go from 1 to 5
        services.rate(report, 7, 1)
    assert _kinds(report) == before


# --- one INSERT per event and nothing else ------------------------------------------------


@contextmanager
def _silenced():
    with mock.patch.object(report_events, "record"):
        yield


def _statements(action, silenced=False):
    with CaptureQueriesContext(connection) as captured:
        if silenced:
            with _silenced():
                action()
        else:
            action()
    return [query["sql"] for query in captured.captured_queries]


def _compare(make_action, expected):
    """Run the action three times on reports in the same state: once to warm the caches,
    once with the events switched off, once with them: the only statements added are
    ``expected`` INSERTs into the events' table."""
    make_action()()
    without = _statements(make_action(), silenced=True)
    with_events = _statements(make_action())
    added = [sql for sql in with_events if "core_serviceevent" in sql]
    assert len(added) == expected, added
    assert all(sql.startswith('INSERT INTO "core_serviceevent"') for sql in added)
    others = [sql for sql in with_events if "core_serviceevent" not in sql]
    assert len(others) == len(without), (set(others) ^ set(without))
    assert not any("core_serviceevent" in sql for sql in without)


def test_each_step_costs_one_insert_per_event_and_nothing_else(
        make_report, moderator, citizen, water, district):
    def filing():
        return lambda: make_report()

    def prepared(*statuses):
        report = _reload(make_report())
        for code in statuses:
            services.change_status(report, code, moderator)
            report = _reload(report)
        return report

    def staff_status():
        report = prepared()
        return lambda: services.staff_change_status(report, moderator, "in_progress",
                                                    public_note="On it")

    def reply():
        report = prepared()
        return lambda: services.staff_reply(report, moderator, "We are on it")

    def resolve():
        report = prepared("in_progress")
        return lambda: services.staff_change_status(report, moderator, "resolved")

    def reopen():
        report = prepared("in_progress", "resolved")
        return lambda: services.reopen(report, by=citizen, note="Not fixed")

    def confirm():
        report = prepared("in_progress", "resolved")
        return lambda: services.confirm_resolution(report, by=citizen)

    def forward():
        report = prepared()
        return lambda: services.staff_forward(report, moderator, water)

    def rate():
        report = prepared("resolved")
        return lambda: services.rate(report, 3, 4, by=citizen)

    def escalate():
        report = make_report()
        past = timezone.now() - timedelta(days=1)
        Report.objects.filter(pk=report.pk).update(next_escalation_at=past, due_at=past)
        return services.escalate_overdue

    for action, count in ((filing, 2), (staff_status, 2), (reply, 1), (resolve, 2),
                          (reopen, 2), (confirm, 2), (forward, 1), (rate, 1), (escalate, 1)):
        _compare(action, count)


# --- the declaration ----------------------------------------------------------------------


def test_the_declaration_names_codes_and_links(reports_site, district):
    declared = service_event_type(TYPE)
    assert declared is not None and declared.public
    assert {"received", "resolved", "reopened", "first_reply", "rated"} <= set(declared.kinds)
    with translation.override("uk"):
        labels = declared.label_map(reports_site)
    assert labels["category"]["roads.pothole"] == "Вибоїна на дорозі"
    assert labels["district"] == {str(district.pk): "Centre"}
    assert labels["channel"]["web"] and labels["channel"]["chat"]
    url = declared.admin_url(123)
    assert url == "" or "123" in url


# --- the data migration -------------------------------------------------------------------


def _facts(site):
    rows = ServiceEvent.objects.filter(record_type=TYPE, site=site).order_by(
        "record_id", "at", "pk")
    return [(e.record_id, e.kind, e.status, e.addressee_id, e.addressee_path, e.category,
             e.district, e.channel, e.actor_id, e.public, e.value, e.reference)
            for e in rows]


def test_the_migration_builds_the_events_on_two_towns_once(
        make_report, moderator, citizen, water, reports_site, town2, district):  # noqa: F811
    # town one: a life with a forward, a reply, a reopen, a rating; a private report
    report = _reload(make_report())
    services.staff_reply(report, moderator, "Looking")
    services.staff_forward(_reload(report), moderator, water)
    services.change_status(_reload(report), "resolved", moderator)
    services.reopen(_reload(report), by=citizen)
    services.change_status(_reload(report), "resolved", moderator)
    services.rate(_reload(report), 2, 5, by=citizen)
    make_report(is_public=False)
    # town two: its own report
    category2 = ReportCategory.objects.get(site=town2, code="roads.pothole")
    other = services.submit_report(site=town2, category=category2, point=CENTRE,
                                   description="Town two pothole", source=Source.API)
    past = timezone.now() - timedelta(days=1)
    Report.objects.filter(pk=other.pk).update(next_escalation_at=past)
    services.escalate_overdue()
    services.change_status(_reload(other), "closed", None)

    live = {site.pk: _facts(site) for site in (reports_site, town2)}
    assert live[reports_site.pk] and live[town2.pk]
    received = ServiceEvent.objects.get(record_id=report.pk, kind="received")
    ServiceEvent.objects.all().delete()

    migration.build(django_apps, None)
    built = {site.pk: _facts(site) for site in (reports_site, town2)}
    assert built == live
    # the first term, and the first addressee before the forward
    rebuilt = ServiceEvent.objects.get(record_id=report.pk, kind="received")
    assert rebuilt.due == received.due and rebuilt.addressee_id == received.addressee_id
    assert ServiceEvent.objects.get(record_id=other.pk, kind="received").site_id == town2.pk

    count = ServiceEvent.objects.count()
    migration.build(django_apps, None)  # again: nothing new
    assert ServiceEvent.objects.count() == count

    ServiceEvent.objects.create(**events.row("appeals.appeal", 1, "received", site=reports_site))
    migration.Migration.operations[-1].reverse_code(django_apps, None)
    assert list(ServiceEvent.objects.values_list("record_type", flat=True)) == [
        "appeals.appeal"]
