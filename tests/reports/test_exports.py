"""CSV and XLSX of the desk's list of problem reports: the user's reports of the town only,
the list's filters, no contact data or reporter names, formulas neutralised."""

import csv
import io

import pytest
from openpyxl import load_workbook

from addons.reports.models import ReportCategory

pytestmark = pytest.mark.django_db

LIST = "/admin/casework/reports/"


@pytest.fixture
def reports(make_report, reports_site):
    leak = ReportCategory.objects.get(site=reports_site, code="water.leak")
    return {
        "road": make_report(description="=HYPERLINK(\"http://evil\")", address="Florilor 15",
                            reporter_name="Olena Shown", hide_reporter_name=False),
        "hidden_name": make_report(description="Another pothole", reporter_name="Secret Name"),
        "water": make_report(category=leak, description="Leak"),
    }


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8").lstrip("\ufeff")


def _csv_rows(response):
    return list(csv.reader(io.StringIO(_body(response))))


def test_csv_for_a_moderator_has_only_their_reports(client, moderator, reports):
    client.force_login(moderator)
    response = client.get(LIST, {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    header, body = rows[0], rows[1:]
    assert header[0] == "Tracking number"
    assert {"Category", "Responsible addressee", "Status", "Expected resolution", "Address",
            "District", "Description"} <= set(header)
    numbers = {row[0] for row in body}
    assert numbers == {reports["road"].tracking_number, reports["hidden_name"].tracking_number}
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    road = by_number[reports["road"].tracking_number]
    assert road["Responsible addressee"] == "Roads department"
    # a formula is neutralised
    assert road["Description"].startswith("'=HYPERLINK")
    text = _body(client.get(LIST, {"export": "csv"}))
    # neither names nor contact details go into the file: it travels further than the desk
    assert "Secret Name" not in text and "Olena Shown" not in text
    assert "olena@example.org" not in text


def test_export_follows_the_filters(client, superuser, reports, reports_site):
    leak = ReportCategory.objects.get(site=reports_site, code="water.leak")
    client.force_login(superuser)
    rows = _csv_rows(client.get(LIST, {"export": "csv", "category": leak.pk}))
    assert [row[0] for row in rows[1:]] == [reports["water"].tracking_number]


def test_xlsx(client, superuser, reports):
    client.force_login(superuser)
    response = client.get(LIST, {"export": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Tracking number"
    assert {row[0] for row in values[1:]} == {r.tracking_number for r in reports.values()}


def test_export_rights(client, citizen, make_user, water, reports):
    client.force_login(citizen)
    assert client.get(LIST, {"export": "csv"}).status_code in (302, 403)
    water_staff = make_user("watermod2", moderates=[water], is_staff=True)
    client.force_login(water_staff)
    rows = _csv_rows(client.get(LIST, {"export": "csv"}))
    assert [row[0] for row in rows[1:]] == [reports["water"].tracking_number]
