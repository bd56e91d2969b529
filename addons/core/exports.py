"""CSV and XLSX downloads of staff lists, shared by every add-on.

An add-on supplies the column titles and an iterator of rows (plain values: text, numbers,
dates); this module streams the CSV, builds the XLSX, keeps text cells from running as
spreadsheet formulas and marks the response private.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

#: rows read per database round trip by the add-ons' row iterators
CHUNK = 2000
#: cells starting with these would run as formulas in a spreadsheet
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe(value):
    """A text cell that a spreadsheet shows as text and never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def local(moment):
    """A stored aware datetime as a naive local one (spreadsheets know no time zones)."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def dated_filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate().isoformat()}.{extension}"


class _Echo:
    """csv.writer target that hands each line back instead of storing it."""

    def write(self, value):
        return value


def _csv_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "hour"):
        return value.isoformat(sep=" ", timespec="minutes")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def csv_lines(columns: Sequence[str], rows: Iterable[Sequence]):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # spreadsheets then read the file as UTF-8
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([_csv_text(value) for value in row])


def xlsx_bytes(columns: Sequence[str], rows: Iterable[Sequence], sheet_title: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(sheet_title)[:31])
    sheet.append(list(columns))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _private_download(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def csv_response(columns: Sequence[str], rows: Iterable[Sequence], stem: str):
    """A streamed CSV download named ``<stem>-<date>.csv``."""
    response = StreamingHttpResponse(
        csv_lines(columns, rows), content_type="text/csv; charset=utf-8"
    )
    return _private_download(response, dated_filename(stem, "csv"))


def xlsx_response(columns: Sequence[str], rows: Iterable[Sequence], stem: str, sheet_title: str):
    """An XLSX download named ``<stem>-<date>.xlsx``."""
    response = HttpResponse(xlsx_bytes(columns, rows, sheet_title), content_type=XLSX_TYPE)
    return _private_download(response, dated_filename(stem, "xlsx"))
