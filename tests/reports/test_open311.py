"""Open311 GeoReport v2 at /open311/v2/: reading, posting with a key, errors, formats."""

import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from addons.reports.models import Open311ApiKey, Report, Source

from .conftest import CENTRE

BASE = "/open311/v2"
pytestmark = pytest.mark.django_db


@pytest.fixture
def api_key(reports_site):
    return Open311ApiKey.objects.create(name="City app", site=reports_site)


def _post(client, fmt="json", **data):
    payload = {
        "service_code": "roads.pothole", "lat": str(CENTRE.lat), "long": str(CENTRE.lng),
        "description": "A pothole near the school.", "email": "someone@example.org",
        "first_name": "Ana", "last_name": "Pop",
    }
    payload.update(data)
    payload = {key: value for key, value in payload.items() if value is not None}
    return client.post(f"{BASE}/requests.{fmt}", payload)


def _errors_json(response):
    body = json.loads(response.content)
    assert isinstance(body, list) and body
    assert all(set(item) == {"code", "description"} for item in body)
    assert all(item["code"] == response.status_code for item in body)
    return [item["description"] for item in body]


# --- reading ------------------------------------------------------------------------------


def test_discovery_both_formats(client, reports_site):
    response = client.get(f"{BASE}/discovery.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    endpoint = data["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2")
    assert "text/xml" in endpoint["formats"]

    response = client.get(f"{BASE}/discovery.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == [
        "text/xml", "application/json"]


def test_services_list_leaves_out_groups_and_inactive(client, reports_site):
    from addons.reports.models import ReportCategory

    ReportCategory.objects.filter(site=reports_site, code="order.noise").update(is_active=False)
    services = json.loads(client.get(f"{BASE}/services.json").content)
    codes = {service["service_code"] for service in services}
    assert "roads.pothole" in codes and "water.leak" in codes
    assert "roads" not in codes and "order.noise" not in codes
    pothole = next(s for s in services if s["service_code"] == "roads.pothole")
    assert pothole["service_name"] == "Pothole"
    assert pothole["group"] == "Roads"
    assert pothole["metadata"] is False and pothole["type"] == "realtime"

    root = ElementTree.fromstring(client.get(f"{BASE}/services.xml").content)
    assert root.tag == "services"
    assert {s.findtext("service_code") for s in root.findall("service")} == codes
    assert root.find("service/metadata").text == "false"


def test_service_names_follow_the_language(client, reports_site):
    client.cookies["civicdesk_language"] = "uk"
    services = json.loads(client.get(f"{BASE}/services.json").content)
    pothole = next(s for s in services if s["service_code"] == "roads.pothole")
    assert pothole["service_name"] == "Вибоїна на дорозі"


def test_service_definition_and_unknown_code(client, reports_site):
    response = client.get(f"{BASE}/services/roads.pothole.json")
    assert json.loads(response.content) == {"service_code": "roads.pothole", "attributes": []}
    root = ElementTree.fromstring(client.get(f"{BASE}/services/roads.pothole.xml").content)
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "roads.pothole"

    response = client.get(f"{BASE}/services/roads.nothing.json")
    assert response.status_code == 404
    assert "roads.nothing" in _errors_json(response)[0]
    response = client.get(f"{BASE}/services/roads.nothing.xml")
    assert response.status_code == 404
    error = ElementTree.fromstring(response.content)
    assert error.tag == "errors" and error.findtext("error/code") == "404"


def test_unknown_format_is_not_served(client, reports_site):
    assert client.get(f"{BASE}/services.html").status_code == 404


def test_requests_lists_public_reports_only(client, make_report):
    shown = make_report()
    private = make_report(is_public=False, description="Private matter")
    response = client.get(f"{BASE}/requests.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert [item["service_request_id"] for item in data] == [shown.tracking_number]
    item = data[0]
    assert item["status"] == "open"
    assert item["service_code"] == "roads.pothole"
    assert item["agency_responsible"] == "Roads department"
    assert item["lat"] == pytest.approx(CENTRE.lat) and item["long"] == pytest.approx(CENTRE.lng)
    assert item["requested_datetime"].endswith(("Z", "+00:00", "+02:00", "+03:00")) or \
        "T" in item["requested_datetime"]
    assert item["expected_datetime"]
    # private and hidden reports are not found one by one either
    assert client.get(f"{BASE}/requests/{private.tracking_number}.json").status_code == 404
    Report.objects.filter(pk=shown.pk).update(is_hidden=True)
    assert client.get(f"{BASE}/requests/{shown.tracking_number}.json").status_code == 404


def test_requests_filters(client, make_report, reports_site):
    from addons.reports import services
    from addons.reports.models import ReportCategory

    leak = ReportCategory.objects.get(site=reports_site, code="water.leak")
    pothole = make_report()
    water = make_report(category=leak, description="Water leaking")
    old = make_report(description="Old one")
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=200))
    services.change_status(water, "resolved", public_note="Fixed the pipe")

    def ids(**params):
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, response.content
        return {item["service_request_id"] for item in json.loads(response.content)}

    assert ids() == {pothole.tracking_number, water.tracking_number}
    assert ids(service_code="water.leak") == {water.tracking_number}
    assert ids(service_code="water.leak,roads.pothole") == {
        pothole.tracking_number, water.tracking_number}
    assert ids(status="closed") == {water.tracking_number}
    assert ids(status="open") == {pothole.tracking_number}
    start = (timezone.now() - timedelta(days=210)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - timedelta(days=150)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=start, end_date=end) == {old.tracking_number}
    # service_request_id overrides every other parameter
    assert ids(service_request_id=f"{old.tracking_number},{water.tracking_number}",
               status="open") == {old.tracking_number, water.tracking_number}
    data = json.loads(client.get(f"{BASE}/requests/{water.tracking_number}.json").content)
    assert data[0]["status_notes"] == "Fixed the pipe"


