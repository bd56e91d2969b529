"""open now / next opening: hours, breaks, absences, public holidays, time zones."""

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from addons.addressees.hours import (
    current_and_upcoming,
    main_schedule,
    opening_status,
    schedules,
    site_time_zone,
)

KYIV = ZoneInfo("Europe/Kyiv")
BUCHAREST = ZoneInfo("Europe/Bucharest")


def hours(weekday, opens, closes, break_start=None, break_end=None, schedule="", order=0):
    return SimpleNamespace(weekday=weekday, opens=opens, closes=closes, break_start=break_start,
                           break_end=break_end, schedule=schedule, sort_order=order, pk=order)


def absence(start, end):
    return SimpleNamespace(start=start, end=end)


WEEK = [hours(day, time(9), time(18), time(13), time(14), order=day) for day in range(5)]
# 2026-03-02 is a Monday
MONDAY = date(2026, 3, 2)


def at(day, hour, minute=0, tz=KYIV):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def test_open_until_the_break():
    status = opening_status(WEEK, now=at(MONDAY, 10), tz=KYIV)
    assert status.is_open
    assert status.until == at(MONDAY, 13)


def test_during_the_break_closed_opens_after_it():
    status = opening_status(WEEK, now=at(MONDAY, 13, 30), tz=KYIV)
    assert not status.is_open
    assert status.next_opening == at(MONDAY, 14)


def test_after_hours_opens_next_morning():
    status = opening_status(WEEK, now=at(MONDAY, 18, 0), tz=KYIV)
    assert not status.is_open
    assert status.next_opening == at(MONDAY + timedelta(1), 9)


def test_weekend_opens_on_monday():
    saturday = MONDAY + timedelta(5)
    status = opening_status(WEEK, now=at(saturday, 11), tz=KYIV)
    assert status.next_opening == at(MONDAY + timedelta(7), 9)


def test_absence_closes_the_office_until_it_ends():
    away = [absence(MONDAY, MONDAY + timedelta(2))]  # Mon-Wed
    status = opening_status(WEEK, away, now=at(MONDAY, 10), tz=KYIV)
    assert not status.is_open
    assert status.reason == "absence"
    assert status.next_opening == at(MONDAY + timedelta(3), 9)


def test_public_holiday_of_the_jurisdiction_is_closed():
    # 2026-12-01 (Tuesday): Romania's national day
    national_day = date(2026, 12, 1)
    status = opening_status(WEEK, now=at(national_day, 10, tz=BUCHAREST), tz=BUCHAREST,
                            jurisdiction="ro")
    assert not status.is_open
    assert status.reason == "holiday"
    assert status.next_opening == at(national_day + timedelta(1), 9, tz=BUCHAREST)
    # the same day in Bulgaria is a working day
    assert opening_status(WEEK, now=at(national_day, 10), tz=KYIV, jurisdiction="bg").is_open


def test_ukraine_under_martial_law_has_no_public_holidays(settings):
    settings.CIVICDESK_UA_MARTIAL_LAW = True
    independence_day = date(2026, 8, 24)  # a Monday
    assert opening_status(WEEK, now=at(independence_day, 10), tz=KYIV, jurisdiction="ua").is_open


def test_no_hours_means_nothing_to_say():
    status = opening_status([], now=at(MONDAY, 10), tz=KYIV)
    assert not status.has_hours and not status.is_open and status.next_opening is None


def test_no_opening_within_the_look_ahead():
    away = [absence(MONDAY - timedelta(1), MONDAY + timedelta(200))]
    status = opening_status(WEEK, away, now=at(MONDAY, 10), tz=KYIV, lookahead_days=60)
    assert not status.is_open and status.next_opening is None


def test_hours_past_midnight():
    night = [hours(0, time(22), time(6))]  # Monday 22:00 to Tuesday 06:00
    status = opening_status(night, now=at(MONDAY + timedelta(1), 2), tz=KYIV)
    assert status.is_open and status.until == at(MONDAY + timedelta(1), 6)


def test_back_to_back_rows_make_one_stretch():
    split = [hours(0, time(8), time(12)), hours(0, time(12), time(16), order=1)]
    status = opening_status(split, now=at(MONDAY, 9), tz=KYIV)
    assert status.until == at(MONDAY, 16)


def test_time_zone_decides_the_local_hour():
    utc_now = datetime(2026, 3, 2, 6, 30, tzinfo=ZoneInfo("UTC"))  # 08:30 in Kyiv
    assert not opening_status(WEEK, now=utc_now, tz=KYIV).is_open
    later = utc_now + timedelta(hours=1)  # 09:30 in Kyiv
    assert opening_status(WEEK, now=later, tz=KYIV).is_open


def test_only_the_main_schedule_says_open():
    reception = [hours(0, time(15), time(17), schedule="Reception of citizens", order=9)]
    rows = reception + [hours(0, time(9), time(12), order=1)]
    assert [row.schedule for row in main_schedule(rows)] == [""]
    assert list(schedules(rows)) == ["", "Reception of citizens"]
    status = opening_status(rows, now=at(MONDAY, 16), tz=KYIV)
    assert not status.is_open
    # without an unnamed schedule the first named one counts
    assert opening_status(reception, now=at(MONDAY, 16), tz=KYIV).is_open


def test_current_and_upcoming_absences():
    past, current, future = (absence(MONDAY - timedelta(9), MONDAY - timedelta(5)),
                             absence(MONDAY - timedelta(1), MONDAY + timedelta(1)),
                             absence(MONDAY + timedelta(10), MONDAY + timedelta(12)))
    result = current_and_upcoming([future, past, current], MONDAY)
    assert result == [current, future]
    assert current.is_current and not future.is_current


@pytest.mark.parametrize("name", ["", "Nowhere/Never", "Europe/Bucharest"])
def test_site_time_zone_falls_back(name):
    zone = site_time_zone(SimpleNamespace(time_zone=name))
    assert zone.key == (name if name == "Europe/Bucharest" else "Europe/Kyiv")
