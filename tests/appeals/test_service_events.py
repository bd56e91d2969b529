"""Appeals' service events: each step of an appeal's life writes its event in the same
transaction, with one INSERT and nothing looked up; the data migration builds the events of
the appeals filed before."""

import importlib
from datetime import datetime, time, timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from addons.appeals import jobs, service_events, services
from addons.appeals.models import AppealEvent, AppealForm, AppealsSettings, Status
from addons.core import events, registry
from addons.core.casework import assignment
from addons.core.casework.models import AssignmentPolicy
from addons.core.models import ServiceEvent

from .conftest import DATA

pytestmark = pytest.mark.django_db

migration = importlib.import_module("addons.appeals.migrations.0013_service_events")


def end_of(day):
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def of(appeal, kind=None):
    rows = ServiceEvent.objects.filter(record_type="appeals.appeal", record_id=appeal.pk)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("at", "pk"))


def kinds(appeal):
    return [event.kind for event in of(appeal)]


def one(appeal, kind):
    rows = of(appeal, kind)
    assert len(rows) == 1, [event.kind for event in of(appeal)]
    return rows[0]


@pytest.fixture
def department_routing(site, department):
    options = AppealsSettings.for_site(site)
    options.routing_mode = "department"
    options.save()
    return department


# --- the declaration ------------------------------------------------------------------------


def test_appeals_declare_their_events_private_with_the_desk_url_and_labels(file_one):
    declared = registry.service_event_type("appeals.appeal")
    assert declared is not None and declared.public is False
    assert tuple(declared.kinds) == service_events.KINDS
    assert set(declared.kinds) <= set(events.KINDS)
    appeal = file_one()
    assert declared.admin_url(appeal.pk) == reverse("casework_appeals:inspect",
                                                    args=[appeal.pk])
    with translation.override("en"):
        labels = declared.label_map(None)
        assert labels["category"]["complaint"] == "Complaint"
        assert labels["category"]["info_request"] == "Request for public information"
        assert labels["channel"]["phone"] == "Phone call"
        assert labels["district"] == {}
        assert str(declared.term) == "legal term"
    with translation.override("uk"):
        assert declared.label_map(None)["category"]["complaint"] != "Complaint"
        assert str(declared.term) != "legal term"


# --- each step ------------------------------------------------------------------------------


def test_filing_from_the_web_form_writes_received(file_one, citizen, addressee, site):
    appeal = file_one()
    event = one(appeal, "received")
    assert kinds(appeal) == ["received"]
    assert event.site_id == site.pk
    assert event.addressee_id == addressee.pk and event.addressee_path == addressee.path
    assert event.channel == "web" and event.category == "complaint"
    assert event.due == end_of(appeal.due_date)
    assert event.actor_id == citizen.pk and event.reference == appeal.reference
    assert event.at == appeal.received_at and event.status == Status.REGISTERED
    assert event.public is False


@pytest.mark.parametrize("source", ["phone", "email", "walk_in", "post"])
def test_intake_by_an_operator_writes_its_channel(site, addressee, moderator, source):
    appeal, _created = services.file_appeal(site=site, form=None, addressee=addressee,
                                            data=dict(DATA), source=source,
                                            entered_by=moderator)
    event = one(appeal, "received")
    assert event.channel == source and event.actor_id == moderator.pk
    assert event.addressee_path == addressee.path


def test_department_routing_then_forwarding(file_one, department_routing, department,
                                            department_moderator, addressee, moderator,
                                            other_addressee):
    appeal = file_one()
    received = one(appeal, "received")
    assert received.addressee_id == department.pk and received.status == Status.SUBMITTED
    services.register(appeal, department_moderator)
    registered = one(appeal, "status_changed")
    assert registered.status == Status.REGISTERED and registered.actor_id == (
        department_moderator.pk)
    services.forward(appeal, department_moderator, addressee, "Roads are competent")
    routed = one(appeal, "routed")
    assert routed.addressee_id == addressee.pk and routed.addressee_path == addressee.path
    assert routed.status == Status.FORWARDED and routed.actor_id == department_moderator.pk
    services.forward(appeal, moderator, other_addressee, "Parks are competent")
    forwarded = one(appeal, "forwarded")
    assert forwarded.addressee_id == other_addressee.pk
    assert forwarded.addressee_path == other_addressee.path
    assert kinds(appeal) == ["received", "status_changed", "routed", "forwarded"]


