"""The queue desk in the admin (core's casework screens of ``Casework(key="tickets")``):
today's list, a ticket by number, code or scanned URL, marks, comments, files, the next
visit, calling a day off; rights (specialist, moderator, administrator, other moderator,
citizen); the record lock; bulk marks; the former ``/queues/desk/`` addresses."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from addons.queues.models import Ticket, TicketFile, TicketStatus

from .conftest import at, site_today

pytestmark = pytest.mark.django_db

INDEX = "casework_tickets:index"


def detail(ticket):
    return reverse("casework_tickets:inspect", args=[ticket.pk])


def action(ticket, key):
    return reverse("casework_tickets:action", args=[ticket.pk, key])


def bulk(key):
    return reverse("wagtail_bulk_action", args=["queues", "ticket", f"casework-{key}"])


def today_list():
    day = site_today().isoformat()
    return f"{reverse(INDEX)}?day_from={day}&day_to={day}"


def post(client, ticket, key, data=None):
    ticket.refresh_from_db()
    return client.post(action(ticket, key), {"lock_version": ticket.lock_version,
                                              **(data or {})})


def test_urls():
    assert reverse(INDEX) == "/admin/casework/tickets/"
    assert reverse("queues:desk:today") == "/queues/desk/"


# --- rights -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "citizen", "other_moderator"])
def test_outsiders_never_reach_the_ticket(client, who, request, make_ticket):
    ticket = make_ticket()
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    listing = client.get(today_list())
    # a moderator elsewhere has a desk of their own, without this ticket
    assert listing.status_code == (200 if who == "other_moderator" else 302)
    assert ticket.number not in listing.content.decode()
    assert client.get(detail(ticket)).status_code in (302, 404)
    response = client.post(action(ticket, "served"), {"lock_version": 0})
    assert response.status_code in (302, 404)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.BOOKED
    # the former addresses do not reveal the ticket either
    assert client.get(reverse("queues:desk:ticket", args=[ticket.code])).status_code == 404


def test_other_moderator_finds_nothing(client, other_moderator, make_ticket):
    ticket = make_ticket()
    client.force_login(other_moderator)
    response = client.get(reverse("queues:desk:find"), {"q": ticket.code})
    assert response.status_code == 302 and response["Location"].startswith(reverse(INDEX))
    assert ticket.number not in client.get(response["Location"]).content.decode()


# --- today's list and lookup --------------------------------------------------------------


def test_the_list_opens_on_today(client, specialist, make_ticket, citizen):
    ticket = make_ticket()
    tomorrow = make_ticket(start=at(site_today() + timedelta(days=1), 12))
    client.force_login(specialist)
    response = client.get(reverse(INDEX))
    assert response.status_code == 302 and response["Location"] == today_list()
    response = client.get(today_list())
    content = response.content.decode()
    assert ticket.number in content and citizen.full_name in content
    assert tomorrow.number not in content
    day = tomorrow.day.isoformat()
    other_day = client.get(reverse(INDEX), {"day_from": day, "day_to": day})
    assert tomorrow.number in other_day.content.decode()
    assert ticket.number not in other_day.content.decode()


def test_former_day_list_redirects(client, moderator, make_ticket):
    make_ticket()
    client.force_login(moderator)
    response = client.get(reverse("queues:desk:today"), {"date": "2026-13-45"})
    assert response["Location"] == reverse(INDEX)
    day = (site_today() + timedelta(days=1)).isoformat()
    response = client.get(reverse("queues:desk:today"), {"date": day})
    assert response["Location"] == f"{reverse(INDEX)}?day_from={day}&day_to={day}"


def test_find_by_number_and_code_and_url(client, moderator, make_ticket):
    ticket = make_ticket()
    client.force_login(moderator)
    find = reverse("queues:desk:find")
    assert client.get(find, {"q": ticket.number.lower()}).url == detail(ticket)
    assert client.get(find, {"q": ticket.code}).url == detail(ticket)
    scanned = f"http://localhost/queues/ticket/{ticket.code}/"
    assert client.get(find, {"q": scanned}).url == detail(ticket)
    assert client.get(find, {"q": scanned + "pdf/"}).url == detail(ticket)
    assert client.get(find, {"q": "Z-999"}).url == f"{reverse(INDEX)}?q=Z-999"


def test_search_by_code_and_number(client, moderator, make_ticket):
    ticket = make_ticket()
    other = make_ticket()
    client.force_login(moderator)
    html = client.get(reverse(INDEX), {"q": ticket.code}).content.decode()
    assert ticket.number in html and other.number not in html


def test_ticket_page_shows_full_data_to_staff(client, specialist, make_ticket, citizen):
    ticket = make_ticket()
    client.force_login(specialist)
    response = client.get(detail(ticket))
    content = response.content.decode()
    assert response.status_code == 200
    assert citizen.full_name in content and citizen.email in content
    assert "Birth of a child" in content
    for key in ("arrived", "served", "comment", "file", "next_visit"):
        assert action(ticket, key) in content
    # a specialist does not call days off
    assert action(ticket, "cancel_day") not in content
    old = client.get(reverse("queues:desk:ticket", args=[ticket.code]))
    assert old.status_code == 302 and old["Location"] == detail(ticket)


# --- actions ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["moderator", "specialist", "superuser"])
def test_mark_arrived_then_served(client, who, request, make_ticket):
    ticket = make_ticket()
    client.force_login(request.getfixturevalue(who))
    response = post(client, ticket, "arrived")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ARRIVED
    post(client, ticket, "served", {"comment": "Certificate issued"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVED
    assert "Certificate issued" in ticket.comment


def test_mark_no_show(client, moderator, make_ticket):
    ticket = make_ticket(start=timezone.now() - timedelta(hours=2))
    client.force_login(moderator)
    post(client, ticket, "no_show")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NO_SHOW


def test_no_show_before_the_time_refused_at_the_desk(client, moderator, make_ticket):
    ticket = make_ticket(start=at(site_today() + timedelta(days=1), 10))
    client.force_login(moderator)
    response = post(client, ticket, "no_show", {"comment": "Typed before pressing"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "can be marked served or missed from that day on" in content
    assert "Typed before pressing" in content  # nothing typed is lost
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.BOOKED


def test_cancelled_ticket_says_so_and_cannot_be_served(client, specialist, make_ticket):
    ticket = make_ticket(status=TicketStatus.CANCELLED)
    client.force_login(specialist)
    page = client.get(detail(ticket)).content.decode()
    assert "This ticket was cancelled." in page
    assert action(ticket, "served") not in page
    response = post(client, ticket, "served")
    assert "not available" in response.content.decode() or response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CANCELLED


def test_served_twice_and_unknown_action(client, moderator, make_ticket):
    ticket = make_ticket(status=TicketStatus.SERVED)
    client.force_login(moderator)
    response = post(client, ticket, "arrived")
    assert response.status_code in (200, 302)
    assert client.post(action(ticket, "unknown"), {}).status_code == 404
    assert client.get(action(ticket, "comment")).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVED and ticket.lock_version == 0


def test_comment(client, specialist, make_ticket):
    ticket = make_ticket()
    client.force_login(specialist)
    response = post(client, ticket, "comment", {"text": "  "})
    assert response.status_code == 200 and "Write a comment." in response.content.decode()
    assert post(client, ticket, "comment", {"text": "Bring the original"}).status_code == 302
    ticket.refresh_from_db()
    assert "Bring the original" in ticket.comment and "Ana Specialist" in ticket.comment
    assert "Bring the original" in client.get(detail(ticket)).content.decode()


def test_file_in_private_storage_for_staff_only(client, specialist, citizen, other_moderator,
                                                make_ticket):
    ticket = make_ticket()
    client.force_login(specialist)
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(action(ticket, "file"), {"file": upload, "lock_version": 0})
    assert response.status_code == 302
    item = TicketFile.objects.get()
    assert "private" in str(item.file.storage.location)
    url = reverse("queues_desk_file", args=[ticket.code, item.pk])
    assert url in client.get(detail(ticket)).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert "attachment" in response["Content-Disposition"]
    old = reverse("queues:desk:file", args=[ticket.code, item.pk])
    assert client.get(old)["Location"] == url
    for outsider in (citizen, other_moderator):
        client.force_login(outsider)
        assert client.get(url).status_code in (302, 404)
        assert client.get(old).status_code == 404


def test_bad_file_refused(client, moderator, make_ticket):
    ticket = make_ticket()
    client.force_login(moderator)
    upload = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(action(ticket, "file"), {"file": upload, "lock_version": 0})
    assert response.status_code == 200
    assert "not accepted" in response.content.decode()
    assert not TicketFile.objects.exists()


def test_plan_next_visit_and_book_it(client, moderator, make_ticket, citizen, day):
    ticket = make_ticket(status=TicketStatus.SERVED)
    client.force_login(moderator)
    when = at(day, 10)
    response = post(client, ticket, "next_visit", {"when": when.strftime("%Y-%m-%dT%H:%M"),
                                                    "book": "on"})
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
    response = post(client, ticket, "next_visit", {"when": past})
    assert "The next visit must be in the future." in response.content.decode()
    response = post(client, ticket, "next_visit", {"when": "soon"})
    assert response.status_code == 200 and "Enter a valid date/time" in \
        response.content.decode()
    ticket.refresh_from_db()
    assert ticket.next_visit is None


# --- calling a day off --------------------------------------------------------------------


def test_moderator_cancels_a_day(client, moderator, desk_queue, service, citizen, day):
    from addons.core.models import Notification
    from addons.queues import services

    ticket = services.book(desk_queue, service, citizen, at(day, 10))
    client.force_login(moderator)
    response = post(client, ticket, "cancel_day", {"reason": "Power cut", "confirm": "on"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CANCELLED
    assert Notification.objects.filter(recipient=citizen).exists()
    assert services.free_slots(desk_queue, service, day) == []


def test_cancel_day_refused_to_specialists_and_past_days(client, specialist, moderator,
                                                         make_ticket, desk_queue):
    ticket = make_ticket()
    client.force_login(specialist)
    post(client, ticket, "cancel_day", {"confirm": "on"})
    assert not desk_queue.exceptions.exists()
    past = make_ticket(start=at(site_today() - timedelta(days=1), 10))
    client.force_login(moderator)
    assert action(past, "cancel_day") not in client.get(detail(past)).content.decode()
    post(client, past, "cancel_day", {"confirm": "on"})
    assert not desk_queue.exceptions.exists()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.BOOKED


# --- the ticket page's quick marks --------------------------------------------------------


def test_actions_include_for_the_ticket_page(rf, make_ticket):
    from django.template.loader import render_to_string

    ticket = make_ticket()
    html = render_to_string("queues/desk/ticket_actions.html", {"ticket": ticket},
                            request=rf.get("/"))
    assert action(ticket, "served") in html and 'name="lock_version"' in html
    ticket.status = TicketStatus.CANCELLED
    html = render_to_string("queues/desk/ticket_actions.html", {"ticket": ticket},
                            request=rf.get("/"))
    assert "This ticket was cancelled." in html and action(ticket, "served") not in html


def test_quick_mark_from_the_ticket_page(client, specialist, make_ticket):
    ticket = make_ticket()
    client.force_login(specialist)
    page = client.get(ticket.get_absolute_url()).content.decode()
    assert action(ticket, "served") in page
    response = client.post(action(ticket, "served"),
                           {"lock_version": 0, "next": ticket.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == ticket.get_absolute_url()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVED


# --- two people at one ticket, bulk marks -------------------------------------------------


def test_a_form_made_before_someone_elses_change_is_refused(client, specialist, moderator,
                                                            make_ticket, django_user_model):
    from django.test import Client

    ticket = make_ticket()
    other = Client()
    other.cookies["civicdesk_language"] = "en"
    other.force_login(moderator)
    client.force_login(specialist)
    assert client.get(action(ticket, "comment")).status_code == 200  # form made at version 0
    assert other.post(action(ticket, "arrived"), {"lock_version": 0}).status_code == 302
    response = client.post(action(ticket, "comment"),
                           {"text": "A long note typed meanwhile", "lock_version": 0})
    html = response.content.decode()
    assert "Changed by Registry Moderator at" in html
    assert "A long note typed meanwhile" in html
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ARRIVED and "long note" not in ticket.comment
    assert ticket.lock_version >= 1


def test_bulk_arrived_skips_tickets_outside_scope(client, specialist, make_ticket,
                                                  other_addressee, site, service):
    from .conftest import make_queue

    mine = [make_ticket(), make_ticket()]
    parks_queue = make_queue(site, title="Parks reception", letter="P",
                             addressee=other_addressee)
    theirs = make_ticket(queue=parks_queue)
    served = make_ticket(status=TicketStatus.SERVED)
    ids = [t.pk for t in [*mine, theirs, served]]
    client.force_login(specialist)
    query = "&".join(f"id={pk}" for pk in ids) + "&next=" + today_list().replace("&", "%26")
    confirm = client.get(bulk("arrived") + "?" + query)
    assert confirm.status_code == 200
    assert theirs.number not in confirm.content.decode() or theirs.number == mine[0].number
    response = client.post(bulk("arrived") + "?" + query, {"comment": ""})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "2 done" in page and "skipped" in page
    assert Ticket.objects.filter(pk__in=[t.pk for t in mine],
                                 status=TicketStatus.ARRIVED).count() == 2
    theirs.refresh_from_db()
    served.refresh_from_db()
    assert theirs.status == TicketStatus.BOOKED and served.status == TicketStatus.SERVED


def test_list_queries_do_not_grow_with_tickets(client, moderator, make_ticket, make_citizen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_ticket()
    client.force_login(moderator)
    url = today_list()
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(5):
        make_ticket(owner=make_citizen())
    with CaptureQueriesContext(connection) as six:
        response = client.get(url)
    assert response.context["paginator"].count == 6
    assert len(six) == len(one)
