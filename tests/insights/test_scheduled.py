"""Scheduled reports: the last whole week or month, each period once (also with two
workers at once on PostgreSQL), a failed send not marked sent, the PDF and XLSX with the
figures, the schedule's language, two towns, the recipients' validation and the admin
screen's rights."""

from __future__ import annotations

import io
import threading
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from guardian.shortcuts import assign_perm

from addons.insights import scheduled
from addons.insights.models import ReportRun, ReportSchedule
from addons.insights.schedules_admin import ReportScheduleForm

from . import towns as town_helpers
from .towns import fold_all, moment, record

declared = town_helpers.declared
towns = town_helpers.towns

pytestmark = pytest.mark.django_db

#: a Wednesday: the last whole week is Monday 30 November to Sunday 6 December 2026
WEDNESDAY = date(2026, 12, 9)


class FailingBackend(EmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


class SlowBackend(EmailBackend):
    """Holds the sending worker inside its transaction a while."""

    def send_messages(self, messages):
        import time

        time.sleep(0.5)
        return super().send_messages(messages)


def schedule(site, **fields):
    values = {"title": "Щотижневий звіт", "frequency": "weekly",
              "recipients": "mayor@example.org\nboard@example.org", "language": "en"}
    values.update(fields)
    return ReportSchedule.objects.create(site=site, **values)


@pytest.fixture
def weekly_data(towns):
    """Town A: 3 reports and 2 appeals in the week of 30 November; town B: 1 report."""
    for _ in range(2):
        record("appeals.appeal", towns["a"], towns["roads"], moment(2026, 11, 30),
               resolve_days=2, term_days=30)
    for day in (1, 2, 3):
        record("reports.report", towns["a"], towns["repairs"], moment(2026, 12, day),
               resolve_days=1, rating=5)
    record("reports.report", towns["b"], towns["b_roads"], moment(2026, 12, 2),
           resolve_days=1)
    fold_all()
    return towns


@pytest.mark.parametrize(("today", "start", "end"), [
    (date(2026, 12, 9), date(2026, 11, 30), date(2026, 12, 6)),  # a Wednesday
    (date(2026, 12, 7), date(2026, 11, 30), date(2026, 12, 6)),  # a Monday
    (date(2026, 12, 6), date(2026, 11, 23), date(2026, 11, 29)),  # a Sunday: not its week
    (date(2027, 1, 1), date(2026, 12, 21), date(2026, 12, 27)),  # across the year
])
def test_weekly_period_is_the_monday_to_sunday_before(today, start, end):
    assert scheduled.last_period("weekly", today) == (start, end)


@pytest.mark.parametrize(("today", "start", "end"), [
    (date(2026, 12, 9), date(2026, 11, 1), date(2026, 11, 30)),
    (date(2026, 3, 1), date(2026, 2, 1), date(2026, 2, 28)),  # the first day of a month
    (date(2024, 3, 31), date(2024, 2, 1), date(2024, 2, 29)),  # a leap year
    (date(2027, 1, 15), date(2026, 12, 1), date(2026, 12, 31)),  # across the year
])
def test_monthly_period_is_the_previous_calendar_month(today, start, end):
    assert scheduled.last_period("monthly", today) == (start, end)


def test_today_is_the_sites_day(towns, settings, monkeypatch):
    from addons.core.models import SiteProfile

    profile = SiteProfile.fresh_for_site(towns["a"])
    profile.time_zone = "Pacific/Kiritimati"  # UTC+14: already Monday there
    profile.save()
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 6, 12, tzinfo=UTC))
    assert scheduled.site_today(towns["a"]) == date(2026, 12, 7)
    assert scheduled.site_today(towns["b"]) == date(2026, 12, 6)  # Kyiv: still Sunday


def test_sends_once_per_period(weekly_data):
    item = schedule(weekly_data["a"])
    assert scheduled.send_due(today=WEDNESDAY) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["mayor@example.org", "board@example.org"]
    assert {name for name, _content, _type in message.attachments} == {
        "report-20261130-20261206.pdf", "report-20261130-20261206.xlsx"} or len(
        message.attachments) == 2
    run = ReportRun.objects.get(schedule=item)
    assert (run.period_start, run.period_end, run.recipients) == (
        date(2026, 11, 30), date(2026, 12, 6), 2)
    # the second run the same week (or the next day) sends nothing
    assert scheduled.send_due(today=WEDNESDAY) == 0
    assert scheduled.send_due(today=date(2026, 12, 13)) == 0
    assert len(mail.outbox) == 1
    # the next week is another period
    assert scheduled.send_due(today=date(2026, 12, 14)) == 1
    assert ReportRun.objects.filter(schedule=item).count() == 2


