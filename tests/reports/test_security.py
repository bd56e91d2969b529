"""Security of problem reports: staff actions stay within the actor's scope and the report's
site; email-only co-signatures and follows are confirmed first; photos; malformed input."""

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from wagtail.models import Page, Site

from addons.addressees.models import AddresseePage, HomePage
from addons.core.models import Notification
from addons.reports import services
from addons.reports.models import CoSign, Report, ReportCategory, Subscription

from .conftest import CENTRE

pytestmark = pytest.mark.django_db

ADMIN = "/admin/casework/reports/"
STAFF_MAP = "/admin/problem-reports/"


@pytest.fixture
def town2(reports_site):
    """A second town on the installation, with its own addressee, categories and report."""
    from addons.reports.models import ReportsSettings

    root = Page.get_first_root_node()
    home2 = root.add_child(instance=HomePage(title="Town 2", slug="town-2"))
    site2 = Site.objects.create(hostname="town2.example", port=80, root_page=home2,
                                site_name="Town 2")
    addressee2 = home2.add_child(instance=AddresseePage(title="Town 2 roads", slug="t2-roads"))
    options = ReportsSettings.for_site(site2)
    options.min_lat, options.max_lat = CENTRE.lat - 0.1, CENTRE.lat + 0.1
    options.min_lng, options.max_lng = CENTRE.lng - 0.15, CENTRE.lng + 0.15
    options.default_addressee = addressee2
    options.save()
    services.create_defaults(site2)
    category2 = ReportCategory.objects.get(site=site2, code="roads.pothole")
    # tracking numbers are unique on the installation but counted per site: start town 2
    # further on so the two towns' first numbers do not meet in this test
    from django.utils import timezone

    from addons.core.models import ReferenceCounter

    ReferenceCounter.objects.create(site=site2, kind="PR", year=timezone.localdate().year,
                                    last=5000)
    report2 = services.submit_report(site=site2, category=category2, point=CENTRE,
                                     description="Town 2 pothole", contact_email="t2@x.org")
    return {"site": site2, "addressee": addressee2, "category": category2, "report": report2}


def _action(client, report, action, data):
    """A desk action; a refusal shows the form again (200) with its message."""
    report.refresh_from_db()
    return client.post(f"{ADMIN}{report.pk}/action/{action}/",
                       {"lock_version": report.lock_version, "confirm": "on", **data})


def _mails_to(address):
    """The notifications (the outbox: each becomes one email) written to ``address``."""
    return list(Notification.objects.filter(email__iexact=address).order_by("pk"))


# --- finding 2: a merge names only a report the moderator handles -------------------------


