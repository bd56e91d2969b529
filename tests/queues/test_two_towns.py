"""Two towns on one installation: each numbers the tickets of its queues (A-001, ...), both
book through the web page and the JSON API, and a town's pages and API show its own tickets."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from addons.queues.models import QueueField, QueueService, Ticket
from tests.conftest import add_town

from .conftest import at, make_queue

pytestmark = pytest.mark.django_db
TOWN2 = "town2.example"


@pytest.fixture
def town2(site):
    site2 = add_town(TOWN2)
    queue2 = make_queue(site2, title="Town 2 registry")
    return {"site": site2, "queue": queue2,
            "service": QueueService.objects.create(queue=queue2, name="Passport")}


def _book_on_page(client, queue, service, start, day, host):
    field = QueueField.objects.get_or_create(queue=queue, label="Reason", required=True)[0]
    return client.post(reverse("queues:book", args=[queue.pk]), {
        "service": service.pk, "day": day.isoformat(), "start": start.isoformat(),
        field.key: "Lost passport", "token": f"t{queue.pk}"}, HTTP_HOST=host)


def test_web_booking_on_both_towns(client, site, queue, service, day, citizen, town2):
    client.force_login(citizen)
    for each, its_service in ((queue, service), (town2["queue"], town2["service"])):
        response = _book_on_page(client, each, its_service, at(day, 10), day,
                                 each.site.hostname)
        assert response.status_code == 302, response.content.decode()[:2000]
    one, two = Ticket.objects.get(queue=queue), Ticket.objects.get(queue=town2["queue"])
    assert one.number == two.number == "A-001"
    assert one.code != two.code
    for host, ticket, other in ((site.hostname, one, two), (TOWN2, two, one)):
        assert client.get(ticket.get_absolute_url(), HTTP_HOST=host).status_code == 200
        assert client.get(other.get_absolute_url(), HTTP_HOST=host).status_code == 404
        assert client.get(reverse("queues:ticket_pdf", args=[other.code]),
                          HTTP_HOST=host).status_code == 404
        # "My tickets" of a town lists its own ticket, whose link opens there
        mine = client.get(reverse("queues:mine"), HTTP_HOST=host).content.decode()
        assert ticket.code in mine and other.code not in mine


def test_api_booking_on_both_towns(client, site, queue, service, day, citizen, town2):
    token = Token.objects.create(user=citizen)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    numbers = {}
    for each, its_service in ((queue, service), (town2["queue"], town2["service"])):
        response = client.post(
            f"/api/v1/queues/{each.pk}/tickets/",
            {"service": its_service.pk, "start": at(day, 10).isoformat()},
            content_type="application/json", HTTP_HOST=each.site.hostname, **auth)
        assert response.status_code == 201, response.content
        numbers[each.site.hostname] = response.json()
    assert numbers[site.hostname]["number"] == numbers[TOWN2]["number"] == "A-001"
    for host, other in ((site.hostname, TOWN2), (TOWN2, site.hostname)):
        own = Ticket.objects.get(number="A-001", queue__site__hostname=host)
        alien = Ticket.objects.get(number="A-001", queue__site__hostname=other)
        mine = client.get(f"/api/v1/tickets/{own.code}/", HTTP_HOST=host, **auth)
        assert mine.status_code == 200 and mine.json()["number"] == "A-001"
        assert client.get(f"/api/v1/tickets/{alien.code}/", HTTP_HOST=host,
                          **auth).status_code == 404
