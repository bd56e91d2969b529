"""Security of surveys: no open redirect after publishing, no 5xx on ids out of range,
answers that cannot be linked to their authors, and answers that cannot be stuffed by
clearing cookies."""

import pytest
from django.urls import reverse

from addons.surveys import services
from addons.surveys.models import Answer, QuestionKind

from .conftest import q
from .test_admin import answered, english_admin, moderator  # noqa: F401
from .test_views import answer_url, post_data

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999999"


@pytest.fixture(autouse=True)
def _english_admin(admin_user):
    english_admin(admin_user)


# --- finding 19: the publish form's "next" ------------------------------------------------


def _publish_url(answer, target):
    from django.utils.http import urlencode

    return reverse("casework_survey_answers:action",
                   args=[answer.response_id, "publish"]) + "?" + urlencode({"next": target})


def _record_url(answer):
    return reverse("casework_survey_answers:inspect", args=[answer.response_id])


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil", "/\\evil",
                                    "https:evil.example", " //evil"])
def test_publish_does_not_redirect_elsewhere(admin_client, answered, target):  # noqa: F811
    answer = Answer.objects.filter(question__kind=QuestionKind.LONG_TEXT).first()
    response = admin_client.post(_publish_url(answer, target), {"answers": [answer.pk]})
    assert response.status_code == 302
    assert response["Location"] == _record_url(answer)


def test_publish_goes_back_to_a_page_of_the_site(admin_client, answered):  # noqa: F811
    answer = Answer.objects.filter(question__kind=QuestionKind.LONG_TEXT).first()
    back = reverse("casework_survey_answers:index") + "?p=2"
    response = admin_client.post(_publish_url(answer, back), {"answers": [answer.pk]})
    assert response["Location"] == back


def test_publish_over_https_refuses_a_plain_http_target(admin_client, answered):  # noqa: F811
    answer = Answer.objects.filter(question__kind=QuestionKind.LONG_TEXT).first()
    response = admin_client.post(_publish_url(answer, "http://localhost/admin/"),
                                 {"answers": [answer.pk]}, secure=True)
    assert response["Location"] == _record_url(answer)


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
    assert admin_client.get(export, {"start": "0001-01-01", "end": "9999-12-31"},
                            follow=True).status_code == 200
    assert admin_client.post(f"/admin/casework/survey_answers/{2**63 + 5}/action/publish/"
                             ).status_code == 404


def test_huge_survey_ids_are_not_found(client, admin_client, placed):
    for name in ("surveys:survey", "surveys:answer", "surveys:results"):
        assert client.get(reverse(name, args=[int(HUGE)])).status_code == 404
    for name in ("surveys_admin:results", "surveys_admin:report", "surveys_admin:invitations"):
        assert admin_client.get(reverse(name, args=[int(HUGE)])).status_code == 404
    assert admin_client.get(reverse("surveys_admin:export", args=[int(HUGE), "csv"])
                            ).status_code == 404


# --- finding 7: who answered is kept apart from what was answered -------------------------


def _old_key(survey, scope, identity):
    """The digest answers used to carry (HMAC of survey, addressee and person)."""
    import hashlib
    import hmac

    from django.conf import settings

    message = f"surveys:{survey.pk}:{scope}:{identity}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


RESPONSE_COLUMNS = {"id", "survey_id", "addressee_id", "scope", "submitted_on",
                    "submitted_at", "citizen_id", "invitation_id", "suspicious"}


def test_no_answer_can_be_linked_to_its_author(placed, addressee, make_citizen,
                                               django_user_model):
    """The review's reproduction: with the database and SECRET_KEY, try every user."""
    authors = [make_citizen() for _ in range(4)]
    for n, author in enumerate(authors):
        services.submit(placed, {q(placed, QuestionKind.STARS).pk: n + 1}, user=author,
                        addressee=addressee)
    rows = list(services.Response.objects.values())
    assert len(rows) == 4
    assert set(rows[0]) == RESPONSE_COLUMNS  # nothing derived from the person
    stored = {str(value) for row in rows for value in row.values() if value is not None}
    for user in django_user_model.objects.all():
        for scope in (0, addressee.pk):
            for identity in (f"user:{user.pk}",):
                assert _old_key(placed, scope, identity) not in stored
                assert services.participant_key(placed, scope, identity) not in stored
    for row in rows:
        assert row["citizen_id"] is None and row["submitted_at"] is None
        assert row["invitation_id"] is None
    # one answer per citizen still holds, through the separate mark
    with pytest.raises(services.AlreadyAnswered):
        services.submit(placed, {q(placed, QuestionKind.STARS).pk: 5}, user=authors[0],
                        addressee=addressee)
    assert services.Response.objects.count() == 4