def test_forwarding_a_direct_appeal_is_a_forwarding(file_one, moderator, other_addressee):
    appeal = file_one()
    services.forward(appeal, moderator, other_addressee, "Parks")
    assert kinds(appeal) == ["received", "forwarded"]


def test_extension_and_urgency_carry_the_new_term(file_one, moderator):
    appeal = file_one()
    services.start(appeal, moderator)
    assert one(appeal, "status_changed").status == Status.IN_PROGRESS
    until = appeal.due_date + timedelta(days=3)
    services.extend(appeal, moderator, until, "Site inspection")
    extended = one(appeal, "extended")
    assert extended.due == end_of(until) and extended.status == Status.EXTENDED
    assert extended.actor_id == moderator.pk
    other = services.file_appeal(site=appeal.site, form=None, addressee=appeal.addressee,
                                 data=dict(DATA))[0]
    services.mark_urgent(other, moderator, "Nothing to study")
    urgent = one(other, "status_changed")
    assert urgent.due == end_of(other.due_date) and other.due_date < other.original_due_date


def test_first_reply_resolves_and_a_further_reply_changes_nothing(file_one, moderator):
    appeal = file_one()
    services.reply(appeal, moderator, "Repaired on Monday.")
    first_reply, resolved = one(appeal, "first_reply"), one(appeal, "resolved")
    assert first_reply.at == resolved.at == appeal.answered_at
    assert resolved.status == Status.ANSWERED and resolved.actor_id == moderator.pk
    services.reply(appeal, moderator, "Also the kerb.")
    assert kinds(appeal) == ["received", "first_reply", "resolved"]


def test_reopened_appeal_keeps_its_first_resolution(file_one, moderator):
    appeal = file_one()
    services.reply(appeal, moderator, "Repaired on Monday.")
    first_answer = appeal.answered_at
    services.reopen(appeal, moderator, "The applicant says the hole is still there")
    reopened = one(appeal, "reopened")
    assert reopened.status == Status.IN_PROGRESS and reopened.actor_id == moderator.pk
    appeal.refresh_from_db()
    assert appeal.status == Status.IN_PROGRESS
    assert appeal.events.filter(action=AppealEvent.Action.REOPENED).exists()
    services.reply(appeal, moderator, "Repaired again.")
    assert kinds(appeal) == ["received", "first_reply", "resolved", "reopened", "resolved"]
    resolutions = of(appeal, "resolved")
    assert resolutions[0].at == first_answer < resolutions[1].at
    appeal.refresh_from_db()
    assert appeal.answered_at == first_answer  # the first answer stays the first


def test_reopening_needs_a_reason_and_an_answered_appeal(file_one, moderator):
    appeal = file_one()
    with pytest.raises(services.WrongStatus):
        services.reopen(appeal, moderator, "Too early")
    services.reply(appeal, moderator, "Done.")
    with pytest.raises(services.AppealError) as refused:
        services.reopen(appeal, moderator, "  ")
    with translation.override("en"):
        assert str(refused.value.message) == ("Say why the appeal is taken in hand again: "
                                              "the applicant is told.")
    with translation.override("uk"):
        assert "відновлено" in str(refused.value.message)
    services.close(appeal, moderator)
    with pytest.raises(services.AppealClosed):
        services.reopen(appeal, moderator, "Closed already")
    assert "reopened" not in kinds(appeal)


def test_reopen_is_offered_on_the_desk_for_answered_appeals(file_one, moderator):
    from addons.appeals import casework

    appeal = file_one()
    assert not casework.can_reopen(appeal)
    services.reply(appeal, moderator, "Done.")
    assert casework.can_reopen(appeal)
    message = services.desk_reopen(appeal, moderator, reason="Incomplete answer")
    assert appeal.reference in message and kinds(appeal)[-1] == "reopened"


