"""The queue's JSON API: slots, booking (201/400/409), a ticket for its owner and staff."""

import pytest
from rest_framework.authtoken.models import Token

from addons.queues import services
from addons.queues.models import FieldType, QueueField, QueueService, Ticket

from .conftest import at

pytestmark = pytest.mark.django_db


def slots_url(queue):
    return f"/api/v1/queues/{queue.pk}/slots/"


def tickets_url(queue):
    return f"/api/v1/queues/{queue.pk}/tickets/"


def token_client(client, user):
    token = Token.objects.create(user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def booking(service, start, **extra):
    return {"service": service.pk, "start": start.isoformat(), **extra}


# --- slots --------------------------------------------------------------------------------


def test_slots_of_a_day(client, queue, service, day):
    response = client.get(slots_url(queue), {"service": service.pk, "date": day.isoformat()})
    assert response.status_code == 200
    data = response.json()
    assert data["date"] == day.isoformat() and data["service"] == service.pk
    assert len(data["slots"]) == 7
    first = data["slots"][0]
    assert first["free"] == 1
    assert first["start"].startswith(f"{day.isoformat()}T09:00")


def test_slots_show_taken_place(client, queue, service, day, citizen):
    services.book(queue, service, citizen, at(day, 9))
    data = client.get(slots_url(queue), {"service": service.pk, "date": day.isoformat()}).json()
    assert data["slots"][0]["free"] == 0 and data["slots"][1]["free"] == 1


@pytest.mark.parametrize("params", [
    {"date": "2026-02-30"}, {"date": "tomorrow"}, {"date": ""}, {"date": None},
    {"service": "x"}, {"service": "999999"}, {"service": "-1"}, {"service": None},
])
def test_slots_bad_input(client, queue, service, day, params):
    query = {"service": service.pk, "date": day.isoformat(), **params}
    query = {key: value for key, value in query.items() if value is not None}
    response = client.get(slots_url(queue), query)
    assert response.status_code == 400


def test_slots_service_of_another_queue(client, queue, day, site):
    from .conftest import make_queue

    other = make_queue(site, title="Other")
    foreign = QueueService.objects.create(queue=other, name="Foreign")
    response = client.get(slots_url(queue), {"service": foreign.pk, "date": day.isoformat()})
    assert response.status_code == 400
    assert "service" in response.json()


def test_slots_unknown_queue(client, service, day):
    response = client.get("/api/v1/queues/999999/slots/",
                          {"service": service.pk, "date": day.isoformat()})
    assert response.status_code == 404


# --- booking ------------------------------------------------------------------------------


def test_book_with_token(client, queue, service, day, citizen):
    token_client(client, citizen)
    response = client.post(tickets_url(queue), booking(service, at(day, 10)),
                           content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    ticket = Ticket.objects.get()
    assert data["number"] == ticket.number == "A-001"
    assert data["url"].endswith(f"/queues/ticket/{ticket.code}/")
    assert data["pdf_url"].endswith(f"/queues/ticket/{ticket.code}/pdf/")
    assert ticket.citizen == citizen


def test_book_with_session(client, queue, service, day, citizen):
    client.force_login(citizen)
    response = client.post(tickets_url(queue), booking(service, at(day, 10)),
                           content_type="application/json")
    assert response.status_code == 201


def test_anonymous_cannot_book(client, queue, service, day):
    response = client.post(tickets_url(queue), booking(service, at(day, 10)),
                           content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Ticket.objects.exists()


def test_full_slot_is_409_with_alternatives(client, queue, service, day, citizen,
                                            make_citizen):
    services.book(queue, service, make_citizen(), at(day, 10))
    token_client(client, citizen)
    response = client.post(tickets_url(queue), booking(service, at(day, 10)),
                           content_type="application/json")
    assert response.status_code == 409
    data = response.json()
    assert data["alternatives"] and at(day, 10).isoformat() not in data["alternatives"]
    assert Ticket.objects.count() == 1


def test_double_submit_with_token_gives_one_ticket(client, queue, service, day, citizen):
    token_client(client, citizen)
    body = booking(service, at(day, 10), token="form-1")
    first = client.post(tickets_url(queue), body, content_type="application/json")
    second = client.post(tickets_url(queue), body, content_type="application/json")
    assert first.status_code == second.status_code == 201
    assert first.json()["code"] == second.json()["code"]
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("change", ["past", "outside", "beyond", "bad_start", "no_start",
                                    "tampered_service", "bad_service"])
def test_bad_booking_is_400(client, queue, service, day, citizen, change):
    token_client(client, citizen)
    body = booking(service, at(day, 10))
    field = "start"
    if change == "past":
        body["start"] = at(day.replace(year=day.year - 1), 10).isoformat()
    elif change == "outside":
        body["start"] = at(day, 20).isoformat()
    elif change == "beyond":
        from datetime import timedelta

        body["start"] = at(day + timedelta(days=400), 10).isoformat()
    elif change == "bad_start":
        body["start"] = "yesterday at noon"
    elif change == "no_start":
        del body["start"]
    elif change == "tampered_service":
        body["service"] = 999999
        field = "service"
    else:
        body["service"] = "abc"
        field = "service"
    response = client.post(tickets_url(queue), body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Ticket.objects.exists()


def test_form_fields_are_checked(client, queue, service, day, citizen):
    reason = QueueField.objects.create(queue=queue, label="Reason", required=True)
    kind = QueueField.objects.create(queue=queue, label="Kind", field_type=FieldType.CHOICE,
                                     choices="First\nCopy", required=False)
    token_client(client, citizen)
    missing = client.post(tickets_url(queue), booking(service, at(day, 10)),
                          content_type="application/json")
    assert missing.status_code == 400 and reason.key in missing.json()
    bad_choice = client.post(
        tickets_url(queue),
        booking(service, at(day, 10), answers={reason.key: "Birth", kind.key: "Other"}),
        content_type="application/json")
    assert bad_choice.status_code == 400 and kind.key in bad_choice.json()
    good = client.post(
        tickets_url(queue),
        booking(service, at(day, 10), answers={reason.key: "Birth", kind.key: "Copy"}),
        content_type="application/json")
    assert good.status_code == 201
    assert Ticket.objects.get().answers == {"Reason": "Birth", "Kind": "Copy"}


def test_limit_reached_is_400(client, queue, service, day, citizen):
    services.book(queue, service, citizen, at(day, 9))
    token_client(client, citizen)
    response = client.post(tickets_url(queue), booking(service, at(day, 10)),
                           content_type="application/json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


# --- one ticket ---------------------------------------------------------------------------


@pytest.fixture
def booked(desk_queue, service, day, citizen):
    return services.book(desk_queue, service, citizen, at(day, 10))


def ticket_url(ticket):
    return f"/api/v1/tickets/{ticket.code}/"


def test_owner_reads_ticket(client, booked, citizen):
    token_client(client, citizen)
    response = client.get(ticket_url(booked))
    assert response.status_code == 200
    assert response.json()["number"] == booked.number
    assert response.json()["citizen_name"] == citizen.full_name


@pytest.mark.parametrize("who", ["moderator", "specialist"])
def test_staff_reads_ticket(client, booked, who, request):
    token_client(client, request.getfixturevalue(who))
    assert client.get(ticket_url(booked)).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "other_citizen", "other_moderator"])
def test_others_get_404(client, booked, who, request, make_citizen):
    if who == "other_citizen":
        token_client(client, make_citizen())
    elif who == "other_moderator":
        token_client(client, request.getfixturevalue(who))
    assert client.get(ticket_url(booked)).status_code == 404
    assert client.get("/api/v1/tickets/not-a-code/").status_code == 404


def test_tampered_queue_id(client, queue, service, day, citizen):
    token_client(client, citizen)
    response = client.post("/api/v1/queues/999999/tickets/", booking(service, at(day, 10)),
                           content_type="application/json")
    assert response.status_code == 404
    assert not Ticket.objects.exists()


def test_closed_queue(client, queue, service, day, citizen):
    queue.active = False
    queue.save()
    assert client.get(slots_url(queue), {"service": service.pk,
                                          "date": day.isoformat()}).status_code == 404
    token_client(client, citizen)
    response = client.post(tickets_url(queue), booking(service, at(day, 10)),
                           content_type="application/json")
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_bad_token_is_401(client, queue, service, day):
    response = client.post(tickets_url(queue), booking(service, at(day, 10)),
                           content_type="application/json", HTTP_AUTHORIZATION="Token nonsense")
    assert response.status_code == 401