def test_survey_page_says_what_is_kept(client, placed, citizen):
    client.force_login(citizen)
    html = client.get(reverse("surveys:survey", args=[placed.pk])).content.decode()
    assert "we keep a separate mark that you have answered, not which answer is yours" in html
    client.cookies["civicdesk_language"] = "uk"
    html = client.get(reverse("surveys:survey", args=[placed.pk])).content.decode()
    assert "we keep a separate mark" not in html


def test_anonymous_export_has_no_answer_numbers_and_no_times(admin_client, answered):  # noqa: F811
    from datetime import date

    from .test_admin import streamed

    text = streamed(admin_client.get(reverse("surveys_admin:export",
                                             args=[answered.pk, "csv"]), follow=True))
    lines = text.splitlines()
    assert lines[0].startswith("Submitted,Addressee,Suspicious,")
    for line in lines[1:]:
        date.fromisoformat(line.split(",")[0])  # a day, not a moment
    numbers = {str(pk) for pk in services.Response.objects.values_list("pk", flat=True)}
    assert not any(line.split(",")[0] in numbers for line in lines[1:])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_data_migration_separates_participations(site):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    executor = MigrationExecutor(connection)
    executor.migrate([("surveys", "0001_initial")])
    old = executor.loader.project_state([("surveys", "0001_initial")]).apps
    Survey = old.get_model("surveys", "Survey")
    Response = old.get_model("surveys", "Response")
    Invitation = old.get_model("surveys", "Invitation")
    anonymous = Survey.objects.create(site_id=site.pk, title="A", anonymous=True)
    named = Survey.objects.create(site_id=site.pk, title="N", anonymous=False)
    moment = timezone.now().replace(microsecond=123456)
    link = Invitation.objects.create(survey=anonymous, token="t1", note="Mr Smith")
    Response.objects.create(survey=anonymous, scope=0, submitted_at=moment,
                            respondent_key=_old_key(anonymous, 0, "user:7"))
    Response.objects.create(survey=anonymous, scope=0, submitted_at=moment, invitation=link)
    Response.objects.create(survey=named, scope=0, submitted_at=moment,
                            respondent_key=_old_key(named, 0, "browser:b"))
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from addons.surveys.models import Participation
    from addons.surveys.models import Response as NewResponse

    assert set(Participation.objects.values_list("participant_key", flat=True)) == {
        _old_key(anonymous, 0, "user:7"), _old_key(named, 0, "browser:b")}
    for row in NewResponse.objects.filter(survey_id=anonymous.pk).values():
        assert set(row) == RESPONSE_COLUMNS
        assert row["submitted_at"] is None and row["invitation_id"] is None
        assert row["submitted_on"] == timezone.localdate(moment)
    kept = NewResponse.objects.get(survey_id=named.pk)
    assert kept.submitted_at == moment and kept.submitted_on == timezone.localdate(moment)


# --- finding 8: stuffing a survey open to anyone ------------------------------------------


@pytest.fixture
def open_survey(site):
    from .conftest import add_question, make_survey

    survey = make_survey(site, audience=services.Audience.ANYONE, title="Which park first?")
    add_question(survey, QuestionKind.SINGLE, "Which park?", choices="North\nSouth")
    return survey


def _vote(client, survey, address, *, slow=True, language="en"):
    """One answer from ``address`` with cookies cleared, as a stuffer would send it."""
    import time

    from django.core import signing

    from addons.surveys.views import STARTED_SALT

    client.cookies.clear()
    client.cookies["civicdesk_language"] = language
    question = q(survey, QuestionKind.SINGLE)
    data = post_data(survey, **{question.key: str(question.options.first().pk)})
    data["started"] = signing.dumps(time.time() - (30 if slow else 0.5), salt=STARTED_SALT)
    return client.post(answer_url(survey), data, REMOTE_ADDR=address)


