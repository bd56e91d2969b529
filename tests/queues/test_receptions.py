"""Deputies' receptions: the monthly rule, its prolongation, the public page and feed,
booking a reception, cancelling one date."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil.relativedelta import TH, relativedelta
from django.core.exceptions import ValidationError
from django.urls import reverse

from addons.addressees.models import AddresseeGroup, AddresseePage
from addons.core.models import Notification
from addons.queues import receptions, services
from addons.queues.models import ExceptionKind, QueueService, Ticket, TicketStatus

from . import test_desk as shared
from .conftest import at, make_queue, working_day

pytestmark = pytest.mark.django_db

catalog = shared.catalog
superuser = shared.superuser

RULE = "RRULE:FREQ=MONTHLY;BYDAY=+1TH"
PAGE = "/queues/receptions/"


def first_thursday_from(day: date) -> date:
    """The first "first Thursday of a month" on or after ``day`` (not a RO holiday)."""
    candidate = day + relativedelta(day=1, weekday=TH(+1))
    while candidate < day or not receptions.occurrences(RULE, candidate, candidate, candidate,
                                                        "ro"):
        candidate = (candidate + relativedelta(months=1)).replace(day=1)
        candidate += relativedelta(weekday=TH(+1))
    return candidate


@pytest.fixture
def deputies_group():
    return AddresseeGroup.objects.create(name="District 3", slug="district-3")


def _deputy(catalog, title, slug, group=None):
    page = catalog.add_child(instance=AddresseePage(title=title, slug=slug, kind="deputy"))
    if group is not None:
        page.groups.add(group)
        page.save()
    return page


@pytest.fixture
def deputy(catalog, deputies_group):
    return _deputy(catalog, "Deputy Ion Popescu", "popescu", deputies_group)


@pytest.fixture
def reception_queue(site, deputy):
    queue = make_queue(site, title="Reception of citizens", addressee=deputy,
                       slot_minutes=20, capacity=1, place="City hall, room 12")
    queue.schedules.all().delete()  # a deputy receives only on the rule's dates
    QueueService.objects.create(queue=queue, name="Personal reception")
    return queue


@pytest.fixture
def first(reception_queue):
    return first_thursday_from(working_day(3))


@pytest.fixture
def scheduled(reception_queue, first):
    receptions.set_schedule(reception_queue, RULE, first, time(15), time(17))
    return reception_queue


# --- the rule -----------------------------------------------------------------------------


def test_first_thursday_of_each_month():
    days = receptions.occurrences(RULE, date(2027, 2, 1), date(2027, 2, 1), date(2027, 6, 30))
    assert days == [date(2027, 2, 4), date(2027, 3, 4), date(2027, 4, 1), date(2027, 5, 6),
                    date(2027, 6, 3)]
    assert receptions.occurrences("FREQ=MONTHLY;BYDAY=+1TH", date(2027, 2, 1),
                                  date(2027, 3, 1), date(2027, 3, 31)) == [date(2027, 3, 4)]


def test_public_holidays_are_skipped():
    # 7 January 2027 is the first Thursday and a Romanian public holiday (St John)
    days = receptions.occurrences(RULE, date(2027, 1, 1), date(2027, 1, 1), date(2027, 2, 28),
                                  "ro")
    assert days == [date(2027, 2, 4)]


@pytest.mark.parametrize("rule", ["", "hello", "RRULE:FREQ=SOMETIMES", "BYDAY=+1TH",
                                  "FREQ=MONTHLY;BYDAY=+9XX"])
def test_bad_rule_refused(rule, reception_queue):
    with pytest.raises(ValidationError):
        receptions.occurrences(rule, date(2027, 1, 1), date(2027, 1, 1), date(2027, 3, 1))
    with pytest.raises(ValidationError):
        receptions.set_schedule(reception_queue, rule, date(2027, 1, 1), time(15), time(17))
    assert not reception_queue.exceptions.exists()


def test_hours_must_be_in_order(reception_queue):
    with pytest.raises(ValidationError):
        receptions.set_schedule(reception_queue, RULE, date(2027, 1, 7), time(17), time(15))


# --- prolongation -------------------------------------------------------------------------


def test_prolonged_over_the_horizon(scheduled, first):
    today = services.local_today(scheduled)
    horizon = today + timedelta(days=scheduled.horizon_days)
    dates = sorted(scheduled.exceptions.filter(kind=ExceptionKind.EXTRA)
                   .values_list("date", flat=True))
    expected = receptions.occurrences(RULE, first, today, horizon, "ro")
    assert dates == expected and first in dates
    assert receptions.prolong(scheduled) == 0  # idempotent
    # a month later the horizon has moved: the next reception is written
    later = today + timedelta(days=31)
    added = receptions.prolong(scheduled, today=later)
    new_dates = receptions.occurrences(RULE, first, horizon + timedelta(days=1),
                                       later + timedelta(days=scheduled.horizon_days), "ro")
    assert added == len(new_dates) >= 1


def test_job_prolongs_every_rule(scheduled, first):
    written = scheduled.exceptions.exclude(note__startswith="RRULE:")
    expected = written.count()
    written.delete()
    assert receptions.prolong_all() == expected
    today = services.local_today(scheduled)
    dates = set(scheduled.exceptions.values_list("date", flat=True))
    assert dates == set(receptions.occurrences(
        RULE, first, today, today + timedelta(days=scheduled.horizon_days), "ro"))


# --- public page, feed, booking -----------------------------------------------------------


def test_reception_listed_and_bookable(client, scheduled, first, deputy, citizen):
    response = client.get(PAGE)
    assert response.status_code == 200
    content = response.content.decode()
    assert deputy.title in content and "City hall, room 12" in content
    assert f"/queues/{scheduled.pk}/?day={first.isoformat()}" in content
    service = scheduled.services.get()
    slots = services.free_slots(scheduled, service, first)
    assert [s.astimezone(services.queue_timezone(scheduled)).time() for s, _e, _f in slots][:2] \
        == [time(15), time(15, 20)]
    assert len(slots) == 6
    ticket = services.book(scheduled, service, citizen, at(first, 15, 20))
    assert ticket.status == TicketStatus.BOOKED and ticket.day == first


def test_weekday_outside_the_rule_is_not_bookable(scheduled, first, citizen):
    service = scheduled.services.get()
    other_day = first + timedelta(days=1)
    assert services.free_slots(scheduled, service, other_day) == []
    with pytest.raises(services.OutsideSchedule):
        services.book(scheduled, service, citizen, at(other_day, 15))


def test_filters(client, scheduled, catalog, site, first, deputy, deputies_group):
    other = _deputy(catalog, "Deputy Maria Ionescu", "ionescu")
    other_queue = make_queue(site, title="Reception", addressee=other)
    other_queue.schedules.all().delete()
    receptions.set_schedule(other_queue, RULE, first, time(10), time(12))
    content = client.get(PAGE).content.decode()
    assert deputy.title in content and other.title in content
    only = client.get(PAGE, {"deputy": other.pk}).content.decode()
    assert other.title in only and "Ion Popescu</h2>" not in only
    district = client.get(PAGE, {"group": deputies_group.pk}).content.decode()
    assert "Ion Popescu</h2>" in district and "Maria Ionescu</h2>" not in district
    after = client.get(PAGE, {"since": (first + timedelta(days=1)).isoformat(),
                              "until": (first + timedelta(days=2)).isoformat()})
    assert "Ion Popescu</h2>" not in after.content.decode()


@pytest.mark.parametrize("params", [{"since": "2027-02-10", "until": "2027-02-01"},
                                    {"since": "not-a-date"}, {"deputy": "abc"},
                                    {"deputy": "999999"}])
def test_bad_filters(client, scheduled, params):
    assert client.get(PAGE, params).status_code == 400


def test_other_kinds_not_listed(client, site, catalog, first):
    department = catalog.add_child(instance=AddresseePage(title="Roads department",
                                                          slug="roads"))
    queue = make_queue(site, title="Roads reception", addressee=department)
    receptions.set_schedule(queue, RULE, first, time(15), time(17))
    assert "Roads department" not in client.get(PAGE).content.decode()


def test_feed(client, scheduled, deputy, first):
    response = client.get(reverse("queues-receptions:feed"))
    assert response.status_code == 200
    text = response.content.decode().replace("\r\n ", "")
    assert "BEGIN:VEVENT" in text and deputy.title in text
    start = datetime.combine(first, time(15), tzinfo=services.queue_timezone(scheduled))
    assert f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}" in text


# --- cancelling one date ------------------------------------------------------------------


def test_cancel_one_date(client, scheduled, first, citizen, superuser):
    service = scheduled.services.get()
    ticket = services.book(scheduled, service, citizen, at(first, 15))
    assert receptions.cancel_reception(scheduled, first, superuser, "Deputy is ill") == 1
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CANCELLED
    assert Notification.objects.filter(recipient=citizen).exists()
    assert services.free_slots(scheduled, service, first) == []
    assert receptions.prolong(scheduled) == 0  # the cancelled date stays off
    content = client.get(PAGE).content.decode()
    assert first.strftime("%Y-%m-%d") not in content
    # the rule itself survives and moved to the following reception
    rule = receptions.rule_rows(scheduled).get()
    assert rule.date > first
    assert Ticket.objects.filter(status=TicketStatus.BOOKED).count() == 0


def test_admin_save_prolongs(reception_queue, first):
    from addons.queues.models import ScheduleException
    from addons.queues.wagtail_hooks import prolong_receptions_after_save

    ScheduleException.objects.create(queue=reception_queue, date=first,
                                     kind=ExceptionKind.EXTRA, start=time(15), end=time(17),
                                     note=RULE)
    prolong_receptions_after_save(None, reception_queue)
    today = services.local_today(reception_queue)
    expected = receptions.occurrences(
        RULE, first, today, today + timedelta(days=reception_queue.horizon_days), "ro")
    assert sorted(reception_queue.exceptions.values_list("date", flat=True)) == expected


def test_reading_the_page_prolongs_once_a_day(client, scheduled, first):
    written = scheduled.exceptions.exclude(note__startswith="RRULE:")
    expected = written.count()
    written.delete()
    assert first.strftime("%Y") in client.get(PAGE).content.decode()
    assert written.count() == expected
    written.delete()
    client.get(PAGE)  # already prolonged today: nothing written again
    assert written.count() == 0


def test_page_gone_when_the_addon_is_off(client, scheduled, site):
    from addons.core import activation

    activation.disable(site, "queues")
    assert client.get(PAGE).status_code == 404
    assert client.get(reverse("queues-receptions:feed")).status_code == 404
