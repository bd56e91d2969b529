import pytest
from django.utils import timezone

from addons.core.models import Notification
from addons.reports.services import change_status, send_questionnaires

pytestmark = pytest.mark.django_db


def _url(report, key=True):
    url = f"/reports/{report.tracking_number}/feedback/"
    return url + (f"?key={report.access_key}" if key else "")


def test_confirm_and_rate(client, make_report, moderator):
    report = make_report(reporter=None, contact_email="anon@example.org")
    change_status(report, "resolved", moderator)
    assert client.get(_url(report, key=False)).status_code == 404
    assert client.post(_url(report), {"action": "confirm"}).status_code == 302
    assert client.post(_url(report), {"action": "rate", "speed": "4",
                                      "quality": "5"}).status_code == 302
    report.refresh_from_db()
    assert report.confirmed_at and report.status.code == "closed"
    assert (report.rating_speed, report.rating_quality) == (4, 5)


def test_bad_rating(client, make_report, moderator):
    report = make_report()
    change_status(report, "resolved", moderator)
    response = client.post(_url(report), {"action": "rate", "speed": "9", "quality": "0"})
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.rating_speed is None


def test_reopen(client, make_report, moderator, citizen):
    report = make_report()
    change_status(report, "resolved", moderator)
    client.force_login(citizen)
    response = client.post(_url(report, key=False), {"action": "reopen", "note": "Still there"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.is_open and report.reopened_count == 1 and report.status.code == "in_progress"
    assert Notification.objects.filter(event="reports.reopened", recipient=moderator).exists()


def test_questionnaire_once(client, make_report):
    report = make_report()
    assert send_questionnaires() == 0
    later = timezone.now() + timezone.timedelta(days=29)
    assert send_questionnaires(now=later) == 1
    assert send_questionnaires(now=later) == 0
    assert Notification.objects.filter(event="reports.questionnaire").count() == 1
    response = client.post(_url(report), {"action": "questionnaire", "fixed": "no",
                                          "comment": "Nothing happened"})
    assert response.status_code == 302
    assert "Nothing happened" in client.get(report.get_absolute_url()).content.decode()


def test_questionnaire_delay_is_configurable(make_report, reports_site):
    from addons.reports.models import ReportsSettings

    options = ReportsSettings.for_site(reports_site)
    options.questionnaire_days = 7
    options.save()
    make_report()
    assert send_questionnaires(now=timezone.now() + timezone.timedelta(days=8)) == 1
