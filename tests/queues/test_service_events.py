"""Queue tickets write their service events (``queues.ticket``) in the transaction of the
change, one INSERT each and no extra query; the use of capacity per site and subtree; the
data migration that builds the events of existing tickets."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from addons.core import registry
from addons.core.models import ServiceEvent
from addons.queues import figures, service_events, services
from addons.queues.models import QueueService, ScheduleException, Ticket, TicketStatus
from tests.conftest import add_town
from tests.queues.conftest import at, make_queue, working_day

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("addons.queues.migrations.0008_service_events")


def ticket_events(ticket, kind=None):
    rows = ServiceEvent.objects.filter(record_type="queues.ticket", record_id=ticket.pk)
    return list(rows.filter(kind=kind) if kind else rows.order_by("at", "pk"))


def _inserts(queries):
    return [q["sql"] for q in queries if q["sql"].startswith("INSERT")
            and "core_serviceevent" in q["sql"]]


def _reads(queries):
    return [q["sql"] for q in queries if q["sql"].lstrip().startswith("SELECT")
            and "core_serviceevent" in q["sql"].split("FROM", 1)[-1][:40]]


def measured(monkeypatch, action, without):
    """Queries of ``action()`` with the events written, and of ``without()`` (the same
    change on a twin ticket) with writing them switched off."""
    with CaptureQueriesContext(connection) as quiet:
        with monkeypatch.context() as patch:
            patch.setattr(service_events.events, "record", lambda *a, **k: None)
            without()
    with CaptureQueriesContext(connection) as loud:
        action()
    return loud.captured_queries, quiet.captured_queries


@pytest.fixture
def day():
    return working_day(3)


# --- booking ----------------------------------------------------------------------------


def test_booking_writes_booked_with_due_channel_and_addressee(desk_queue, service, citizen,
                                                              day, addressee):
    ticket = services.book(desk_queue, service, citizen, at(day, 9))
    [event] = ticket_events(ticket)
    assert event.kind == "booked"
    assert event.site_id == desk_queue.site_id
    assert event.due == at(day, 9)
    assert event.channel == "web"
    assert event.addressee_id == addressee.pk
    assert event.addressee_path == addressee.path
    assert event.public is True
    assert event.reference == f"TK-{ticket.pk:06d}"
    assert event.category == str(service.pk)
    assert event.actor_id == citizen.pk
    assert event.at == ticket.created


def test_an_operator_booking_carries_its_channel_and_operator(desk_queue, service, day,
                                                              moderator):
    ticket = services.book(desk_queue, service, None, at(day, 10),
                           source="phone", entered_by=moderator,
                           contact={"name": "Ion Popescu", "phone": "+37360000001"})
    [event] = ticket_events(ticket)
    assert (event.kind, event.channel, event.actor_id) == ("booked", "phone", moderator.pk)


def test_a_queue_without_addressee_books_without_one(queue, service, citizen, day):
    ticket = services.book(queue, service, citizen, at(day, 9))
    [event] = ticket_events(ticket)
    assert event.addressee_id is None and event.addressee_path == ""


def test_a_refused_booking_writes_nothing(desk_queue, service, make_citizen, day):
    services.book(desk_queue, service, make_citizen(), at(day, 9))
    with pytest.raises(services.SlotTaken):
        services.book(desk_queue, service, make_citizen(), at(day, 9))
    assert ServiceEvent.objects.filter(kind="booked").count() == 1


def test_booking_adds_one_insert_and_no_select(monkeypatch, desk_queue, service,
                                               make_citizen, day):
    first, second, third = make_citizen(), make_citizen(), make_citizen()
    services.book(desk_queue, service, third, at(day, 12))  # the queue's profile is read
    loud, quiet = measured(monkeypatch,
                           lambda: services.book(desk_queue, service, first, at(day, 9)),
                           lambda: services.book(desk_queue, service, second, at(day, 10)))
    assert len(_inserts(loud)) == 1
    assert len(loud) == len(quiet) + 1
    assert not _reads(loud)


# --- cancelling and moving ---------------------------------------------------------------


def test_cancelling_writes_cancelled(desk_queue, service, citizen, day, addressee):
    ticket = services.book(desk_queue, service, citizen, at(day, 9))
    services.cancel(ticket, citizen)
    [event] = ticket_events(ticket, "cancelled")
    assert event.actor_id == citizen.pk and event.status == "cancelled"
    assert event.addressee_path == addressee.path


def test_cancelling_adds_one_insert_and_no_extra_query(monkeypatch, desk_queue, service,
                                                       make_citizen, day):
    first = services.book(desk_queue, service, make_citizen(), at(day, 9))
    second = services.book(desk_queue, service, make_citizen(), at(day, 10))
    third = services.book(desk_queue, service, make_citizen(), at(day, 12))
    services.cancel(third, third.citizen)
    loud, quiet = measured(monkeypatch, lambda: services.cancel(first, first.citizen),
                           lambda: services.cancel(second, second.citizen))
    assert len(_inserts(loud)) == 1
    assert len(loud) == len(quiet) + 1


def test_a_called_off_reception_day_cancels_each_ticket_with_an_event(
        desk_queue, service, make_citizen, day, moderator):
    tickets = [services.book(desk_queue, service, make_citizen(), at(day, hour))
               for hour in (9, 10)]
    services.cancel_day(tickets[0], moderator, "The office is closed")
    assert {e.record_id for e in ServiceEvent.objects.filter(kind="cancelled")} == {
        t.pk for t in tickets}


def test_moving_a_ticket_extends_its_due(desk_queue, service, citizen, day):
    ticket = services.book(desk_queue, service, citizen, at(day, 9))
    services.move(ticket, citizen, at(day, 12))
    [event] = ticket_events(ticket, "extended")
    assert (event.due, event.status) == (at(day, 12), "moved")


# --- the desk's marks ---------------------------------------------------------------------


def test_arrived_and_no_show(make_ticket, moderator):
    start = timezone.now() - timedelta(minutes=20)
    came, missed = make_ticket(start=start), make_ticket(start=start)
    services.mark_arrived(came, moderator)
    services.mark_no_show(missed, moderator)
    [arrived] = ticket_events(came, "arrived")
    [no_show] = ticket_events(missed, "no_show")
    assert arrived.actor_id == no_show.actor_id == moderator.pk
    assert arrived.value is None and no_show.status == "no_show"
    assert arrived.public and arrived.addressee_path == came.queue.addressee.path


def test_served_after_arrival_counts_from_the_later_arrival(make_ticket, moderator):
    now = timezone.now()
    ticket = make_ticket(start=now - timedelta(hours=2))
    services.mark_arrived(ticket, moderator)
    # the citizen came 40 minutes ago, long after their time
    ServiceEvent.objects.filter(kind="arrived").update(at=now - timedelta(minutes=40))
    services.mark_served(ticket, moderator)
    [served] = ticket_events(ticket, "served")
    assert 40 * 60 <= served.value < 40 * 60 + 60


def test_served_after_an_early_arrival_counts_from_the_slot(make_ticket, moderator):
    now = timezone.now()
    ticket = make_ticket(start=now - timedelta(minutes=30))
    services.mark_arrived(ticket, moderator)
    ServiceEvent.objects.filter(kind="arrived").update(at=now - timedelta(minutes=50))
    services.mark_served(ticket, moderator)
    [served] = ticket_events(ticket, "served")
    assert 30 * 60 <= served.value < 30 * 60 + 60


def test_served_without_arrival_counts_from_the_slot(make_ticket, moderator):
    ticket = make_ticket(start=timezone.now() - timedelta(minutes=10))
    services.mark_served(ticket, moderator)
    [served] = ticket_events(ticket, "served")
    assert 600 <= served.value < 660


def test_waited_seconds_is_never_negative():
    now = timezone.now()
    assert service_events.waited_seconds(now + timedelta(minutes=5), None, now) == 0.0


def test_a_refused_mark_writes_nothing(make_ticket, moderator):
    ticket = make_ticket(start=timezone.now() - timedelta(minutes=10),
                         status=TicketStatus.CANCELLED)
    with pytest.raises(services.InvalidTransition):
        services.mark(ticket, moderator, TicketStatus.SERVED)
    assert not ticket_events(ticket)


@pytest.mark.parametrize("status", [TicketStatus.ARRIVED, TicketStatus.SERVED,
                                    TicketStatus.NO_SHOW])
def test_a_mark_adds_one_insert_and_no_extra_query(monkeypatch, make_ticket, moderator,
                                                   status):
    start = timezone.now() - timedelta(minutes=10)
    first, second, third = (make_ticket(start=start) for _n in range(3))
    services.mark(third, moderator, status)  # the moderator's rights are read once
    loud, quiet = measured(monkeypatch, lambda: services.mark(first, moderator, status),
                           lambda: services.mark(second, moderator, status))
    assert len(_inserts(loud)) == 1
    assert len(loud) == len(quiet) + 1


# --- the declaration ----------------------------------------------------------------------


def test_the_declaration(desk_queue, service, citizen, day, site):
    declared = registry.service_event_type("queues.ticket")
    assert declared.public is True
    assert {"booked", "cancelled", "arrived", "served", "no_show"} <= set(declared.kinds)
    ticket = services.book(desk_queue, service, citizen, at(day, 9))
    assert declared.admin_url(ticket.pk).endswith(f"/{ticket.pk}/")
    labels = declared.label_map(site)
    assert labels["channel"]["phone"] == "Phone call"
    assert labels["category"][str(service.pk)].startswith("Birth certificate")
    [figure] = [item for _addon, item in registry.figures()
                if item.key == "queues.capacity_use"]
    assert figure.unit == "%" and figure.record_type == "queues.ticket"
    assert str(figure.definition)


# --- the use of capacity ------------------------------------------------------------------


@pytest.fixture
def town(db):
    return add_town("town2.example.org", "Town 2", slug="town-2", jurisdiction="ro")


def _day_period(day):
    return at(day, 0), at(day + timedelta(days=1), 0)


def test_capacity_use_counts_the_places_of_the_site_only(site, town, desk_queue, service,
                                                         make_citizen, day):
    # 09:00-13:00 with a break 11:00-11:30, slots of 30 minutes, one place: 7 offered
    services.book(desk_queue, service, make_citizen(), at(day, 9))
    services.book(desk_queue, service, make_citizen(), at(day, 10))
    other = make_queue(town, capacity=2)
    other_service = QueueService.objects.create(queue=other, name="Permit")
    for hour in (9, 9, 10, 12):
        services.book(other, other_service, make_citizen(), at(day, hour))
    start, end = _day_period(day)
    mine = figures.capacity_use(site, "", start, end)
    assert (mine["value"], mine["count"], mine["offered"]) == (round(200 / 7, 1), 2, 7)
    theirs = figures.capacity_use(town, "", start, end)
    assert (theirs["value"], theirs["count"], theirs["offered"]) == (round(400 / 14, 1), 4,
                                                                     14)


def test_capacity_use_of_a_subtree(site, desk_queue, service, make_citizen, day, addressee,
                                   other_addressee):
    parks = make_queue(site, title="Parks", addressee=other_addressee)
    parks_service = QueueService.objects.create(queue=parks, name="Tree permit")
    services.book(desk_queue, service, make_citizen(), at(day, 9))
    for hour in (9, 10, 12):
        services.book(parks, parks_service, make_citizen(), at(day, hour))
    start, end = _day_period(day)
    assert figures.capacity_use(site, addressee.path, start, end)["count"] == 1
    assert figures.capacity_use(site, other_addressee.path, start, end)["count"] == 3
    assert figures.capacity_use(site, "", start, end)["offered"] == 14


def test_capacity_use_without_places_offered_is_no_data(site, desk_queue, service, day):
    ScheduleException.objects.create(queue=desk_queue, date=day)  # closed all day
    start, end = _day_period(day)
    assert figures.capacity_use(site, "", start, end)["value"] is None
    assert figures.capacity_use(site, "", end, start)["value"] is None


def test_a_cancelled_visit_frees_its_place(site, desk_queue, service, citizen, day):
    ticket = services.book(desk_queue, service, citizen, at(day, 9))
    services.cancel(ticket, citizen)
    start, end = _day_period(day)
    assert figures.capacity_use(site, "", start, end)["value"] == 0.0


def test_capacity_use_queries_do_not_grow_with_queues(site, service, day,
                                                      django_assert_max_num_queries):
    for number in range(6):
        make_queue(site, title=f"Window {number}")
    start, end = _day_period(day)
    with django_assert_max_num_queries(6):
        result = figures.capacity_use(site, "", start, end + timedelta(days=30))
    assert result["offered"] > 0


# --- the data migration ---------------------------------------------------------------------


def test_the_migration_builds_events_from_tickets_and_the_log(make_ticket, moderator,
                                                              citizen, addressee):
    now = timezone.now()
    served = make_ticket(start=now - timedelta(hours=1))
    services.mark_arrived(served, moderator)
    services.mark_served(served, moderator)
    missed = make_ticket(start=now - timedelta(hours=1))
    services.mark_no_show(missed, moderator)
    unlogged = make_ticket(start=now - timedelta(hours=1), status=TicketStatus.SERVED)
    waiting = make_ticket(start=now + timedelta(days=2))
    ServiceEvent.objects.all().delete()

    MIGRATION.forwards(django_apps, None)
    kinds = {ticket.pk: [e.kind for e in ticket_events(ticket)]
             for ticket in (served, missed, unlogged, waiting)}
    assert kinds == {served.pk: ["booked", "arrived", "served"],
                     missed.pk: ["booked", "no_show"],
                     unlogged.pk: ["booked", "served"],
                     waiting.pk: ["booked"]}
    [event] = ticket_events(served, "served")
    assert 0 <= event.value < 60  # served at once after the logged arrival
    assert event.actor_id == moderator.pk
    [event] = ticket_events(unlogged, "served")
    assert 3600 <= event.value < 3660  # from its time to its last change
    assert event.addressee_path == addressee.path and event.public
    [booked] = ticket_events(waiting, "booked")
    assert booked.due == waiting.start and booked.channel == "web"
    assert booked.actor_id == citizen.pk

    count = ServiceEvent.objects.count()
    MIGRATION.forwards(django_apps, None)  # again: nothing new
    assert ServiceEvent.objects.count() == count

    MIGRATION.Migration.operations[-1].reverse_code(django_apps, None)
    assert not ServiceEvent.objects.filter(record_type="queues.ticket").exists()


def test_the_migration_leaves_tickets_with_events_alone(desk_queue, service, citizen, day):
    ticket = services.book(desk_queue, service, citizen, at(day, 9))
    MIGRATION.forwards(django_apps, None)
    assert [e.kind for e in ticket_events(ticket)] == ["booked"]
    assert Ticket.objects.count() == 1
