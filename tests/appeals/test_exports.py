"""CSV and XLSX exports of the desk's filtered list, with the list's rights."""

import csv
import io

import pytest
from openpyxl import load_workbook

from addons.appeals.models import AppealFormPlacement

from .desk import LIST, export, export_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeals(file_one, other_addressee, appeal_form):
    AppealFormPlacement.objects.create(page=other_addressee, form=appeal_form)
    roads = file_one()
    secret = file_one(subject="=HYPERLINK(\"http://evil\")", do_not_disclose=True,
                      applicant_name="Hidden Person")
    parks = file_one(to=other_addressee, subject="Broken bench")
    return roads, secret, parks


def read_csv(response):
    text = export_bytes(response).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_of_the_moderators_appeals_only(client, moderator, appeals):
    roads, secret, parks = appeals
    client.force_login(moderator)
    response = export(client, "csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    rows = read_csv(response)
    assert rows[0][0] == "Reference number"
    references = {row[0] for row in rows[1:]}
    assert references == {roads.reference, secret.reference}
    by_reference = {row[0]: row for row in rows[1:]}
    # The applicant asked not to disclose: the name stays out of the file.
    assert not any("Hidden Person" in cell for row in rows for cell in row)
    assert by_reference[secret.reference][10] == "(not disclosed)"
    assert by_reference[roads.reference][10] == "Olena Citizen"
    # A formula is written as text.
    assert by_reference[secret.reference][4].startswith("'=")


def test_csv_follows_the_filters(client, superuser, appeals):
    roads, secret, parks = appeals
    client.force_login(superuser)
    response = export(client, "csv", {"q": "bench"})
    assert [row[0] for row in read_csv(response)[1:]] == [parks.reference]


def test_xlsx(client, superuser, appeals):
    client.force_login(superuser)
    response = export(client, "xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(export_bytes(response)))
    sheet = workbook.active
    values = list(sheet.values)
    assert values[0][0] == "Reference number"
    assert len(values) == 4
    assert {row[0] for row in values[1:]} == {item.reference for item in appeals}


def test_export_without_rights(client, citizen, other_moderator, appeals, make_user):
    url = LIST + "?export=csv"
    assert client.get(url).status_code == 302  # anonymous: to the admin login
    assert "/login/" in client.get(url)["Location"]
    client.force_login(citizen)
    response = client.get(url)
    assert response.status_code == 302 and not response.has_header("Content-Disposition")
    client.force_login(other_moderator)
    rows = read_csv(client.get(url))
    assert {row[0] for row in rows[1:]} == {appeals[2].reference}


def test_unknown_format_is_the_list(client, superuser, appeals):
    client.force_login(superuser)
    response = export(client, "pdf")
    assert response.status_code == 200 and not response.has_header("Content-Disposition")
