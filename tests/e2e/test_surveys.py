"""A citizen rates the quality of service on an addressee page in a real browser: the
public results count the answer, a second answer from the same citizen is refused with a
clear message, and axe finds nothing on the survey, addressee and results pages."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from .browser import PHONE, check_axe, login

pytestmark = pytest.mark.e2e


def english(tab) -> None:
    tab.context.add_cookies([{"name": "civicdesk_language", "value": "en",
                              "url": tab.base_url}])


def test_citizen_rates_service_results_update_second_answer_refused(demo, citizen, visit,
                                                                   axe_source):
    from wagtail.models import Site

    from addons.surveys.models import Response, Survey, SurveyPlacement

    site = Site.objects.get(is_default_site=True)
    survey = Survey.objects.get(site=site, key="quality")
    placement = (SurveyPlacement.objects.filter(survey=survey).select_related("page")
                 .order_by("page__path").first())
    assert placement is not None, "the demo hangs no quality survey on an addressee"
    page = placement.page.specific
    before = Response.objects.filter(survey=survey, scope=page.pk).count()
    assert before >= survey.min_group_size - 1

    tab = visit(demo.url)
    login(tab, citizen.username, citizen.e2e_password)
    english(tab)  # after the login, which sets the citizen's own language
    tab.goto(urlsplit(page.full_url).path)
    box = tab.page.locator(f"#survey-{survey.pk}")
    assert survey.title in box.inner_text(), box.inner_text()
    assert box.get_by_label("4 stars").count() == 1, box.inner_text()
    check_axe(tab, axe_source, "addressee page with its surveys")

    # A second tab keeps the survey's own page open with the form, for the second try.
    second = tab.context.new_page()
    survey_url = f"{demo.url}{reverse('surveys:survey', args=[survey.pk])}?addressee={page.pk}"
    second.goto(survey_url)

    box.get_by_label("4 stars").check()
    with tab.page.expect_navigation():
        box.get_by_role("button", name=re.compile("Send the answer")).click()
    assert urlsplit(tab.page.url).path == reverse("surveys:results", args=[survey.pk])
    assert Response.objects.filter(survey=survey, scope=page.pk).count() == before + 1
    main = tab.page.locator("main").inner_text()
    assert "Your answer is recorded" in main
    assert f"{before + 1} answers" in main
    assert "of 5 stars" in main
    assert tab.page.locator("main .survey-chart-svg svg").count() >= 1
    assert tab.page.locator("main table.survey-chart-table").count() >= 1
    check_axe(tab, axe_source, "results page")
    tab.screenshot("survey-results-1280", full_page=True)

    # The addressee page now says the citizen has answered.
    tab.goto(urlsplit(page.full_url).path)
    assert "You have already answered this survey" in tab.page.locator(
        f"#survey-{survey.pk}").inner_text()

    # The form left open in the other tab is refused with a clear message.
    second.get_by_label("1 star", exact=True).check()
    with second.expect_navigation():
        response_info = second.locator("main form.survey-form button[type=submit]")
        response_info.click()
    assert "You have already answered this survey" in second.locator("main").inner_text()
    assert Response.objects.filter(survey=survey, scope=page.pk).count() == before + 1
    second.close()

    tab.goto(f"{reverse('surveys:survey', args=[survey.pk])}?addressee={page.pk}")
    assert "You have already answered this survey" in tab.page.locator("main").inner_text()
    check_axe(tab, axe_source, "survey page")
    assert tab.foreign_requests() == []


def test_opinion_center_and_archive(demo, visit, axe_source):
    from addons.surveys.models import OpinionCenterPage

    center = OpinionCenterPage.objects.live().first()
    assert center is not None
    tab = visit(demo.url)
    english(tab)
    tab.goto(urlsplit(center.full_url).path)
    check_axe(tab, axe_source, "opinion center")
    tab.page.get_by_role("link", name="Archive of closed surveys").click()
    tab.page.wait_for_load_state()
    check_axe(tab, axe_source, "archive")
    tab.page.locator("main .cards a").first.click()
    tab.page.wait_for_load_state()
    assert "This survey is closed; its results stay here" in tab.page.locator(
        "main").inner_text()
    check_axe(tab, axe_source, "results of a closed survey")


def test_survey_pages_on_a_phone(demo, visit, axe_source):
    """The survey form and its results at 375 px: no sideways scrolling, nothing for axe."""
    from wagtail.models import Site

    from addons.surveys.models import Survey

    survey = Survey.objects.get(site=Site.objects.get(is_default_site=True), key="quality")
    tab = visit(demo.url, viewport=PHONE)
    english(tab)
    for path in (reverse("surveys:results", args=[survey.pk]),
                 reverse("surveys:survey", args=[survey.pk])):
        tab.goto(path)
        assert tab.horizontal_overflow() == 0, tab.overflowing_elements()
        check_axe(tab, axe_source, f"{path} at 375 px")
    tab.goto(reverse("surveys:results", args=[survey.pk]))
    tab.screenshot("survey-results-375", full_page=True)
