"""A ticket found by its reference (TK- and its number): never public; the PIN and the
reference printed on the ticket."""

import pytest
from django.urls import reverse

from addons.core.references import find_reference
from addons.queues import services
from addons.queues.documents import ticket_lines
from addons.queues.status import reference
from tests.conftest import add_town

from .conftest import at


@pytest.fixture
def booked(queue, service, citizen, day):
    return services.book(queue, service, citizen, at(day, 9), {})


def test_found_not_public(site, booked, citizen, queue):
    typed = f"тк {booked.pk}"
    answer = find_reference(site, typed)
    assert answer.reference == reference(booked) == f"TK-{booked.pk:06d}"
    assert answer.public is False
    assert answer.pin == booked.status_pin
    assert answer.owners["account"] == {str(citizen.pk)}
    assert answer.status == "Booked"
    assert answer.expected == booked.day
    town = add_town("town2.localhost")
    assert find_reference(town, answer.reference) is None
    assert find_reference(site, f"TK-{booked.pk + 100}") is None


def test_pin_on_the_ticket(client, booked, citizen):
    lines = dict(ticket_lines(booked))
    assert lines["Status PIN"] == (f"{booked.status_pin} (for the status line, reference "
                                   f"{reference(booked)})")
    client.force_login(citizen)
    page = client.get(reverse("queues:ticket", args=[booked.code])).content.decode()
    assert booked.status_pin in page
    client.logout()
    page = client.get(reverse("queues:ticket", args=[booked.code])).content.decode()
    assert booked.status_pin not in page