def test_inactive_schedule_and_schedule_without_valid_address_send_nothing(weekly_data):
    schedule(weekly_data["a"], active=False)
    schedule(weekly_data["a"], title="Broken", recipients="not an address")
    assert scheduled.send_due(today=WEDNESDAY) == 0
    assert mail.outbox == []
    assert not ReportRun.objects.exists()


def test_failed_send_does_not_mark_the_period_sent(weekly_data, settings):
    item = schedule(weekly_data["a"])
    other = schedule(weekly_data["b"], title="Town B")
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    with pytest.raises(scheduled.ReportsNotSent):
        scheduled.send_due(today=WEDNESDAY)
    assert not ReportRun.objects.filter(schedule__in=[item, other]).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert scheduled.send_due(today=date(2026, 12, 10)) == 2  # tried again the next day
    assert ReportRun.objects.filter(period_start=date(2026, 11, 30)).count() == 2


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _xlsx_rows(content: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def _attachment(message, suffix):
    return next(content for name, content, _type in message.attachments
                if name.endswith(suffix))


def test_pdf_and_xlsx_carry_the_figures_of_the_towns_own_records(weekly_data):
    schedule(weekly_data["a"], title="Звіт Дорожнього департаменту")
    scheduled.send_due(today=WEDNESDAY)
    message = mail.outbox[0]
    pdf = _attachment(message, ".pdf")
    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf)
    assert "Звіт Дорожнього департаменту" in text  # Cyrillic is drawn (DejaVu)
    assert "30.11.2026" in text and "06.12.2026" in text
    assert "Problem reports" in text and "Appeals" in text
    rows = _xlsx_rows(_attachment(message, ".xlsx"))
    assert rows[0][:6] == ("Figure", "Service", "Part", "Value", "Unit", "Records")
    intake = {row[1]: row[5] for row in rows[1:] if row[2] in ("", None)
              and row[0] == "Intake"} or {row[1]: row[5] for row in rows[1:]
                                           if row[2] in ("", None) and row[4] == "count"}
    assert intake.get("Problem reports") == 3
    assert intake.get("Appeals") == 2
    assert intake.get("All services") == 5
    # town B's report is in town B's schedule only
    mail.outbox.clear()
    schedule(weekly_data["b"], title="Town B")
    scheduled.send_due(today=WEDNESDAY)
    rows_b = _xlsx_rows(_attachment(mail.outbox[0], ".xlsx"))
    all_b = [row for row in rows_b[1:] if row[1] == "All services" and row[2] in ("", None)
             and row[4] == "count"]
    assert all_b and all_b[0][5] == 1


def test_addressee_schedule_counts_its_subtree(weekly_data):
    schedule(weekly_data["a"], addressee=weekly_data["repairs"], xlsx=True, pdf=False)
    scheduled.send_due(today=WEDNESDAY)
    message = mail.outbox[0]
    assert len(message.attachments) == 1
    rows = _xlsx_rows(_attachment(message, ".xlsx"))
    counts = {row[1]: row[5] for row in rows[1:] if row[2] in ("", None) and row[4] == "count"
              and row[0] == rows[1][0]}
    assert counts.get("All services") == 3  # the appeals are at the roads department


def test_the_report_is_in_the_schedules_language(weekly_data):
    schedule(weekly_data["a"], language="uk")
    scheduled.send_due(today=WEDNESDAY)
    message = mail.outbox[0]
    assert "Показники" in message.body or "додано" in message.body
    rows = _xlsx_rows(_attachment(message, ".xlsx"))
    assert rows[0][0] == "Показник"
    assert "Показник" in _pdf_text(_attachment(message, ".pdf"))


def test_empty_period_says_no_data(towns):
    schedule(towns["b"], title="Town B")
    scheduled.send_due(today=WEDNESDAY)
    text = _pdf_text(_attachment(mail.outbox[0], ".pdf"))
    assert "no data" in text
    assert "0.0 %" not in text


# --- recipients and the admin screen ---------------------------------------------------------


@pytest.mark.parametrize(("recipients", "error"), [
    ("mayor@example.org\nnot-an-address", "not-an-address"),
    ("mayor@example.org, @example.org", "@example.org"),
    (" ,; ", "Enter at least one e-mail address."),
])
def test_bad_recipients_are_a_form_error(towns, admin_user, recipients, error):
    with translation.override("en"):
        form = ReportScheduleForm(data={"title": "Weekly", "frequency": "weekly",
                                        "recipients": recipients, "pdf": "on", "language": ""},
                                  for_user=admin_user, site=towns["a"])
        assert not form.is_valid()
        english = " ".join(form.errors["recipients"])
        assert error in english
    with translation.override("uk"):
        form = ReportScheduleForm(data={"title": "Weekly", "frequency": "weekly",
                                        "recipients": recipients, "pdf": "on", "language": ""},
                                  for_user=admin_user, site=towns["a"])
        assert not form.is_valid()
        assert " ".join(form.errors["recipients"]) != english  # translated