@pytest.mark.parametrize("params", [
    {"start_date": "yesterday"},
    {"end_date": "2026-13-45"},
    {"status": "pending"},
    {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
    {"start_date": "2025-01-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
])
def test_requests_bad_filters_are_400(client, reports_site, params):
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == 400
    assert _errors_json(response)
    response = client.get(f"{BASE}/requests.xml", params)
    assert response.status_code == 400
    assert ElementTree.fromstring(response.content).findtext("error/code") == "400"


def test_request_xml_shape(client, make_report):
    report = make_report()
    response = client.get(f"{BASE}/requests/{report.tracking_number}.xml")
    assert response.status_code == 200
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request.findtext("service_request_id") == report.tracking_number
    assert request.findtext("status") == "open"
    assert float(request.findtext("lat")) == pytest.approx(CENTRE.lat)
    assert client.get(f"{BASE}/requests/PR-1999-000001.xml").status_code == 404


def test_jurisdiction(client, reports_site, make_report):
    make_report()
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "localhost"}).status_code \
        == 200
    response = client.get(f"{BASE}/requests.json", {"jurisdiction_id": "elsewhere.example"})
    assert response.status_code == 404
    assert "elsewhere.example" in _errors_json(response)[0]


# --- posting ------------------------------------------------------------------------------


def test_post_creates_a_report(client, api_key, mailoutbox):
    response = _post(client, api_key=api_key.key)
    assert response.status_code == 201, response.content
    data = json.loads(response.content)
    report = Report.objects.get(tracking_number=data[0]["service_request_id"])
    assert data[0]["token"] == str(report.token)
    assert report.source == Source.OPEN311
    assert report.reporter is None
    assert report.contact_email == "someone@example.org"
    assert report.reporter_name == "Ana Pop"
    assert report.category.code == "roads.pothole"
    assert report.addressee.title == "Roads department"
    assert report.is_public
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None
    # the token leads to the request
    response = client.get(f"{BASE}/tokens/{report.token}.json")
    assert json.loads(response.content) == [
        {"service_request_id": report.tracking_number, "token": str(report.token)}]
    assert client.get(f"{BASE}/tokens/not-a-token.json").status_code == 404


def test_post_xml_answer(client, api_key):
    response = _post(client, fmt="xml", api_key=api_key.key)
    assert response.status_code == 201
    root = ElementTree.fromstring(response.content)
    number = root.findtext("request/service_request_id")
    assert Report.objects.filter(tracking_number=number).exists()


def test_post_by_address(client, api_key, reports_site):
    from addons.reports.models import Street

    Street.objects.create(site=reports_site, name="Florilor", kind="str.", lat=CENTRE.lat,
                          lng=CENTRE.lng + 0.01)
    response = _post(client, api_key=api_key.key, lat=None, long=None,
                     address_string="strada Florilor 15")
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.lng == pytest.approx(CENTRE.lng + 0.01)
    assert "Florilor" in report.address and "15" in report.address


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_post_without_or_with_a_wrong_key_is_403(client, api_key, key):
    response = _post(client, api_key=key)
    assert response.status_code == 403
    assert "api_key" in _errors_json(response)[0]
    assert not Report.objects.exists()


def test_post_with_an_inactive_or_foreign_key_is_403(client, api_key, reports_site):
    from wagtail.models import Page, Site

    api_key.is_active = False
    api_key.save()
    assert _post(client, api_key=api_key.key).status_code == 403
    other = Site.objects.create(hostname="other.example", root_page=Page.objects.get(depth=1))
    foreign = Open311ApiKey.objects.create(name="Other city", site=other)
    assert _post(client, api_key=foreign.key).status_code == 403
    everywhere = Open311ApiKey.objects.create(name="Every site")
    assert _post(client, api_key=everywhere.key).status_code == 201


