"""Exports of a queue: CSV/XLSX for the desk staff, the private iCalendar feed."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from addons.queues import feeds
from addons.queues.exports import calendar_text
from addons.queues.models import TicketStatus

from .conftest import at, site_today

pytestmark = pytest.mark.django_db


def export_url(queue, fmt):
    return reverse("queues:desk:export", args=[queue.pk, fmt])


def test_csv_for_staff(client, specialist, make_ticket, citizen, desk_queue):
    ticket = make_ticket()
    citizen.full_name = "=HYPERLINK(evil)"
    citizen.save()
    client.force_login(specialist)
    response = client.get(export_url(desk_queue, "csv"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Number" in text.splitlines()[0]
    assert ticket.number in text and "Birth certificate" in text
    assert "Reason: Birth of a child" in text
    assert "'=HYPERLINK(evil)" in text  # never a formula


def test_xlsx_for_staff(client, moderator, make_ticket, desk_queue):
    from openpyxl import load_workbook

    ticket = make_ticket()
    client.force_login(moderator)
    response = client.get(export_url(desk_queue, "xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[1][0] == ticket.number


def test_export_period(client, moderator, make_ticket, desk_queue):
    later = make_ticket(start=at(site_today() + timedelta(days=3), 12))
    client.force_login(moderator)
    today = site_today().isoformat()
    text = b"".join(client.get(export_url(desk_queue, "csv")).streaming_content).decode()
    assert later.number not in text
    end = later.day.isoformat()
    text = b"".join(client.get(export_url(desk_queue, "csv"),
                               {"start": today, "end": end}).streaming_content).decode()
    assert later.number in text


@pytest.mark.parametrize("params", [{"start": "2026-05-02", "end": "2026-05-01"},
                                    {"start": "yesterday"}])
def test_export_bad_period(client, moderator, desk_queue, params):
    client.force_login(moderator)
    assert client.get(export_url(desk_queue, "csv"), params).status_code == 400


def test_export_refused_to_others(client, other_moderator, citizen, desk_queue, moderator):
    for user in (other_moderator, citizen):
        client.force_login(user)
        assert client.get(export_url(desk_queue, "csv")).status_code == 404
    client.logout()
    assert client.get(export_url(desk_queue, "csv")).status_code == 404
    client.force_login(moderator)
    assert client.get(export_url(desk_queue, "pdf")).status_code == 404


def test_calendar_feed(client, make_ticket, desk_queue, citizen):
    ticket = make_ticket()
    cancelled = make_ticket(status=TicketStatus.CANCELLED)
    response = client.get(feeds.calendar_url(desk_queue))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR") and "END:VCALENDAR" in text
    assert f"SUMMARY:{ticket.number}" in text
    assert cancelled.number not in text
    assert citizen.full_name not in text and citizen.email not in text  # no personal data


def test_calendar_wrong_token(client, desk_queue):
    url = reverse("queues:desk:calendar", args=[desk_queue.pk, "0" * 32])
    assert client.get(url).status_code == 404
    other = reverse("queues:desk:calendar", args=[999999, feeds.calendar_token(desk_queue)])
    assert client.get(other).status_code == 404


def test_calendar_escaping_and_folding():
    start = timezone.now()
    text = calendar_text("Queue; one, two", [{
        "uid": "x@y", "start": start, "end": start, "summary": "Ș" * 60 + ";,\\",
        "location": "Room 5\nfloor 2",
    }])
    assert "X-WR-CALNAME:Queue\\; one\\, two" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert "Ș" * 60 + "\\;\\,\\\\" in unfolded
    assert "LOCATION:Room 5\\nfloor 2" in unfolded