@pytest.mark.parametrize("step,status", [
    ("close", Status.CLOSED), ("return", Status.RETURNED),
    ("leave", Status.LEFT_WITHOUT_CONSIDERATION),
])
def test_closing_steps_write_closed_with_the_outcome(file_one, moderator, step, status):
    appeal = file_one()
    if step == "close":
        services.close(appeal, moderator)
    elif step == "return":
        services.return_incomplete(appeal, moderator, "No address")
    else:
        services.leave_without_consideration(appeal, moderator, "Repeated")
    closed = one(appeal, "closed")
    assert closed.status == status and closed.actor_id == moderator.pk


def test_refusing_a_request_closes_it(site, addressee, moderator, citizen):
    form = AppealForm.objects.create(site=site, title="Request", procedure="info_request")
    request, _created = services.file_appeal(
        site=site, form=form, addressee=addressee, author=citizen,
        data={**DATA, "answer_format": "email"})
    assert one(request, "received").category == "info_request"
    services.refuse(request, moderator, "Not public")
    assert one(request, "closed").status == Status.REFUSED


def test_the_applicant_settles_and_rates(file_one, moderator, citizen):
    appeal = file_one()
    services.reply(appeal, moderator, "Done.")
    services.rate(appeal, citizen, 4)
    rated = one(appeal, "rated")
    assert rated.value == 4 and rated.actor_id == citizen.pk
    services.mark_resolved(appeal, citizen)
    closed = one(appeal, "closed")
    assert closed.actor_id == citizen.pk and closed.status == Status.CLOSED
    with pytest.raises(services.AppealError):
        services.rate(appeal, citizen, 9)
    assert len(of(appeal, "rated")) == 1


def test_assignment_writes_assigned(file_one, moderator, make_user, addressee):
    appeal = file_one()
    colleague = make_user("colleague", moderates=[addressee], is_staff=True)
    assignment.assign(appeal, colleague, moderator)
    assigned = one(appeal, "assigned")
    assert assigned.actor_id == moderator.pk and assigned.addressee_path == addressee.path
    assert assigned.site_id == appeal.site_id and assigned.due == end_of(appeal.due_date)
    assert assigned.reference == appeal.reference and assigned.public is False
    assignment.unassign(appeal, moderator)
    assert len(of(appeal, "assigned")) == 1  # nobody holds it: no assignment


def test_automatic_assignment_on_filing_and_forwarding(file_one, moderator, addressee,
                                                       other_addressee, other_moderator):
    AssignmentPolicy.objects.create(addressee=addressee, mode="round_robin")
    AssignmentPolicy.objects.create(addressee=other_addressee, mode="round_robin")
    appeal = file_one()
    assigned = one(appeal, "assigned")
    assert assigned.actor_id is None and assigned.addressee_id == addressee.pk
    services.forward(appeal, moderator, other_addressee, "Parks")
    last = of(appeal)[-1]
    assert (last.kind, last.addressee_id) == ("assigned", other_addressee.pk)
    assert kinds(appeal) == ["received", "assigned", "forwarded", "assigned"]


def test_a_casework_without_service_events_writes_none(file_one, moderator, make_user,
                                                      addressee):
    import dataclasses

    declaration = dataclasses.replace(assignment.declaration_for(file_one()), event_type="")
    appeal = file_one()
    colleague = make_user("colleague", moderates=[addressee], is_staff=True)
    assignment.assign(appeal, colleague, moderator, declaration)
    assert "assigned" not in kinds(appeal)


def test_overdue_escalations(file_one, sub_addressee, moderator, make_user, leadership):
    make_user("mayor", moderates=[leadership])
    appeal = file_one(to=sub_addressee)
    jobs.send_reminders(appeal.due_date)
    assert "escalated" not in kinds(appeal)  # a reminder is no escalation
    jobs.send_reminders(appeal.due_date + timedelta(days=1))
    head = one(appeal, "escalated")
    assert head.addressee_path == sub_addressee.path and head.actor_id is None
    jobs.send_reminders(appeal.due_date + timedelta(days=3))
    jobs.send_reminders(appeal.due_date + timedelta(days=4))  # nothing twice
    assert len(of(appeal, "escalated")) == 2


