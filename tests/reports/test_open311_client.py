"""The Open311 endpoint against an existing GeoReport v2 client from PyPI (``georeport``),
over HTTP on a live server. The client reads; it has no call for posting, so the request is
posted with ``requests`` (the client's own HTTP library) and then read back by the client."""

import pytest
import requests
from georeport import GeoReport

from addons.reports.models import Open311ApiKey, Report

from .conftest import CENTRE

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_georeport_client(live_server, reports_site, output_format):
    key = Open311ApiKey.objects.create(name="Client test", site=reports_site)
    root = f"{live_server.url}/open311/v2"
    client = GeoReport(root, jurisdiction="localhost", api_key=key.key,
                       output_format=output_format)

    services = client.get_service_list()
    codes = {service["service_code"] for service in services}
    assert {"roads.pothole", "water.leak", "animals.stray_dogs"} <= codes
    definition = client.get_service_definition("roads.pothole")
    assert definition["service_code"] == "roads.pothole"

    response = requests.post(f"{root}/requests.{output_format}", data={
        "api_key": key.key, "jurisdiction_id": "localhost", "service_code": "roads.pothole",
        "lat": CENTRE.lat, "long": CENTRE.lng, "description": "Pothole by the bus stop",
        "email": "driver@example.org",
    }, timeout=30)
    assert response.status_code == 201, response.text
    number = Report.objects.get().tracking_number

    request = client.get_service_request(number)
    assert request["service_request_id"] == number
    assert request["service_code"] == "roads.pothole"
    assert request["status"] == "open"
    assert request["description"] == "Pothole by the bus stop"
    assert float(request["lat"]) == pytest.approx(CENTRE.lat)

    listed = client.get_service_requests(service_code="roads.pothole", status="open")
    if isinstance(listed, dict):  # xmltodict gives a dict for a single element
        listed = [listed]
    assert [item["service_request_id"] for item in listed] == [number]

    # a wrong key: the client library's HTTP error carries the spec's 403
    response = requests.post(f"{root}/requests.{output_format}", data={
        "api_key": "wrong", "service_code": "roads.pothole", "lat": CENTRE.lat,
        "long": CENTRE.lng, "description": "x",
    }, timeout=30)
    assert response.status_code == 403
    with pytest.raises(requests.HTTPError):
        client.get_service_definition("roads.nothing")
