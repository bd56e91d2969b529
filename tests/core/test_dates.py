"""Dates read as each language writes them: months lower case in Romanian and Bulgarian,
weekdays lower case inside a Ukrainian (Romanian, Bulgarian) sentence."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from addons.addressees.templatetags.addressees_tags import _moment

DAY = datetime.datetime(2026, 12, 6, 14, 30)


@pytest.mark.parametrize("language, expected", [
    ("uk", "6 грудня 2026 р."),
    ("ro", "6 decembrie 2026"),
    ("bg", "6 декември 2026 г."),
    ("en", "Dec. 6, 2026"),
])
def test_rendered_date_in_each_language(language, expected):
    with translation.override(language):
        html = Template("{{ day|date:'DATE_FORMAT' }}|{{ day }}").render(Context({"day": DAY}))
    date, _rest = html.split("|")
    assert date == expected


@pytest.mark.parametrize("language, expected", [
    ("uk", "6 грудня 2026 р., 14:30"),
    ("ro", "6 decembrie 2026, 14:30"),
    ("bg", "6 декември 2026 г., 14:30"),
])
def test_rendered_date_and_time(language, expected):
    with translation.override(language):
        assert Template("{{ day|date:'DATETIME_FORMAT' }}").render(
            Context({"day": DAY})) == expected


@pytest.mark.parametrize("language, month", [
    ("ro", "decembrie 2026"), ("bg", "декември 2026 г."), ("uk", "2026"),
])
def test_month_and_year(language, month):
    with translation.override(language):
        text = Template("{{ day|date:'YEAR_MONTH_FORMAT' }}").render(Context({"day": DAY}))
    assert text.endswith(month)
    if language != "uk":
        assert text == text.lower()


@pytest.mark.parametrize("language, expected", [
    ("uk", "неділя, 6 грудня о 14:30"),
    ("ro", "duminică, 6 decembrie"),
    ("bg", "неделя, 6 декември"),
    ("en", "Sunday, 6 December"),
])
def test_weekday_inside_a_sentence(language, expected):
    with translation.override(language):
        text = _moment(DAY, DAY - datetime.timedelta(days=3))
    assert text.startswith(expected.split(" о ")[0])
    if language == "uk":
        assert text == expected


def test_in_sentence_filter():
    template = Template("{% load civicdesk %}{{ day|date:'l'|in_sentence }}")
    with translation.override("uk"):
        assert template.render(Context({"day": DAY})) == "неділя"
    with translation.override("en"):
        assert template.render(Context({"day": DAY})) == "Sunday"
