"""Survey answers on the generated casework desk: the list scoped to the town and the
moderator, filters (survey, addressee, date) with this town's choices once each, publishing
through the desk and in bulk, the download in the survey's own layout."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from guardian.shortcuts import assign_perm
from wagtail.models import ModelLogEntry

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.surveys import services
from addons.surveys.models import Answer, QuestionKind
from tests.conftest import add_town

from .conftest import add_question, make_survey, q

pytestmark = pytest.mark.django_db
INDEX = "casework_survey_answers:index"


def action(response, key):
    return reverse("casework_survey_answers:action", args=[response.pk, key])


def bulk(key):
    return reverse("wagtail_bulk_action", args=["surveys", "response", f"casework-{key}"])


@pytest.fixture
def answered(placed, addressee, other_addressee, make_citizen):
    stars, text = q(placed, QuestionKind.STARS), q(placed, QuestionKind.LONG_TEXT)
    own = services.submit(placed, {stars.pk: 5, text.pk: "Remark about the center"},
                          user=make_citizen(), addressee=addressee)
    foreign = services.submit(placed, {stars.pk: 2, text.pk: "Remark about social"},
                              user=make_citizen(), addressee=other_addressee)
    return own, foreign


@pytest.fixture
def moderator(django_user_model, addressee):
    user = django_user_model.objects.create_user("moderator", password="pw-12345-long",
                                                 language="en")
    group = Group.objects.create(name="Center staff")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    assign_perm("addressees.moderate_addressee", group, addressee)
    user.groups.add(group)
    return user


@pytest.fixture
def results_staff(django_user_model):
    """A city-wide results reader: ``surveys.view_results``, no addressee of their own."""
    user = django_user_model.objects.create_user("analyst", password="pw-12345-long",
                                                 language="en")
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["access_admin", "view_results"]))
    return user


def test_moderator_sees_and_publishes_the_answers_of_their_addressee(client, answered,
                                                                     moderator):
    own, foreign = answered
    client.force_login(moderator)
    response = client.get(reverse(INDEX))
    assert response.context["paginator"].count == 1
    page = client.get(reverse("casework_survey_answers:inspect", args=[own.pk]))
    assert "Remark about the center" in page.content.decode()
    assert client.get(reverse("casework_survey_answers:inspect",
                              args=[foreign.pk])).status_code == 404
    response = client.post(action(own, "publish"), {}, follow=True)
    assert "1 written answer is published." in response.content.decode()
    assert Answer.objects.get(text="Remark about the center").published
    entry = ModelLogEntry.objects.get(action=services.ANSWER_PUBLISHED)
    assert entry.user_id == moderator.pk
    assert client.post(action(foreign, "publish"), {}).status_code == 404
    assert not Answer.objects.get(text="Remark about social").published


def test_results_staff_work_on_every_answer_of_the_town(client, site, answered,
                                                        results_staff, make_citizen):
    town2 = add_town("town2.example")
    catalog2 = town2.root_page.add_child(instance=AddresseeCatalogPage(title="Catalog 2",
                                                                       slug="catalog-2"))
    centre2 = catalog2.add_child(instance=AddresseePage(title="Town 2 centre", slug="c2"))
    survey2 = make_survey(town2, title="Town 2 quality")
    stars2 = add_question(survey2, QuestionKind.STARS, "Rating")
    for _n in range(2):
        services.submit(survey2, {stars2.pk: 3}, user=make_citizen(), addressee=centre2)
    client.force_login(results_staff)
    response = client.get(reverse(INDEX), HTTP_HOST="localhost")
    assert response.status_code == 200 and response.context["paginator"].count == 2
    filters = response.context["filters"].filters
    assert [s.title for s in filters["survey"].queryset] == ["Quality"]
    assert sorted(p.title for p in filters["addressee"].queryset) == ["Service center",
                                                                      "Social department"]
    response = client.get(reverse(INDEX), HTTP_HOST="town2.example")
    filters = response.context["filters"].filters
    assert [s.title for s in filters["survey"].queryset] == ["Town 2 quality"]
    assert [p.title for p in filters["addressee"].queryset] == ["Town 2 centre"]
    assert response.context["paginator"].count == 2


def test_bulk_publish_skips_answers_out_of_scope_or_without_text(client, answered, moderator,
                                                                 placed, addressee,
                                                                 make_citizen):
    own, foreign = answered
    stars = q(placed, QuestionKind.STARS)
    no_text = services.submit(placed, {stars.pk: 4}, user=make_citizen(), addressee=addressee)
    client.force_login(moderator)
    query = "&".join(f"id={r.pk}" for r in (own, foreign, no_text)) + "&next=" + reverse(INDEX)
    response = client.post(bulk("publish") + "?" + query, {})
    page = client.get(response["Location"]).content.decode()
    assert "1 done" in page and "1 skipped: not yours" in page
    assert "1 skipped: not available for this record now" in page
    assert list(Answer.objects.filter(published=True).values_list("text", flat=True)) == [
        "Remark about the center"]


def test_the_download_keeps_the_surveys_layout(client, answered, results_staff):
    client.force_login(results_staff)
    response = client.get(reverse(INDEX), {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Submitted", "Addressee", "Suspicious"]
    assert "How was the service?" in rows[0] and len(rows) == 3
    response = client.get(reverse(INDEX), {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
