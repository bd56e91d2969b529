import pytest

from addons.core.geo import Point
from addons.core.models import Notification
from addons.reports.models import Report, Subscription
from addons.reports.services import (
    COSIGN,
    change_status,
    confirmation_token,
    cosign,
    merge,
    nearby_open,
    subscribe,
)

from .conftest import CENTRE
from .test_reporting import URL, form_data

pytestmark = pytest.mark.django_db


def _offset(metres_north: float) -> Point:
    return Point(CENTRE.lat + metres_north / 111320.0, CENTRE.lng)


def test_nearby_open_radius_category_and_privacy(make_report, reports_site):
    from addons.reports.models import ReportCategory

    near = make_report(point=_offset(100))
    make_report(point=_offset(400))  # too far
    make_report(point=_offset(50), is_public=False)  # private: never shown
    other = ReportCategory.objects.get(site=reports_site, code="water.leak")
    make_report(point=_offset(10), category=other)
    closed = make_report(point=_offset(20))
    change_status(closed, "resolved")
    found = nearby_open(near.category, CENTRE)
    assert [r for r, _m in found] == [near]
    assert 90 < found[0][1] < 110


def test_form_shows_nearby_before_filing(client, make_report):
    existing = make_report(point=_offset(60))
    response = client.post(URL, form_data())
    assert response.status_code == 200
    html = response.content.decode()
    assert existing.tracking_number in html and "Me too" in html
    assert Report.objects.count() == 1
    # "none of these": the second submit files it
    response = client.post(URL, form_data(duplicates_seen="on"))
    assert response.status_code == 302 and Report.objects.count() == 2


def test_nearby_fragment(client, make_report):
    existing = make_report(point=_offset(60))
    response = client.get("/reports/nearby/", {"category": "roads.pothole",
                                               "lat": CENTRE.lat, "lng": CENTRE.lng})
    assert existing.tracking_number in response.content.decode()


def test_cosign_counts_once_and_subscribes(client, make_report, other_citizen, citizen):
    report = make_report()
    client.force_login(other_citizen)
    url = f"/reports/{report.tracking_number}/cosign/"
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    report.refresh_from_db()
    assert report.cosign_count == 1
    assert str(1) in client.get(report.get_absolute_url()).content.decode()
    change_status(report, "in_progress", public_note="Crew on the way")
    recipients = set(Notification.objects.filter(event="reports.status")
                     .values_list("recipient__username", flat=True))
    assert recipients == {"olena", "taras"}


def test_anonymous_cosign_needs_email(client, make_report):
    report = make_report()
    url = f"/reports/{report.tracking_number}/cosign/"
    client.post(url, {"email": ""})
    report.refresh_from_db()
    assert report.cosign_count == 0
    client.post(url, {"email": "neighbour@example.org"})
    client.post(url, {"email": "NEIGHBOUR@example.org"})
    report.refresh_from_db()
    assert report.cosign_count == 0  # pending until the address confirms
    token = confirmation_token(report, COSIGN, "neighbour@example.org")
    client.post(f"/reports/{report.tracking_number}/confirm/{token}/")
    client.post(f"/reports/{report.tracking_number}/confirm/{token}/")
    report.refresh_from_db()
    assert report.cosign_count == 1


def test_reporter_cannot_cosign_own(make_report, citizen):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        cosign(make_report(), user=citizen)


def test_the_reporter_sees_no_empty_cosign_heading(client, make_report, citizen, other_citizen):
    report = make_report(is_public=True)
    Subscription.objects.filter(report=report, user=citizen).delete()
    url = f"/reports/{report.tracking_number}/"
    client.force_login(citizen)
    assert b"Does it affect you too?" not in client.get(url).content
    client.force_login(other_citizen)
    page = client.get(url).content
    assert b"Does it affect you too?" in page and b"Me too: co-sign" in page


def test_merge_moves_followers(make_report, citizen, other_citizen, make_user, moderator):
    original = make_report()
    third = make_user("ivan")
    duplicate = make_report(reporter=other_citizen)
    cosign(duplicate, user=third)
    subscribe(duplicate, email="watcher@example.org", confirmed=True)
    merge(duplicate, original, moderator)
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original and duplicate.status.code == "duplicate"
    followers = set(Subscription.objects.filter(report=original).values_list(
        "user__username", "email"))
    assert ("taras", "") in followers and ("ivan", "") in followers
    assert (None, "watcher@example.org") in followers
    assert not Report.objects.public().filter(pk=duplicate.pk).exists()
    change_status(original, "resolved", moderator)
    told = set(Notification.objects.filter(event="reports.status", key__contains=":")
               .filter(context__tracking_number=original.tracking_number)
               .values_list("email", flat=True))
    assert {"taras@example.org", "ivan@example.org", "watcher@example.org"} <= told


def test_merged_page_redirects_to_original(client, make_report, moderator):
    original, duplicate = make_report(), make_report()
    merge(duplicate, original, moderator)
    response = client.get(duplicate.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == original.get_absolute_url()


def test_nearby_buttons_work_inside_the_report_form(client, make_report):
    """Forms cannot nest: the co-sign and follow buttons of the nearby list post the report
    form itself to their own URLs, and the anonymous citizen's email comes along."""
    import re

    existing = make_report(point=_offset(60))
    html = client.post(URL, form_data()).content.decode()
    report_form = html[html.index('class="form report-form"'):]
    report_form = report_form[: report_form.index("</form>")]
    assert "<form" not in report_form
    cosign_url = f"/reports/{existing.tracking_number}/cosign/"
    assert re.search(rf'formaction="{re.escape(cosign_url)}"', report_form)
    # what the browser sends: the whole report form plus the email typed in the list
    data = form_data(**{f"email_{existing.pk}": "neighbour@example.org"})
    response = client.post(cosign_url, data)
    assert response.status_code == 302
    assert Report.objects.count() == 1  # nothing else was filed
    # the typed address gets the confirmation link (counted once confirmed)
    assert Notification.objects.filter(event="reports.confirm_email",
                                       email="neighbour@example.org").exists()
    follow_url = f"/reports/{existing.tracking_number}/follow/"
    client.post(follow_url, form_data(**{f"email_{existing.pk}": "watcher@example.org"}))
    assert Notification.objects.filter(event="reports.confirm_email",
                                       email="watcher@example.org").exists()
    assert not Subscription.objects.filter(report=existing).exists()
