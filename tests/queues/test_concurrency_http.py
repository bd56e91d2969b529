"""No double booking over HTTP, on PostgreSQL: 50 citizens press "book" for the same time at
once, through the booking page and through the API, on a slot with one place and on a slot
with three. Exactly as many tickets as places; every other booker gets the "just taken"
answer with the nearest free times (the page again, or 409 from the API); never a 5xx."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from addons.queues import services
from addons.queues.models import QueueService, Slot, Ticket

from .conftest import at, make_queue, working_day

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

BOOKERS = 50
JUST_TAKEN = "This time was just taken"


def race(requests: list) -> list:
    """Run every ``request()`` in its own thread, released together; their responses."""
    barrier = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)
    errors: list = []

    def worker(index: int, request) -> None:
        try:
            barrier.wait()
            responses[index] = request()
        except Exception as error:  # noqa: BLE001 (a crash is a failure of the test)
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n, request))
               for n, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return responses


def prepare(queue, service, start, make_citizen, freed: bool) -> None:
    """With ``freed`` the time was booked and cancelled before: its slot row exists (no
    first INSERT for the bookers to queue behind)."""
    if freed:
        someone = make_citizen()
        services.cancel(services.book(queue, service, someone, start, {}), someone)
        assert Slot.objects.get(queue=queue, start=start).taken == 0


def booked_at(queue, start):
    return Ticket.objects.filter(queue=queue, start=start).exclude(status="cancelled")


def logged_in_clients(make_citizen) -> list[Client]:
    clients = []
    for _n in range(BOOKERS):
        client = Client()
        client.force_login(make_citizen())
        client.cookies["civicdesk_language"] = "en"
        clients.append(client)
    return clients


@pytest.mark.parametrize(("capacity", "freed"), [(1, True), (3, False)])
def test_api_bookers_of_the_last_places(site, make_citizen, capacity, freed):
    queue = make_queue(site, capacity=capacity, title=f"Window x{capacity}")
    service = QueueService.objects.create(queue=queue, name="Birth certificate")
    day = working_day()
    start = at(day, 9, 30)
    prepare(queue, service, start, make_citizen, freed)
    url = reverse("queues-api:tickets", args=[queue.pk])
    payload = {"service": service.pk, "start": start.isoformat()}

    def booker(client):
        return lambda: client.post(url, payload, content_type="application/json")

    responses = race([booker(client) for client in logged_in_clients(make_citizen)])

    codes = sorted(response.status_code for response in responses)
    assert codes.count(201) == capacity, codes
    assert codes.count(409) == BOOKERS - capacity, codes
    refused = [response.json() for response in responses if response.status_code == 409]
    assert all(JUST_TAKEN in body["detail"] for body in refused)
    # The nearest free times are offered, and the taken time is not among them.
    assert all(body["alternatives"] for body in refused)
    assert all(start.isoformat() not in body["alternatives"] for body in refused)
    tickets = booked_at(queue, start)
    assert tickets.count() == capacity
    assert tickets.values("citizen").distinct().count() == capacity
    assert Slot.objects.get(queue=queue, start=start).taken == capacity


@pytest.mark.parametrize(("capacity", "freed"), [(1, False), (3, True)])
def test_page_bookers_of_the_last_places(site, make_citizen, capacity, freed):
    queue = make_queue(site, capacity=capacity, title=f"Desk x{capacity}")
    service = QueueService.objects.create(queue=queue, name="Marriage certificate")
    day = working_day()
    start = at(day, 10)
    prepare(queue, service, start, make_citizen, freed)
    url = reverse("queues:book", args=[queue.pk])

    def booker(client, n):
        data = {"service": service.pk, "day": day.isoformat(), "start": start.isoformat(),
                "token": f"race-{capacity}-{n}"}
        return lambda: client.post(url, data)

    clients = logged_in_clients(make_citizen)
    responses = race([booker(client, n) for n, client in enumerate(clients)])

    codes = [response.status_code for response in responses]
    assert all(code < 500 for code in codes), codes
    booked = [response for response in responses if response.status_code == 302]
    refused = [response for response in responses if response.status_code != 302]
    assert len(booked) == capacity, codes
    assert all(response.status_code == 400 for response in refused), codes
    # The page again, saying the time was just taken, with other times to choose.
    for response in refused:
        text = response.content.decode()
        assert JUST_TAKEN in text
        assert response.context["alternatives"]
        assert start not in response.context["alternatives"]
    tickets = booked_at(queue, start)
    assert tickets.count() == capacity
    assert sorted(response["Location"] for response in booked) == sorted(
        ticket.get_absolute_url() for ticket in tickets)
    assert Slot.objects.get(queue=queue, start=start).taken == capacity
