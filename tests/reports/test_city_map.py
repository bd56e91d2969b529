"""Maps without a tile server: each town's own streets, districts and offices (GeoJSON from
the site, geometry shipped with the demo towns), report pins by status with a legend in
words, the report form used by typing an address, and the maps' texts in the page's
language."""

import json
import re
from pathlib import Path

import pytest

from addons.reports.demo import geometry_file, load_geometry
from addons.reports.models import District, Report, Street
from tests.conftest import add_town

from .conftest import CENTRE

pytestmark = pytest.mark.django_db
GEO = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "geo"
CITY_URL = "/api/v1/map.geojson"


def _features(client, host="localhost", kind=None):
    response = client.get(CITY_URL, HTTP_HOST=host)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    data = response.json()
    assert data["type"] == "FeatureCollection"
    return [f for f in data["features"] if kind is None or f["properties"]["kind"] == kind]


@pytest.fixture
def svitlohirsk(reports_site):
    load_geometry(reports_site, GEO / "svitlohirsk.yaml")
    return reports_site


@pytest.fixture
def valea_verde(reports_site):
    from addons.reports.services import create_defaults

    town = add_town("ro.localhost", "Valea Verde", slug="valea-verde", jurisdiction="ro",
                    language="ro")
    create_defaults(town)
    return town


def test_each_demo_town_has_a_geometry_file():
    names = {path.name for path in GEO.glob("*.yaml")}
    assert {"svitlohirsk.yaml", "valea-verde.yaml", "belorechie.yaml"} <= names


def test_city_geometry_of_the_town(client, svitlohirsk):
    streets = _features(client, kind="street")
    names = {f["properties"]["name"] for f in streets}
    assert "вул. Соборна" in names and "просп. Незалежності" in names
    for feature in streets:
        coordinates = feature["geometry"]["coordinates"]
        assert feature["geometry"]["type"] == "LineString" and len(coordinates) >= 2
        # GeoJSON order: longitude first, near the town
        assert all(31.5 < lng < 31.8 and 49.1 < lat < 49.3 for lng, lat in coordinates)
    districts = _features(client, kind="district")
    assert {f["properties"]["name"] for f in districts} >= {"Центральний", "Заріччя"}
    ring = districts[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]


def test_the_street_passes_through_its_register_point(svitlohirsk):
    street = Street.objects.get(site=svitlohirsk, name="Садова")
    assert [street.lat, street.lng] in street.line
    assert street.district is not None


def test_second_town_gets_its_own_geometry(client, svitlohirsk, valea_verde):
    assert geometry_file(valea_verde).name == "valea-verde.yaml"
    load_geometry(valea_verde)
    ro_names = {f["properties"]["name"] for f in _features(client, "ro.localhost", "street")}
    ua_names = {f["properties"]["name"] for f in _features(client, "localhost", "street")}
    assert "Strada Unirii" in ro_names and "Bulevardul Republicii" in ro_names
    assert not ro_names & ua_names
    assert "вул. Соборна" not in ro_names
    ro_districts = {f["properties"]["name"]
                    for f in _features(client, "ro.localhost", "district")}
    assert ro_districts == {"Centru", "Cartierul Gării", "Dealul Teilor"}
    # the register of the second town is its own: its geocoder finds its streets only
    from addons.reports.geocoding import geocode

    assert geocode("Strada Unirii 3", valea_verde).address == "Strada Unirii, 3"
    assert geocode("Соборна 3", valea_verde) is None


def test_loading_again_changes_nothing(valea_verde):
    assert load_geometry(valea_verde) > 0
    count = Street.objects.filter(site=valea_verde).count()
    assert load_geometry(valea_verde) == 0
    assert Street.objects.filter(site=valea_verde).count() == count
    assert District.objects.filter(site=valea_verde).count() == 3


