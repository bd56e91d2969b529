"""Security of the queue: personal-data responses are never cached, and malformed input
(ids, tokens, dates) gets a clear error instead of a server error."""

from datetime import timedelta

import pytest
from django.urls import reverse

from addons.queues import services
from addons.queues.models import Ticket

from .conftest import at
from .test_api import booking, tickets_url, token_client

pytestmark = pytest.mark.django_db


HUGE = "99999999999999999999999999"


def no_store(response) -> bool:
    header = response.get("Cache-Control", "")
    return "no-store" in header and "private" in header


@pytest.fixture
def booked(queue, service, citizen, day):
    return services.book(queue, service, citizen, at(day, 9), {"Reason": "Passport"})


# --- finding 17: Cache-Control on personal data -------------------------------------------


@pytest.mark.parametrize("name", ["queues:ticket", "queues:ticket_pdf", "queues:ticket_ics"])
def test_ticket_responses_are_not_cached(client, booked, citizen, name):
    client.force_login(citizen)
    response = client.get(reverse(name, args=[booked.code]))
    assert response.status_code == 200
    assert no_store(response)


def test_public_ticket_page_is_not_cached_either(client, booked):
    response = client.get(reverse("queues:ticket", args=[booked.code]))
    assert response.status_code == 200 and no_store(response)


def test_ticket_api_is_not_cached(client, booked, citizen):
    token_client(client, citizen)
    response = client.get(f"/api/v1/tickets/{booked.code}/")
    assert response.status_code == 200 and no_store(response)


def test_booking_answer_is_not_cached(client, queue, service, citizen, day):
    token_client(client, citizen)
    response = client.post(tickets_url(queue), booking(service, at(day, 9)),
                           content_type="application/json")
    assert response.status_code == 201 and no_store(response)


def test_booking_page_and_my_tickets_are_not_cached(client, queue, service, field, citizen,
                                                    day, booked):
    client.force_login(citizen)
    page = client.get(reverse("queues:book", args=[queue.pk]),
                      {"service": service.pk, "day": day.isoformat()})
    assert page.status_code == 200 and no_store(page)
    assert no_store(client.get(reverse("queues:mine")))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_desk_exports_are_not_cached(client, moderator, desk_queue, make_ticket, fmt):
    make_ticket()
    client.force_login(moderator)
    response = client.get(reverse("queues:desk:export", args=[desk_queue.pk, fmt]))
    assert response.status_code == 200 and no_store(response)


def test_desk_calendar_feed_is_not_cached(client, desk_queue, make_ticket):
    from addons.queues.feeds import calendar_url

    make_ticket()
    response = client.get(calendar_url(desk_queue))
    assert response.status_code == 200 and no_store(response)


# --- finding 12: malformed input ----------------------------------------------------------


def test_overlong_form_token_is_a_form_error(client, queue, service, field, citizen, day):
    client.force_login(citizen)
    url = reverse("queues:book", args=[queue.pk])
    response = client.post(url, {"service": service.pk, "day": day.isoformat(),
                                 "start": at(day, 9).isoformat(), field.key: "Lost passport",
                                 "token": "x" * 65})
    html = response.content.decode()
    assert response.status_code == 400
    assert "This form has expired" in html
    assert "Lost passport" in html
    assert "x" * 65 not in html  # a fresh token comes with the form again
    assert not Ticket.objects.exists()


def test_overlong_form_token_message_is_translated(client, queue, service, field, citizen,
                                                  day):
    client.force_login(citizen)
    client.cookies["civicdesk_language"] = "uk"
    response = client.post(reverse("queues:book", args=[queue.pk]), {
        "service": service.pk, "day": day.isoformat(), "start": at(day, 9).isoformat(),
        field.key: "Lost passport", "token": "x" * 65})
    assert response.status_code == 400
    assert "This form has expired" not in response.content.decode()


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+05:00",
                                   "9999-12-31T23:59:59", "9999-12-31T23:59:59-05:00",
                                   "2999-01-01T09:00:00", "1900-01-01T09:00:00"])
def test_api_odd_start_is_a_field_error(client, queue, service, citizen, start):
    token_client(client, citizen)
    response = client.post(tickets_url(queue), {"service": service.pk, "start": start},
                           content_type="application/json")
    assert response.status_code == 400
    assert "start" in response.json()
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00", "9999-12-31T23:59:59",
                                   "9999-12-31T23:59:59-05:00"])
def test_booking_page_odd_start_is_a_form_error(client, queue, service, field, citizen, day,
                                                start):
    client.force_login(citizen)
    response = client.post(reverse("queues:book", args=[queue.pk]), {
        "service": service.pk, "day": day.isoformat(), "start": start,
        field.key: "Lost passport", "token": "t"})
    assert response.status_code == 400
    assert "Lost passport" in response.content.decode()


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "2999-01-01"])
def test_odd_days_on_the_booking_page(client, queue, service, citizen, value):
    client.force_login(citizen)
    url = reverse("queues:book", args=[queue.pk])
    assert client.get(url, {"service": service.pk, "day": value}).status_code == 200
    response = client.post(url, {"service": service.pk, "day": value,
                                 "start": f"{value}T09:00:00", "token": "t"})
    assert response.status_code == 400


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_api_odd_slot_days(client, queue, service, value):
    response = client.get(f"/api/v1/queues/{queue.pk}/slots/",
                          {"service": service.pk, "date": value})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["slots"] == []


