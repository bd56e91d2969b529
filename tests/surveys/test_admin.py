"""Staff side: results with filters, free text only for staff in scope, exports, the PDF,
publishing, one-time links, and the periodic report sent once per period."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from addons.surveys import reports, services
from addons.surveys.models import Invitation, QuestionKind, ReportLog

from .conftest import q

pytestmark = pytest.mark.django_db


def english_admin(user):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture(autouse=True)
def _english_admin(admin_user):
    english_admin(admin_user)


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.fixture
def answered(placed, addressee, other_addressee, make_citizen):
    stars, text = q(placed, QuestionKind.STARS), q(placed, QuestionKind.LONG_TEXT)
    single = q(placed, QuestionKind.SINGLE)
    services.submit(placed, {stars.pk: 5, text.pk: "Remark about the center",
                             single.pk: single.options.first().pk},
                    user=make_citizen(), addressee=addressee)
    services.submit(placed, {stars.pk: 2, text.pk: "Remark about social"},
                    user=make_citizen(), addressee=other_addressee,
                    now=timezone.now() - timedelta(days=40))
    return placed


@pytest.fixture
def moderator(django_user_model, addressee):
    user = django_user_model.objects.create_user("moderator", password="pw-12345-long",
                                                 is_staff=True)
    group = Group.objects.create(name="Center staff")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    assign_perm("addressees.moderate_addressee", group, addressee)
    user.groups.add(group)
    return english_admin(user)


def desk_texts(client, survey, **filters) -> str:
    """The written answers on the answers desk's record pages of ``survey`` (filtered)."""
    from addons.surveys.models import Response

    listing = client.get(reverse("casework_survey_answers:index"),
                         {"survey": survey.pk, **filters})
    ids = [row.pk for row in listing.context["object_list"]]
    assert set(ids) <= set(Response.objects.values_list("pk", flat=True))
    return "".join(client.get(reverse("casework_survey_answers:inspect", args=[pk]))
                   .content.decode() for pk in ids)


def test_results_show_charts_and_free_text_to_staff(admin_client, answered):
    html = admin_client.get(reverse("surveys_admin:results", args=[answered.pk])).content
    html = html.decode()
    assert "<svg" in html and "2 answers" in html
    assert "2 answers have written text." in html
    assert f"/admin/casework/survey_answers/?survey={answered.pk}" in html
    texts = desk_texts(admin_client, answered)
    assert "Remark about the center" in texts and "Remark about social" in texts


def test_date_filter(admin_client, answered):
    today = timezone.localdate()
    url = reverse("surveys_admin:results", args=[answered.pk])
    week = (today - timedelta(days=7)).isoformat()
    html = admin_client.get(url, {"start": week, "end": today.isoformat()}).content.decode()
    assert "1 answer has written text." in html
    assert f"submitted_on_from={week}" in html
    texts = desk_texts(admin_client, answered, submitted_on_from=week,
                       submitted_on_to=today.isoformat())
    assert "Remark about the center" in texts and "Remark about social" not in texts
    bad = admin_client.get(url, {"start": today.isoformat(),
                                 "end": (today - timedelta(days=1)).isoformat()})
    assert "The end of the period is before its start." in bad.content.decode()


def test_moderator_sees_only_their_addressee(client, answered, moderator, other_addressee):
    client.force_login(moderator)
    html = client.get(reverse("surveys_admin:results", args=[answered.pk])).content.decode()
    assert "1 answer has written text." in html
    texts = desk_texts(client, answered)
    assert "Remark about the center" in texts
    assert "Remark about social" not in texts
    csv_text = streamed(client.get(reverse("surveys_admin:export", args=[answered.pk, "csv"]),
                                   follow=True))
    assert "Remark about the center" in csv_text and "Remark about social" not in csv_text
    # asking for another addressee gives nothing of it, and it is not among the choices
    response = client.get(reverse("surveys_admin:results", args=[answered.pk]),
                          {"addressee": other_addressee.pk})
    assert "Social department" not in response.content.decode()
    assert "Remark about social" not in desk_texts(client, answered,
                                                   addressee=other_addressee.pk)


def test_citizens_and_strangers_cannot_read_results(client, answered, citizen):
    url = reverse("surveys_admin:results", args=[answered.pk])
    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(citizen)
    assert client.get(url).status_code in (302, 403)
    assert client.get(reverse("surveys_admin:export", args=[answered.pk, "csv"])
                      ).status_code in (302, 403)


def test_csv_one_row_per_answer_one_column_per_question(admin_client, answered):
    text = streamed(admin_client.get(reverse("surveys_admin:export", args=[answered.pk, "csv"]),
                                     follow=True))
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert "How was the service?" in header
    assert "Rate each aspect: Waiting time" in header and "Rate each aspect: Politeness" in header
    assert "Citizen" not in header  # anonymous survey
    assert len(rows) == 3
    stars = header.index("How was the service?")
    assert sorted(row[stars] for row in rows[1:]) == ["2", "5"]
    assert rows[2][header.index("Why did you come?")] == "Passport"


def test_xlsx_export(admin_client, answered):
    from openpyxl import load_workbook

    response = admin_client.get(reverse("surveys_admin:export", args=[answered.pk, "xlsx"]),
                                follow=True)
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert len(values) == 3 and "What could we do better?" in values[0]


def test_pdf_report_draws_the_charts(admin_client, answered):
    from pypdf import PdfReader

    response = admin_client.get(reverse("surveys_admin:report", args=[answered.pk]))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "How was the service?" in text and "Answers: 2" in text
    assert b" re" in reader.pages[0].get_contents().get_data()  # drawn bars


