from datetime import date

import pytest

from addons.core.calendars import (
    UnknownJurisdiction,
    is_public_holiday,
    is_working_day,
    next_working_day,
    public_holidays,
)


def test_ukraine_has_no_public_holidays_under_martial_law():
    # Independence Day and Christmas stay working days under martial law.
    assert not is_public_holiday(date(2026, 8, 24), "ua")
    assert is_working_day(date(2026, 8, 24), "ua")  # a Monday
    assert public_holidays(2023, "ua") == frozenset()
    assert public_holidays(2026, "ua") == frozenset()
    # 8 March 2022 fell after martial law began (24 February 2022): not a holiday.
    assert not is_public_holiday(date(2022, 3, 8), "ua")
    # Before martial law the holidays were days off.
    assert is_public_holiday(date(2022, 1, 7), "ua")
    assert is_public_holiday(date(2021, 8, 24), "ua")


def test_ukraine_peacetime_calendar_when_martial_law_is_lifted(settings):
    settings.CIVICDESK_UA_MARTIAL_LAW = False
    assert is_public_holiday(date(2026, 8, 24), "ua")
    assert is_public_holiday(date(2026, 12, 25), "ua")
    assert is_public_holiday(date(2022, 3, 8), "ua")
    assert not is_working_day(date(2026, 8, 24), "ua")
    assert next_working_day(date(2026, 8, 24), "ua") == date(2026, 8, 25)


def test_romania_and_bulgaria_holidays():
    assert is_public_holiday(date(2026, 12, 1), "ro")  # Ziua Națională
    assert is_public_holiday(date(2026, 4, 13), "ro")  # Orthodox Easter Monday
    assert not is_public_holiday(date(2026, 3, 3), "ro")
    assert is_public_holiday(date(2026, 3, 3), "bg")  # Liberation Day
    assert is_public_holiday(date(2026, 5, 25), "bg")  # 24 May observed on Monday
    assert not is_public_holiday(date(2026, 12, 1), "bg")


def test_weekends_are_not_working_days():
    assert not is_working_day(date(2026, 3, 7), "ua")  # Saturday
    assert not is_working_day(date(2026, 3, 8), "ro")  # Sunday
    assert is_working_day(date(2026, 3, 9), "bg")  # Monday


def test_next_working_day():
    assert next_working_day(date(2026, 3, 9), "ua") == date(2026, 3, 9)  # itself
    assert next_working_day(date(2026, 3, 7), "ua") == date(2026, 3, 9)  # weekend
    # RO: Friday 1 May (Labour Day), then the weekend: Monday 4 May.
    assert next_working_day(date(2026, 5, 1), "ro") == date(2026, 5, 4)
    # BG: Christmas Eve, Christmas (24-26), weekend, observed Monday 28 -> Tuesday 29.
    assert next_working_day(date(2026, 12, 24), "bg") == date(2026, 12, 29)


@pytest.mark.parametrize("code", ["", "pl", "UKR", None])
def test_unknown_jurisdiction(code):
    with pytest.raises(UnknownJurisdiction):
        is_working_day(date(2026, 1, 5), code)
    with pytest.raises(UnknownJurisdiction):
        next_working_day(date(2026, 1, 5), code)


def test_jurisdiction_code_is_case_insensitive():
    assert is_public_holiday(date(2026, 12, 1), "RO")