def test_two_towns_keep_their_events_apart(file_one, make_town, citizen, site):
    here = file_one()
    town = make_town("ro")
    there, _created = services.file_appeal(site=town["site"], form=town["form"],
                                           addressee=town["addressee"], author=citizen,
                                           data=dict(DATA))
    assert one(here, "received").site_id == site.pk
    received = one(there, "received")
    assert received.site_id == town["site"].pk
    assert received.addressee_path.startswith(town["site"].root_page.path)
    assert not received.addressee_path.startswith(site.root_page.path)


def test_a_failed_step_writes_no_event(file_one, moderator, other_addressee):
    appeal = file_one()
    with pytest.raises(services.ExtensionNotAllowed):
        services.extend(appeal, moderator, appeal.due_date - timedelta(days=1), "Too early")
    with pytest.raises(services.AppealError):
        services.forward(appeal, moderator, appeal.addressee, "Same")
    assert kinds(appeal) == ["received"]


# --- one INSERT, nothing looked up ----------------------------------------------------------


def _measure(action):
    with CaptureQueriesContext(connection) as captured:
        action()
    sqls = [query["sql"] for query in captured.captured_queries]
    inserts = [sql for sql in sqls if sql.startswith('INSERT INTO "core_serviceevent"')]
    reads = [sql for sql in sqls if "core_serviceevent" in sql and not sql.startswith("INSERT")]
    return len(sqls), len(inserts), reads


def _compare(monkeypatch, make, act, expected, silence=None):
    """``act`` on a fresh record costs exactly ``expected`` INSERTs more than without the
    events, and reads no event."""
    warm, quiet, loud = make(), make(), make()
    act(warm)
    with monkeypatch.context() as patch:
        for target, name in silence or [(service_events, "write")]:
            patch.setattr(target, name, lambda *args, **kwargs: None)
        without, none, _reads = _measure(lambda: act(quiet))
    assert none == 0
    total, inserts, reads = _measure(lambda: act(loud))
    assert inserts == expected and not reads
    assert total == without + expected


def test_filing_costs_one_insert(monkeypatch, file_one):
    subjects = iter(range(10))
    holder = {}

    def make():
        return next(subjects)

    def act(number):
        holder[number] = file_one(subject=f"Pothole {number}")

    _compare(monkeypatch, make, act, 1)


@pytest.mark.parametrize("step,expected", [
    ("register", 1), ("start", 1), ("extend", 1), ("reply", 2), ("close", 1), ("forward", 1),
    ("urgent", 1), ("rate", 1), ("reopen", 1), ("assign", 1),
])
def test_each_step_costs_one_insert_per_event(monkeypatch, file_one, moderator, citizen,
                                              other_addressee, department_routing,
                                              department_moderator, make_user, addressee,
                                              step, expected):
    colleague = make_user("colleague", moderates=[addressee, department_routing],
                          is_staff=True)

    def make():
        appeal = file_one()
        if step in ("rate", "reopen"):
            services.reply(appeal, department_moderator, "Done.")
        appeal = type(appeal).objects.get(pk=appeal.pk)
        return appeal

    acts = {
        "register": lambda appeal: services.register(appeal, department_moderator),
        "start": lambda appeal: services.start(appeal, department_moderator),
        "extend": lambda appeal: services.extend(appeal, department_moderator,
                                                 appeal.due_date + timedelta(days=2), "More"),
        "reply": lambda appeal: services.reply(appeal, department_moderator, "Answer"),
        "close": lambda appeal: services.close(appeal, department_moderator),
        "forward": lambda appeal: services.forward(appeal, department_moderator,
                                                   other_addressee, "Parks"),
        "urgent": lambda appeal: services.mark_urgent(appeal, department_moderator, "Quick"),
        "rate": lambda appeal: services.rate(appeal, citizen, 5),
        "reopen": lambda appeal: services.reopen(appeal, department_moderator, "Again"),
        "assign": lambda appeal: assignment.assign(appeal, colleague, department_moderator),
    }
    silence = [(assignment, "_assigned_event")] if step == "assign" else None
    _compare(monkeypatch, make, acts[step], expected, silence)


def test_an_escalation_costs_one_insert(monkeypatch, file_one, moderator):
    made = []

    def make():
        made.append(file_one(subject=f"Pothole {len(made)}"))
        return made[-1]

    def act(appeal):
        options = AppealsSettings.for_site(appeal.site)
        jobs._send_point(appeal, options, jobs.HEAD, True, appeal.due_date + timedelta(days=1))

    _compare(monkeypatch, make, act, 1)


