"""Downloads of the figures: the records behind a number, every page of the list, as CSV
and XLSX with the same rows as the list; the dashboard's aggregate; nothing for staff who
may not look."""

import csv
import io

import pytest
from openpyxl import load_workbook

from addons.insights import views

from .screens import (
    RECORDS,
    intake,
    list_references,
    period_query,
    populate,
)

pytestmark = pytest.mark.django_db

def _list_rows(client, monkeypatch):
    """The references and services of every page of the list."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    rows = []
    for number in (1, 2, 3, 4):
        response = client.get(RECORDS, intake(p=str(number)))
        if number > 1 and "Showing the last page" in response.content.decode():
            break
        rows += list_references(response.content.decode())
    return rows


def test_the_xlsx_and_csv_hold_the_rows_of_the_list(english, places, manager, monkeypatch):
    populate(places, 2)
    english.force_login(manager)
    listed = _list_rows(english, monkeypatch)
    assert len(listed) == 10

    response = english.get(RECORDS + "export.xlsx", intake())
    assert response.status_code == 200
    assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("reference", "service", "addressee")
    assert [row[0] for row in rows[1:]] == listed
    assert {row[1] for row in rows[1:]} == {"Test reports"}
    assert {row[2] for row in rows[1:]} == {"Roads", "North roads", "Water"}

    response = english.get(RECORDS + "export.csv", intake())
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(text)))
    assert [row[0] for row in csv_rows[1:]] == listed
    assert [row[:6] for row in csv_rows[1:]] == [
        [str(cell or "") for cell in row[:6]] for row in rows[1:]]


def test_the_aggregate_download(english, places, manager):
    populate(places)
    english.force_login(manager)
    response = english.get("/admin/insights/export.xlsx", period_query())
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("figure", "service", "part", "value", "unit", "count", "previous",
                       "target status")
    services = {row[1] for row in rows[1:]}
    assert {"All services", "Test reports", "Test appeals"} <= services
    response = english.get("/admin/insights/export.csv", period_query())
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode("utf-8-sig").startswith("figure,")
    assert english.get("/admin/insights/export.pdf", period_query()).status_code == 404


def test_no_download_for_staff_who_may_not_look(english, places, roads_clerk, nobody):
    populate(places)
    for user in (nobody, roads_clerk):
        english.force_login(user)
        for url in (RECORDS + "export.csv", RECORDS + "export.xlsx"):
            assert english.get(url, intake()).status_code == 403, (user, url)
        assert english.get("/admin/insights/export.xlsx",
                           period_query()).status_code == 403
    english.force_login(roads_clerk)
    response = english.get(RECORDS + "export.xlsx", intake(within=str(places.roads.pk)))
    assert response.status_code == 200
