"""A booking for a deputy's reception asks what the citizen wants to raise. The question is
confidential: its author and the reception's staff see it; other citizens, visitors, staff
of other addressees, the public list and the feeds do not."""

import pytest
from django.urls import reverse

from addons.queues import services
from addons.queues.models import Ticket

from . import test_receptions as shared
from .conftest import at

pytestmark = pytest.mark.django_db

deputies_group = shared.deputies_group
deputy = shared.deputy
reception_queue = shared.reception_queue
first = shared.first
scheduled = shared.scheduled

QUESTION = "Освітлення у дворі на вул. Шевченка, 12: не горить уже третій місяць"


@pytest.fixture
def booked(scheduled, first, citizen):
    return services.book(scheduled, scheduled.services.get(), citizen, at(first, 15),
                         question=QUESTION)


@pytest.fixture
def deputy_staff(make_citizen, deputy):
    deputy.refresh_from_db()
    user = make_citizen(full_name="Помічник депутата")
    user.groups.add(deputy.moderators)
    return user


@pytest.fixture
def other_staff(make_citizen, catalog):
    from addons.addressees.models import AddresseePage

    other = catalog.add_child(instance=AddresseePage(title="Parks", slug="parks"))
    other.refresh_from_db()
    user = make_citizen(full_name="Parks Moderator")
    user.groups.add(other.moderators)
    return user


def _form(scheduled, first, **extra):
    data = {"service": scheduled.services.get().pk, "day": first.isoformat(),
            "start": at(first, 15).isoformat(), "token": "t-1"}
    data.update(extra)
    return data


def test_the_booking_page_asks_the_question(client, scheduled, first, citizen):
    client.force_login(citizen)
    url = reverse("queues:book", args=[scheduled.pk])
    page = client.get(url, {"service": scheduled.services.get().pk, "day": first.isoformat()})
    assert 'name="question"' in page.content.decode()
    response = client.post(url, _form(scheduled, first, question=QUESTION))
    assert response.status_code == 302
    assert Ticket.objects.get().question == QUESTION


def test_a_reception_without_a_question_is_refused_keeping_the_rest(client, scheduled, first,
                                                                      citizen):
    client.force_login(citizen)
    url = reverse("queues:book", args=[scheduled.pk])
    response = client.post(url, _form(scheduled, first, question="   "))
    assert response.status_code == 400 and not Ticket.objects.exists()
    html = response.content.decode()
    assert "Write what you want to raise at the reception." in html
    assert "checked" in html  # the chosen time is kept


def test_the_service_refuses_a_reception_without_a_question(scheduled, first, citizen):
    with pytest.raises(services.QuestionMissing):
        services.book(scheduled, scheduled.services.get(), citizen, at(first, 15))


def test_ordinary_queues_do_not_ask(client, queue, service, citizen, day):
    client.force_login(citizen)
    page = client.get(reverse("queues:book", args=[queue.pk]),
                      {"service": service.pk, "day": day.isoformat()})
    assert 'name="question"' not in page.content.decode()
    assert services.book(queue, service, citizen, at(day, 9)).question == ""


def test_api_requires_the_question_for_a_reception(client, scheduled, first, citizen):
    client.force_login(citizen)
    url = f"/api/v1/queues/{scheduled.pk}/tickets/"
    data = {"service": scheduled.services.get().pk, "start": at(first, 15).isoformat()}
    response = client.post(url, data, content_type="application/json")
    assert response.status_code == 400 and "question" in response.json()
    response = client.post(url, {**data, "question": QUESTION},
                           content_type="application/json")
    assert response.status_code == 201
    assert Ticket.objects.get().question == QUESTION


def test_the_author_sees_the_question_on_the_ticket_and_in_the_cabinet(client, booked,
                                                                        citizen):
    client.force_login(citizen)
    assert QUESTION in client.get(booked.get_absolute_url()).content.decode()
    assert QUESTION[:30] in client.get(reverse("queues:mine")).content.decode()


def test_the_deputys_staff_see_the_question(client, booked, deputy_staff):
    client.force_login(deputy_staff)
    desk = client.get(reverse("queues:desk:ticket", args=[booked.code]), follow=True)
    assert desk.status_code == 200 and QUESTION in desk.content.decode()
    assert desk.redirect_chain[-1][0] == reverse("casework_tickets:inspect", args=[booked.pk])
    assert QUESTION in client.get(booked.get_absolute_url()).content.decode()


def test_who_cannot_see_the_question(client, booked, make_citizen, other_staff, first):
    urls = [booked.get_absolute_url(), reverse("queues:ticket_pdf", args=[booked.code]),
            reverse("queues:ticket_ics", args=[booked.code]),
            f"/api/v1/tickets/{booked.code}/",
            reverse("casework_tickets:inspect", args=[booked.pk]),
            reverse("casework_tickets:index") + "?q=" + booked.number]
    for user in (None, make_citizen(), other_staff):
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in urls:
            assert QUESTION not in client.get(url).content.decode(), (user, url)
        assert client.get(reverse("queues:desk:ticket",
                                  args=[booked.code])).status_code in (302, 404)
        assert QUESTION not in client.get(reverse("queues:mine")).content.decode()
    client.logout()
    # public lists and feeds never carry it
    assert QUESTION not in client.get("/queues/receptions/").content.decode()
    feed = client.get(reverse("queues-receptions:feed")).content.decode()
    assert QUESTION not in feed.replace("\r\n ", "")


def test_the_question_stays_off_what_leaves_the_system(client, booked, citizen, deputy_staff):
    """The PDF, the .ics and the ticket e-mail are printed, shared and forwarded: the question
    stays on the ticket page and at the desk."""
    from django.core import mail

    from addons.queues import feeds
    from addons.queues.emails import send_ticket_email

    client.force_login(citizen)
    assert QUESTION not in client.get(
        reverse("queues:ticket_ics", args=[booked.code])).content.decode().replace("\r\n ", "")
    assert send_ticket_email(booked.pk)
    assert QUESTION not in mail.outbox[-1].body
    feed = client.get(feeds.calendar_url(booked.queue)).content.decode()
    assert QUESTION not in feed.replace("\r\n ", "")


def test_moving_keeps_the_question_and_erasure_removes_it(booked, citizen, first):
    moved = services.move(booked, citizen, at(first, 15, 20))
    assert moved.question == QUESTION
    services.anonymise_citizen(citizen)
    assert not Ticket.objects.exclude(question="").exists()
