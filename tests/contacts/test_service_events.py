"""Calls and visits write their service events (``contacts.call``): received from the phone
system's new call, answered with the seconds to answer, abandoned, closed by the wrap-up
("first_contact" when resolved at first contact); one INSERT each in the transaction of the
change; the data migration builds the events of the interactions already recorded."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from addons.contacts import service_events, services
from addons.contacts.models import Interaction, WrapUpCode
from addons.core import registry
from addons.core.models import ServiceEvent
from tests.conftest import add_town

from .conftest import make_staff

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("addons.contacts.migrations.0003_service_events")
IN_CALL = {"from": "0441234567", "to": "+380442000000", "direction": "in"}


def call_events(interaction, kind=None):
    rows = ServiceEvent.objects.filter(record_type="contacts.call", record_id=interaction.pk)
    return list(rows.filter(kind=kind) if kind else rows.order_by("at", "pk"))


def event(site, name, call_id="c-1", users=(), **extra):
    return services.call_event(site, {"event": name, "callId": call_id, **IN_CALL, **extra},
                               list(users))


@pytest.fixture
def olena(site):
    return make_staff("olena", full_name="Olena Operator")


@pytest.fixture
def code(site):
    return WrapUpCode.objects.create(site=site, title="Information given")


def test_a_new_call_is_received_by_phone(site):
    call = event(site, "newCall")
    [received] = call_events(call)
    assert received.kind == "received" and received.channel == "phone"
    assert received.site_id == site.pk and received.public is False
    assert received.at == call.started_at
    assert received.addressee_id is None and received.addressee_path == ""


def test_a_repeated_new_call_writes_nothing_more(site):
    event(site, "newCall")
    call = event(site, "newCall")
    assert len(call_events(call)) == 1


def test_an_answer_carries_the_seconds_from_the_ring(site, olena):
    call = event(site, "newCall")
    Interaction.objects.filter(pk=call.pk).update(
        started_at=timezone.now() - timedelta(seconds=25))
    call = event(site, "answer", users=["olena"])
    [answered] = call_events(call, "answered")
    assert 25 <= answered.value < 30
    assert answered.actor_id == olena.pk
    event(site, "hangup", cause="normalClearing")
    assert not call_events(call, "abandoned")


def test_a_hangup_before_any_answer_is_abandoned(site):
    call = event(site, "newCall")
    call = event(site, "hangup", cause="cancel")
    [abandoned] = call_events(call, "abandoned")
    assert abandoned.status == "cancel" and abandoned.at == call.ended_at
    assert not call_events(call, "answered")


def test_an_answer_of_a_call_never_announced_is_received_and_answered(site, olena):
    call = event(site, "answer", users=["olena"])
    assert [e.kind for e in call_events(call)] == ["received", "answered"]


def test_an_outbound_call_is_not_counted(site):
    call = event(site, "newCall", direction="out")
    event(site, "hangup", direction="out")
    assert not call_events(call)


def test_the_new_call_adds_one_insert_and_no_select(site):
    event(site, "newCall", call_id="warm")  # the site's endpoint and caches are read
    with CaptureQueriesContext(connection) as queries:
        event(site, "newCall", call_id="c-2")
    inserts = [q["sql"] for q in queries.captured_queries if "core_serviceevent" in q["sql"]]
    assert len(inserts) == 1 and inserts[0].startswith("INSERT")


@pytest.mark.parametrize("name", ["answer", "hangup"])
def test_answer_and_hangup_add_one_insert_and_no_select(monkeypatch, site, olena, name):
    for call_id in ("a", "b"):
        event(site, "newCall", call_id=call_id)
    with CaptureQueriesContext(connection) as quiet:
        with monkeypatch.context() as patch:
            patch.setattr(service_events.events, "record", lambda *a, **k: None)
            event(site, name, call_id="a", users=["olena"])
    with CaptureQueriesContext(connection) as loud:
        event(site, name, call_id="b", users=["olena"])
    touching = [q["sql"] for q in loud.captured_queries if "core_serviceevent" in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("INSERT")
    assert len(loud.captured_queries) == len(quiet.captured_queries) + 1


# --- the wrap-up ----------------------------------------------------------------------------


def wrap(interaction, user, *, code=None, resolved=False):
    return services.save_wrap_up(interaction, user, summary="Told the opening hours",
                                 wrap_up=code, resolved_first_contact=resolved, records=[])


def test_a_wrap_up_resolved_at_first_contact_closes_it_so(site, olena, code):
    call = event(site, "newCall")
    wrap(call, olena, code=code, resolved=True)
    [closed] = call_events(call, "closed")
    assert closed.status == "first_contact" and closed.category == str(code.pk)
    assert closed.actor_id == olena.pk


def test_a_wrap_up_otherwise_closes_with_its_code(site, olena, code):
    call = event(site, "newCall")
    wrap(call, olena, code=code)
    [closed] = call_events(call, "closed")
    assert closed.status == "Information given"


def test_saving_the_same_wrap_up_again_closes_once(site, olena, code):
    call = event(site, "newCall")
    wrap(call, olena, code=code)
    wrap(Interaction.objects.get(pk=call.pk), olena, code=code)
    assert len(call_events(call, "closed")) == 1
    wrap(Interaction.objects.get(pk=call.pk), olena, code=code, resolved=True)
    assert [e.status for e in call_events(call, "closed")] == ["Information given",
                                                               "first_contact"]


def test_the_wrap_up_adds_one_insert_and_no_select(monkeypatch, site, olena, code):
    first, second = event(site, "newCall", call_id="a"), event(site, "newCall", call_id="b")
    with CaptureQueriesContext(connection) as quiet:
        with monkeypatch.context() as patch:
            patch.setattr(service_events.events, "record", lambda *a, **k: None)
            wrap(second, olena, code=code)
    with CaptureQueriesContext(connection) as loud:
        wrap(first, olena, code=code)
    touching = [q["sql"] for q in loud.captured_queries if "core_serviceevent" in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("INSERT")
    assert len(loud.captured_queries) == len(quiet.captured_queries) + 1


def test_a_visit_logged_by_hand_is_received_and_closed(operator_client, operator, site):
    response = operator_client.post("/admin/contacts/interactions/new/", {
        "channel": "walk_in", "direction": "in", "summary": "Brought documents",
        "resolved_first_contact": "on"})
    assert response.status_code == 302
    item = Interaction.objects.get()
    events = call_events(item)
    assert [(e.kind, e.channel) for e in events] == [("received", "walk_in"),
                                                      ("closed", "walk_in")]
    assert events[1].status == "first_contact" and events[1].actor_id == operator.pk


def test_a_call_logged_by_hand_is_received_answered_and_closed(operator_client, site):
    operator_client.post("/admin/contacts/interactions/new/", {
        "channel": "phone", "direction": "in", "summary": "Asked about a permit"})
    item = Interaction.objects.get()
    assert [e.kind for e in call_events(item)] == ["received", "answered", "closed"]
    assert call_events(item, "answered")[0].value is None
    assert call_events(item, "closed")[0].status == "wrapped_up"


def test_an_outbound_call_logged_by_hand_is_not_counted(operator_client, site):
    operator_client.post("/admin/contacts/interactions/new/", {
        "channel": "phone", "direction": "out", "phone": "0441234567",
        "summary": "Called back"})
    assert not ServiceEvent.objects.exists()


def test_another_towns_calls_carry_their_site(site, olena):
    town = add_town("town2.example.org")
    ours, theirs = event(site, "newCall"), event(town, "newCall")
    assert call_events(ours)[0].site_id == site.pk
    assert call_events(theirs)[0].site_id == town.pk


def test_the_declaration(site, code):
    declared = registry.service_event_type("contacts.call")
    assert declared.public is False
    assert set(declared.kinds) == {"received", "answered", "abandoned", "closed"}
    assert declared.admin_url(5) == "/admin/contacts/interactions/5/"
    labels = declared.label_map(site)
    assert labels["channel"]["phone"] == "Phone"
    assert labels["category"] == {str(code.pk): "Information given"}
    town = add_town("town2.example.org")
    assert declared.label_map(town)["category"] == {}


# --- the data migration ---------------------------------------------------------------------


def test_the_migration_builds_events_of_recorded_interactions(site, olena, code):
    now = timezone.now()
    answered = Interaction.objects.create(
        site=site, call_id="c-1", started_at=now - timedelta(minutes=5),
        answered_at=now - timedelta(minutes=5) + timedelta(seconds=12),
        ended_at=now, operator=olena, wrap_up=code, resolved_first_contact=True,
        summary="Told")
    lost = Interaction.objects.create(site=site, call_id="c-2", started_at=now,
                                      ended_at=now, cause="cancel")
    visit = Interaction.objects.create(site=site, channel="walk_in", summary="Documents")
    outbound = Interaction.objects.create(site=site, direction="out", summary="Called")
    status_line = Interaction.objects.create(site=site, call_id="voice:CA1",
                                             summary="status line")
    MIGRATION.forwards(django_apps, None)
    assert [e.kind for e in call_events(answered)] == ["received", "answered", "closed"]
    assert call_events(answered, "answered")[0].value == 12
    assert call_events(answered, "closed")[0].status == "first_contact"
    assert [e.kind for e in call_events(lost)] == ["received", "abandoned"]
    assert call_events(lost, "abandoned")[0].status == "cancel"
    assert [(e.kind, e.channel) for e in call_events(visit)] == [("received", "walk_in"),
                                                                 ("closed", "walk_in")]
    assert not call_events(outbound) and not call_events(status_line)

    count = ServiceEvent.objects.count()
    MIGRATION.forwards(django_apps, None)
    assert ServiceEvent.objects.count() == count
    MIGRATION.Migration.operations[-1].reverse_code(django_apps, None)
    assert not ServiceEvent.objects.filter(record_type="contacts.call").exists()
