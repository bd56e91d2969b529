from datetime import datetime

import pytest
from django.utils import timezone

from addons.reports import defaults
from addons.reports.models import Report, ReportCategory, ReportStatus
from addons.reports.services import compute_due, create_defaults

pytestmark = pytest.mark.django_db


def test_defaults_are_complete_and_idempotent(reports_site, addressee, water):
    create_defaults(reports_site)
    create_defaults(reports_site)
    codes = set(ReportCategory.objects.filter(site=reports_site).values_list("code", flat=True))
    assert set(defaults.CATEGORIES) <= codes
    assert set(defaults.GROUPS) <= codes
    assert ReportCategory.objects.filter(site=reports_site).count() == len(codes)
    assert ReportStatus.objects.count() == len(defaults.STATUSES)
    pothole = ReportCategory.objects.get(site=reports_site, code="roads.pothole")
    assert pothole.parent.code == "roads"
    assert pothole.responsible.pk == addressee.pk
    leak = ReportCategory.objects.get(site=reports_site, code="water.leak")
    assert leak.responsible.pk == water.pk
    # no mapping -> left empty
    assert ReportCategory.objects.get(site=reports_site, code="order.noise").responsible is None
    assert pothole.label("uk") == "Вибоїна на дорозі"
    assert pothole.label("ro") == "Groapă în carosabil"
    assert pothole.label("bg") == "Дупка на пътя"
    assert pothole.label("de") == "Pothole"
    assert not ReportStatus.objects.get(code="resolved").is_open
    assert ReportStatus.objects.get(code="planned").is_open


def test_staff_edits_survive_setup(reports_site, water):
    pothole = ReportCategory.objects.get(site=reports_site, code="roads.pothole")
    pothole.responsible = water
    pothole.sla_amount = 3
    pothole.save()
    create_defaults(reports_site)
    pothole.refresh_from_db()
    assert pothole.responsible.pk == water.pk and pothole.sla_amount == 3


def test_sla_hours_and_working_days(reports_site):
    tz = timezone.get_current_timezone()
    friday = timezone.make_aware(datetime(2026, 3, 6, 10, 0), tz)
    waste = ReportCategory.objects.get(site=reports_site, code="waste.uncollected")
    assert compute_due(waste, friday, reports_site) == friday + timezone.timedelta(hours=48)
    pothole = ReportCategory.objects.get(site=reports_site, code="roads.pothole")
    due = timezone.localtime(compute_due(pothole, friday, reports_site))
    # 10 working days after Friday 6 March (no holidays under martial law) = Friday 20 March
    assert due.date() == datetime(2026, 3, 20).date()


def test_public_and_visible_to(make_report, citizen, other_citizen, moderator, superuser):
    public = make_report()
    private = make_report(is_public=False)
    assert set(Report.objects.public()) == {public}
    assert set(Report.objects.visible_to(other_citizen)) == {public}
    assert set(Report.objects.visible_to(citizen)) == {public, private}
    assert set(Report.objects.visible_to(moderator)) == {public, private}
    assert set(Report.objects.visible_to(superuser)) == {public, private}
    from django.contrib.auth.models import AnonymousUser

    assert set(Report.objects.visible_to(AnonymousUser())) == {public}
    public.is_hidden = True
    public.save()
    assert not Report.objects.public().exists()


def test_tracking_number_and_open_flag(make_report):
    report = make_report()
    assert report.tracking_number.startswith("PR-")
    assert report.is_open and report.location.startswith("SRID=4326;POINT(")
