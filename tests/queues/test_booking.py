from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from addons.queues import services
from addons.queues.models import QueueService, Slot, Ticket, TicketStatus

from .conftest import at, make_queue, working_day


def test_book_numbers_per_queue_and_day(queue, service, day, make_citizen):
    queue.capacity = 2
    queue.save()
    first = services.book(queue, service, make_citizen(), at(day, 9), {"field_1": "x"})
    second = services.book(queue, service, make_citizen(), at(day, 9))
    third = services.book(queue, service, make_citizen(), at(day + timedelta(days=1), 9))
    assert (first.number, second.number, third.number) == ("A-001", "A-002", "A-001")
    assert first.answers == {"field_1": "x"} and first.status == TicketStatus.BOOKED
    assert first.end - first.start == timedelta(minutes=30)
    assert Slot.objects.get(queue=queue, start=at(day, 9)).taken == 2
    assert len(first.code) >= 20


def test_full_slot_raises_slot_taken_with_alternatives(queue, service, day, make_citizen):
    services.book(queue, service, make_citizen(), at(day, 10))
    with pytest.raises(services.SlotTaken) as caught:
        services.book(queue, service, make_citizen(), at(day, 10))
    assert caught.value.alternatives == [at(day, 9), at(day, 9, 30), at(day, 10, 30)]
    assert Ticket.objects.count() == 1


def test_database_refuses_over_capacity_even_when_check_passed(queue, service, day,
                                                              make_citizen, monkeypatch):
    services.book(queue, service, make_citizen(), at(day, 10))
    real = services._check_time

    def stale(*args, **kwargs):  # the pre-check saw the slot free (a race)
        start, end, _free = real(*args, **kwargs)
        return start, end, 1

    monkeypatch.setattr(services, "_check_time", stale)
    with pytest.raises(services.SlotTaken):
        services.book(queue, service, make_citizen(), at(day, 10))
    assert Ticket.objects.count() == 1
    assert Slot.objects.get(queue=queue, start=at(day, 10)).taken == 1


