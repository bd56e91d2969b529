"""The period a dashboard shows: read from the query string, checked, with its previous one."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from addons.insights.figures import Period, parse_period
from addons.insights.models import InsightsSettings

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)


def refused(data, site, code):
    with pytest.raises(ValidationError) as caught:
        parse_period(data, site, today=TODAY)
    assert caught.value.code == code
    with translation.override("en"):
        english = caught.value.messages[0]
    with translation.override("uk"):
        assert caught.value.messages[0] != english  # said in the reader's language
    return english


def test_default_and_presets(towns):
    one, _two = towns
    assert parse_period({}, one.site, today=TODAY) == Period(date(2026, 11, 8), TODAY)
    assert parse_period({"preset": "week"}, one.site, today=TODAY) == Period(
        date(2026, 12, 1), TODAY)
    assert parse_period({"preset": "month"}, one.site, today=TODAY) == Period(
        date(2026, 11, 8), TODAY)
    assert parse_period({"preset": "quarter"}, one.site, today=TODAY).start == date(2026, 9, 8)
    assert parse_period({"preset": "year"}, one.site, today=TODAY).start == date(2025, 12, 8)
    assert parse_period({"start": "2026-01-01", "end": "2026-03-31"}, one.site) == Period(
        date(2026, 1, 1), date(2026, 3, 31))
    assert parse_period({"start": "2026-11-20"}, one.site, today=TODAY) == Period(
        date(2026, 11, 20), TODAY)


def test_the_previous_period_and_the_bounds(towns):
    one, _two = towns
    period = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert period.days == 30
    assert period.previous() == Period(date(2026, 10, 2), date(2026, 10, 31))
    start, end = period.bounds(one.tz)
    assert (start, end) == (datetime(2026, 11, 1, tzinfo=one.tz),
                            datetime(2026, 12, 1, tzinfo=one.tz))
    assert end - start == timedelta(days=30)


def test_a_period_that_ends_before_it_starts(towns):
    one, _two = towns
    message = refused({"start": "2026-11-10", "end": "2026-11-09"}, one.site,
                      "end_before_start")
    assert "before" in message


def test_a_period_longer_than_the_towns_maximum(towns):
    one, two = towns
    settings = InsightsSettings.for_site(one.site)
    settings.maximum_period_days = 60
    settings.save()
    message = refused({"start": "2026-01-01", "end": "2026-03-02"}, one.site, "too_long")
    assert "60" in message and "at most" in message
    # the other town keeps the default (731 days)
    assert parse_period({"start": "2026-01-01", "end": "2026-03-01"}, two.site).days == 60
    refused({"start": "2024-01-01", "end": "2026-03-01"}, two.site, "too_long")


def test_dates_that_cannot_be_read_and_unknown_presets(towns):
    one, _two = towns
    refused({"start": "yesterday", "end": "2026-11-09"}, one.site, "bad_date")
    refused({"start": "2026-02-30"}, one.site, "bad_date")
    refused({"end": "2026-13-01"}, one.site, "bad_date")
    refused({"preset": "decade"}, one.site, "bad_preset")
