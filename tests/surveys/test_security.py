"""Security of surveys: no open redirect after publishing, no 5xx on ids out of range,
answers that cannot be linked to their authors, and answers that cannot be stuffed by
clearing cookies."""

import pytest
from django.urls import reverse

from addons.surveys import services
from addons.surveys.models import Answer, QuestionKind

from .conftest import q
from .test_admin import answered, moderator  # noqa: F401
from .test_views import answer_url, post_data

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999999"


# --- finding 19: the publish form's "next" ------------------------------------------------


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil", "/\\evil",
                                    "https:evil.example", " //evil"])
def test_publish_does_not_redirect_elsewhere(admin_client, answered, target):  # noqa: F811
    answer = Answer.objects.filter(question__kind=QuestionKind.LONG_TEXT).first()
    response = admin_client.post(reverse("surveys_admin:publish", args=[answer.pk]),
                                 {"published": "1", "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys_admin:results", args=[answered.pk])


def test_publish_goes_back_to_a_page_of_the_site(admin_client, answered):  # noqa: F811
    answer = Answer.objects.filter(question__kind=QuestionKind.LONG_TEXT).first()
    back = reverse("surveys_admin:results", args=[answered.pk]) + "?page=2"
    response = admin_client.post(reverse("surveys_admin:publish", args=[answer.pk]),
                                 {"published": "1", "next": back})
    assert response["Location"] == back


def test_publish_over_https_refuses_a_plain_http_target(admin_client, answered):  # noqa: F811
    answer = Answer.objects.filter(question__kind=QuestionKind.LONG_TEXT).first()
    response = admin_client.post(reverse("surveys_admin:publish", args=[answer.pk]),
                                 {"published": "1", "next": "http://localhost/admin/"},
                                 secure=True)
    assert response["Location"] == reverse("surveys_admin:results", args=[answered.pk])


# --- finding 12: ids too large for the database -------------------------------------------


def test_huge_addressee_on_the_survey_page(client, placed):
    response = client.get(reverse("surveys:survey", args=[placed.pk]), {"addressee": HUGE})
    assert response.status_code == 200


def test_huge_addressee_on_the_results(client, placed):
    response = client.get(reverse("surveys:results", args=[placed.pk]), {"addressee": HUGE})
    assert response.status_code == 200


def test_huge_addressee_on_answering(client, placed, citizen):
    client.force_login(citizen)
    data = post_data(placed, **{q(placed, QuestionKind.STARS).key: "4"})
    data["addressee"] = HUGE
    response = client.post(answer_url(placed), data)
    assert response.status_code == 302
    assert services.Response.objects.get().addressee is None


def test_huge_and_odd_option_ids_are_form_errors(client, placed, citizen):
    client.force_login(citizen)
    data = post_data(placed, **{q(placed, QuestionKind.STARS).key: "4",
                                q(placed, QuestionKind.SINGLE).key: HUGE})
    response = client.post(answer_url(placed), data)
    assert response.status_code == 400
    assert "Choose one of the options of this question." in response.content.decode()


def test_huge_ids_in_the_staff_results_filter(admin_client, answered):  # noqa: F811
    url = reverse("surveys_admin:results", args=[answered.pk])
    assert admin_client.get(url, {"addressee": HUGE}).status_code == 200
    assert admin_client.get(url, {"start": "0001-01-01", "end": "9999-12-31"}
                            ).status_code == 200
    assert admin_client.get(url, {"page": HUGE}).status_code == 200
    export = reverse("surveys_admin:export", args=[answered.pk, "csv"])
    assert admin_client.get(export, {"start": "0001-01-01", "end": "9999-12-31"}
                            ).status_code == 200
    assert admin_client.post(reverse("surveys_admin:publish", args=[2**63 + 5])
                             ).status_code == 404


def test_huge_survey_ids_are_not_found(client, admin_client, placed):
    for name in ("surveys:survey", "surveys:answer", "surveys:results"):
        assert client.get(reverse(name, args=[int(HUGE)])).status_code == 404
    for name in ("surveys_admin:results", "surveys_admin:report", "surveys_admin:invitations"):
        assert admin_client.get(reverse(name, args=[int(HUGE)])).status_code == 404
    assert admin_client.get(reverse("surveys_admin:export", args=[int(HUGE), "csv"])
                            ).status_code == 404
