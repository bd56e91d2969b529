"""Survey answers on the casework desk: the declaration, publishing and withdrawing written
answers through the services (audit log, translated refusals, scope), the answer's detail
section, two towns."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.module_loading import import_string
from guardian.shortcuts import assign_perm
from wagtail.models import ModelLogEntry

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.core import registry
from addons.core.casework import queries
from addons.surveys import desk, services
from addons.surveys.forms import AnswerPublicationForm
from addons.surveys.models import Answer, QuestionKind, Response
from tests.conftest import add_town

from .conftest import add_question, make_survey, q

pytestmark = pytest.mark.django_db


def declaration():
    _addon, casework = registry.casework_for("survey_answers")
    return casework


def moderator_of(django_user_model, page, username="moderator"):
    user = django_user_model.objects.create_user(username, password="pw-12345-long")
    group = Group.objects.create(name=f"Staff of {page.title}")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    assign_perm("addressees.moderate_addressee", group, page)
    user.groups.add(group)
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def two_texts(site, addressee, make_citizen):
    """A named survey with two written questions, answered once on ``addressee``."""
    survey = make_survey(site, title="Proposals", anonymous=False)
    first = add_question(survey, QuestionKind.SHORT_TEXT, "Subject", required=False)
    second = add_question(survey, QuestionKind.LONG_TEXT, "Proposal", required=False)
    stars = add_question(survey, QuestionKind.STARS, "Rating", required=False)
    citizen = make_citizen()
    response = services.submit(survey, {first.pk: "Benches", second.pk: "More benches",
                                        stars.pk: 4}, user=citizen, addressee=addressee)
    return response


def test_declaration_names_importable_services_forms_and_sections(two_texts):
    casework = declaration()
    assert casework.model == "surveys.Response" and not casework.assignable
    assert {a.key for a in casework.actions if a.bulk} == {"publish", "unpublish"}
    for action in casework.actions:
        assert callable(import_string(action.service))
        assert callable(import_string(action.available))
        assert import_string(action.form) is AnswerPublicationForm
    model = queries.model_of(casework)
    for name in (*casework.list_display, *casework.list_filter, *casework.list_export):
        model._meta.get_field(name)
    section = casework.detail_sections[0]
    html = render_to_string(section.template,
                            import_string(section.get_context)(two_texts, None))
    assert "Benches" in html and "More benches" in html and "Rating" in html
    assert "Olena Citizen" in html  # a named survey shows who answered
    assert "not published" in html


def test_publish_all_written_answers_logs_them(two_texts, admin_user):
    assert services.has_unpublished_text(two_texts) and not services.has_published_text(
        two_texts)
    result = services.publish(two_texts, admin_user)
    assert result == "2 written answers are published."
    assert set(Answer.objects.filter(published=True).values_list("text", flat=True)) == {
        "Benches", "More benches"}
    entry = ModelLogEntry.objects.get(action=services.ANSWER_PUBLISHED)
    assert entry.user_id == admin_user.pk and entry.object_id == str(two_texts.pk)
    assert len(entry.data["answers"]) == 2
    with pytest.raises(ValidationError) as error:
        services.publish(two_texts, admin_user)
    assert error.value.messages == ["The written answers are already published."]
    assert services.unpublish(two_texts, admin_user) == (
        "2 written answers are no longer published.")
    assert ModelLogEntry.objects.filter(action=services.ANSWER_WITHDRAWN).count() == 1
    assert not Answer.objects.filter(published=True).exists()


def test_publish_the_chosen_answer_only_with_the_form(two_texts, admin_user):
    form = AnswerPublicationForm(record=two_texts, user=admin_user)
    labels = [label for _pk, label in form.fields["answers"].choices]
    assert labels == ["Subject: Benches", "Proposal: More benches"]
    chosen = Answer.objects.get(text="More benches")
    form = AnswerPublicationForm({"answers": [str(chosen.pk)]}, record=two_texts,
                                 user=admin_user)
    assert form.is_valid(), form.errors
    assert services.publish(two_texts, admin_user, **form.cleaned_data) == (
        "1 written answer is published.")
    assert list(Answer.objects.filter(published=True)) == [chosen]
    stars = Answer.objects.get(number=4)
    bad = AnswerPublicationForm({"answers": [str(stars.pk)]}, record=two_texts,
                                user=admin_user)
    assert not bad.is_valid() and "answers" in bad.errors
    with pytest.raises(ValidationError) as error:
        services.publish(two_texts, admin_user, answers=[stars.pk])
    assert error.value.messages == ["Choose written answers of this response only."]
    # a bulk action: no form field, every written answer
    assert "answers" not in AnswerPublicationForm(record=None, user=admin_user).fields


def test_an_answer_without_text_is_refused(site, addressee, admin_user, make_citizen):
    survey = make_survey(site)
    stars = add_question(survey, QuestionKind.STARS, "Rating")
    add_question(survey, QuestionKind.LONG_TEXT, "Remarks", required=False)
    response = services.submit(survey, {stars.pk: 5}, user=make_citizen(),
                               addressee=addressee)
    assert not services.has_unpublished_text(response)
    with pytest.raises(ValidationError) as error:
        services.publish(response, admin_user)
    assert error.value.messages == ["This answer has no written text to publish."]
    assert not ModelLogEntry.objects.filter(action__startswith="surveys.").exists()


def test_selection_partly_out_of_scope_publishes_only_the_moderators_own(
        answered_on_two, django_user_model, addressee):
    moderator = moderator_of(django_user_model, addressee)
    own, foreign = answered_on_two
    refused = []
    for response in (own, foreign):
        try:
            services.publish(response, moderator)
        except ValidationError as error:
            refused.append((response.pk, error.messages))
    assert refused == [(foreign.pk, ["You do not handle the answers given on this addressee."])]
    assert list(Answer.objects.filter(published=True).values_list("text", flat=True)) == [
        "Remark about the center"]
    with translation.override("uk"), pytest.raises(ValidationError) as error:
        services.publish(foreign, moderator)
    assert error.value.messages == ["Ви не опрацьовуєте відповіді, надані цьому адресату."]


@pytest.fixture
def answered_on_two(placed, addressee, other_addressee, make_citizen):
    stars, text = q(placed, QuestionKind.STARS), q(placed, QuestionKind.LONG_TEXT)
    own = services.submit(placed, {stars.pk: 5, text.pk: "Remark about the center"},
                          user=make_citizen(), addressee=addressee)
    foreign = services.submit(placed, {stars.pk: 2, text.pk: "Remark about social"},
                              user=make_citizen(), addressee=other_addressee)
    return own, foreign


def test_two_towns_scope_and_filter_choices(site, answered_on_two, addressee, admin_user,
                                            django_user_model, make_citizen):
    town2 = add_town("town2.example")
    catalog2 = town2.root_page.add_child(instance=AddresseeCatalogPage(title="Catalog 2",
                                                                       slug="catalog-2"))
    centre2 = catalog2.add_child(instance=AddresseePage(title="Town 2 centre", slug="c2"))
    survey2 = make_survey(town2, title="Town 2 quality")
    stars2 = add_question(survey2, QuestionKind.STARS, "Rating")
    there = services.submit(survey2, {stars2.pk: 3}, user=make_citizen(), addressee=centre2)
    casework = declaration()
    here = set(queries.scope(casework, admin_user, site))
    assert here == set(answered_on_two)
    assert list(queries.scope(casework, admin_user, town2)) == [there]
    moderator = moderator_of(django_user_model, addressee)
    assert list(queries.scope(casework, moderator, site)) == [answered_on_two[0]]
    assert not queries.scope(casework, moderator, town2).exists()
    # the choices of the filters, from the records in scope: this town's only, once each
    scoped = queries.scope(casework, admin_user, town2)
    surveys = list(scoped.values_list("survey__title", flat=True).distinct())
    addressees = list(scoped.values_list("addressee__title", flat=True).distinct())
    assert surveys == ["Town 2 quality"] and addressees == ["Town 2 centre"]


def test_the_desk_publishes_the_chosen_answer_through_the_service(admin_client,
                                                                  answered_on_two, admin_user):
    answer = Answer.objects.get(text="Remark about the center")
    admin_client.post(reverse("casework_survey_answers:action",
                              args=[answer.response_id, "publish"]),
                      {"answers": [answer.pk]})
    entry = ModelLogEntry.objects.get(action=services.ANSWER_PUBLISHED)
    assert entry.user_id == admin_user.pk and entry.data["answers"] == [answer.pk]


def test_an_anonymous_answer_shows_no_citizen(placed, addressee, make_citizen):
    stars, text = q(placed, QuestionKind.STARS), q(placed, QuestionKind.LONG_TEXT)
    citizen = make_citizen(full_name="Secret Person")
    response = services.submit(placed, {stars.pk: 5, text.pk: "Kind words"}, user=citizen,
                               addressee=addressee)
    assert Response.objects.get(pk=response.pk).citizen is None
    html = render_to_string("surveys/casework/answers.html", desk.answers_context(response))
    assert "Kind words" in html and "Secret Person" not in html


def _csv(response) -> list[list[str]]:
    import csv
    import io

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_export_of_one_survey_keeps_its_layout(answered_on_two, admin_user):
    from addons.surveys import exports

    rows = _csv(exports.selection_response(
        services.readable_responses(admin_user).filter(pk=answered_on_two[0].pk), "csv"))
    assert rows[0][:3] == ["Submitted", "Addressee", "Suspicious"]  # anonymous: no numbers
    assert "What could we do better?" in rows[0]
    assert len(rows) == 2 and "Remark about the center" in rows[1]


def test_export_of_several_surveys_one_row_per_item(answered_on_two, two_texts, admin_user):
    from addons.surveys import exports

    rows = _csv(exports.selection_response(services.readable_responses(admin_user), "csv"))
    assert rows[0] == ["Survey", "Answer", "Submitted", "Addressee", "Suspicious",
                       "Question", "Value"]
    by_survey = {}
    for row in rows[1:]:
        by_survey.setdefault(row[0], []).append(row)
    assert {row[5] for row in by_survey["Proposals"]} == {"Subject", "Proposal", "Rating"}
    assert {row[1] for row in by_survey["Proposals"]} == {str(two_texts.pk)}
    assert {row[1] for row in by_survey["Quality"]} == {""}  # anonymous: no answer numbers
    assert ["Remark about social"] == [row[6] for row in by_survey["Quality"]
                                       if row[5] == "What could we do better?"
                                       and row[3] == "Social department"]
    xlsx = exports.selection_response(services.readable_responses(admin_user), "xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
