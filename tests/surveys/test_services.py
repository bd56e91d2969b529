"""Answering: who may answer, one answer per citizen/browser/link, validation, counters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from addons.surveys import results, services
from addons.surveys.models import (
    Answer,
    Audience,
    Invitation,
    Option,
    Participation,
    QuestionKind,
    Response,
    Tally,
)

from .conftest import add_question, make_survey, q, stars_items

pytestmark = pytest.mark.django_db


def full_items(survey):
    single = q(survey, QuestionKind.SINGLE)
    multiple = q(survey, QuestionKind.MULTIPLE)
    matrix = q(survey, QuestionKind.MATRIX)
    rows = list(matrix.rows.all())
    return {
        q(survey, QuestionKind.STARS).pk: 4,
        single.pk: single.options.first().pk,
        multiple.pk: [o.pk for o in multiple.options.all()[:2]],
        q(survey, QuestionKind.SCALE).pk: 9,
        q(survey, QuestionKind.YES_NO).pk: 1,
        matrix.pk: {rows[0].pk: 5, rows[1].pk: 3},
        q(survey, QuestionKind.LONG_TEXT).pk: "Faster, please",
    }


def test_an_answer_stores_every_item_and_raises_the_counters(survey, addressee, citizen):
    response = services.submit(survey, full_items(survey), user=citizen, addressee=addressee)
    assert response.citizen is None  # anonymous survey: no link to the person
    assert response.scope == addressee.pk
    assert Participation.objects.filter(survey=survey, scope=addressee.pk).count() == 1
    assert Answer.objects.filter(response=response).count() == 9
    for scope in (0, addressee.pk):
        counts = results.tally_counts(survey, scope)
        assert counts[(None, "responses")] == 1
        assert counts[(q(survey, QuestionKind.STARS).pk, "v4")] == 1
        assert counts[(q(survey, QuestionKind.STARS).pk, "sum")] == 4


def test_counters_match_the_answers_themselves(survey, addressee, make_citizen):
    for stars in (5, 4, 4, 2):
        items = full_items(survey)
        items[q(survey, QuestionKind.STARS).pk] = stars
        services.submit(survey, items, user=make_citizen(), addressee=addressee)
    services.submit(survey, stars_items(survey, 1), user=make_citizen())
    responses = Response.objects.filter(survey=survey)
    assert results.answer_counts(responses) == results.tally_counts(survey, 0)
    assert (results.answer_counts(responses.filter(addressee=addressee))
            == results.tally_counts(survey, addressee.pk))
    built = results.build(survey, services.questions_of(survey), results.tally_counts(survey))
    stars = built.questions[0]
    assert stars.answered == 5 and stars.average == pytest.approx(16 / 5)
    assert [bar.count for bar in stars.bars] == [1, 1, 0, 2, 1]
    assert stars.bars[3].percent == 40


def test_second_answer_by_the_same_citizen_is_refused(survey, addressee, citizen):
    services.submit(survey, stars_items(survey, 5), user=citizen, addressee=addressee)
    with pytest.raises(services.AlreadyAnswered) as error:
        services.submit(survey, stars_items(survey, 1), user=citizen, addressee=addressee)
    assert "already answered" in str(error.value.message)
    assert Response.objects.count() == 1
    assert results.tally_counts(survey)[(None, "responses")] == 1


def test_named_survey_is_one_per_citizen_by_the_database(site, addressee, citizen):
    survey = make_survey(site, anonymous=False)
    add_question(survey, QuestionKind.STARS)
    first = services.submit(survey, stars_items(survey, 3), user=citizen, addressee=addressee)
    assert first.citizen == citizen and first.submitted_at is not None
    with pytest.raises(services.AlreadyAnswered):
        services.submit(survey, stars_items(survey, 3), user=citizen, addressee=addressee)


def test_same_citizen_may_rate_another_addressee(survey, addressee, other_addressee, citizen):
    services.submit(survey, stars_items(survey, 5), user=citizen, addressee=addressee)
    services.submit(survey, stars_items(survey, 2), user=citizen, addressee=other_addressee)
    assert Response.objects.count() == 2


def test_anonymous_answer_keeps_no_link_to_the_person(survey, citizen):
    response = services.submit(survey, stars_items(survey, 5), user=citizen)
    stored = Response.objects.values().get(pk=response.pk)
    assert stored["citizen_id"] is None and stored["invitation_id"] is None
    assert stored["submitted_at"] is None and stored["submitted_on"] == timezone.localdate()
    assert "respondent_key" not in stored
    # who answered is kept apart: a mark with no link to the answer
    mark = Participation.objects.values().get(survey=survey)
    assert mark["participant_key"] == services.participant_key(survey, 0, f"user:{citizen.pk}")
    assert set(mark) == {"id", "survey_id", "scope", "participant_key"}


def test_answer_after_the_survey_closed_is_refused(survey, citizen):
    survey.closes_at = timezone.now() - timedelta(minutes=1)
    survey.save()
    with pytest.raises(services.SurveyClosed) as error:
        services.submit(survey, stars_items(survey, 5), user=citizen)
    assert "closed" in str(error.value.message)
    survey.closes_at, survey.closed = None, True
    survey.save()
    with pytest.raises(services.SurveyClosed):
        services.submit(survey, stars_items(survey, 5), user=citizen)
    assert not Response.objects.exists()


def test_survey_not_yet_open(survey, citizen):
    survey.opens_at = timezone.now() + timedelta(days=1)
    survey.save()
    with pytest.raises(services.SurveyClosed) as error:
        services.submit(survey, stars_items(survey, 5), user=citizen)
    assert "not open yet" in str(error.value.message)


def test_missing_required_question(survey, citizen):
    with pytest.raises(services.SurveyError) as error:
        services.submit(survey, {}, user=citizen)
    assert error.value.errors == {q(survey, QuestionKind.STARS).key: "Answer this question."}
    assert not Response.objects.exists()


@pytest.mark.parametrize("value", [0, 6, -1, "five", 4.5])
def test_star_value_outside_one_to_five(survey, citizen, value):
    with pytest.raises(services.SurveyError) as error:
        services.submit(survey, stars_items(survey, value), user=citizen)
    assert error.value.errors[q(survey, QuestionKind.STARS).key] == "Give from 1 to 5 stars."


def test_option_id_that_is_not_the_questions(survey, citizen):
    single = q(survey, QuestionKind.SINGLE)
    foreign = Option.objects.filter(question=q(survey, QuestionKind.MULTIPLE)).first()
    items = {**stars_items(survey, 5), single.pk: foreign.pk}
    with pytest.raises(services.SurveyError) as error:
        services.submit(survey, items, user=citizen)
    assert error.value.errors[single.key] == "Choose one of the options of this question."
    items = {**stars_items(survey, 5), q(survey, QuestionKind.MULTIPLE).pk: [foreign.pk, 999999]}
    with pytest.raises(services.SurveyError):
        services.submit(survey, items, user=citizen)


def test_scale_and_matrix_bounds(survey, citizen):
    scale, matrix = q(survey, QuestionKind.SCALE), q(survey, QuestionKind.MATRIX)
    with pytest.raises(services.SurveyError) as error:
        services.submit(survey, {**stars_items(survey, 5), scale.pk: 11}, user=citizen)
    assert error.value.errors[scale.key] == "Choose a value from 0 to 10."
    row = matrix.rows.first()
    with pytest.raises(services.SurveyError) as error:
        services.submit(survey, {**stars_items(survey, 5), matrix.pk: {row.pk: 9}},
                        user=citizen)
    assert error.value.errors[matrix.key] == "Choose a value from 1 to 5."


def test_citizens_survey_needs_a_login(survey):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(services.NotAllowed):
        services.submit(survey, stars_items(survey, 5), user=AnonymousUser())


def test_anyone_survey_is_one_per_browser(site):
    from django.contrib.auth.models import AnonymousUser

    survey = make_survey(site, audience=Audience.ANYONE)
    add_question(survey, QuestionKind.STARS)
    services.submit(survey, stars_items(survey, 5), user=AnonymousUser(), browser_id="b1")
    with pytest.raises(services.AlreadyAnswered):
        services.submit(survey, stars_items(survey, 4), user=AnonymousUser(), browser_id="b1")
    services.submit(survey, stars_items(survey, 4), user=AnonymousUser(), browser_id="b2")
    assert Response.objects.count() == 2


def test_one_time_link_gives_one_answer(site, addressee):
    from django.contrib.auth.models import AnonymousUser

    survey = make_survey(site, audience=Audience.LINK)
    add_question(survey, QuestionKind.STARS)
    link = services.issue_invitation(survey, addressee=addressee, note="ticket A-001")
    response = services.submit(survey, stars_items(survey, 5), user=AnonymousUser(),
                               invitation=link)
    # an anonymous survey's answer does not name the link (its note may name the person)
    assert response.addressee == addressee and response.invitation is None
    link.refresh_from_db()
    assert link.used_at is not None
    with pytest.raises(services.AlreadyAnswered) as error:
        services.submit(survey, stars_items(survey, 5), user=AnonymousUser(), invitation=link)
    assert "already been used" in str(error.value.message)
    stale = Invitation.objects.get(pk=link.pk)
    stale.used_at = None  # a copy read before the first answer: the UPDATE still refuses
    with pytest.raises(services.AlreadyAnswered):
        services.submit(survey, stars_items(survey, 5), user=AnonymousUser(), invitation=stale)
    with pytest.raises(services.NotAllowed):
        services.submit(survey, stars_items(survey, 5), user=AnonymousUser())
    assert Response.objects.count() == 1


def test_link_of_another_survey_is_refused(site, survey):
    from django.contrib.auth.models import AnonymousUser

    other = make_survey(site, audience=Audience.LINK, title="Other")
    add_question(other, QuestionKind.STARS)
    link = services.issue_invitation(survey)
    with pytest.raises(services.NotAllowed):
        services.submit(other, stars_items(other, 5), user=AnonymousUser(), invitation=link)


def test_renaming_an_option_keeps_the_old_answers(survey, citizen):
    single = q(survey, QuestionKind.SINGLE)
    old = single.options.get(label="Passport")
    services.submit(survey, {**stars_items(survey, 5), single.pk: old.pk}, user=citizen)
    single.choices = "ID card\nCertificate\nOther"
    single.save()
    old.refresh_from_db()
    assert not old.active and Answer.objects.filter(option=old).count() == 1
    assert [o.label for o in single.options.filter(active=True)] == [
        "ID card", "Certificate", "Other"]


def test_replacing_a_survey_on_a_page_keeps_its_answers(placed, addressee, site, citizen):
    from addons.surveys.models import SurveyPlacement

    services.submit(placed, stars_items(placed, 5), user=citizen, addressee=addressee)
    SurveyPlacement.objects.filter(page=addressee).delete()
    newer = make_survey(site, title="Newer")
    add_question(newer, QuestionKind.STARS)
    SurveyPlacement.objects.create(page=addressee, survey=newer)
    assert Response.objects.filter(survey=placed, addressee=addressee).count() == 1
    assert results.tally_counts(placed, addressee.pk)[(None, "responses")] == 1


def test_default_surveys_are_created_once_in_the_sites_language(site):
    from addons.core.models import SiteProfile
    from addons.surveys.models import Survey

    profile = SiteProfile.for_site(site)
    profile.default_language = "uk"
    profile.save()
    first = services.create_default_surveys(site)
    second = services.create_default_surveys(site)
    assert [s.pk for s in first] == [s.pk for s in second]
    assert Survey.objects.filter(site=site).count() == 3
    titles = set(Survey.objects.filter(site=site).values_list("title", flat=True))
    assert "Оцініть якість обслуговування" in titles
    quality = Survey.objects.get(site=site, key="quality")
    assert quality.questions.filter(kind=QuestionKind.STARS).exists()
    assert quality.questions.get(kind=QuestionKind.MATRIX).rows.count() == 3


def test_tallies_are_not_read_from_the_answers(survey, citizen, django_assert_num_queries):
    services.submit(survey, stars_items(survey, 5), user=citizen)
    Answer.objects.all().delete()  # the public figures come from the counters
    assert results.tally_counts(survey)[(q(survey, QuestionKind.STARS).pk, "v5")] == 1
    assert Tally.objects.filter(survey=survey, scope=0).exists()


def test_personal_data_and_anonymise(site, citizen, survey):
    named = make_survey(site, title="Named", anonymous=False)
    add_question(named, QuestionKind.STARS)
    services.submit(named, stars_items(named, 4), user=citizen)
    services.submit(survey, stars_items(survey, 5), user=citizen)
    data = services.personal_data(citizen)["survey_answers"]
    assert [item["survey"] for item in data] == ["Named"]  # the anonymous one is not linked
    assert data[0]["answers"] == [4]
    services.anonymise_citizen(citizen)
    assert services.personal_data(citizen)["survey_answers"] == []
    assert Response.objects.filter(survey=named).count() == 1
    assert results.tally_counts(named)[(None, "responses")] == 1
