"""The specialist's desk: today's list, a ticket by number or code, marks, comments, files,
the next visit; rights (specialist, moderator, administrator, other moderator, citizen)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from addons.queues import desk
from addons.queues.models import Ticket, TicketFile, TicketStatus

from .conftest import at, site_today

pytestmark = pytest.mark.django_db

def ticket_url(ticket, action=None):
    if action:
        return reverse("queues:desk:action", args=[ticket.code, action])
    return reverse("queues:desk:ticket", args=[ticket.code])


def test_urls():
    assert reverse("queues:desk:today") == "/queues/desk/"


# --- rights -------------------------------------------------------------------------------


def test_staff_scope(desk_queue, moderator, specialist, superuser, other_moderator, citizen,
                     make_ticket):
    ticket = make_ticket()
    assert desk.can_handle(moderator, ticket)
    assert desk.can_handle(specialist, ticket)
    assert desk.can_handle(superuser, ticket)
    assert not desk.can_handle(other_moderator, ticket)
    assert not desk.can_handle(citizen, ticket)
    assert list(desk.desk_queues(specialist)) == [desk_queue]
    assert list(desk.desk_queues(other_moderator)) == []


@pytest.mark.parametrize("who", ["anonymous", "citizen", "other_moderator"])
def test_outsiders_get_404(client, who, request, make_ticket):
    ticket = make_ticket()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    listing = client.get(reverse("queues:desk:today"))
    # a moderator elsewhere has a desk of their own, without this ticket
    assert listing.status_code == (200 if who == "other_moderator" else 404)
    assert ticket.number not in listing.content.decode()
    assert client.get(ticket_url(ticket)).status_code == 404
    response = client.post(ticket_url(ticket, "mark"), {"mark-status": "served"})
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.BOOKED


def test_other_moderator_sees_only_own_queue(client, other_moderator, make_ticket):
    make_ticket()
    client.force_login(other_moderator)
    # desk staff elsewhere (moderates parks) but this ticket is not theirs
    response = client.get(reverse("queues:desk:find"), {"q": Ticket.objects.get().number})
    assert response.status_code == 404


# --- today's list and lookup --------------------------------------------------------------


def test_today_list(client, specialist, make_ticket, citizen):
    ticket = make_ticket()
    tomorrow = make_ticket(start=at(site_today() + timedelta(days=1), 12))
    client.force_login(specialist)
    response = client.get(reverse("queues:desk:today"))
    assert response.status_code == 200
    content = response.content.decode()
    assert ticket.number in content and citizen.full_name in content
    assert tomorrow.number not in content
    other_day = client.get(reverse("queues:desk:today"),
                           {"date": tomorrow.day.isoformat()})
    assert tomorrow.number in other_day.content.decode()


def test_today_bad_date_falls_back_to_today(client, moderator, make_ticket):
    ticket = make_ticket()
    client.force_login(moderator)
    response = client.get(reverse("queues:desk:today"), {"date": "2026-13-45"})
    assert response.status_code == 200
    assert ticket.number in response.content.decode()


def test_find_by_number_and_code_and_url(client, moderator, make_ticket):
    ticket = make_ticket()
    client.force_login(moderator)
    find = reverse("queues:desk:find")
    assert client.get(find, {"q": ticket.number.lower()}).url == ticket_url(ticket)
    assert client.get(find, {"q": ticket.code}).url == ticket_url(ticket)
    scanned = f"http://localhost/queues/ticket/{ticket.code}/"
    assert client.get(find, {"q": scanned}).url == ticket_url(ticket)
    assert client.get(find, {"q": scanned + "pdf/"}).url == ticket_url(ticket)
    assert client.get(find, {"q": "Z-999"}).status_code == 404


def test_ticket_page_shows_full_data_to_staff(client, specialist, make_ticket, citizen):
    ticket = make_ticket()
    client.force_login(specialist)
    response = client.get(ticket_url(ticket))
    content = response.content.decode()
    assert response.status_code == 200
    assert citizen.full_name in content and citizen.email in content
    assert "Birth of a child" in content
    assert 'name="mark-status"' in content


# --- actions ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["moderator", "specialist", "superuser"])
def test_mark_arrived_then_served(client, who, request, make_ticket):
    ticket = make_ticket()
    client.force_login(request.getfixturevalue(who))
    response = client.post(ticket_url(ticket, "mark"), {"mark-status": "arrived"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ARRIVED
    client.post(ticket_url(ticket, "mark"), {"mark-status": "served",
                                             "mark-comment": "Certificate issued"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVED
    assert "Certificate issued" in ticket.comment


def test_mark_no_show(client, moderator, make_ticket):
    ticket = make_ticket(start=timezone.now() - timedelta(hours=2))
    client.force_login(moderator)
    client.post(ticket_url(ticket, "mark"), {"mark-status": "no_show"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NO_SHOW


def test_cancelled_ticket_says_so_and_cannot_be_served(client, specialist, make_ticket):
    ticket = make_ticket(status=TicketStatus.CANCELLED)
    client.force_login(specialist)
    page = client.get(ticket_url(ticket)).content.decode()
    assert "This ticket was cancelled." in page
    assert 'name="mark-status"' not in page
    response = client.post(ticket_url(ticket, "mark"), {"mark-status": "served"})
    assert response.status_code == 409
    assert "cannot be marked" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CANCELLED


def test_bad_status_and_served_twice(client, moderator, make_ticket):
    ticket = make_ticket(status=TicketStatus.SERVED)
    client.force_login(moderator)
    assert client.post(ticket_url(ticket, "mark"), {"mark-status": "booked"}).status_code == 400
    assert client.post(ticket_url(ticket, "mark"),
                       {"mark-status": "arrived"}).status_code == 400
    assert client.post(ticket_url(ticket, "unknown"), {}).status_code == 404
    assert client.get(ticket_url(ticket, "mark")).status_code == 405
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVED


def test_comment(client, specialist, make_ticket):
    ticket = make_ticket()
    client.force_login(specialist)
    assert client.post(ticket_url(ticket, "comment"), {"comment-text": "  "}).status_code == 400
    client.post(ticket_url(ticket, "comment"), {"comment-text": "Bring the original"})
    ticket.refresh_from_db()
    assert "Bring the original" in ticket.comment and "Ana Specialist" in ticket.comment


def test_file_in_private_storage_for_staff_only(client, specialist, citizen, other_moderator,
                                                make_ticket):
    ticket = make_ticket()
    client.force_login(specialist)
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    assert client.post(ticket_url(ticket, "file"), {"file-file": upload}).status_code == 302
    item = TicketFile.objects.get()
    assert item.file.storage is not None and "private" in str(item.file.storage.location)
    url = reverse("queues:desk:file", args=[ticket.code, item.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert "attachment" in response["Content-Disposition"]
    for outsider in (citizen, other_moderator):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_bad_file_refused(client, moderator, make_ticket):
    ticket = make_ticket()
    client.force_login(moderator)
    upload = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(ticket_url(ticket, "file"), {"file-file": upload})
    assert response.status_code == 400
    assert "not accepted" in response.content.decode()
    assert not TicketFile.objects.exists()


def test_plan_next_visit_and_book_it(client, moderator, make_ticket, citizen, day):
    ticket = make_ticket(status=TicketStatus.SERVED)
    client.force_login(moderator)
    when = at(day, 10)
    local = when.strftime("%Y-%m-%dT%H:%M")
    response = client.post(ticket_url(ticket, "next"), {"next-when": local, "next-book": "on"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.next_visit == when
    booked = Ticket.objects.exclude(pk=ticket.pk).get()
    assert booked.citizen == citizen and booked.start == when
    assert booked.status == TicketStatus.BOOKED


def test_next_visit_in_the_past_refused(client, moderator, make_ticket):
    ticket = make_ticket()
    client.force_login(moderator)
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(ticket_url(ticket, "next"), {"next-when": past}).status_code == 400
    assert client.post(ticket_url(ticket, "next"), {"next-when": "soon"}).status_code == 400
    ticket.refresh_from_db()
    assert ticket.next_visit is None


# --- calling a day off --------------------------------------------------------------------


def test_moderator_cancels_a_day(client, moderator, desk_queue, service, citizen, day):
    from addons.core.models import Notification
    from addons.queues import services

    ticket = services.book(desk_queue, service, citizen, at(day, 10))
    client.force_login(moderator)
    url = reverse("queues:desk:cancel_day", args=[desk_queue.pk])
    prefix = f"cancel-{desk_queue.pk}"
    response = client.post(url, {f"{prefix}-date": day.isoformat(),
                                 f"{prefix}-reason": "Power cut"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CANCELLED
    assert Notification.objects.filter(recipient=citizen).exists()
    assert services.free_slots(desk_queue, service, day) == []


@pytest.mark.parametrize("value", ["", "2020-01-01", "someday"])
def test_cancel_day_bad_date(client, moderator, desk_queue, value):
    client.force_login(moderator)
    url = reverse("queues:desk:cancel_day", args=[desk_queue.pk])
    response = client.post(url, {f"cancel-{desk_queue.pk}-date": value})
    assert response.status_code == 400
    assert not desk_queue.exceptions.exists()


def test_cancel_day_refused_to_specialist_and_others(client, specialist, other_moderator,
                                                     desk_queue, day):
    url = reverse("queues:desk:cancel_day", args=[desk_queue.pk])
    for user in (specialist, other_moderator):
        client.force_login(user)
        response = client.post(url, {f"cancel-{desk_queue.pk}-date": day.isoformat()})
        assert response.status_code == 404
    assert not desk_queue.exceptions.exists()


def test_actions_include_for_the_ticket_page(rf, make_ticket):
    from django.template.loader import render_to_string

    ticket = make_ticket()
    html = render_to_string("queues/desk/ticket_actions.html", {"ticket": ticket},
                            request=rf.get("/"))
    assert 'value="served"' in html and ticket_url(ticket, "mark") in html
    ticket.status = TicketStatus.CANCELLED
    html = render_to_string("queues/desk/ticket_actions.html", {"ticket": ticket},
                            request=rf.get("/"))
    assert "This ticket was cancelled." in html and 'value="served"' not in html


def test_quick_mark_from_the_ticket_page(client, specialist, make_ticket):
    ticket = make_ticket()
    client.force_login(specialist)
    response = client.post(ticket_url(ticket, "mark"), {"mark-status": "served"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVED


def test_today_queries_do_not_grow_with_tickets(client, moderator, make_ticket, make_citizen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_ticket()
    client.force_login(moderator)
    url = reverse("queues:desk:today")
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(5):
        make_ticket(owner=make_citizen())
    with CaptureQueriesContext(connection) as six:
        response = client.get(url)
    assert response.content.decode().count("ticket-status-booked") == 6
    assert len(six) == len(one)
