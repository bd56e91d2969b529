"""The booking page refuses bad times with the reason, and keeps what the citizen typed."""

from datetime import timedelta

import pytest
from django.urls import reverse

from addons.queues import services
from addons.queues.models import ExceptionKind, ScheduleException, Ticket

from .conftest import at, working_day

pytestmark = pytest.mark.django_db


def _post(client, queue, service, field, start, day):
    url = reverse("queues:book", args=[queue.pk])
    return client.post(url, {"service": service.pk, "day": day.isoformat(),
                             "start": start.isoformat(), field.key: "Lost passport",
                             "token": "t"})


@pytest.mark.parametrize("case", ["past", "holiday", "horizon", "closed", "notice"])
def test_bad_time_refused_with_reason_and_input_kept(client, queue, service, field, citizen,
                                                     monkeypatch, case):
    today = services.local_today(queue)
    day = working_day(3)
    start = at(day, 9)
    if case == "past":
        day = today - timedelta(days=2)
        start = at(day, 9)
        reason = "in the past"
    elif case == "holiday":
        monkeypatch.setattr(services.calendars, "is_public_holiday",
                            lambda d, jurisdiction: d == day)
        reason = "public holiday"
    elif case == "horizon":
        day = today + timedelta(days=queue.horizon_days + 2)
        start = at(day, 9)
        reason = "beyond the booking horizon"
    elif case == "closed":
        ScheduleException.objects.create(queue=queue, date=day, kind=ExceptionKind.VACATION)
        reason = "closed on this day"
    else:
        queue.min_notice_hours = 24 * 10
        queue.save()
        reason = "too soon"
    client.force_login(citizen)
    response = _post(client, queue, service, field, start, day)
    html = response.content.decode()
    assert response.status_code == 400
    assert reason in html
    assert "Lost passport" in html  # the answer typed stays in the form
    assert not Ticket.objects.exists()


def test_bad_time_message_is_translated(client, queue, service, field, citizen):
    day = services.local_today(queue) + timedelta(days=queue.horizon_days + 2)
    client.force_login(citizen)
    client.cookies["civicdesk_language"] = "uk"
    response = _post(client, queue, service, field, at(day, 9), day)
    assert response.status_code == 400
    assert "beyond the booking horizon" not in response.content.decode()
    assert "Lost passport" in response.content.decode()