def test_recipients_are_kept_one_per_line(towns, admin_user):
    form = ReportScheduleForm(data={"title": "Weekly", "frequency": "weekly", "pdf": "on",
                                    "recipients": "a@example.org; b@example.org,a@example.org",
                                    "language": "uk"},
                              for_user=admin_user, site=towns["a"])
    assert form.is_valid(), form.errors
    item = form.save()
    assert item.recipients == "a@example.org\nb@example.org"
    assert item.site == towns["a"] and item.created_by == admin_user


def _english(user):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def handler(django_user_model, towns):
    """A member of staff who handles the repairs division of town A (not the department)."""
    user = django_user_model.objects.create_user("repairs", password="pw-12345-long",
                                                 is_staff=True)
    group = Group.objects.create(name="Repairs staff")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    assign_perm("addressees.moderate_addressee", group, towns["repairs"])
    user.groups.add(group)
    return _english(user)


def test_admin_screen_for_managers(towns, admin_user, client):
    _english(admin_user)
    client.force_login(admin_user)
    response = client.post(reverse("insights_schedules:add"), {
        "title": "Monthly for the mayor", "frequency": "monthly",
        "recipients": "mayor@example.org", "pdf": "on", "xlsx": "on", "language": "",
        "active": "on", "addressee": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    item = ReportSchedule.objects.get(title="Monthly for the mayor")
    assert item.site == towns["a"] and item.addressee_id is None
    listing = client.get(reverse("insights_schedules:index"))
    assert "Monthly for the mayor" in listing.content.decode()
    bad = client.post(reverse("insights_schedules:add"), {
        "title": "Bad", "frequency": "monthly", "recipients": "mayor@@example.org",
        "pdf": "on", "language": "", "addressee": ""})
    assert bad.status_code == 200
    assert "These are not e-mail addresses: mayor@@example.org" in bad.content.decode()


def test_admin_screen_scopes_an_addressee_handler(towns, handler, admin_user):
    mine = schedule(towns["a"], title="Repairs weekly", addressee=towns["repairs"])
    whole = schedule(towns["a"], title="Town weekly")
    other = schedule(towns["b"], title="Town B weekly")
    client = Client()
    client.force_login(handler)
    listing = client.get(reverse("insights_schedules:index")).content.decode()
    assert "Repairs weekly" in listing
    assert "Town weekly" not in listing and "Town B weekly" not in listing
    assert client.get(reverse("insights_schedules:edit", args=[mine.pk])).status_code == 200
    for item in (whole, other):
        assert client.get(reverse("insights_schedules:edit", args=[item.pk])).status_code == 404
        assert client.post(reverse("insights_schedules:delete",
                                   args=[item.pk])).status_code == 404
    assert ReportSchedule.objects.filter(pk__in=[whole.pk, other.pk]).count() == 2
    # the whole town's figures are not theirs
    response = client.post(reverse("insights_schedules:add"), {
        "title": "Sneaky", "frequency": "weekly", "recipients": "x@example.org",
        "pdf": "on", "language": "", "addressee": ""})
    assert response.status_code == 200
    assert not ReportSchedule.objects.filter(title="Sneaky").exists()
    # another department is not offered, and not taken when posted
    response = client.post(reverse("insights_schedules:add"), {
        "title": "Parks", "frequency": "weekly", "recipients": "x@example.org",
        "pdf": "on", "language": "", "addressee": str(towns["parks"].pk)})
    assert not ReportSchedule.objects.filter(title="Parks").exists()


def test_admin_screen_refuses_others(towns, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="pw-12345-long",
                                                  is_staff=True)
    group = Group.objects.create(name="Clerks")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    clerk.groups.add(group)
    client = Client()
    client.force_login(_english(clerk))
    response = client.get(reverse("insights_schedules:index"))
    assert response.status_code in (302, 403)


# --- two workers at once (PostgreSQL) --------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_two_workers_send_a_period_once(weekly_data, settings):
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    schedule(weekly_data["a"])
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(scheduled.send_due(today=WEDNESDAY))
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [0, 1]
    assert len(mail.outbox) == 1
    assert ReportRun.objects.count() == 1
