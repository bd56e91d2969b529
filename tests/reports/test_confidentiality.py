import pytest

from addons.reports.services import moderate

from .conftest import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_report(make_report):
    from addons.reports.photos import process_photo

    from .conftest import photo_upload

    photo = process_photo(photo_upload(content=image_bytes()), max_bytes=10 * 1024 * 1024)
    return make_report(is_public=False, photos=[photo])


def _urls(report):
    photo = report.photos.get()
    return [report.get_absolute_url(), photo.get_absolute_url(), photo.get_thumbnail_url()]


def test_private_report_hidden_from_others(client, private_report, other_citizen):
    for url in _urls(private_report):
        assert client.get(url).status_code == 404
    client.force_login(other_citizen)
    for url in _urls(private_report):
        assert client.get(url).status_code == 404


def test_private_report_seen_by_reporter_moderator_superuser(client, private_report, citizen,
                                                            moderator, superuser):
    for user in (citizen, moderator, superuser):
        client.force_login(user)
        for url in _urls(private_report):
            response = client.get(url)
            assert response.status_code == 200, (user, url)
        client.logout()


def test_photo_headers_and_content(client, make_report):
    from addons.reports.photos import process_photo

    from .conftest import photo_upload

    report = make_report(photos=[process_photo(photo_upload(content=image_bytes()),
                                               max_bytes=10 * 1024 * 1024)])
    response = client.get(report.photos.get().get_absolute_url())
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_hidden_photo_only_for_staff(client, make_report, moderator, citizen):
    from addons.reports.photos import process_photo

    from .conftest import photo_upload

    report = make_report(photos=[process_photo(photo_upload(content=image_bytes()),
                                               max_bytes=10 * 1024 * 1024)])
    photo = report.photos.get()
    moderate(report, moderator, hide_photos=[photo.pk])
    assert client.get(photo.get_absolute_url()).status_code == 404
    client.force_login(citizen)
    assert client.get(photo.get_absolute_url()).status_code == 404
    client.force_login(moderator)
    assert client.get(photo.get_absolute_url()).status_code == 200


def test_anonymous_reporter_keeps_access_by_key(client, make_report):
    report = make_report(is_public=False, reporter=None, contact_email="a@example.org")
    assert client.get(report.get_absolute_url()).status_code == 404
    assert client.get(report.get_absolute_url() + "?key=wrong").status_code == 404
    assert client.get(report.get_absolute_url() + f"?key={report.access_key}").status_code == 200


def test_public_page_hides_reporter_details(client, make_report, citizen):
    report = make_report(contact_phone="+380 99 000 11 22")
    html = client.get(report.get_absolute_url()).content.decode()
    assert "+380 99 000 11 22" not in html and citizen.email not in html
    assert "Olena Citizen" not in html


def test_personal_data_and_anonymise(make_report, citizen):
    from addons.reports.models import Report
    from addons.reports.services import anonymise, personal_data

    report = make_report(contact_phone="123")
    data = personal_data(citizen)
    assert data["reports"][0]["tracking_number"] == report.tracking_number
    anonymise(citizen)
    report = Report.objects.get()
    assert report.reporter is None and report.contact_phone == "" and report.reporter_name == ""
    assert report.anonymised_at is not None