def test_huge_ids(client, queue, service, citizen):
    client.force_login(citizen)
    url = reverse("queues:book", args=[queue.pk])
    assert client.get(url, {"service": HUGE}).status_code == 404
    assert client.post(url, {"service": HUGE}).status_code == 404
    assert client.get(reverse("queues:book", args=[int(HUGE)])).status_code == 404
    assert client.get(f"/api/v1/queues/{queue.pk}/slots/",
                      {"service": HUGE, "date": "2030-01-01"}).status_code == 400
    token_client(client, citizen)
    response = client.post(tickets_url(queue), {"service": int(HUGE),
                                                "start": "2030-01-01T09:00:00"},
                           content_type="application/json")
    assert response.status_code == 400 and "service" in response.json()
    assert client.post(f"/api/v1/queues/{HUGE}/tickets/", {"service": 1},
                       content_type="application/json").status_code == 404


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_desk_odd_days(client, moderator, desk_queue, value):
    client.force_login(moderator)
    assert client.get(reverse("queues:desk:today"), {"date": value}).status_code == 302
    listing = client.get(reverse("casework_tickets:index"),
                         {"day_from": value, "day_to": value})
    assert listing.status_code in (200, 400)
    export = client.get(reverse("queues:desk:export", args=[desk_queue.pk, "csv"]),
                        {"start": value, "end": value})
    assert export.status_code in (200, 400)


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_desk_next_visit_odd_times(client, moderator, make_ticket, value):
    ticket = make_ticket()
    client.force_login(moderator)
    response = client.post(reverse("casework_tickets:action", args=[ticket.pk, "next_visit"]),
                           {"when": value, "book": "on", "lock_version": 0})
    assert response.status_code == 200
    assert "Enter a date between" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.next_visit is None


@pytest.mark.parametrize("params", [{"since": "9999-12-31"}, {"until": "0001-01-01"},
                                    {"since": "0001-01-01", "until": "9999-12-31"},
                                    {"deputy": HUGE}, {"group": HUGE}])
def test_receptions_odd_filters(client, site, params):
    assert client.get(reverse("queues-receptions:list"), params).status_code in (200, 400)
    assert client.get(reverse("queues-receptions:feed"), params).status_code in (200, 400)


def test_next_visit_far_ahead_is_refused_not_crashed(queue, service, citizen):
    with pytest.raises(services.OutsideSchedule):
        services.book(queue, service, citizen, at(services.local_today(queue)
                                                   + timedelta(days=365 * 2000), 9))


# --- the hunt: records of another site ----------------------------------------------------


@pytest.fixture
def other_town(root_page):
    from wagtail.models import Site

    from addons.addressees.models import AddresseePage, HomePage

    home = root_page.add_child(instance=HomePage(title="Valea Verde", slug="valea-verde"))
    town = Site.objects.create(hostname="valea.localhost", port=80, root_page=home)
    primar = home.add_child(instance=AddresseePage(title="Primar", slug="primar"))
    return town, primar


def test_queue_addressee_must_be_of_its_site(queue, other_town, addressee):
    from django.core.exceptions import ValidationError

    _town, primar = other_town
    queue.addressee = primar
    with pytest.raises(ValidationError) as error:
        queue.full_clean()
    assert "addressee" in error.value.message_dict
    queue.addressee = addressee
    queue.full_clean()


def test_api_books_only_queues_of_the_requested_site(client, queue, service, citizen, day,
                                                     other_town):
    token_client(client, citizen)
    response = client.post(tickets_url(queue), booking(service, at(day, 9)),
                           content_type="application/json", HTTP_HOST="valea.localhost")
    assert response.status_code == 404
    slots = client.get(f"/api/v1/queues/{queue.pk}/slots/",
                       {"service": service.pk, "date": day.isoformat()},
                       HTTP_HOST="valea.localhost")
    assert slots.status_code == 404
    assert not Ticket.objects.exists()


def test_an_absurd_booking_horizon_is_refused_and_an_old_one_is_capped(client, queue, service,
                                                                       citizen):
    from django.core.exceptions import ValidationError

    from addons.queues.models import MAX_HORIZON_DAYS, Queue

    queue.horizon_days = 10**9
    with pytest.raises(ValidationError) as refused:
        queue.full_clean()
    assert "horizon_days" in refused.value.message_dict
    # a value stored before the limit existed reads as the limit, and the pages answer
    Queue.objects.filter(pk=queue.pk).update(horizon_days=10**9)
    queue.refresh_from_db()
    assert services.last_bookable_day(queue) == (
        services.local_today(queue) + timedelta(days=MAX_HORIZON_DAYS)
    )
    client.force_login(citizen)
    response = client.get(reverse("queues:book", args=[queue.pk]), {"service": service.pk})
    assert response.status_code == 200