def test_bulgarian_town_found_by_hostname_or_slug(reports_site):
    from addons.reports.geocoding import geocode

    by_host = add_town("bg.localhost", "Белоречие", slug="obshtina", jurisdiction="bg",
                       language="bg")
    assert geometry_file(by_host).name == "belorechie.yaml"
    by_slug = add_town("belorechie.example", "Белоречие 2", slug="belorechie")
    assert geometry_file(by_slug).name == "belorechie.yaml"
    assert geometry_file(add_town("other.example", slug="other")) is None
    load_geometry(by_host)
    names = set(Street.objects.filter(site=by_host).values_list("name", flat=True))
    assert {"„Васил Левски“", "„България“", "„Христо Ботев“", "„Раковски“",
            "„Свобода“"} <= names
    found = geocode("ул. Васил Левски 12", by_host)
    assert found.address == "ул. „Васил Левски“, 12"


def test_offices_of_addressees_are_points(client, svitlohirsk, addressee, water):
    addressee.location = f"SRID=4326;POINT({CENTRE.lng} {CENTRE.lat})"
    addressee.office_address = "вул. Соборна, 1"
    addressee.save_revision().publish()
    water.location = f"SRID=4326;POINT({CENTRE.lng} {CENTRE.lat})"  # the same building
    water.save_revision().publish()
    offices = _features(client, kind="office")
    assert len(offices) == 1
    office = offices[0]["properties"]
    assert {n["title"] for n in office["names"]} == {"Roads department", "Water company"}
    assert office["address"] == "вул. Соборна, 1"
    assert offices[0]["geometry"]["coordinates"] == [CENTRE.lng, CENTRE.lat]


def test_no_geometry_is_an_empty_collection(client, reports_site):
    assert _features(client) == []


# --- the maps on the pages ---------------------------------------------------------------


def test_report_form_map_draws_the_city_without_tiles(client, reports_site, settings):
    html = client.get("/reports/new/").content.decode()
    assert f'data-geometry-url="{CITY_URL}"' in html
    assert 'data-tile-url=""' in html
    assert "core/js/map.js" in html


def test_situational_map_has_status_pins_and_a_legend(client, reports_site):
    html = client.get("/reports/map/").content.decode()
    assert f'data-geometry-url="{CITY_URL}"' in html
    legend = html[html.index('class="map-legend"'):]
    legend = legend[:legend.index("</div>")]
    # each kind of pin has its own shape and says in words which statuses it stands for
    for group, label in [("new", "New"), ("progress", "In progress"),
                         ("resolved", "Resolved"), ("closed", "Duplicate")]:
        item = re.search(rf'data-pin="{group}">(.*?)</li>', legend, re.S)
        assert item and label in item.group(1), group
    shapes = [re.sub(r' fill="[^"]*"', "", shape)
              for shape in re.findall(r'data-pin="\w+"><svg[^>]*>(<[^>]+>)', legend)]
    assert len(set(shapes)) == 4  # circle, diamond, square, triangle: not colour alone
    assert "Rejected" not in legend  # a status the public never sees
    pins = json.loads(re.search(r'data-status-pins="([^"]*)"', html).group(1)
                      .replace("&quot;", '"'))
    assert pins["new"] == "new" and pins["in_progress"] == "progress"
    assert pins["resolved"] == "resolved" and pins["duplicate"] == "closed"
    assert "District boundary" in legend


def test_situational_center_links_to_the_report_form(client, reports_site):
    html = client.get("/reports/map/").content.decode()
    assert re.search(r'<a class="button" href="/reports/new/">Report a problem</a>', html)


def test_map_texts_in_the_page_language(client, reports_site):
    client.cookies["civicdesk_language"] = "uk"
    for url in ("/reports/new/", "/reports/map/"):
        html = client.get(url).content.decode()
        assert 'data-zoom-in="Збільшити"' in html, url
        assert 'data-zoom-out="Зменшити"' in html, url
        assert 'data-close="Закрити"' in html, url
    html = client.get("/reports/map/").content.decode()
    assert "Що показує мапа" in html


def test_geojson_bbox_and_zoom_errors_are_translated(client, reports_site):
    client.cookies["civicdesk_language"] = "uk"
    body = client.get("/api/v1/reports.geojson?bbox=1,2,3&zoom=12").json()
    assert body["errors"]["bbox"] == [
        "bbox має складатися з чотирьох чисел: захід,південь,схід,північ."]
    body = client.get("/api/v1/reports.geojson?bbox=1,2,3,4&zoom=99").json()
    assert body["errors"]["zoom"] == ["zoom має бути числом від 0 до 22."]
    client.cookies["civicdesk_language"] = "ro"
    body = client.get("/api/v1/reports.geojson?bbox=3,2,1,4&zoom=12").json()
    assert "vest" in body["errors"]["bbox"][0]


