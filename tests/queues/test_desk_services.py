"""The desk's actions as service functions (the ``casework`` actions): the marking rules,
comments, files, next visits, calling a day off; every action in Wagtail's audit log and
raising the ticket's version; the forms the desk shows for them."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from wagtail.models import ModelLogEntry

from addons.queues import services
from addons.queues.forms import CommentForm, FileForm, MarkForm, NextVisitForm
from addons.queues.models import Ticket, TicketFile, TicketStatus

from .conftest import at, site_today

pytestmark = pytest.mark.django_db


def logged(ticket):
    return list(ModelLogEntry.objects.for_instance(ticket).values_list("action", flat=True))


# --- the marking rules --------------------------------------------------------------------


def test_served_or_no_show_before_the_day_refused(make_ticket, moderator):
    ticket = make_ticket(start=at(site_today() + timedelta(days=2), 10))
    for service in (services.mark_served, services.mark_no_show):
        with pytest.raises(ValidationError) as refused:
            service(ticket, moderator)
        assert "can be marked served or missed from that day on" in refused.value.messages[0]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.BOOKED and ticket.lock_version == 0
    assert logged(ticket) == []
    # arriving is not tied to the day: a citizen may come in early
    services.mark_arrived(ticket, moderator)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ARRIVED


def test_no_show_before_the_slot_time_refused(make_ticket, moderator):
    start = timezone.now() + timedelta(minutes=30)
    ticket = make_ticket(start=start)
    if ticket.day != site_today():  # just before midnight: the day rule answers first
        pytest.skip("the slot falls on tomorrow")
    with pytest.raises(ValidationError) as refused:
        services.mark_no_show(ticket, moderator)
    local = start.astimezone(services.queue_timezone(ticket.queue)).strftime("%H:%M")
    assert refused.value.messages == [
        f"The visit starts at {local}: the citizen can be marked as not come only after "
        "that time."]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.BOOKED
    # served on the day is fine even before the slot (the citizen came early)
    services.mark_served(ticket, moderator)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVED


def test_no_show_after_the_slot_time_and_served_on_the_day(make_ticket, specialist):
    late = make_ticket(start=timezone.now() - timedelta(minutes=5))
    message = services.mark_no_show(late, specialist, comment="Waited 15 minutes")
    late.refresh_from_db()
    assert late.status == TicketStatus.NO_SHOW and "Waited 15 minutes" in late.comment
    assert late.number in message
    assert logged(late) == ["queues.no_show"]
    assert late.lock_version == 1


def test_cancelled_ticket_refused_with_reason(make_ticket, moderator):
    ticket = make_ticket(status=TicketStatus.CANCELLED)
    with pytest.raises(ValidationError) as refused:
        services.mark_arrived(ticket, moderator)
    assert refused.value.messages == ["This ticket was cancelled: it cannot be marked."]
    assert services.can_mark(ticket) is False


def test_marks_refused_to_outsiders(make_ticket, other_moderator, citizen):
    ticket = make_ticket()
    for user in (other_moderator, citizen):
        with pytest.raises(ValidationError):
            services.mark_arrived(ticket, user)
        with pytest.raises(ValidationError):
            services.add_comment(ticket, user, text="Hello")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.BOOKED and ticket.comment == ""


# --- comments, files, next visits ---------------------------------------------------------


def test_comment_signed_dated_and_logged(make_ticket, specialist):
    ticket = make_ticket()
    with pytest.raises(ValidationError) as refused:
        services.add_comment(ticket, specialist, text="   ")
    assert refused.value.messages == ["Write a comment."]
    assert services.add_comment(ticket, specialist, text="Bring the original") == \
        "The comment is added."
    ticket.refresh_from_db()
    assert "Ana Specialist] Bring the original" in ticket.comment
    assert logged(ticket) == ["queues.comment"]
    assert ticket.lock_version == 1


def test_file_checked_stored_and_logged(make_ticket, specialist):
    ticket = make_ticket()
    bad = SimpleUploadedFile("run.exe", b"MZ")
    with pytest.raises(ValidationError) as refused:
        services.attach_file(ticket, specialist, file=bad)
    assert refused.value.messages == ["This kind of file is not accepted."]
    big = SimpleUploadedFile("scan.pdf", b"x" * (services.MAX_FILE_SIZE + 1))
    with pytest.raises(ValidationError):
        services.attach_file(ticket, specialist, file=big)
    assert not TicketFile.objects.exists()
    services.attach_file(ticket, specialist, file=SimpleUploadedFile("scan.pdf", b"%PDF-1.4"))
    item = TicketFile.objects.get()
    assert item.uploaded_by == specialist and item.original_name == "scan.pdf"
    assert logged(ticket) == ["queues.file"]


def test_next_visit_planned_booked_and_refused(make_ticket, moderator, citizen, day):
    ticket = make_ticket(status=TicketStatus.SERVED)
    with pytest.raises(ValidationError) as refused:
        services.plan_next_visit(ticket, moderator, when=timezone.now() - timedelta(hours=1))
    assert refused.value.messages == ["The next visit must be in the future."]
    message = services.plan_next_visit(ticket, moderator, when=at(day, 10), book=True)
    booked = Ticket.objects.exclude(pk=ticket.pk).get()
    assert message == f"The next visit is booked: ticket {booked.number}."
    assert booked.citizen == citizen and booked.start == at(day, 10)
    ticket.refresh_from_db()
    assert ticket.next_visit == at(day, 10)
    assert logged(ticket) == ["queues.next_visit"]


def test_next_visit_at_a_taken_time_offers_others(make_ticket, moderator, make_citizen,
                                                  desk_queue, service, day):
    services.book(desk_queue, service, make_citizen(), at(day, 10))
    ticket = make_ticket(status=TicketStatus.SERVED)
    with pytest.raises(ValidationError) as refused:
        services.plan_next_visit(ticket, moderator, when=at(day, 10), book=True)
    assert "nearest free times" in refused.value.messages[0]
    assert f"{day:%Y-%m-%d} 09:30" in refused.value.messages[0]
    ticket.refresh_from_db()
    assert ticket.next_visit is None and logged(ticket) == []


# --- calling a day off --------------------------------------------------------------------


def test_cancel_day_by_moderator(desk_queue, service, citizen, moderator, day):
    from addons.core.models import Notification

    ticket = services.book(desk_queue, service, citizen, at(day, 10))
    assert services.cancel_day_available(ticket, moderator)
    message = services.cancel_day(ticket, moderator, reason="Power cut")
    assert message == "The day is cancelled; 1 ticket was cancelled."
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CANCELLED
    assert Notification.objects.filter(recipient=citizen).exists()
    assert services.free_slots(desk_queue, service, day) == []
    assert set(logged(ticket)) == {"queues.cancel", "queues.cancel_day"}


def test_cancel_day_refused_to_specialists_and_for_past_days(make_ticket, specialist,
                                                             moderator):
    ticket = make_ticket()
    assert not services.cancel_day_available(ticket, specialist)
    with pytest.raises(ValidationError) as refused:
        services.cancel_day(ticket, specialist)
    assert refused.value.messages == ["Only the queue's moderators can cancel a day."]
    past = make_ticket(start=at(site_today() - timedelta(days=1), 10))
    assert not services.cancel_day_available(past, moderator)
    with pytest.raises(ValidationError) as refused:
        services.cancel_day(past, moderator)
    assert refused.value.messages == ["This day is in the past."]
    assert not ticket.queue.exceptions.exists()


# --- the forms ----------------------------------------------------------------------------


def test_forms_take_record_and_user(make_ticket, specialist):
    ticket = make_ticket()
    for form_class in (MarkForm, CommentForm, FileForm, NextVisitForm):
        form = form_class(record=ticket, user=specialist)
        assert form.record == ticket and form.user == specialist
    assert not CommentForm({"text": "  "}, record=ticket, user=specialist).is_valid()
    upload = SimpleUploadedFile("run.exe", b"MZ")
    form = FileForm({}, {"file": upload}, record=ticket, user=specialist)
    assert not form.is_valid()
    assert form.errors["file"] == ["This kind of file is not accepted."]


def test_next_visit_form_reads_the_queue_local_time(make_ticket, specialist, day):
    ticket = make_ticket()
    with timezone.override("UTC"):  # whatever zone the request runs in
        form = NextVisitForm({"when": f"{day:%Y-%m-%d}T10:00"}, record=ticket,
                             user=specialist)
        assert form.is_valid(), form.errors
    assert form.cleaned_data["when"] == at(day, 10)
    bad = NextVisitForm({"when": "0001-01-01T00:00"}, record=ticket, user=specialist)
    assert not bad.is_valid()
    assert "Enter a date between" in bad.errors["when"][0]
