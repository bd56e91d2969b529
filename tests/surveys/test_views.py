"""The citizen's pages: the form on the addressee page, answering, errors that keep what
was typed, one answer per citizen and browser, flood limits, the honeypot, public results."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from addons.surveys import services
from addons.surveys.models import Audience, Option, QuestionKind, Response

from .conftest import add_question, make_survey, q

pytestmark = pytest.mark.django_db


def post_data(survey, addressee=None, **answers):
    data = {}
    if addressee is not None:
        data["addressee"] = addressee.pk
    for key, value in answers.items():
        data[f"survey-{key}"] = value
    return data


def answer_url(survey):
    return reverse("surveys:answer", args=[survey.pk])


def test_addressee_page_shows_the_survey_form(client, placed, addressee, citizen):
    client.force_login(citizen)
    html = client.get(addressee.url).content.decode()
    assert "How was the service?" in html
    assert f'action="{answer_url(placed)}"' in html
    assert f'name="addressee" value="{addressee.pk}"' in html
    assert 'name="survey-' + q(placed, QuestionKind.STARS).key + '"' in html


def test_anonymous_visitor_is_asked_to_log_in(client, placed, addressee):
    html = client.get(addressee.url).content.decode()
    assert "Log in to answer this survey" in html
    response = client.post(answer_url(placed), post_data(placed, addressee, **{
        q(placed, QuestionKind.STARS).key: "5"}))
    assert response.status_code == 403
    assert not Response.objects.exists()


def test_citizen_answers_and_is_refused_the_second_time(client, placed, addressee, citizen):
    client.force_login(citizen)
    stars = q(placed, QuestionKind.STARS).key
    response = client.post(answer_url(placed), post_data(placed, addressee, **{stars: "4"}))
    assert response.status_code == 302
    assert response["Location"] == (reverse("surveys:results", args=[placed.pk])
                                    + f"?addressee={addressee.pk}")
    assert Response.objects.get().addressee == addressee
    html = client.get(addressee.url).content.decode()
    assert "You have already answered this survey" in html
    again = client.post(answer_url(placed), post_data(placed, addressee, **{stars: "1"}))
    assert again.status_code == 409
    assert "You have already answered this survey" in again.content.decode()
    assert Response.objects.count() == 1


def test_missing_required_question_keeps_what_was_typed(client, placed, addressee, citizen):
    client.force_login(citizen)
    text = q(placed, QuestionKind.LONG_TEXT).key
    response = client.post(answer_url(placed), post_data(placed, addressee, **{
        text: "The queue was long"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Answer this question." in html
    assert "The queue was long</textarea>" in html
    assert not Response.objects.exists()


def test_star_value_outside_range_is_a_clear_error(client, placed, addressee, citizen):
    client.force_login(citizen)
    response = client.post(answer_url(placed), post_data(placed, addressee, **{
        q(placed, QuestionKind.STARS).key: "7"}))
    assert response.status_code == 400
    assert "Give from 1 to 5 stars." in response.content.decode()


def test_option_of_another_question_is_refused(client, placed, addressee, citizen):
    client.force_login(citizen)
    foreign = Option.objects.filter(question=q(placed, QuestionKind.MULTIPLE)).first()
    response = client.post(answer_url(placed), post_data(placed, addressee, **{
        q(placed, QuestionKind.STARS).key: "5",
        q(placed, QuestionKind.SINGLE).key: str(foreign.pk)}))
    assert response.status_code == 400
    assert "Choose one of the options of this question." in response.content.decode()
    assert not Response.objects.exists()


def test_answer_after_close_is_refused(client, placed, addressee, citizen):
    client.force_login(citizen)
    placed.closes_at = timezone.now() - timedelta(hours=1)
    placed.save()
    assert "This survey is closed" in client.get(addressee.url).content.decode()
    response = client.post(answer_url(placed), post_data(placed, addressee, **{
        q(placed, QuestionKind.STARS).key: "5"}))
    assert response.status_code == 403
    assert "This survey is closed" in response.content.decode()
    assert not Response.objects.exists()


def test_html_in_text_is_shown_as_text(client, placed, addressee, citizen, admin_client):
    client.force_login(citizen)
    text = q(placed, QuestionKind.LONG_TEXT)
    client.post(answer_url(placed), post_data(placed, addressee, **{
        q(placed, QuestionKind.STARS).key: "5", text.key: "<script>alert(1)</script><b>x</b>"}))
    answer = text.answers.get()
    services.set_published(answer, True)
    html = client.get(reverse("surveys:results", args=[placed.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in html
    assert "<script>alert(1)" not in html
    admin_html = admin_client.get(  # the answer's page on the answers desk
        reverse("casework_survey_answers:inspect", args=[answer.response_id])).content.decode()
    assert "&lt;script&gt;alert(1)" in admin_html and "<script>alert(1)" not in admin_html


def test_html_typed_in_a_refused_form_comes_back_escaped(client, placed, addressee, citizen):
    client.force_login(citizen)
    response = client.post(answer_url(placed), post_data(placed, addressee, **{
        q(placed, QuestionKind.LONG_TEXT).key: "<img src=x onerror=alert(1)>"}))
    html = response.content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html


@pytest.fixture
def open_survey(site, addressee):
    from addons.surveys.models import SurveyPlacement

    survey = make_survey(site, audience=Audience.ANYONE, title="Open to all")
    add_question(survey, QuestionKind.STARS)
    SurveyPlacement.objects.create(page=addressee, survey=survey)
    return survey


def test_anyone_answers_once_per_browser(client, open_survey, addressee):
    stars = q(open_survey, QuestionKind.STARS).key
    first = client.post(answer_url(open_survey), post_data(open_survey, addressee,
                                                           **{stars: "5"}))
    assert first.status_code == 302 and "civicdesk_survey_browser" in first.cookies
    again = client.post(answer_url(open_survey), post_data(open_survey, addressee,
                                                           **{stars: "5"}))
    assert again.status_code == 409
    assert Response.objects.count() == 1
    assert Response.objects.get().citizen is None


def test_flood_from_one_address_is_limited(client, open_survey, addressee, settings):
    settings.CIVICDESK_SURVEYS_RATE = "3/h"
    stars = q(open_survey, QuestionKind.STARS).key
    codes = []
    for _n in range(5):
        client.cookies.pop("civicdesk_survey_browser", None)  # a robot drops the cookie
        codes.append(client.post(answer_url(open_survey),
                                 post_data(open_survey, addressee, **{stars: "1"}),
                                 REMOTE_ADDR="203.0.113.7").status_code)
    assert codes == [302, 302, 302, 429, 429]
    assert Response.objects.count() == 3
    last = client.post(answer_url(open_survey), post_data(open_survey, addressee,
                                                          **{stars: "1"}),
                       REMOTE_ADDR="203.0.113.7")
    assert "Too many answers came from your network" in last.content.decode()


def test_filled_honeypot_is_kept_as_suspicious_and_not_counted(client, open_survey, addressee):
    """A robot filling the hidden field is not counted publicly; a person who filled it
    (a browser's autofill, a screen reader) still sees their answer recorded, and staff
    find it among the suspicious answers."""
    from addons.surveys import results

    stars = q(open_survey, QuestionKind.STARS).key
    data = post_data(open_survey, addressee, **{stars: "1"})
    data["website"] = "http://spam.example"
    response = client.post(answer_url(open_survey), data, follow=True)
    assert response.status_code == 200
    assert "Thank you! Your answer is recorded." in response.content.decode()
    kept = Response.objects.get()
    assert kept.suspicious is True
    assert results.tally_counts(open_survey).get((None, "responses"), 0) == 0


def test_filled_honeypot_with_an_error_shows_the_form_again(client, open_survey, addressee):
    data = post_data(open_survey, addressee, **{q(open_survey, QuestionKind.STARS).key: "9"})
    data["website"] = "x"
    response = client.post(answer_url(open_survey), data)
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()
    assert not Response.objects.exists()


def test_honeypot_is_hidden_and_out_of_the_keyboard_order(client, open_survey):
    import re
    from pathlib import Path

    html = client.get(reverse("surveys:survey", args=[open_survey.pk])).content.decode()
    trap = re.search(r'<div class="hp-field"[^>]*>.*?</div>', html, re.S).group(0)
    assert 'aria-hidden="true"' in trap
    field = re.search(r'<input[^>]*name="website"[^>]*>', trap).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field
    css = (Path(__file__).resolve().parents[2] / "themes" / "civic" / "static" / "civic"
           / "css" / "site.css").read_text()
    rule = re.search(r"\.hp-field[^{]*\{([^}]*)\}", css)
    assert rule and "position: absolute" in rule.group(1) and "left: -" in rule.group(1)


def test_one_time_link_page(client, site, addressee):
    survey = make_survey(site, audience=Audience.LINK, title="After your visit")
    add_question(survey, QuestionKind.STARS)
    link = services.issue_invitation(survey, addressee=addressee)
    url = reverse("surveys:invitation", args=[link.token])
    assert "After your visit" in client.get(url).content.decode()
    stars = q(survey, QuestionKind.STARS).key
    assert client.post(url, {f"survey-{stars}": "5"}).status_code == 302
    again = client.post(url, {f"survey-{stars}": "4"})
    assert again.status_code == 409
    assert "This link has already been used" in again.content.decode()
    assert "This link has already been used" in client.get(url).content.decode()
    assert Response.objects.get().addressee == addressee
    # the survey's own page offers no way in without a link
    page = client.get(reverse("surveys:survey", args=[survey.pk])).content.decode()
    assert "personal one-time link" in page


def answer_many(survey, make_citizen, addressee, values):
    stars = q(survey, QuestionKind.STARS)
    for value in values:
        services.submit(survey, {stars.pk: value}, user=make_citizen(), addressee=addressee)


def test_public_results_hidden_below_the_minimum_group(client, placed, addressee,
                                                      make_citizen):
    placed.min_group_size = 5
    placed.save()
    answer_many(placed, make_citizen, addressee, [5, 4, 4, 3])
    url = reverse("surveys:results", args=[placed.pk])
    html = client.get(url).content.decode()
    assert "Results are shown once at least 5 people have answered" in html
    assert "Average" not in html
    answer_many(placed, make_citizen, addressee, [5])
    html = client.get(url).content.decode()
    assert "Average 4.2 of 5 stars (5 ratings)" in html
    assert "<svg" in html and "<table" in html and "40 %" in html


def test_results_per_addressee_and_ranking(client, placed, addressee, other_addressee,
                                           make_citizen):
    from addons.addressees.models import AddresseeGroup

    group = AddresseeGroup.objects.create(name="Service centers", slug="centers")
    for page in (addressee, other_addressee):
        page.groups.add(group)
        page.save_revision().publish()
    SurveyPlacement = placed.placements.model
    SurveyPlacement.objects.create(page=other_addressee, survey=placed)
    answer_many(placed, make_citizen, addressee, [3, 3])
    answer_many(placed, make_citizen, other_addressee, [5, 4])
    html = client.get(reverse("surveys:results", args=[placed.pk])).content.decode()
    assert "Ranking of addressees by average rating" in html
    assert html.index("Social department") < html.index("Service center<")
    scoped = client.get(reverse("surveys:results", args=[placed.pk])
                        + f"?addressee={addressee.pk}").content.decode()
    assert "Average 3.0 of 5 stars (2 ratings)" in scoped


def test_free_text_is_not_public_unless_published(client, placed, addressee, citizen):
    text = q(placed, QuestionKind.LONG_TEXT)
    services.submit(placed, {q(placed, QuestionKind.STARS).pk: 5, text.pk: "Secret remark"},
                    user=citizen, addressee=addressee)
    url = reverse("surveys:results", args=[placed.pk])
    assert "Secret remark" not in client.get(url).content.decode()
    assert "Secret remark" not in client.get(addressee.url).content.decode()
    services.set_published(text.answers.get(), True)
    assert "Secret remark" in client.get(url).content.decode()


def test_results_page_queries_do_not_grow_with_answers(client, placed, addressee,
                                                       make_citizen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("surveys:results", args=[placed.pk])
    answer_many(placed, make_citizen, addressee, [5])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    answer_many(placed, make_citizen, addressee, [1, 2, 3, 4, 5, 4, 3])
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(few) == len(more)


def test_survey_of_another_site_is_not_found(client, site, placed):
    from wagtail.models import Site

    other = Site.objects.create(hostname="other.localhost", root_page=site.root_page)
    placed.site = other
    placed.save()
    assert client.get(reverse("surveys:survey", args=[placed.pk])).status_code == 404


def test_disabled_addon_hides_the_section_and_urls(client, placed, addressee, site):
    from addons.core import activation

    activation.disable(site, "surveys")
    page = client.get(addressee.url)
    assert page.status_code == 200 and "How was the service?" not in page.content.decode()
    assert client.get(reverse("surveys:survey", args=[placed.pk])).status_code == 404
    activation.enable(site, "surveys")
    assert client.get(reverse("surveys:survey", args=[placed.pk])).status_code == 200


def test_chart_labels_are_whole_text_that_wraps_on_a_phone():
    """Labels were SVG text scaled with the chart (7 px at 320 px) and cut at 30 letters."""
    from types import SimpleNamespace

    from addons.surveys.templatetags.survey_tags import bar_chart

    label = "Однозначно так, обслуговування було швидким і ввічливим"
    html = str(bar_chart([SimpleNamespace(label=label, share=0.4, percent=40)]))
    assert f'<span class="survey-bar-label">{label}</span>' in html
    assert "<text" not in html and 'width="40.0"' in html and "40 %" in html


def test_results_after_answering_say_so_instead_of_inviting_again(client, placed, addressee,
                                                                   citizen, make_citizen):
    client.force_login(citizen)
    results = reverse("surveys:results", args=[placed.pk]) + f"?addressee={addressee.pk}"
    before = client.get(results).content.decode()
    assert "Answer this survey" in before and "You have answered this survey" not in before
    stars = q(placed, QuestionKind.STARS).key
    response = client.post(answer_url(placed), post_data(placed, addressee, **{stars: "4"}),
                           follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == results
    assert "You have answered this survey. Thank you!" in html
    assert "Answer this survey" not in html
    # someone who has not answered is still invited
    client.force_login(make_citizen())
    assert "Answer this survey" in client.get(results).content.decode()


def test_results_after_an_anonymous_answer_say_so_too(client, open_survey, addressee):
    results = reverse("surveys:results", args=[open_survey.pk]) + f"?addressee={addressee.pk}"
    stars = q(open_survey, QuestionKind.STARS).key
    response = client.post(answer_url(open_survey), post_data(open_survey, addressee,
                                                              **{stars: "5"}), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == results
    assert "You have answered this survey" in html and "Answer this survey" not in html
    del client.cookies["civicdesk_survey_browser"]  # another browser
    assert "Answer this survey" in client.get(results).content.decode()