# --- the report form by typing an address ------------------------------------------------


@pytest.fixture
def sadova(reports_site):
    return Street.objects.create(site=reports_site, name="Садова", kind="вул.",
                                 aliases="Sadova", lat=49.23743, lng=31.61902)


def _typed(address, **extra):
    data = {"category": "roads.pothole", "description": "A deep pothole by the bus stop.",
            "address": address, "lat": "", "lng": "", "is_public": "on", "action": "submit",
            "contact_email": "anna@example.org"}
    data.update(extra)
    return data


def test_typed_address_alone_files_the_report(client, sadova):
    response = client.post("/reports/new/", _typed("Садова 15"))
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.lat, report.lng) == (sadova.lat, sadova.lng)
    assert report.address == "Садова 15"


def test_unknown_typed_address_keeps_everything(client, sadova):
    client.cookies["civicdesk_language"] = "uk"
    response = client.post("/reports/new/", _typed("Неіснуюча 7"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ми не знайшли цю адресу" in html
    assert "A deep pothole by the bus stop." in html and 'value="Неіснуюча 7"' in html
    assert 'value="anna@example.org"' in html
    assert not Report.objects.exists()


def test_geocode_endpoint_moves_the_marker(client, sadova):
    found = client.get("/reports/geocode/", {"q": "вул. Садова, 15"}).json()
    assert found == {"found": True, "lat": sadova.lat, "lng": sadova.lng,
                     "address": "вул. Садова, 15"}
    assert client.get("/reports/geocode/", {"q": "Main street"}).json() == {"found": False}
    assert client.get("/reports/geocode/", {"q": ""}).json() == {"found": False}


def test_geocode_lookups_are_limited_per_address(client, sadova, settings):
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    settings.CIVICDESK_REPORTS_GEOCODE_RATE = "3/m"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    answers = [client.get("/reports/geocode/", {"q": "вул. Садова, 15"}) for _ in range(5)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429]
    refused = answers[-1].json()
    assert refused["found"] is False
    with translation.override("uk"):
        assert refused["error"] == translation.gettext(
            "Too many address lookups from your connection. Wait a few minutes, or mark "
            "the place on the map.")
    assert "Too many" not in refused["error"]  # the visitor's language, not English
    cache.clear()


def test_enter_in_a_text_field_sends_the_report(client, sadova):
    html = client.get("/reports/new/").content.decode()
    form = html[html.index('class="form report-form"'):]
    # Enter in a text field clicks the form's first submit button: it sends no "action",
    # which is "send" (not "suggest a category", the first visible button)
    first_submit = re.search(r'<button type="submit"[^>]*>', form).group(0)
    assert "name=" not in first_submit and "report-default-submit" in first_submit
    data = _typed("Садова 15")
    del data["action"]
    assert client.post("/reports/new/", data).status_code == 302
    assert Report.objects.count() == 1


def test_form_error_title_and_summary(client, sadova):
    client.cookies["civicdesk_language"] = "uk"
    html = client.post("/reports/new/", _typed("Неіснуюча 7")).content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()
    assert title.startswith("Помилка:")
    summary = re.search(r'<div class="error-summary"[^>]*>', html).group(0)
    assert 'tabindex="-1"' in summary and 'role="alert"' in summary
    assert "civic/js/site.js" in html  # moves the focus to the summary
    client.cookies["civicdesk_language"] = "en"
    html = client.get("/reports/new/").content.decode()
    assert not re.search(r"<title>\s*Error:", html)


def test_staff_map_draws_the_city_in_the_admin_language(client, reports_site, superuser):
    superuser.language = "uk"
    superuser.save()
    client.force_login(superuser)
    client.cookies["civicdesk_language"] = "uk"
    html = client.get("/admin/problem-reports/map/").content.decode()
    box = re.search(r'<div id="reports-admin-map"[^>]*>', html).group(0)
    assert f'data-geometry-url="{CITY_URL}"' in box
    assert 'data-zoom-in="Збільшити"' in box
    assert "core/js/map.js" in html