# --- the data migration ---------------------------------------------------------------------


FIELDS = ("kind", "site_id", "addressee_id", "addressee_path", "category", "channel",
          "actor_id", "due", "status", "reference", "public", "value")


def facts(appeal):
    return [tuple(getattr(event, name) for name in FIELDS) for event in of(appeal)]


def test_the_migration_builds_the_events_of_existing_appeals_on_two_towns(
        file_one, make_town, citizen, moderator, other_addressee, other_moderator,
        department_routing, department_moderator, addressee, make_user, leadership):
    town = make_town("bg")
    town_moderator = make_user("townmod", moderates=[town["addressee"]], is_staff=True)
    routed = file_one()
    services.register(routed, department_moderator)
    services.forward(routed, department_moderator, addressee, "Roads")
    services.start(routed, moderator)
    services.extend(routed, moderator, routed.due_date + timedelta(days=5), "Inspection")
    services.reply(routed, moderator, "Done.")
    services.reopen(routed, moderator, "Not done")
    services.reply(routed, moderator, "Done now.")
    services.rate(routed, citizen, 3)
    services.close(routed, moderator)
    forwarded = file_one()
    services.forward(forwarded, department_moderator, addressee, "Roads")
    services.forward(forwarded, moderator, other_addressee, "Parks")
    services.return_incomplete(forwarded, other_moderator, "No address")
    there, _created = services.file_appeal(site=town["site"], form=town["form"],
                                           addressee=town["addressee"], author=citizen,
                                           data=dict(DATA))
    services.reply(there, town_moderator, "Answered.")
    services.mark_resolved(there, citizen)
    live = {appeal.pk: facts(appeal) for appeal in (routed, forwarded, there)}
    assert all(live.values())
    ServiceEvent.objects.all().delete()

    written = migration.build_events(django_apps)
    assert written == sum(len(rows) for rows in live.values())
    for appeal in (routed, forwarded, there):
        assert facts(appeal) == live[appeal.pk], appeal.reference
    assert {event.site_id for event in of(there)} == {town["site"].pk}
    # running it again writes nothing
    assert migration.build_events(django_apps) == 0
    assert ServiceEvent.objects.count() == written
    # going back removes the appeals' events only
    other = ServiceEvent.objects.create(**events.row("reports.report", 1, "received",
                                                     site=town["site"]))
    migration.remove_events(django_apps)
    assert list(ServiceEvent.objects.all()) == [other]


def test_the_migration_reads_the_row_of_an_appeal_without_history(file_one, moderator,
                                                                   citizen):
    appeal = file_one()
    services.reply(appeal, moderator, "Done.")
    services.rate(appeal, citizen, 5)
    services.close(appeal, moderator)
    appeal.events.all().delete()
    ServiceEvent.objects.all().delete()
    migration.build_events(django_apps)
    assert kinds(appeal) == ["received", "first_reply", "resolved", "rated", "closed"]
    appeal.refresh_from_db()
    assert one(appeal, "resolved").at == appeal.answered_at
    assert one(appeal, "rated").value == 5
    assert one(appeal, "closed").status == Status.CLOSED


def test_the_migration_skips_appeals_that_have_events(file_one, moderator):
    kept = file_one()
    services.start(kept, moderator)
    rebuilt = file_one()
    of(rebuilt)[0].delete()
    assert migration.build_events(django_apps) == 1
    assert kinds(kept) == ["received", "status_changed"] and kinds(rebuilt) == ["received"]


def test_the_migration_writes_the_escalations_and_the_assignee(file_one, sub_addressee,
                                                               moderator, make_user,
                                                               leadership):
    make_user("mayor", moderates=[leadership])
    appeal = file_one(to=sub_addressee)
    jobs.send_reminders(appeal.due_date + timedelta(days=5))
    repairs = make_user("repairsmod", moderates=[sub_addressee], is_staff=True)
    assignment.assign(appeal, repairs, repairs)
    live = [event.kind for event in of(appeal)]
    assert live.count("escalated") == 2
    ServiceEvent.objects.all().delete()
    migration.build_events(django_apps)
    assert sorted(kinds(appeal)) == sorted(live)
