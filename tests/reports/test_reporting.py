import pytest
from django.urls import reverse

from addons.core.models import Notification
from addons.reports.models import Report, ReportPhoto

from .conftest import CENTRE, photo_upload

pytestmark = pytest.mark.django_db
URL = "/reports/new/"


def form_data(**extra):
    data = {
        "category": "roads.pothole",
        "description": "Big pothole near house 15, cars swerve around it.",
        "lat": f"{CENTRE.lat:.6f}", "lng": f"{CENTRE.lng:.6f}",
        "is_public": "on", "use_photo_location": "on", "action": "submit",
        "contact_email": "anon@example.org", "website": "",
    }
    data.update(extra)
    return data


def test_form_renders_without_js(client, reports_site):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="lat"' in html and 'name="address"' in html and 'name="photos"' in html
    assert "roads.pothole" in html and 'value="suggest"' in html
    assert "style=" not in html and "<script>" not in html


def test_anonymous_report_gets_number_addressee_and_due(client, reports_site, addressee,
                                                        moderator):
    response = client.post(URL, form_data())
    assert response.status_code == 302, response.content.decode()[:3000]
    report = Report.objects.get()
    assert report.reporter is None and report.contact_email == "anon@example.org"
    assert report.addressee.pk == addressee.pk
    assert report.due_at is not None and report.tracking_number.startswith("PR-")
    page = client.get(response["Location"])
    html = page.content.decode()
    assert report.tracking_number in html and "Roads department" in html
    assert "Expected resolution" in html
    events = set(Notification.objects.values_list("event", flat=True))
    assert {"reports.submitted", "reports.new"} <= events
    assert Notification.objects.get(event="reports.new").recipient == moderator
    assert report.tracking_number in Notification.objects.get(event="reports.submitted").subject


def test_logged_in_report_linked_to_account(client, reports_site, citizen):
    client.force_login(citizen)
    data = form_data()
    del data["contact_email"]
    assert client.post(URL, data).status_code == 302
    report = Report.objects.get()
    assert report.reporter == citizen and report.contact_email == citizen.email
    cabinet = client.get(reverse("accounts:cabinet"))
    assert report.tracking_number in cabinet.content.decode()


def test_point_outside_the_city(client, reports_site):
    response = client.post(URL, form_data(lat="50.45", lng="30.52"))
    assert response.status_code == 400
    assert "outside the city" in response.content.decode()
    assert not Report.objects.exists()
    assert "Big pothole near house 15" in response.content.decode()  # nothing typed lost


def test_no_category(client, reports_site):
    response = client.post(URL, form_data(category=""))
    assert response.status_code == 400
    assert "Choose a category" in response.content.decode()
    assert not Report.objects.exists()


def test_no_location(client, reports_site):
    response = client.post(URL, form_data(lat="", lng=""))
    assert response.status_code == 400
    assert "Mark the place of the problem" in response.content.decode()


def test_description_too_long(client, reports_site):
    response = client.post(URL, form_data(description="x" * 4001))
    assert response.status_code == 400
    assert "4000" in response.content.decode() or "4,000" in response.content.decode()
    assert not Report.objects.exists()


def test_html_is_stored_and_shown_as_text(client, reports_site):
    evil = '<script>alert(1)</script><b>hole</b> <img src=x onerror=alert(2)>'
    response = client.post(URL, form_data(description=evil))
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.description == evil
    html = client.get(report.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html


def test_category_without_anonymous(client, reports_site):
    response = client.post(URL, form_data(category="construction.illegal"))
    assert response.status_code == 400
    assert "need an account" in response.content.decode()


def test_honeypot(client, reports_site):
    response = client.post(URL, form_data(website="http://spam.example"))
    assert response.status_code == 400
    assert "looks automated" in response.content.decode()
    assert not Report.objects.exists()


def test_anonymous_flood_is_limited(client, reports_site, settings):
    settings.CIVICDESK_REPORTS_RATE_ANON = "3/h"
    for n in range(3):
        response = client.post(URL, form_data(description=f"Pothole number {n} here",
                                              lat=f"{CENTRE.lat + n * 0.01:.6f}"))
        assert response.status_code == 302
    response = client.post(URL, form_data(description="The fourth pothole text"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many reports" in html and "The fourth pothole text" in html
    assert Report.objects.count() == 3


def test_suggest_button_without_js(client, reports_site, monkeypatch):
    import addons.reports.triage as triage

    monkeypatch.setattr(triage, "suggest", lambda text, site=None, **kw: [
        ("water.leak", 0.9), ("water.supply", 0.05)])
    response = client.post(URL, form_data(category="", action="suggest",
                                          description="water is leaking from the pipe"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="water.leak" selected>' in html
    assert "Water company" in html  # the responsible addressee is shown
    assert not Report.objects.exists()


def test_address_matched_in_street_register(client, reports_site):
    from addons.reports.models import Street

    Street.objects.create(site=reports_site, name="Садова", kind="вул.", lat=49.24, lng=31.62)
    response = client.post(URL, form_data(lat="", lng="", address="вул. Садова, 15"))
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.lat, report.lng) == (49.24, 31.62)
    assert "Садова" in report.address


def test_unknown_address(client, reports_site):
    response = client.post(URL, form_data(lat="", lng="", address="Nowhere street 1"))
    assert response.status_code == 400
    assert "could not find this address" in response.content.decode()


def test_photos_stored_and_location_from_photo(client, reports_site):
    from .conftest import gps_exif, image_bytes

    jpeg = image_bytes(size=(3000, 2000), exif=gps_exif(49.2361, 31.6244))
    response = client.post(URL, form_data(lat="", lng="", photos=[
        photo_upload("a.jpg", jpeg), photo_upload("b.png", image_bytes(fmt="PNG"))]))
    assert response.status_code == 302, response.content.decode()[:2000]
    report = Report.objects.get()
    assert abs(report.lat - 49.2361) < 1e-3 and abs(report.lng - 31.6244) < 1e-3
    photos = list(ReportPhoto.objects.filter(report=report))
    assert len(photos) == 2
    assert max(photos[0].width, photos[0].height) == 1600


def test_more_than_five_photos(client, reports_site):
    files = [photo_upload(f"{n}.jpg") for n in range(6)]
    response = client.post(URL, form_data(photos=files))
    assert response.status_code == 400
    assert "At most 5 photos" in response.content.decode()
