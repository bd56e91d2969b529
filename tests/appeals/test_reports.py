"""The PDF report per period and addressee, and the periodic report by e-mail."""

import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from addons.appeals import reports, services
from addons.appeals.models import Appeal, AppealFormPlacement, AppealsSettings

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def figures_data(file_one, moderator, other_addressee, appeal_form):
    AppealFormPlacement.objects.create(page=other_addressee, form=appeal_form)
    on_time = file_one()
    services.reply(on_time, moderator, "Done")
    late = file_one()
    services.reply(late, moderator, "Sorry for the delay")
    Appeal.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=1))
    overdue = file_one()
    Appeal.objects.filter(pk=overdue.pk).update(
        due_date=timezone.localdate() - timedelta(days=1))
    closed = file_one()
    services.close(closed, moderator)
    parks = file_one(to=other_addressee)
    return {"on_time": on_time, "late": late, "overdue": overdue, "closed": closed,
            "parks": parks}


def test_figures(figures_data, addressee, django_assert_num_queries):
    today = timezone.localdate()
    with django_assert_num_queries(1):
        figures = reports.compute(Appeal.objects.all(), today, today, addressee=addressee)
    assert figures.total == 4
    assert figures.answered == 2
    assert figures.answered_on_time == 1 and figures.answered_late == 1
    assert figures.on_time_share == 0.5
    assert figures.overdue_open == 1
    assert figures.by_status["answered"] == 2 and figures.by_status["closed"] == 1
    assert figures.average_handling_days is not None and figures.average_handling_days < 1
    everything = reports.compute(Appeal.objects.all(), today, today)
    assert everything.total == 5
    nothing = reports.compute(Appeal.objects.all(), today - timedelta(days=9),
                              today - timedelta(days=2))
    assert nothing.total == 0 and nothing.on_time_share is None
    assert nothing.average_handling_days is None


def test_pdf_in_ukrainian_and_romanian(figures_data, addressee):
    pytest.importorskip("pypdf")
    from django.utils import translation

    today = timezone.localdate()
    figures = reports.compute(Appeal.objects.all(), today, today, addressee=addressee)
    figures.addressee_title = "Відділ доріг; Direcția drumuri și poduri"
    with translation.override("uk"):
        content = reports.pdf_bytes(figures)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "Відділ доріг" in text and "Direcția drumuri și poduri" in text


def test_report_view(client, moderator, figures_data, addressee):
    client.force_login(moderator)
    url = reverse("appeals_admin:report")
    assert client.get(url).status_code == 200
    today = timezone.localdate().isoformat()
    response = client.get(url, {"start": today, "end": today, "addressee": addressee.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_report_view_bad_period(client, moderator, addressee):
    client.force_login(moderator)
    response = client.get(reverse("appeals_admin:report"),
                          {"start": "2026-05-10", "end": "2026-05-01"})
    assert response.status_code == 400
    assert b"The end of the period is before its start." in response.content
    response = client.get(reverse("appeals_admin:report"), {"start": "yesterday", "end": ""})
    assert response.status_code == 400


def test_report_only_counts_what_the_user_sees(client, other_moderator, figures_data):
    pytest.importorskip("pypdf")
    client.force_login(other_moderator)
    today = timezone.localdate().isoformat()
    response = client.get(reverse("appeals_admin:report"), {"start": today, "end": today})
    text = pdf_text(response.content)
    assert "Appeals received 1" in text.replace("\n", " ")


def test_report_without_rights(client, citizen):
    client.force_login(citizen)
    response = client.get(reverse("appeals_admin:report"),
                          {"start": "2026-01-01", "end": "2026-01-31"})
    assert response.status_code == 302
    assert response["Content-Type"] != "application/pdf"


def test_missing_font_is_a_clear_error(settings, client, superuser, monkeypatch):
    from reportlab.pdfbase import pdfmetrics

    settings.CIVICDESK_PDF_FONT = "/nonexistent/font.ttf"
    monkeypatch.setattr(pdfmetrics, "getRegisteredFontNames", lambda: [])
    with pytest.raises(reports.FontMissing, match="fonts-dejavu-core"):
        reports.register_font()
    client.force_login(superuser)
    response = client.get(reverse("appeals_admin:report"),
                          {"start": "2026-01-01", "end": "2026-01-31"})
    assert response.status_code == 500
    assert b"fonts-dejavu-core" in response.content


def test_periods():
    assert reports.last_period("monthly", date(2026, 3, 1)) == (
        date(2026, 2, 1), date(2026, 2, 28), "2026-02")
    assert reports.last_period("monthly", date(2026, 1, 15))[2] == "2025-12"
    start, end, key = reports.last_period("weekly", date(2026, 5, 13))  # a Wednesday
    assert (start, end) == (date(2026, 5, 4), date(2026, 5, 10)) and key == "2026-W19"
    assert reports.last_period("", date(2026, 5, 13)) is None


def test_periodic_report_is_sent_once_per_period(site, file_one):
    file_one()
    options = AppealsSettings.for_site(site)
    options.report_recipients = "mayor@city.example\nclerk@city.example\n"
    options.report_period = "monthly"
    options.save()
    today = timezone.localdate()
    next_month = (today.replace(day=28) + timedelta(days=5)).replace(day=2)
    assert reports.send_periodic_reports(next_month) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["mayor@city.example", "clerk@city.example"]
    name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    assert "Received: 1." in message.body
    # The next run, the same day or later in the same month: nothing more.
    assert reports.send_periodic_reports(next_month) == 0
    assert reports.send_periodic_reports(next_month + timedelta(days=10)) == 0
    assert len(mail.outbox) == 1


def test_failed_send_is_retried_next_run(site, monkeypatch):
    options = AppealsSettings.for_site(site)
    options.report_recipients = "mayor@city.example"
    options.save()
    from django.core.mail import EmailMessage

    def broken(self, fail_silently=False):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr(EmailMessage, "send", broken)
    with pytest.raises(ConnectionError):
        reports.send_periodic_reports(date(2026, 6, 3))
    monkeypatch.undo()
    assert reports.send_periodic_reports(date(2026, 6, 3)) == 1
    assert len(mail.outbox) == 1


def test_no_recipients_no_report(site):
    AppealsSettings.for_site(site)
    assert reports.send_periodic_reports(date(2026, 6, 3)) == 0
    assert mail.outbox == []


def test_report_job_is_scheduled():
    from addons.core import registry

    jobs = {job.name: job for job in registry.scheduled_jobs()}
    assert jobs["appeals.reports"].func == "addons.appeals.reports.send_periodic_reports"


def test_pdf_carries_the_municipality_letterhead(figures_data, addressee):
    pytest.importorskip("pypdf")
    from addons.core.models import SiteProfile

    site = addressee.get_site()
    profile = SiteProfile.for_site(site)
    profile.municipality_name = "Letterhead Town Council"
    profile.postal_address = "1 Letterhead Square"
    profile.save()
    today = timezone.localdate()
    with_site = reports.compute(Appeal.objects.all(), today, today, site=site)
    text = pdf_text(reports.pdf_bytes(with_site))
    assert "Letterhead Town Council" in text and "1 Letterhead Square" in text
    without = reports.compute(Appeal.objects.all(), today, today)
    assert "Letterhead Town Council" not in pdf_text(reports.pdf_bytes(without))
