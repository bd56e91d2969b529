"""Every calendar the product serves folds its lines at 75 octets (RFC 5545 3.1): CRLF and a
space, counted in UTF-8 octets, never inside a character; unfolding gives the text back.
Parsed with the ``icalendar`` package too."""

from datetime import time

import pytest
from django.urls import reverse

from addons.core.calendars import ics_calendar, ics_escape, ics_fold, ics_unfold
from addons.queues import feeds, services
from addons.queues.models import QueueService

from . import test_receptions as shared
from .conftest import at

pytestmark = pytest.mark.django_db

deputies_group = shared.deputies_group

UKRAINIAN = ("Прийом громадян з питань благоустрою, освітлення вулиць, ремонту під’їздів "
             "і прибирання прибудинкових територій Шевченківського району")
ROMANIAN = ("Audiențe privind eliberarea certificatelor de urbanism, autorizațiilor de "
            "construire și înștiințărilor pentru proprietarii din cartierul Țiglina")


def _check_folded(text: str) -> None:
    assert text.endswith("\r\n")
    raw = text.encode()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode()  # every physical line is valid UTF-8: no character was split


def _parse(text: str):
    """The calendar as a third-party parser (the ``icalendar`` package) reads it."""
    import icalendar

    return icalendar.Calendar.from_ical(text)


@pytest.mark.parametrize("text", [UKRAINIAN, ROMANIAN, "ș" * 200, "a" * 300, "€😀" * 40])
def test_fold_counts_octets_and_unfolding_restores(text):
    line = f"SUMMARY:{text}"
    folded = ics_fold(line)
    for part in folded.encode().split(b"\r\n"):
        assert len(part) <= 75
        part.decode()
    assert folded.split("\r\n")[0].encode() != line.encode()  # it was folded
    assert all(part.startswith(" ") for part in folded.split("\r\n")[1:])
    assert ics_unfold(folded + "\r\n") == [line]


def test_a_short_line_is_left_alone():
    assert ics_fold("SUMMARY:Прийом") == "SUMMARY:Прийом"
    exact = "X" * 75
    assert ics_fold(exact) == exact
    assert ics_fold(exact + "Y") == exact + "\r\n Y"


def test_calendar_text_is_folded_and_escaped():
    from django.utils import timezone

    now = timezone.now()
    text = ics_calendar([{"uid": "u@example.org", "start": now, "end": now,
                          "summary": UKRAINIAN, "location": ROMANIAN + "; etaj 2, camera 5",
                          "description": UKRAINIAN + "\n" + ROMANIAN}], name=ROMANIAN)
    _check_folded(text)
    lines = ics_unfold(text)
    assert f"SUMMARY:{ics_escape(UKRAINIAN)}" in lines
    assert f"LOCATION:{ics_escape(ROMANIAN)}\\; etaj 2\\, camera 5" in lines


@pytest.fixture
def long_queue(queue):
    queue.title = UKRAINIAN
    queue.place = ROMANIAN
    queue.floor = "2"
    queue.room = "205"
    queue.save()
    return queue


def test_ticket_ics(client, long_queue, service, citizen, day):
    service.name = ROMANIAN
    service.save()
    ticket = services.book(long_queue, service, citizen, at(day, 9))
    client.force_login(citizen)
    text = client.get(reverse("queues:ticket_ics", args=[ticket.code])).content.decode()
    _check_folded(text)
    lines = ics_unfold(text)
    assert f"SUMMARY:{ics_escape(f'{ticket.number} {UKRAINIAN}: {ROMANIAN}')}" in lines
    event = _parse(text).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == f"{ticket.number} {UKRAINIAN}: {ROMANIAN}"
    assert str(event["LOCATION"]).startswith(ROMANIAN)


def test_queue_feed(client, desk_queue, service, citizen, day):
    desk_queue.title = UKRAINIAN
    desk_queue.place = ROMANIAN
    desk_queue.save()
    service.name = UKRAINIAN
    service.save()
    services.book(desk_queue, service, citizen, at(day, 9))
    text = client.get(feeds.calendar_url(desk_queue)).content.decode()
    _check_folded(text)
    lines = ics_unfold(text)
    assert f"X-WR-CALNAME:{ics_escape(UKRAINIAN)}" in lines
    assert any(line.startswith("LOCATION:") and ics_escape(ROMANIAN) in line
               for line in lines)
    _parse(text)


@pytest.fixture
def bondar(catalog, site):
    from addons.addressees.models import AddresseePage

    from .conftest import make_queue

    page = catalog.add_child(instance=AddresseePage(
        title="Бондар Андрій Васильович", slug="bondar", kind="deputy"))
    queue = make_queue(site, title="Бондар Андрій Васильович: прийом громадян",
                       addressee=page, place=UKRAINIAN, horizon_days=120)
    queue.schedules.all().delete()
    QueueService.objects.create(queue=queue, name="Особистий прийом")
    first = shared.first_thursday_from(shared.working_day(3))
    from addons.queues import receptions

    receptions.set_schedule(queue, shared.RULE, first, time(15), time(17))
    return queue


def test_receptions_feed_names_the_deputy_once(client, bondar, deputies_group):
    text = client.get(reverse("queues-receptions:feed")).content.decode()
    _check_folded(text)
    summaries = [line for line in ics_unfold(text) if line.startswith("SUMMARY:")]
    assert summaries
    for summary in summaries:
        assert summary == "SUMMARY:Бондар Андрій Васильович: прийом громадян"
    _parse(text)


def test_receptions_feed_prefixes_a_queue_title_without_the_name(client, bondar):
    bondar.title = "Прийом громадян"
    bondar.save()
    text = client.get(reverse("queues-receptions:feed")).content.decode()
    summaries = {line for line in ics_unfold(text) if line.startswith("SUMMARY:")}
    assert summaries == {"SUMMARY:Бондар Андрій Васильович: Прийом громадян"}