def test_merge_into_another_departments_private_report_is_refused(
        client, make_report, citizen, other_citizen, moderator, water_moderator, leak,
        mailoutbox):
    """The review's reproduction: modY merges his report into modX's private report."""
    private = make_report(description="Stray dogs", is_public=False)  # roads: modX's
    bait = make_report(category=leak, description="Bait", reporter=other_citizen)  # modY's
    outsider = "outsider@evil.example"
    client.post(f"/reports/{bait.tracking_number}/follow/", {"email": outsider})
    updates_before = private.updates.count()
    followers_before = set(private.subscriptions.values_list("pk", flat=True))

    client.force_login(water_moderator)
    response = _action(client, bait, "merge", {"original": private.tracking_number,
                                               "public_note": "Typed note"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "No report of this site that you handle has this tracking number." in body
    assert "Typed note" in body
    bait.refresh_from_db()
    assert bait.merged_into is None
    assert private.updates.count() == updates_before
    assert set(private.subscriptions.values_list("pk", flat=True)) == followers_before

    # nor through the service, whoever calls it
    with pytest.raises(PermissionDenied):
        services.merge(bait, private, water_moderator)
    assert private.updates.count() == updates_before

    # modX works the private report: nothing reaches the outsider or B
    services.change_status(private, "in_progress", moderator, public_note="SECRET-NOTE")
    assert [n.event for n in _mails_to(outsider)] == ["reports.confirm_email"]
    assert not Notification.objects.filter(context__note="SECRET-NOTE").exclude(
        recipient__username="olena").exists()


def test_merge_refused_when_the_actor_does_not_handle_the_duplicate(
        make_report, moderator, water_moderator, leak):
    original = make_report(category=leak)  # water's
    duplicate = make_report()  # roads'
    with pytest.raises(PermissionDenied):
        services.merge(duplicate, original, water_moderator)


def test_merge_across_sites_is_refused(client, make_report, superuser, town2):
    report = make_report()
    client.force_login(superuser)
    response = _action(client, report, "merge", {"original": town2["report"].tracking_number})
    assert response.status_code == 200 and "No report of this site" in response.content.decode()
    with pytest.raises(ValidationError):
        services.merge(report, town2["report"], superuser)
    with pytest.raises(ValidationError):
        services.merge(town2["report"], report, superuser)
    report.refresh_from_db()
    assert report.merged_into is None


def test_legitimate_merge_still_works_and_moves_confirmed_followers_only(
        client, make_report, moderator, other_citizen, make_user):
    original = make_report(description="Original")
    duplicate = make_report(description="Duplicate", reporter=None,
                            contact_email="anon-reporter@example.org")
    services.cosign(duplicate, user=other_citizen)
    services.subscribe(duplicate, email="confirmed@example.org", confirmed=True)
    services.subscribe(duplicate, email="pending@example.org")  # never confirmed
    client.force_login(moderator)
    response = _action(client, duplicate, "merge", {"original": original.tracking_number})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original
    followers = set(original.subscriptions.values_list("user__username", "email"))
    assert ("taras", "") in followers and (None, "confirmed@example.org") in followers
    emails = {email for _u, email in followers}
    assert "pending@example.org" not in emails
    assert "anon-reporter@example.org" not in emails


def test_merge_into_a_private_original_adds_no_followers(make_report, moderator,
                                                         other_citizen):
    original = make_report(is_public=False)
    duplicate = make_report(reporter=other_citizen)
    services.merge(duplicate, original, moderator)
    assert not original.subscriptions.exists()


def test_assignment_to_another_sites_addressee_is_refused(client, make_report, superuser,
                                                          moderator, town2, water):
    report = make_report()
    client.force_login(superuser)
    response = _action(client, report, "forward", {"addressee": town2["addressee"].pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    with pytest.raises(ValidationError):
        services.assign(report, town2["addressee"], superuser)
    report.refresh_from_db()
    assert report.addressee.slug == "roads"
    # a moderator may not hand over a report he does not handle
    water_report = make_report(category=ReportCategory.objects.get(
        site=report.site, code="water.leak"))
    with pytest.raises(PermissionDenied):
        services.assign(water_report, report.addressee, moderator)
    # the routine hand-over within the town still works
    services.assign(report, water, moderator)
    report.refresh_from_db()
    assert report.addressee_id == water.pk


def test_category_of_another_site_is_refused(make_report, superuser, town2):
    report = make_report()
    with pytest.raises(ValidationError):
        services.set_category(report, town2["category"], superuser)


# --- finding 11: email-only co-signatures and follows are confirmed first -----------------


def _confirm_links(address):
    return [n.url for n in _mails_to(address) if "/confirm/" in n.url]


def test_made_up_emails_do_not_count_until_confirmed(client, make_report, mailoutbox,
                                                     settings):
    settings.CIVICDESK_REPORTS_RATE_ANON = "100/h"
    report = make_report()
    url = f"/reports/{report.tracking_number}/cosign/"
    emails = [f"made-up-{n}@example.org" for n in range(6)]
    for email in emails:
        response = client.post(url, {"email": email}, follow=True)
        assert "Almost done" in response.content.decode()
    report.refresh_from_db()
    assert report.cosign_count == 0
    assert not CoSign.objects.filter(report=report).exists()
    # each got exactly one mail: the confirmation
    for email in emails:
        sent = _mails_to(email)
        assert len(sent) == 1 and "/confirm/" in sent[0].url
        assert sent[0].event == "reports.confirm_email"
    # updates do not reach them
    services.change_status(report, "in_progress", public_note="Crew on the way")
    assert all(len(_mails_to(email)) == 1 for email in emails)

    # one of them confirms: counted, and told of the next change
    client.post(url, {"email": emails[0]})  # asked again the same day: no second mail
    assert len(_mails_to(emails[0])) == 1
    token = services.confirmation_token(report, services.COSIGN, emails[0])
    confirm = f"/reports/{report.tracking_number}/confirm/{token}/"
    page = client.get(confirm)
    assert page.status_code == 200 and emails[0] in page.content.decode()
    report.refresh_from_db()
    assert report.cosign_count == 0  # opening the link (a mail scanner) confirms nothing
    assert client.post(confirm).status_code == 302
    client.post(confirm)  # twice: counted once
    report.refresh_from_db()
    assert report.cosign_count == 1
    services.change_status(report, "resolved", public_note="Fixed")
    assert [n.event for n in _mails_to(emails[0])] == ["reports.confirm_email",
                                                        "reports.status"]


def test_confirmation_mail_link_works(client, make_report, mailoutbox):
    report = make_report()
    client.post(f"/reports/{report.tracking_number}/follow/", {"email": "w@example.org"})
    assert not Subscription.objects.filter(report=report).exists()
    links = _confirm_links("w@example.org")
    assert len(links) == 1
    assert client.post(links[0]).status_code == 302
    assert Subscription.objects.filter(report=report, email="w@example.org").exists()


def test_forged_and_expired_links_are_refused(client, make_report, freezer=None):
    report = make_report()
    base = f"/reports/{report.tracking_number}/confirm/"
    forged = signing.TimestampSigner(salt="wrong").sign_object(
        {"r": report.pk, "k": "cosign", "e": "x@example.org"})
    for token in (forged, "garbage", forged[:-3] + "abc"):
        response = client.post(f"{base}{token}/")
        assert response.status_code == 400
        assert "This confirmation link is not valid." in response.content.decode()
    # a link made for another report
    other = make_report()
    token = services.confirmation_token(other, services.COSIGN, "x@example.org")
    assert client.get(f"{base}{token}/").status_code == 400
    # expired: made 8 days ago
    import time
    from unittest import mock

    with mock.patch.object(time, "time", return_value=time.time() - 8 * 86400):
        old = services.confirmation_token(report, services.COSIGN, "x@example.org")
    response = client.post(f"{base}{old}/")
    assert response.status_code == 400
    assert "This confirmation link has expired." in response.content.decode()
    report.refresh_from_db()
    assert report.cosign_count == 0
    # translated
    client.cookies["civicdesk_language"] = "uk"
    response = client.post(f"{base}garbage/")
    assert "This confirmation link is not valid." not in response.content.decode()


def test_logged_in_citizen_counts_at_once(client, make_report, other_citizen, mailoutbox):
    report = make_report()
    client.force_login(other_citizen)
    client.post(f"/reports/{report.tracking_number}/cosign/")
    report.refresh_from_db()
    assert report.cosign_count == 1
    assert not Notification.objects.filter(event="reports.confirm_email").exists()


def test_confirmation_mails_are_limited_per_address(make_report):
    reports = [make_report() for _ in range(5)]
    for report in reports:
        services.cosign(report, email="victim@example.org")
        services.subscribe(report, email="victim@example.org")
    assert Notification.objects.filter(
        event="reports.confirm_email", email="victim@example.org").count() == \
        services.CONFIRM_MAILS_PER_ADDRESS_PER_DAY


# --- finding 13: no metadata in published photos ------------------------------------------


def _jpeg_markers(data: bytes) -> list[int]:
    """The JPEG segment markers up to the image data (SOS)."""
    assert data[:2] == b"\xff\xd8"
    markers, pos = [], 2
    while pos < len(data):
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: the image data follows
            break
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        pos += 2 + length
    return markers


def _jpeg_with_comment_and_exif() -> bytes:
    import io

    from PIL import Image

    from .conftest import gps_exif

    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (10, 120, 200)).save(
        buffer, "JPEG", exif=gps_exif(49.2361, 31.6244),
        comment=b"<script>alert(1)</script>", icc_profile=b"\0" * 128)
    data = buffer.getvalue()
    assert 0xFE in _jpeg_markers(data) and 0xE1 in _jpeg_markers(data)
    return data


def test_published_photo_and_thumbnail_carry_no_metadata(client, reports_site):
    from .conftest import photo_upload
    from .test_reporting import URL, form_data

    upload = photo_upload(content=_jpeg_with_comment_and_exif())
    response = client.post(URL, form_data(photos=[upload], duplicates_seen="on"))
    assert response.status_code == 302
    report = Report.objects.get()
    photo = report.photos.get()
    for suffix in ("", "thumbnail/"):
        served = client.get(f"/reports/{report.tracking_number}/photos/{photo.pk}/{suffix}")
        data = b"".join(served.streaming_content)
        markers = _jpeg_markers(data)
        assert 0xFE not in markers  # COM
        assert not any(0xE1 <= m <= 0xEF for m in markers)  # APP1 (EXIF, XMP) .. APP15
        assert 0xE2 not in markers  # ICC
        assert b"<script>" not in data and b"PhoneMaker" not in data


# --- finding 6: photos are decoded once, within limits -------------------------------------


def _png(size, color=(120, 120, 120)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def test_check_flood_with_photos_is_limited(client, reports_site, figures):
    from .conftest import photo_upload
    from .test_reporting import URL, form_data

    statuses = []
    for n in range(8):
        upload = photo_upload("p.png", _png((400, 300)), "image/png")
        response = client.post(URL, form_data(action="check", photos=[upload],
                                               description=f"Typed text number {n}"))
        statuses.append(response.status_code)
        if response.status_code == 429:
            body = response.content.decode()
            assert "Too many photos from your connection" in body
            assert f"Typed text number {n}" in body
    figures.add("reports", f"photo check flood: statuses {statuses}")
    assert statuses[:6] == [200] * 6 and statuses[6:] == [429, 429]
    # translated
    client.cookies["civicdesk_language"] = "uk"
    upload = photo_upload("p.png", _png((400, 300)), "image/png")
    body = client.post(URL, form_data(action="check", photos=[upload])).content.decode()
    assert "Too many photos from your connection" not in body
    # typing without photos is not limited
    assert client.post(URL, form_data(action="check")).status_code == 200


def test_photo_over_the_pixel_cap_is_refused_before_decoding(client, reports_site):
    from unittest import mock

    from PIL import ImageFile

    from addons.reports.photos import DEFAULT_MAX_PIXELS

    from .conftest import photo_upload
    from .test_reporting import URL, form_data

    assert DEFAULT_MAX_PIXELS <= 24_000_000
    big = _png((5000, 5000))  # 25 MP, about 100 KB on the wire
    with mock.patch.object(ImageFile.ImageFile, "load", autospec=True,
                           side_effect=ImageFile.ImageFile.load) as load:
        response = client.post(URL, form_data(
            photos=[photo_upload("big.png", big, "image/png")], description="Keep this"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "has too many pixels to be processed safely" in body and "Keep this" in body
    assert load.call_count == 0
    assert not Report.objects.exists()


def test_total_pixels_of_a_request_are_capped(client, reports_site, settings):
    from unittest import mock

    from PIL import ImageFile

    from .conftest import photo_upload
    from .test_reporting import URL, form_data

    settings.CIVICDESK_REPORTS_MAX_TOTAL_PIXELS = 1_000_000
    uploads = [photo_upload(f"p{n}.png", _png((800, 600)), "image/png") for n in range(3)]
    with mock.patch.object(ImageFile.ImageFile, "load", autospec=True,
                           side_effect=ImageFile.ImageFile.load) as load:
        response = client.post(URL, form_data(photos=uploads))
    assert response.status_code == 400
    assert "Together these photos have too many pixels" in response.content.decode()
    assert load.call_count == 0


def test_photo_is_decoded_once_across_check_and_submit(client, reports_site):
    import re
    from unittest import mock

    from addons.reports import photos

    from .conftest import image_bytes, photo_upload
    from .test_reporting import URL, form_data

    with mock.patch.object(photos, "_encode", wraps=photos._encode) as encode:
        response = client.post(URL, form_data(
            action="check", photos=[photo_upload(content=image_bytes(size=(800, 600)))]))
        assert response.status_code == 200
        html = response.content.decode()
        token = re.search(r'name="photos_token" value="([^"]+)"', html).group(1)
        assert "1 photo is attached" in html
        assert encode.call_count == 2  # the photo and its thumbnail, once
        response = client.post(URL, form_data(photos_token=token, duplicates_seen="on"))
        assert response.status_code == 302
        assert encode.call_count == 2  # not again at submit
    assert Report.objects.get().photos.count() == 1
    # the kept photos are gone once used; a stale token asks to attach them again
    response = client.post(URL, form_data(photos_token=token, duplicates_seen="on"))
    assert response.status_code == 400
    assert "no longer kept" in response.content.decode()


# --- finding 12: malformed input gives 400 or is ignored, never 500 ------------------------

HUGE = "99999999999999999999999999"
BBOX = f"{CENTRE.lng - 0.1},{CENTRE.lat - 0.1},{CENTRE.lng + 0.1},{CENTRE.lat + 0.1}"
MALFORMED_GETS = [
    "/open311/v2/requests.json?start_date=2026-13-45T25:61:61%2B99:99",
    "/open311/v2/requests.json?end_date=2026-13-45T25:61:61%2B99:99",
    "/open311/v2/requests.xml?start_date=2026-02-30T10:00:00Z",
    "/open311/v2/requests.json?end_date=0001-01-01T00:00:00Z",
    "/open311/v2/requests.json?start_date=9999-12-31T23:59:59-12:00",
    "/open311/v2/requests.json?start_date=0001-01-01T00:00:00%2B14:00",
    "/open311/v2/requests.json?service_request_id=" + "A" * 5000,
    "/open311/v2/requests.json?service_code=" + "x," * 3000,
    f"/reports/map/rss/?addressee={HUGE}",
    f"/reports/map/atom/?addressee={HUGE}",
    f"/reports/map/?addressee={HUGE}",
    "/reports/map/?addressee=%C2%B2",
    "/reports/map/?category=" + "z" * 5000,
    "/reports/map/?category=roads.pothole&category=nonsense&status=nonsense",
    "/reports/map/?submitted_to=9999-12-31&resolved_to=9999-12-31",
    "/reports/map/?submitted_from=0001-01-01&resolved_from=0001-01-01",
    "/reports/map/?page=" + HUGE,
    "/reports/map/rss/?submitted_to=9999-12-31&addressee=-1",
    f"/api/v1/reports.geojson?bbox={BBOX}&zoom=12&addressee=36624462691323141423104",
    f"/api/v1/reports.geojson?bbox={BBOX}&zoom=12&addressee=%C2%B2",
    f"/api/v1/reports.geojson?bbox={BBOX}&zoom={HUGE}",
    f"/api/v1/reports.geojson?bbox={BBOX}&zoom=1e400",
    "/api/v1/reports.geojson?bbox=1e400,-1e400,1e999,9" + "9" * 400 + "&zoom=3",
    f"/api/v1/reports.geojson?bbox={HUGE},{HUGE},{HUGE},{HUGE}&zoom=3",
    f"/api/v1/reports.geojson?bbox={BBOX}&zoom=12&submitted_to=9999-12-31",
    f"/api/v1/reports.geojson?bbox={BBOX}&zoom=12&category=" + "q" * 3000,
    "/reports/nearby/?category=roads.pothole&lat=1e400&lng=nan",
    f"/reports/new/?category={'c' * 3000}&lat={HUGE}",
    f"/reports/PR-2026-{HUGE}/",
    f"/reports/PR-2026-000001/photos/{HUGE}/",
]


@pytest.mark.parametrize("url", MALFORMED_GETS)
def test_malformed_public_input_is_not_a_server_error(client, make_report, url):
    make_report()
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code < 500, url


def test_open311_impossible_date_answers_400_in_open311_format(client, reports_site):
    import json

    for name in ("start_date", "end_date"):
        response = client.get("/open311/v2/requests.json",
                              {name: "2026-13-45T25:61:61+99:99"})
        assert response.status_code == 400
        errors = json.loads(response.content)
        assert errors[0]["code"] == 400 and name in errors[0]["description"]
    response = client.get("/open311/v2/requests.xml", {"start_date": "2026-13-45T25:61:61"})
    assert response.status_code == 400 and b"<errors>" in response.content


def test_huge_addressee_is_ignored_or_refused(client, make_report):
    import json

    report = make_report()
    response = client.get("/reports/map/rss/", {"addressee": HUGE})
    assert response.status_code in (200, 400)
    response = client.get("/api/v1/reports.geojson", {
        "bbox": BBOX, "zoom": 18, "addressee": "36624462691323141423104"})
    assert response.status_code == 400
    assert "addressee" in json.loads(response.content)["errors"]
    response = client.get("/api/v1/reports.geojson", {
        "bbox": BBOX, "zoom": 18, "addressee": str(report.addressee_id)})
    assert response.status_code == 200 and json.loads(response.content)["features"]


def test_staff_filters_with_huge_numbers(client, superuser, make_report):
    make_report()
    client.force_login(superuser)
    client.raise_request_exception = False
    for query in (f"addressee={HUGE}", f"category={HUGE}", "bbox=1e400,0,1,1",
                  "created_at_to=9999-12-31", f"p={HUGE}", "q=" + "x" * 5000):
        for url in (f"{ADMIN}?", f"{STAFF_MAP}map/?", f"{STAFF_MAP}map.json?",
                    f"{STAFF_MAP}dashboard/?", f"{ADMIN}?export=csv&"):
            assert client.get(f"{url}{query}").status_code < 500, (url, query)


@pytest.mark.postgres
def test_bigint_overflow_on_postgres(client, make_report):
    make_report()
    client.raise_request_exception = False
    for url in (f"/reports/map/rss/?addressee={HUGE}",
                f"/api/v1/reports.geojson?bbox={BBOX}&zoom=12&addressee={HUGE}",
                f"/reports/map/?addressee={HUGE}"):
        assert client.get(url).status_code < 500, url


def test_setup_records_name_addressees_of_their_own_site(town2, reports_site, addressee):
    from addons.reports.models import District

    category = ReportCategory.objects.get(site=reports_site, code="roads.pothole")
    category.responsible = town2["addressee"]
    with pytest.raises(ValidationError) as error:
        category.full_clean()
    assert "responsible" in error.value.message_dict
    category.responsible = addressee
    category.full_clean()
    district = District(site=reports_site, name="Centre", addressee=town2["addressee"])
    with pytest.raises(ValidationError):
        district.full_clean()
