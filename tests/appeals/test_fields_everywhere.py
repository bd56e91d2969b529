"""The fields the laws added to an appeal (type, procedure, urgent, return, notice and
forwarding terms) in the read API and its schema, the exports, and the PDF report."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from addons.appeals import reports, services
from addons.appeals.models import Appeal

from .desk import export, export_bytes, export_row

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_api_lists_the_terms_and_the_type(client, file_one, moderator, citizen):
    appeal = file_one()
    services.mark_urgent(appeal, moderator, "A leaking roof")
    appeal.refresh_from_db()
    client.force_login(moderator)
    row = client.get("/api/v1/appeals/").json()["results"][0]
    assert row["appeal_type"] == "complaint" and row["procedure"] == "appeal"
    assert row["urgent_at"] is not None
    assert row["return_by"] == appeal.return_by.isoformat()
    assert row["notify_by"] is None and row["forward_by"] is None and row["refuse_by"] is None
    detail = client.get(f"/api/v1/appeals/{appeal.pk}/").json()
    assert detail["anonymous"] is False and detail["answer_format"] == ""
    # the filters the schema documents
    assert client.get("/api/v1/appeals/", {"appeal_type": "proposal"}).json()["count"] == 0
    assert client.get("/api/v1/appeals/", {"appeal_type": "complaint"}).json()["count"] == 1
    assert client.get("/api/v1/appeals/", {"procedure": "nonsense"}).status_code == 400


def test_schema_declares_the_new_fields(client, db):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    listed = schema["components"]["schemas"]["AppealList"]["properties"]
    for name in ("appeal_type", "procedure", "urgent_at", "return_by", "notify_by",
                 "forward_by", "refuse_by"):
        assert name in listed
    parameters = {item["name"] for item in schema["paths"]["/api/v1/appeals/"]["get"]
                  ["parameters"]}
    assert {"procedure", "appeal_type"} <= parameters


def test_exports_carry_the_terms(file_one, moderator):
    appeal = file_one()
    services.mark_urgent(appeal, moderator, "Roof")
    appeal.refresh_from_db()
    with translation.override("en"):
        values = export_row(Appeal.objects.get(pk=appeal.pk))
    assert values["Type of appeal"] == "Complaint" and values["Procedure"] == "Appeal"
    assert values["Marked urgent"] == timezone.localdate()
    assert values["Return by"] == appeal.return_by
    assert values["Forward by"] is None and values["Refuse by"] is None
    assert values["Notify the decision by"] is None


def test_xlsx_export_has_the_new_columns(client, file_one, moderator):
    from openpyxl import load_workbook

    file_one()
    client.force_login(moderator)
    response = export(client, "xlsx")
    sheet = load_workbook(io.BytesIO(export_bytes(response))).active
    header = [cell.value for cell in sheet[1]]
    assert {"Procedure", "Marked urgent", "Return by", "Notify the decision by",
            "Forward by", "Refuse by", "Type of appeal"} <= set(header)


def test_report_counts_by_type_and_procedure(file_one, moderator, addressee,
                                             django_assert_num_queries):
    pytest.importorskip("pypdf")
    file_one(appeal_type="complaint")
    file_one(appeal_type="complaint", subject="Second")
    file_one(appeal_type="proposal", subject="Third")
    untyped = file_one(subject="Old one")
    Appeal.objects.filter(pk=untyped.pk).update(appeal_type="")
    today = timezone.localdate()
    with django_assert_num_queries(1):
        figures = reports.compute(Appeal.objects.all(), today, today)
    assert figures.by_type["complaint"] == 2 and figures.by_type["proposal"] == 1
    assert figures.by_type[""] == 1
    assert figures.by_procedure == {"appeal": 4, "info_request": 0}
    with translation.override("en"):
        text = " ".join(pdf_text(reports.pdf_bytes(figures)).split())
    assert "By type of appeal" in text and "By procedure" in text
    assert "Complaint 2" in text and "Proposal 1" in text and "Not recorded 1" in text
    assert "Request for public information 0" in text
    nothing = reports.compute(Appeal.objects.all(), today - timedelta(days=9),
                              today - timedelta(days=2))
    with translation.override("uk"):
        assert "За видом звернення" in pdf_text(reports.pdf_bytes(nothing))


def test_forwarding_later_is_measured_against_the_term(client, file_one, moderator,
                                                        other_addressee, other_moderator):
    from addons.appeals.models import AppealEvent
    from addons.core import deadlines

    on_time = file_one()
    assert on_time.forward_by is None  # straight to the addressee: no department routing
    services.forward(on_time, moderator, other_addressee, "Parks handle this")
    on_time.refresh_from_db()
    received = timezone.localdate(on_time.received_at)
    assert on_time.forward_by == deadlines.due(received, "forward", "ua")
    assert on_time.events.get(action=AppealEvent.Action.FORWARDED).data["late"] is False

    late = file_one(subject="Late one")
    Appeal.objects.filter(pk=late.pk).update(received_at=timezone.now() - timedelta(days=20))
    late.refresh_from_db()
    services.forward(late, moderator, other_addressee, "Parks handle this")
    event = late.events.get(action=AppealEvent.Action.FORWARDED)
    assert event.data["late"] is True
    client.force_login(other_moderator)
    html = client.get(reverse("casework_appeals:inspect", args=[late.pk])).content.decode()
    assert "event-late" in html and "after the term of the law" in html
