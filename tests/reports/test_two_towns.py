"""Two towns on one installation: each numbers its reports from PR-<year>-000001, both file
through the web form and Open311, and every lookup by number finds the town's own report."""

import json

import pytest
from django.db import IntegrityError, transaction

from addons.addressees.models import AddresseePage
from addons.reports.models import Open311ApiKey, Report, ReportCategory, ReportsSettings
from tests.conftest import add_town

from .conftest import CENTRE, photo_upload

pytestmark = pytest.mark.django_db
TOWN2 = "town2.example"


@pytest.fixture
def town2(reports_site):
    """A second town with its own addressee and the default categories (nothing filed)."""
    from addons.reports.services import create_defaults

    site2 = add_town(TOWN2)
    home2 = site2.root_page
    roads2 = home2.add_child(instance=AddresseePage(title="Town 2 roads", slug="t2-roads"))
    options = ReportsSettings.for_site(site2)
    options.min_lat, options.max_lat = CENTRE.lat - 0.1, CENTRE.lat + 0.1
    options.min_lng, options.max_lng = CENTRE.lng - 0.15, CENTRE.lng + 0.15
    options.default_addressee = roads2
    options.save()
    create_defaults(site2)
    return site2


def _form(description, **extra):
    return {
        "category": "roads.pothole", "description": description,
        "lat": f"{CENTRE.lat:.6f}", "lng": f"{CENTRE.lng:.6f}", "is_public": "on",
        "use_photo_location": "on", "action": "submit", "contact_email": "anon@example.org",
        "website": "", **extra,
    }


def _host(site):
    return {"HTTP_HOST": site.hostname}


def test_web_form_files_on_both_towns_with_their_own_numbers(client, reports_site, town2):
    first = client.post("/reports/new/", _form("Town one pothole"), **_host(reports_site))
    assert first.status_code == 302, first.content.decode()[:2000]
    second = client.post("/reports/new/", _form("Town two pothole",
                                                photos=[photo_upload()]), **_host(town2))
    assert second.status_code == 302, second.content.decode()[:2000]
    one = Report.objects.get(site=reports_site)
    two = Report.objects.get(site=town2)
    # both towns start their own count: the same number, one report on each site
    assert one.tracking_number == two.tracking_number
    assert one.tracking_number.startswith("PR-") and one.tracking_number.endswith("-000001")
    number = one.tracking_number
    for site, report, text, other in ((reports_site, one, "Town one pothole",
                                       "Town two pothole"),
                                      (town2, two, "Town two pothole", "Town one pothole")):
        page = client.get(f"/reports/{number}/", **_host(site))
        assert page.status_code == 200
        html = page.content.decode()
        assert text in html and other not in html
        # the reporter's own pages (key in the link) and the feedback page
        submitted = client.get(f"/reports/{number}/submitted/?key={report.access_key}",
                               **_host(site))
        assert submitted.status_code == 200 and number in submitted.content.decode()
        feedback = client.get(f"/reports/{number}/feedback/?key={report.access_key}",
                              **_host(site))
        assert feedback.status_code == 200
    # a photo is served on its own town only
    photo = two.photos.get()
    assert client.get(f"/reports/{number}/photos/{photo.pk}/", **_host(town2)).status_code == 200
    assert client.get(f"/reports/{number}/photos/{photo.pk}/",
                      **_host(reports_site)).status_code == 404
    # the next filing on each town goes on counting there
    from addons.reports.services import submit_report

    again = submit_report(site=town2, category=two.category, point=CENTRE,
                          description="Town two again", contact_email="t2@example.org")
    assert again.tracking_number.endswith("-000002")


def test_open311_posts_and_reads_on_both_towns(client, reports_site, town2):
    keys = {site.pk: Open311ApiKey.objects.create(name="App", site=site).key
            for site in (reports_site, town2)}
    numbers = {}
    for site, text in ((reports_site, "Open311 one"), (town2, "Open311 two")):
        response = client.post("/open311/v2/requests.json", {
            "service_code": "roads.pothole", "lat": str(CENTRE.lat), "long": str(CENTRE.lng),
            "description": text, "email": "app@example.org", "api_key": keys[site.pk],
        }, **_host(site))
        assert response.status_code == 201, response.content
        numbers[site.pk] = json.loads(response.content)[0]["service_request_id"]
    assert numbers[reports_site.pk] == numbers[town2.pk]
    number = numbers[town2.pk]
    for site, text in ((reports_site, "Open311 one"), (town2, "Open311 two")):
        data = json.loads(client.get(f"/open311/v2/requests/{number}.json",
                                     **_host(site)).content)
        assert [item["description"] for item in data] == [text]
        listed = json.loads(client.get("/open311/v2/requests.json",
                                       {"service_request_id": number}, **_host(site)).content)
        assert [item["description"] for item in listed] == [text]


def test_a_number_is_unique_within_a_town(reports_site, town2, make_report):
    report = make_report()
    other = ReportCategory.objects.get(site=town2, code="roads.pothole")
    copy = Report(site=town2, tracking_number=report.tracking_number, category=other,
                  status=report.status, description="x", lat=CENTRE.lat, lng=CENTRE.lng)
    copy.save()  # another town may carry the same number
    twin = Report(site=reports_site, tracking_number=report.tracking_number,
                  category=report.category, status=report.status, description="x",
                  lat=CENTRE.lat, lng=CENTRE.lng)
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
