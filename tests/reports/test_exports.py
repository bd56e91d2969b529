"""CSV and XLSX exports of the staff list: same rights and filters as the list, audited."""

import csv
import io

import pytest
from openpyxl import load_workbook
from wagtail.models import ModelLogEntry

from addons.reports.models import Report, ReportCategory

pytestmark = pytest.mark.django_db

EXPORT = "/admin/problem-reports/export"


@pytest.fixture
def reports(make_report, reports_site):
    leak = ReportCategory.objects.get(site=reports_site, code="water.leak")
    return {
        "road": make_report(description="=HYPERLINK(\"http://evil\")", address="Florilor 15",
                            reporter_name="Olena Shown", hide_reporter_name=False),
        "hidden_name": make_report(description="Another pothole", reporter_name="Secret Name"),
        "water": make_report(category=leak, description="Leak"),
    }


def _csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_csv_for_a_moderator_has_only_their_reports(client, moderator, reports):
    client.force_login(moderator)
    response = client.get(f"{EXPORT}.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = _csv_rows(response)
    header, body = rows[0], rows[1:]
    assert header[0] == "Tracking number"
    numbers = {row[0] for row in body}
    assert numbers == {reports["road"].tracking_number, reports["hidden_name"].tracking_number}
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    road = by_number[reports["road"].tracking_number]
    assert road["Category code"] == "roads.pothole"
    assert road["Addressee"] == "Roads department"
    assert road["Reporter"] == "Olena Shown"
    # a formula is neutralised
    assert road["Description"].startswith("'=HYPERLINK")
    assert by_number[reports["hidden_name"].tracking_number]["Reporter"] == "(hidden)"
    text = b"".join(client.get(f"{EXPORT}.csv").streaming_content).decode()
    assert "Secret Name" not in text
    # contact details never go into the file
    assert "olena@example.org" not in text


def test_export_follows_the_filters_and_is_logged(client, superuser, reports, reports_site):
    leak = ReportCategory.objects.get(site=reports_site, code="water.leak")
    client.force_login(superuser)
    rows = _csv_rows(client.get(f"{EXPORT}.csv", {"category": leak.pk}))
    assert [row[0] for row in rows[1:]] == [reports["water"].tracking_number]
    entry = ModelLogEntry.objects.get(action="reports.export")
    assert entry.user_id == superuser.pk
    assert entry.data["format"] == "csv" and entry.data["count"] == 1
    assert entry.data["filters"] == {"category": str(leak.pk)}


def test_xlsx(client, superuser, reports):
    client.force_login(superuser)
    response = client.get(f"{EXPORT}.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert values[0][0] == "Tracking number"
    assert {row[0] for row in values[1:]} == {r.tracking_number for r in reports.values()}
    submitted = values[1][1]
    assert hasattr(submitted, "year")  # a real date cell
    assert ModelLogEntry.objects.filter(action="reports.export",
                                        data__format="xlsx").exists()


def test_export_rights(client, citizen, make_user, water, reports):
    from django.contrib.auth.models import Permission

    # a citizen never gets a file
    client.force_login(citizen)
    response = client.get(f"{EXPORT}.csv")
    assert response.status_code in (302, 403)
    assert not response.get("Content-Disposition")
    # staff without addressees neither
    clerk = make_user("clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(clerk)
    response = client.get(f"{EXPORT}.xlsx")
    assert response.status_code in (302, 403)
    assert not response.get("Content-Disposition")
    # the water company's moderator: only the water report, whatever the filter asks
    water_mod = make_user("watermod", moderates=[water], is_staff=True)
    client.force_login(water_mod)
    for params in ({}, {"addressee": reports["road"].addressee_id}):
        rows = _csv_rows(client.get(f"{EXPORT}.csv", params))
        assert [row[0] for row in rows[1:]] == [reports["water"].tracking_number]
    assert not ModelLogEntry.objects.filter(user_id__in=[citizen.pk, clerk.pk]).exists()


def test_unknown_format_is_404(client, superuser, reports):
    client.force_login(superuser)
    assert client.get(f"{EXPORT}.pdf").status_code == 404


def test_export_query_count_does_not_grow(client, superuser, make_report,
                                          django_assert_max_num_queries):
    for _ in range(3):
        make_report()
    client.force_login(superuser)
    with django_assert_max_num_queries(20) as small:
        b"".join(client.get(f"{EXPORT}.csv").streaming_content)
    for _ in range(10):
        make_report()
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = b"".join(client.get(f"{EXPORT}.csv").streaming_content)
    assert body.count(b"PR-") == Report.objects.count()
