"""The public transparency page: public record types only, the minimum count, "no data",
the period form and its errors, another town's addressee, and the same median as the
figures API."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from addons.core import registry
from addons.insights import figures
from addons.insights.models import InsightsSettings
from addons.insights.report_files import format_value

from . import towns as town_helpers
from .towns import fold_all, moment, record

declared = town_helpers.declared
towns = town_helpers.towns

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2026-03-01", "end": "2026-05-31"}


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.CIVICDESK_INSIGHTS_PUBLIC_SECONDS = 0
    settings.CIVICDESK_PAGE_CACHE_SECONDS = 0


def get(path, data=None, host="localhost", language="en"):
    client = Client(HTTP_HOST=host)
    client.cookies["civicdesk_language"] = language
    return client.get(path, data or {})


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def filled(towns):
    """Town A: 12 problem reports at the repairs division (resolved in 1..12 days), 3 at
    the lights division, 37 appeals (not public) at the roads department; town B: 4
    reports."""
    for n in range(12):
        record("reports.report", towns["a"], towns["repairs"], moment(2026, 3, 2 + n),
               resolve_days=n + 1, rating=4 if n % 2 else 5)
    for n in range(3):
        record("reports.report", towns["a"], towns["lights"], moment(2026, 4, 1 + n),
               resolve_days=2)
    for n in range(37):
        record("appeals.appeal", towns["a"], towns["roads"], moment(2026, 3, 1 + n % 28),
               resolve_days=20, term_days=30)
    for n in range(4):
        record("reports.report", towns["b"], towns["b_roads"], moment(2026, 3, 5 + n),
               resolve_days=1)
    fold_all()
    return towns


def test_only_public_record_types_are_shown(filled):
    response = get("/figures/", PERIOD)
    assert response.status_code == 200
    page = text(response)
    assert "Problem reports" in page
    assert ">15<" in page or " 15<" in page  # 12 + 3 reports of town A
    assert "Appeals" not in page
    assert "37" not in page  # the appeals' count never appears
    # the figures of the page are those of public record types only
    values = figures.compute(figures.Scope(site=filled["a"], public_only=True),
                             figures.Period(moment(2026, 3, 1).date(),
                                            moment(2026, 5, 31).date()),
                             keys=["intake"], compare=False)
    public = {item.record_type for _addon, item in registry.service_events() if item.public}
    assert "reports.report" in public and "appeals.appeal" not in public
    assert {value.record_type for value in values} <= {""} | public


def test_same_median_as_the_figures_api(filled):
    period = figures.Period(moment(2026, 3, 1).date(), moment(2026, 5, 31).date())
    values = figures.compute(figures.Scope(site=filled["a"], public_only=True), period,
                             keys=["resolution_median", "on_time", "satisfaction"],
                             compare=False)
    by_key = {value.key: value for value in values if value.record_type == "reports.report"}
    median = by_key["resolution_median"]
    assert median.value is not None and median.count == 15
    page = text(get("/figures/", PERIOD))
    row = re.search(r'<tr data-service="reports.report">(.*?)</tr>', page).group(1)
    assert format_value(median.value, median.unit) in row
    assert format_value(by_key["on_time"].value, by_key["on_time"].unit) in row
    assert format_value(by_key["satisfaction"].value, by_key["satisfaction"].unit) in row


def test_addressees_under_the_minimum_count_are_greyed(filled):
    page = text(get(f"/figures/{filled['roads'].pk}/", PERIOD))
    repairs = re.search(rf'<tr data-addressee="{filled["repairs"].pk}">(.*?)</tr>', page)
    lights = re.search(rf'<tr class="insights-grey" data-addressee="{filled["lights"].pk}">'
                       r"(.*?)</tr>", page)
    assert repairs and "12" in repairs.group(1)
    assert lights and "fewer than 10 requests" in lights.group(1)
    assert "href" not in lights.group(1)  # nothing to open: no figures shown
    # with a lower minimum, the lights division is shown with its figures
    settings_a = InsightsSettings.for_site(filled["a"])
    settings_a.minimum_count = 3
    settings_a.save()
    page = text(get(f"/figures/{filled['roads'].pk}/", PERIOD))
    lights = re.search(rf'<tr data-addressee="{filled["lights"].pk}">(.*?)</tr>', page)
    assert lights and "fewer than" not in lights.group(1)
    assert ">3<" in lights.group(1) or " 3<" in lights.group(1)


def test_figures_over_fewer_records_than_the_minimum_are_not_shown(filled):
    page = text(get(f"/figures/{filled['lights'].pk}/", PERIOD))
    row = re.search(r'<tr data-service="reports.report">(.*?)</tr>', page).group(1)
    assert "fewer than 10 records" in row  # the median of 3 reports is not published
    assert ">3<" in row  # their number is


def test_no_data(filled):
    # town B's page for a period without records: "no data", never 0 %
    page = text(get("/figures/", {"start": "2025-01-01", "end": "2025-02-28"},
                    host="b.example"))
    assert "No data" in page
    assert "0 %" not in page and "0.0 %" not in page
    # open records only: the median says "no data"
    record("reports.report", filled["b"], filled["b_roads"], moment(2026, 7, 1))
    fold_all()
    page = text(get("/figures/", {"start": "2026-07-01", "end": "2026-07-31"},
                    host="b.example"))
    row = re.search(r'<tr data-service="reports.report">(.*?)</tr>', page).group(1)
    assert "no data" in row


@pytest.mark.parametrize("period", [
    {"start": "2026-05-01", "end": "2026-04-01"},  # ends before it starts
    {"start": "2020-01-01", "end": "2026-01-01"},  # longer than the allowed maximum
    {"start": "2026-13-01", "end": "2026-12-01"},  # not a date
    {"start": "0001-01-01", "end": "2026-12-01"},  # out of range
])
def test_bad_period_answers_400_with_the_error(filled, period):
    response = get("/figures/", period)
    assert response.status_code == 400
    page = text(response)
    assert 'class="error-summary"' in page
    assert "City in figures" in page  # the page, with its form
    assert 'name="start"' in page


def test_bad_period_error_is_translated(filled):
    response = get("/figures/", {"start": "2026-05-01", "end": "2026-04-01"}, language="uk")
    assert response.status_code == 400
    page = text(response)
    with translation.override("uk"):
        error = translation.gettext("The period ends before it starts.")
    assert error != "The period ends before it starts."
    assert html.escape(error, quote=True) in page or error in page
    assert "Місто в цифрах" in page


def test_another_towns_addressee_is_404(filled):
    assert get(f"/figures/{filled['b_roads'].pk}/", PERIOD).status_code == 404
    assert get(f"/figures/{filled['b_roads'].pk}/", PERIOD, host="b.example").status_code == 200
    assert get(f"/figures/{filled['a'].root_page_id}/", PERIOD).status_code == 404
    assert get("/figures/999999/", PERIOD).status_code == 404


def test_addressee_page_counts_its_subtree_only(filled):
    page = text(get(f"/figures/{filled['repairs'].pk}/", PERIOD))
    assert "Repairs division in figures" in page
    row = re.search(r'<tr data-service="reports.report">(.*?)</tr>', page).group(1)
    assert ">12<" in row


def test_default_period_is_the_last_12_months_and_the_page_is_accessible(towns):
    now = timezone.now()
    record("reports.report", towns["a"], towns["repairs"], now - timedelta(days=40),
           resolve_days=2)
    record("reports.report", towns["a"], towns["repairs"], now - timedelta(days=400),
           resolve_days=2)
    fold_all()
    page = text(get("/figures/"))
    row = re.search(r'<tr data-service="reports.report">(.*?)</tr>', page).group(1)
    assert ">1<" in row
    assert "<h1>City in figures</h1>" in page
    assert "<caption>" in page and 'scope="col"' in page
    assert '<svg class="insights-columns"' in page and 'aria-hidden="true"' in page
    assert "The chart&#x27;s figures" in page or "The chart's figures" in page


def test_figures_are_kept_a_few_minutes(filled, settings):
    settings.CIVICDESK_INSIGHTS_PUBLIC_SECONDS = 300
    before = text(get(f"/figures/{filled['repairs'].pk}/", PERIOD))
    assert ">12<" in re.search(r'<tr data-service="reports.report">(.*?)</tr>', before).group(1)
    record("reports.report", filled["a"], filled["repairs"], moment(2026, 4, 20),
           resolve_days=1)
    fold_all()
    kept = text(get(f"/figures/{filled['repairs'].pk}/", PERIOD))
    assert ">12<" in re.search(r'<tr data-service="reports.report">(.*?)</tr>', kept).group(1)
    settings.CIVICDESK_INSIGHTS_PUBLIC_SECONDS = 0
    fresh = text(get(f"/figures/{filled['repairs'].pk}/", PERIOD))
    assert ">13<" in re.search(r'<tr data-service="reports.report">(.*?)</tr>', fresh).group(1)
