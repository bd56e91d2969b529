"""The public opinion center page, the archive, the addressee page's block of ratings, the
cabinet, and the query count of the results page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from addons.surveys import services
from addons.surveys.models import OpinionCenterPage, QuestionKind, SurveyCategory

from .conftest import add_question, make_survey, q

pytestmark = pytest.mark.django_db


@pytest.fixture
def center(home):
    return home.add_child(instance=OpinionCenterPage(title="Opinion center", slug="opinion"))


def test_center_lists_open_surveys_by_category_and_archive(client, site, center):
    improvement = SurveyCategory.objects.create(site=site, name="City improvement",
                                                slug="improvement")
    consultations = SurveyCategory.objects.create(site=site, name="Public consultations",
                                                  slug="consultations", sort_order=1)
    park = make_survey(site, title="Which park first?", category=improvement)
    add_question(park, QuestionKind.SINGLE, choices="Central\nRiverside")
    make_survey(site, title="Budget 2027", category=consultations,
                closes_at=timezone.now() - timedelta(days=2))
    html = client.get(center.url).content.decode()
    assert "City improvement" in html and "Which park first?" in html
    assert "Budget 2027" not in html and "Public consultations" not in html
    archive = client.get(center.url + "?archive=1").content.decode()
    assert "Budget 2027" in archive and "Which park first?" not in archive
    assert reverse("surveys:results", args=[park.pk + 1]) in archive


def test_center_page_of_one_category(client, site, home):
    mine = SurveyCategory.objects.create(site=site, name="Development strategy",
                                         slug="strategy")
    other = SurveyCategory.objects.create(site=site, name="Transport", slug="transport")
    make_survey(site, title="Strategy 2030", category=mine)
    make_survey(site, title="Bus routes", category=other)
    page = home.add_child(instance=OpinionCenterPage(title="Strategy", slug="strategy",
                                                     category=mine))
    html = client.get(page.url).content.decode()
    assert "Strategy 2030" in html and "Bus routes" not in html


def test_closed_survey_results_stay_readable(client, placed, addressee, make_citizen):
    for value in (5, 4):
        services.submit(placed, {q(placed, QuestionKind.STARS).pk: value},
                        user=make_citizen(), addressee=addressee)
    placed.closed = True
    placed.save()
    html = client.get(reverse("surveys:results", args=[placed.pk])).content.decode()
    assert "This survey is closed; its results stay here" in html
    assert "Average 4.5 of 5 stars (2 ratings)" in html


def test_disabled_addon_center_page_is_not_found(client, site, center):
    from addons.core import activation

    activation.disable(site, "surveys")
    assert client.get(center.url).status_code == 404


def test_addressee_block_shows_stars_and_place_in_group(client, placed, addressee,
                                                       other_addressee, make_citizen):
    from addons.addressees.models import AddresseeGroup

    group = AddresseeGroup.objects.create(name="Service centers", slug="centers")
    for page in (addressee, other_addressee):
        page.groups.add(group)
        page.save_revision().publish()
    placed.placements.model.objects.create(page=other_addressee, survey=placed)
    stars = q(placed, QuestionKind.STARS)
    for page, values in ((addressee, (5, 5, 4)), (other_addressee, (2, 3))):
        for value in values:
            services.submit(placed, {stars.pk: value}, user=make_citizen(), addressee=page)
    html = client.get(other_addressee.url).content.decode()
    assert "Quality of service" in html
    assert "2.5 of 5 (2 ratings)" in html
    assert "2 of 2 in “Service centers”" in html
    assert "★★★☆☆" in html or "★★☆☆☆" in html


def test_cabinet_lists_named_answers_only(client, site, citizen, placed, addressee):
    named = make_survey(site, title="Named survey", anonymous=False)
    add_question(named, QuestionKind.STARS)
    services.submit(named, {q(named, QuestionKind.STARS).pk: 4}, user=citizen)
    services.submit(placed, {q(placed, QuestionKind.STARS).pk: 4}, user=citizen,
                    addressee=addressee)
    from addons.surveys.views import cabinet_context

    class Request:
        user = citizen

    responses = cabinet_context(Request())["responses"]
    assert [r.survey.title for r in responses] == ["Named survey"]


def test_public_figures_cost_a_fixed_number_of_queries(placed, addressee, other_addressee,
                                                      make_citizen, django_assert_num_queries):
    from addons.surveys import results

    placed.placements.model.objects.create(page=other_addressee, survey=placed)
    stars = q(placed, QuestionKind.STARS)
    for page in (addressee, other_addressee):
        for value in (5, 4, 3):
            services.submit(placed, {stars.pk: value}, user=make_citizen(), addressee=page)
    # questions, their options, their rows; the counters; the published texts
    with django_assert_num_queries(5):
        questions = services.questions_of(placed)
        figures = results.public_results(placed, questions, 0)
    assert figures.responses == 6
    # the ranking: the counters of every addressee, their pages, the pages' groups
    with django_assert_num_queries(3):
        ranking = results.ranking(placed, results.rating_question(questions))
    assert [item.addressee.pk for _group, items in ranking for item in items] == [
        addressee.pk, other_addressee.pk]