def test_booked_email_has_pdf(queue, service, day, citizen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.book(queue, service, citizen, at(day, 9))
    message = mail.outbox[-1]
    assert message.to == [citizen.email] and ticket.number in message.subject
    name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    assert ticket.get_absolute_url() in message.body
    from addons.core.models import Notification

    copy = Notification.objects.get(event="queues.booked", recipient=citizen)
    assert copy.status == Notification.Status.SKIPPED and len(mail.outbox) == 1


@pytest.mark.parametrize("case", ["past", "outside", "break", "horizon", "notice"])
def test_bad_times(queue, service, citizen, case):
    today = services.local_today(queue)
    start = {
        "past": at(today - timedelta(days=1), 9),
        "outside": at(working_day(), 8),
        "break": at(working_day(), 11),
        "horizon": at(today + timedelta(days=queue.horizon_days + 1), 9),
        "notice": timezone.now() + timedelta(minutes=20),
    }[case]
    with pytest.raises(services.OutsideSchedule):
        services.book(queue, service, citizen, start)
    assert not Ticket.objects.exists()


def test_off_grid_time(queue, service, citizen, day):
    with pytest.raises(services.OutsideSchedule):
        services.book(queue, service, citizen, at(day, 9, 10))


def test_holiday(queue, service, citizen, day, monkeypatch):
    seen = []

    def holiday(d, jurisdiction):
        seen.append(jurisdiction)
        return d == day

    monkeypatch.setattr(services.calendars, "is_public_holiday", holiday)
    with pytest.raises(services.OutsideSchedule) as caught:
        services.book(queue, service, citizen, at(day, 9))
    assert "holiday" in str(caught.value.message)
    assert seen and set(seen) == {"ro"}


def test_tampered_service(queue, service, citizen, day, site):
    other = make_queue(site, title="Other")
    foreign = QueueService.objects.create(queue=other, name="Foreign")
    with pytest.raises(services.InvalidService):
        services.book(queue, foreign, citizen, at(day, 9))
    with pytest.raises(services.InvalidService):
        services.book(queue, None, citizen, at(day, 9))


def test_double_submit_gives_one_ticket(queue, service, citizen, day):
    queue.max_active_tickets = 5
    queue.save()
    first = services.book(queue, service, citizen, at(day, 9), token="tok-1")
    again = services.book(queue, service, citizen, at(day, 9, 30), token="tok-1")
    assert again.pk == first.pk and Ticket.objects.count() == 1
    assert Slot.objects.get(queue=queue, start=at(day, 9)).taken == 1
    assert not Slot.objects.filter(queue=queue, start=at(day, 9, 30), taken__gt=0).exists()


def test_limit_per_citizen(queue, service, citizen, day):
    services.book(queue, service, citizen, at(day, 9))
    with pytest.raises(services.LimitReached):
        services.book(queue, service, citizen, at(day, 10))
    queue.max_active_tickets = 2
    queue.save()
    services.book(queue, service, citizen, at(day, 10))


def test_blocked_after_no_shows(queue, service, citizen, day):
    past = timezone.now() - timedelta(days=2)
    for seq in (1, 2):
        Ticket.objects.create(queue=queue, service=service, service_name="x", citizen=citizen,
                              start=past, end=past + timedelta(minutes=30), day=past.date(),
                              seq=seq, number=f"A-{seq:03d}", status=TicketStatus.NO_SHOW)
    with pytest.raises(services.Blocked) as caught:
        services.book(queue, service, citizen, at(day, 9))
    assert caught.value.until > timezone.now() + timedelta(days=27)
    queue.no_show_limit = 3
    queue.save()
    services.book(queue, service, citizen, at(day, 9))


def test_cancel_frees_slot_at_once(queue, service, day, make_citizen):
    owner, other = make_citizen(), make_citizen()
    ticket = services.book(queue, service, owner, at(day, 9))
    with pytest.raises(services.NotAllowed):
        services.cancel(ticket, other)
    services.cancel(ticket, owner)
    assert ticket.status == TicketStatus.CANCELLED
    assert services.free_slots(queue, service, day)[0][2] == 1
    services.book(queue, service, other, at(day, 9))
    with pytest.raises(services.InvalidTransition):
        services.cancel(ticket, owner)


def test_move_frees_old_and_takes_new(queue, service, day, make_citizen):
    owner, other = make_citizen(), make_citizen()
    ticket = services.book(queue, service, owner, at(day, 9))
    services.book(queue, service, other, at(day, 12))
    with pytest.raises(services.SlotTaken):
        services.move(ticket, owner, at(day, 12))
    moved = services.move(ticket, owner, at(day, 10))
    assert moved.start == at(day, 10) and moved.number == "A-001"
    assert Slot.objects.get(queue=queue, start=at(day, 9)).taken == 0
    assert Slot.objects.get(queue=queue, start=at(day, 10)).taken == 1
    next_day = services.move(ticket, owner, at(day + timedelta(days=1), 9))
    assert next_day.day == day + timedelta(days=1) and next_day.number == "A-001"
    with pytest.raises(services.OutsideSchedule):
        services.move(ticket, owner, at(day, 8))
    with pytest.raises(services.NotAllowed):
        services.move(ticket, other, at(day, 9))


def test_mark_by_staff_only(queue, service, day, citizen, django_user_model):
    ticket = services.book(queue, service, citizen, at(day, 9))
    with pytest.raises(services.NotAllowed):
        services.mark(ticket, citizen, TicketStatus.SERVED)
    admin = django_user_model.objects.create_superuser("boss", "boss@example.org", "pw-1234567")
    services.mark(ticket, admin, TicketStatus.ARRIVED, "came early")
    with pytest.raises(services.InvalidTransition):  # served only from the visit's day on
        services.mark(ticket, admin, TicketStatus.SERVED)
    Ticket.objects.filter(pk=ticket.pk).update(day=services.local_today(queue))
    services.mark(ticket, admin, TicketStatus.SERVED)
    assert ticket.status == TicketStatus.SERVED and ticket.comment == "came early"
    with pytest.raises(services.InvalidTransition):
        services.mark(ticket, admin, TicketStatus.NO_SHOW)
    cancelled = services.book(queue, service, citizen, at(day, 10))
    services.cancel(cancelled, citizen)
    with pytest.raises(services.InvalidTransition):
        services.mark(cancelled, admin, TicketStatus.ARRIVED)


def test_visibility(queue, service, day, make_citizen, django_user_model):
    owner, other = make_citizen(), make_citizen()
    ticket = services.book(queue, service, owner, at(day, 9))
    assert services.can_view_ticket(owner, ticket)
    assert not services.can_view_ticket(other, ticket)
    assert list(Ticket.objects.visible_to(owner)) == [ticket]
    assert not Ticket.objects.visible_to(other).exists()
    from django.contrib.auth.models import AnonymousUser

    assert not Ticket.objects.visible_to(AnonymousUser()).exists()


def test_reminder_once(queue, service, citizen, django_capture_on_commit_callbacks):
    from addons.core.models import Notification
    from addons.queues.jobs import send_reminders

    soon = timezone.now() + timedelta(hours=20)
    ticket = Ticket.objects.create(queue=queue, service=service, service_name="x",
                                   citizen=citizen, start=soon,
                                   end=soon + timedelta(minutes=30), day=soon.date(), seq=1,
                                   number="A-001")
    assert send_reminders() == 1
    assert send_reminders() == 0
    assert Notification.objects.filter(event="queues.reminder", recipient=citizen).count() == 1
    ticket.refresh_from_db()
    assert ticket.reminded_at is not None


def test_profile_fields_required(queue, service, make_citizen, day, client):
    queue.requires_phone = True
    queue.save()
    citizen = make_citizen(phone="")
    with pytest.raises(services.ProfileIncomplete) as caught, translation.override("en"):
        services.book(queue, service, citizen, at(day, 9))
    assert caught.value.missing == ["phone"] and "phone" in str(caught.value.message)
    nameless = make_citizen(full_name="")
    with pytest.raises(services.ProfileIncomplete):
        services.book(queue, service, nameless, at(day, 9))
    client.force_login(citizen)
    page = client.get(f"/queues/{queue.pk}/?service={service.pk}")
    assert "fill in your profile" in page.content.decode()
    assert not Ticket.objects.exists()


def test_ticket_email_goes_through_the_task_queue(
    queue, service, day, make_citizen, monkeypatch, django_capture_on_commit_callbacks
):
    """The PDF email is queued for a django-q2 worker after commit, never built in the
    booking request; a broker outage still leaves a booked ticket."""
    queued = []
    monkeypatch.setattr(
        "django_q.tasks.async_task", lambda func, *args, **kw: queued.append((func, args))
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.book(queue, service, make_citizen(), at(day, 9), {})
    assert queued == [("addons.queues.emails.send_ticket_email", (ticket.pk,))]
    assert not mail.outbox

    def broken(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr("django_q.tasks.async_task", broken)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.book(queue, service, make_citizen(), at(day, 10), {})
    second.refresh_from_db()
    assert second.status == TicketStatus.BOOKED