def test_clearing_cookies_does_not_stuff_from_one_address(client, open_survey, figures):
    codes = [_vote(client, open_survey, "203.0.113.5").status_code for _ in range(20)]
    stored = services.Response.objects.filter(survey=open_survey).count()
    figures.add("surveys", f"one address, 20 answers with cookies cleared: {stored} "
                f"stored, codes {codes}")
    assert stored == 5
    assert codes[:5] == [302] * 5 and set(codes[5:]) == {429}
    refused = _vote(client, open_survey, "203.0.113.5", language="uk")
    assert refused.status_code == 429
    assert "Too many answers came from your network" not in refused.content.decode()


def test_many_addresses_of_one_network_are_limited(client, open_survey, settings, figures):
    settings.CIVICDESK_SURVEYS_NETWORK_RATE = "8/h"
    codes = [_vote(client, open_survey, f"198.51.100.{n}").status_code for n in range(12)]
    stored = services.Response.objects.filter(survey=open_survey).count()
    figures.add("surveys", f"12 addresses of one /24: {stored} stored")
    assert stored == 8 and codes[8:] == [429] * 4
    assert _vote(client, open_survey, "192.0.2.1").status_code == 302  # another network
    codes6 = [_vote(client, open_survey, f"2001:db8:1:{n:x}::1").status_code
              for n in range(10)]
    assert codes6.count(302) == 8  # one /48 for IPv6


def test_network_key():
    from django.test import RequestFactory

    from addons.surveys.views import network_key

    factory = RequestFactory()
    assert network_key(None, factory.get("/", REMOTE_ADDR="203.0.113.77")) == "203.0.113.0/24"
    assert network_key(None, factory.get("/", REMOTE_ADDR="2001:db8:5:6::1")
                       ) == "2001:db8:5::/48"


def test_too_fast_answers_are_held_and_not_counted(client, open_survey):
    from addons.surveys import results

    assert _vote(client, open_survey, "203.0.113.9", slow=False).status_code == 302
    assert _vote(client, open_survey, "203.0.113.10").status_code == 302
    client.cookies.clear()
    question = q(open_survey, QuestionKind.SINGLE)
    no_stamp = client.post(answer_url(open_survey), post_data(open_survey, **{
        question.key: str(question.options.first().pk)}), REMOTE_ADDR="203.0.113.11")
    assert no_stamp.status_code == 302
    flags = sorted(services.Response.objects.values_list("suspicious", flat=True))
    assert flags == [False, True, True]
    assert results.tally_counts(open_survey)[(None, "responses")] == 1


def test_bursts_from_one_network_are_marked(client, open_survey, settings):
    settings.CIVICDESK_SURVEYS_BURST = 3
    for n in range(5):
        assert _vote(client, open_survey, f"198.51.100.{n}").status_code == 302
    flags = list(services.Response.objects.order_by("pk").values_list("suspicious", flat=True))
    assert flags == [False, False, False, True, True]


def test_staff_results_show_the_suspicious_count(client, admin_client, open_survey,
                                                  settings):
    settings.CIVICDESK_SURVEYS_BURST = 1
    for n in range(3):
        _vote(client, open_survey, f"198.51.100.{n}")
    html = admin_client.get(reverse("surveys_admin:results", args=[open_survey.pk])
                            ).content.decode()
    assert "2 answers are held as suspicious" in html
    assert "1 answer" in html


def test_who_may_answer_help_points_to_accounts_and_links():
    from addons.surveys.models import Survey

    help_text = str(Survey._meta.get_field("audience").help_text)
    assert "one-time links" in help_text and "votes that matter" in help_text


# --- the hunt: records of another site ----------------------------------------------------


def test_survey_category_must_be_of_its_site(site, root_page):
    from django.core.exceptions import ValidationError
    from wagtail.models import Site

    from addons.addressees.models import HomePage
    from addons.surveys.models import SurveyCategory

    from .conftest import make_survey

    home = root_page.add_child(instance=HomePage(title="Valea Verde", slug="valea-verde"))
    town = Site.objects.create(hostname="valea.localhost", port=80, root_page=home)
    theirs = SurveyCategory.objects.create(site=town, name="Parcuri", slug="parcuri")
    ours = SurveyCategory.objects.create(site=site, name="Parks", slug="parks")
    survey = make_survey(site, category=theirs)
    with pytest.raises(ValidationError) as error:
        survey.full_clean()
    assert "category" in error.value.message_dict
    survey.category = ours
    survey.full_clean()