def test_post_unknown_service_code_is_400(client, api_key):
    for code in ("roads.nothing", "roads"):
        response = _post(client, api_key=api_key.key, service_code=code)
        assert response.status_code == 400
        assert code in _errors_json(response)[0]
    response = _post(client, fmt="xml", api_key=api_key.key, service_code="nope")
    assert ElementTree.fromstring(response.content).findtext("error/code") == "400"
    assert not Report.objects.exists()


@pytest.mark.parametrize("changes, expected", [
    ({"lat": None, "long": None}, "location"),
    ({"long": None}, "lat and long"),
    ({"lat": None, "long": None, "address_string": "Nowhere street 5"}, "address_string"),
    ({"lat": "91", "long": "31.6"}, "lat"),
    ({"lat": "10.0", "long": "10.0"}, "outside the city"),
    ({"description": ""}, "description"),
    ({"description": "x" * 4001}, "description"),
    ({"email": "not an email"}, "email"),
])
def test_post_bad_input_is_400(client, api_key, changes, expected):
    response = _post(client, api_key=api_key.key, **changes)
    assert response.status_code == 400
    assert any(expected in text for text in _errors_json(response))
    assert not Report.objects.exists()


def test_post_html_is_stored_as_text(client, api_key, make_report):
    response = _post(client, api_key=api_key.key, description="<b>Hole</b><script>x</script>")
    assert response.status_code == 201
    number = json.loads(response.content)[0]["service_request_id"]
    data = json.loads(client.get(f"{BASE}/requests/{number}.json").content)
    assert data[0]["description"] == "<b>Hole</b><script>x</script>"
    xml = client.get(f"{BASE}/requests/{number}.xml").content
    assert b"<script>" not in xml
    root = ElementTree.fromstring(xml)
    assert root.findtext("request/description") == "<b>Hole</b><script>x</script>"


def test_post_needs_no_csrf_token(api_key):
    from django.test import Client

    response = _post(Client(enforce_csrf_checks=True), api_key=api_key.key)
    assert response.status_code == 201


def test_other_methods_are_405(client, reports_site, api_key):
    response = client.put(f"{BASE}/requests.json")
    assert response.status_code == 405
    assert _errors_json(response)
    for url in ("discovery.json", "services.json", "services/roads.pothole.json",
                "requests/PR-2026-000001.json", f"tokens/{api_key.key}.json"):
        response = client.post(f"{BASE}/{url}", {"api_key": api_key.key})
        assert response.status_code == 405, url
        assert response["Allow"] == "GET"
    response = client.delete(f"{BASE}/services.xml")
    assert ElementTree.fromstring(response.content).findtext("error/code") == "405"


def test_disabled_addon_answers_404(client, reports_site):
    from addons.core import activation

    activation.disable(reports_site, "reports")
    assert client.get(f"{BASE}/services.json").status_code == 404


def test_requests_query_count_does_not_grow(client, make_report, django_assert_max_num_queries):
    make_report()
    with django_assert_max_num_queries(20) as few:
        client.get(f"{BASE}/requests.json")
    for _ in range(8):
        make_report()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"{BASE}/requests.xml")
    assert response.content.count(b"<request>") == 9


def test_post_rate_limit_per_key(client, api_key, settings):
    settings.CIVICDESK_REPORTS_OPEN311_RATE = "2/h"
    assert _post(client, api_key=api_key.key).status_code == 201
    assert _post(client, api_key=api_key.key).status_code == 201
    response = _post(client, api_key=api_key.key)
    assert response.status_code == 429
    assert "Too many requests" in _errors_json(response)[0]
    other = Open311ApiKey.objects.create(name="Another client")
    assert _post(client, api_key=other.key).status_code == 201
    assert Report.objects.count() == 3


def test_media_url_is_the_first_shown_photo(client, make_report):
    from addons.reports import services
    from addons.reports.photos import process_photo

    from .conftest import photo_upload

    report = make_report()
    hidden = services.add_photo(report, process_photo(photo_upload(), max_bytes=10**7), 0)
    shown = services.add_photo(report, process_photo(photo_upload(), max_bytes=10**7), 1)
    hidden.is_hidden = True
    hidden.save()
    data = json.loads(client.get(f"{BASE}/requests/{report.tracking_number}.json").content)
    assert data[0]["media_url"] == f"http://testserver{shown.get_absolute_url()}"
    assert client.get(data[0]["media_url"]).status_code == 200