def test_publish_a_free_text_answer(admin_client, answered, client):
    answer = q(answered, QuestionKind.LONG_TEXT).answers.get(text="Remark about the center")
    admin_client.post(reverse("casework_survey_answers:action",
                              args=[answer.response_id, "publish"]),
                      {"answers": [answer.pk]})
    answer.refresh_from_db()
    assert answer.published
    assert "Remark about the center" in client.get(
        reverse("surveys:results", args=[answered.pk])).content.decode()


def test_moderator_cannot_publish_another_addressees_text(client, answered, moderator):
    answer = q(answered, QuestionKind.LONG_TEXT).answers.get(text="Remark about social")
    client.force_login(moderator)
    response = client.post(reverse("casework_survey_answers:action",
                                   args=[answer.response_id, "publish"]), {})
    assert response.status_code == 404
    answer.refresh_from_db()
    assert not answer.published


def test_issue_one_time_links(admin_client, placed, addressee):
    response = admin_client.post(reverse("surveys_admin:invitations", args=[placed.pk]),
                                 {"count": 3, "addressee": addressee.pk, "note": "window 2"})
    rows = list(csv.reader(io.StringIO(streamed(response))))
    assert len(rows) == 4
    links = Invitation.objects.filter(survey=placed)
    assert links.count() == 3 and all(link.addressee == addressee for link in links)
    assert rows[1][0].endswith(links.first().get_absolute_url()) or any(
        row[0].endswith(link.get_absolute_url()) for row in rows[1:] for link in links)


def test_admin_survey_editor_saves_questions(admin_client, site):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    from addons.surveys.models import Survey

    data = nested_form_data({
        "site": site.pk, "title": "Park renewal", "intro": "", "audience": "citizens",
        "anonymous": "on", "min_group_size": 5, "report_period": "", "report_recipients": "",
        "public_results": "on", "category": "",
        "questions": inline_formset([
            {"kind": "single", "text": "Which park first?", "required": "on",
             "choices": "Central\nRiverside", "help_text": "", "scale_min": 0,
             "scale_max": 10},
        ]),
    })
    response = admin_client.post(reverse("wagtailsnippets_surveys_survey:add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    survey = Survey.objects.get(title="Park renewal")
    assert [o.label for o in survey.questions.get().options.all()] == ["Central", "Riverside"]


def test_periodic_report_sent_once_per_period(answered, settings):
    answered.report_period = "weekly"
    answered.report_recipients = "head@city.example\nmayor@city.example"
    answered.save()
    today = timezone.localdate()
    start, end, key = reports.last_period("weekly", today)
    assert start.weekday() == 0 and end - start == timedelta(days=6) and end < today
    assert reports.send_periodic_reports(today) == 1
    assert reports.send_periodic_reports(today) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["head@city.example", "mayor@city.example"]
    assert message.attachments[0][2] == "application/pdf"
    assert ReportLog.objects.filter(survey=answered, period=key).count() == 1


def test_failed_send_is_retried_next_run(answered, monkeypatch):
    from django.core.mail import EmailMessage

    answered.report_period = "monthly"
    answered.report_recipients = "head@city.example"
    answered.save()

    def broken(self, *args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(EmailMessage, "send", broken)
    with pytest.raises(OSError):
        reports.send_periodic_reports(date(2026, 3, 5))
    assert not ReportLog.objects.exists()
    monkeypatch.undo()
    assert reports.send_periodic_reports(date(2026, 3, 5)) == 1
    assert ReportLog.objects.get().period == "2026-02"


def test_monthly_period():
    assert reports.last_period("monthly", date(2026, 3, 5)) == (
        date(2026, 2, 1), date(2026, 2, 28), "2026-02")
    assert reports.last_period("", date(2026, 3, 5)) is None
    assert isinstance(datetime.now(), datetime)


def test_admin_lists_and_edit_forms_render(admin_client, placed):
    assert admin_client.get(reverse("wagtailsnippets_surveys_survey:list")).status_code == 200
    edit = admin_client.get(reverse("wagtailsnippets_surveys_survey:edit", args=[placed.pk]))
    assert edit.status_code == 200 and "How was the service?" in edit.content.decode()
    assert admin_client.get(reverse("surveys_admin:index")).status_code == 200
    assert admin_client.get(
        reverse("wagtailsnippets_surveys_surveycategory:list")).status_code == 200


def test_menu_shows_results_to_staff_only(client, admin_client, moderator, citizen):
    assert "Survey results" in admin_client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(moderator)
    assert "Survey results" in client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(citizen)
    assert client.get(reverse("surveys_admin:index")).status_code in (302, 403)


def test_answered_survey_is_closed_not_deleted(admin_client, answered, site):
    from addons.surveys.models import Survey

    response = admin_client.post(reverse("wagtailsnippets_surveys_survey:delete",
                                         args=[answered.pk]))
    assert response.status_code == 302
    assert Survey.objects.filter(pk=answered.pk).exists()
    follow = admin_client.get(response["Location"])
    assert "A survey with answers cannot be deleted" in follow.content.decode()
    empty = Survey.objects.create(site=site, title="Never answered")
    admin_client.post(reverse("wagtailsnippets_surveys_survey:delete", args=[empty.pk]))
    assert not Survey.objects.filter(pk=empty.pk).exists()


def test_results_not_public_when_the_survey_says_so(client, placed):
    placed.public_results = False
    placed.save()
    assert client.get(reverse("surveys:results", args=[placed.pk])).status_code == 404
