"""The shared CSV/XLSX download helpers."""

import datetime
import io

from openpyxl import load_workbook

from addons.core import exports


def _rows():
    yield ["AP-1", exports.safe('=HYPERLINK("x")'), datetime.date(2026, 3, 2), None]
    yield ["AP-2", "Вулиця Шевченка, 5; strada Florilor", datetime.datetime(2026, 3, 2, 9, 30), 7]


COLUMNS = ["Reference", "Text", "When", "Count"]


def test_csv_is_streamed_private_and_formula_safe():
    response = exports.csv_response(COLUMNS, _rows(), "appeals")
    assert response.streaming
    assert response["Content-Disposition"].startswith('attachment; filename="appeals-')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffReference,Text,When,Count")
    assert "'=HYPERLINK" in text
    assert "2026-03-02 09:30" in text and "Вулиця Шевченка" in text


def test_xlsx_keeps_values_and_types():
    response = exports.xlsx_response(
        COLUMNS, _rows(), "reports", "A sheet title longer than 31 chars"
    )
    assert response["Content-Type"] == exports.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "A sheet title longer than 31 ch"
    values = list(sheet.values)
    assert values[0] == tuple(COLUMNS)
    assert values[1][1].startswith("'=")
    assert values[2][3] == 7 and values[2][2] == datetime.datetime(2026, 3, 2, 9, 30)
