"""The feedback form: saved, moderators notified, errors keep what was typed, robots and
floods refused."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from addons.addressees.models import FeedbackMessage
from addons.core.models import Notification

from .helpers import add_addressee

pytestmark = pytest.mark.django_db

VALID = {
    "feedback-name": "Taras Hnatiuk",
    "feedback-email": "taras@example.com",
    "feedback-phone": "+380 67 000 00 00",
    "feedback-message": "The bus stop on Lypova street has no timetable.",
    "feedback-website": "",
}


def post(client, page, data, ip="10.0.0.1"):
    return client.post(f"/addressees/{page.pk}/feedback/", data, HTTP_HOST="localhost",
                       REMOTE_ADDR=ip)


@pytest.fixture
def transport(catalog):
    return add_addressee(catalog, "Transport department")


@pytest.fixture
def moderator(transport):
    user = get_user_model().objects.create_user(
        username="mod", email="mod@city.example", password="x", language="en")
    user.groups.add(transport.moderators)
    return user


def test_feedback_is_saved_and_reaches_the_moderators(client, transport, moderator,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, transport, VALID)
    assert response.status_code == 302
    assert response["Location"] == f"{transport.url}#feedback"
    message = FeedbackMessage.objects.get()
    assert message.addressee_id == transport.pk
    assert message.name == "Taras Hnatiuk" and message.phone == "+380 67 000 00 00"
    assert message.author is None
    notification = Notification.objects.get(recipient=moderator)
    assert notification.event == "addressees.feedback"
    assert "Transport department" in notification.subject
    assert "Lypova" in notification.body
    assert notification.url == f"/admin/casework/feedback/{message.pk}/"
    assert [m.to for m in mail.outbox] == [["mod@city.example"]]
    # the success message shows on the addressee page
    page = client.get(response["Location"].split("#")[0], HTTP_HOST="localhost")
    assert b"Your message has been sent to Transport department" in page.content


def test_signed_in_citizen_is_the_author_and_the_form_is_prefilled(client, transport):
    citizen = get_user_model().objects.create_user(
        username="citizen", email="citizen@example.com", password="x",
        full_name="Mariia Ivanenko", phone="+380 50 1")
    client.force_login(citizen)
    page = client.get(transport.url, HTTP_HOST="localhost")
    assert b'value="Mariia Ivanenko"' in page.content
    assert b'value="citizen@example.com"' in page.content
    post(client, transport, VALID)
    assert FeedbackMessage.objects.get().author == citizen


@pytest.mark.parametrize("field, value, error", [
    ("feedback-name", "", "This field is required."),
    ("feedback-email", "not-an-email", "Enter a valid email address."),
    ("feedback-message", "hi", "Please write a little more"),
    ("feedback-message", "x" * 5001, "The message is too long"),
    ("feedback-phone", "1" * 40, "Ensure this value has at most 32 characters"),
])
def test_errors_rerender_the_page_keeping_what_was_typed(client, transport, field, value,
                                                         error):
    data = {**VALID, field: value}
    response = post(client, transport, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert "<h1" in html and "Transport department" in html  # the addressee page itself
    assert 'role="alert"' in html
    assert 'value="Taras Hnatiuk"' in html or field == "feedback-name"
    assert "Lypova" in html or field == "feedback-message"
    assert FeedbackMessage.objects.count() == 0


def test_errors_in_the_sites_language(client, transport):
    client.cookies["civicdesk_language"] = "uk"
    response = client.post(f"/addressees/{transport.pk}/feedback/",
                           {**VALID, "feedback-message": "hi"}, HTTP_HOST="localhost")
    assert "Напишіть, будь ласка, трохи більше".encode() in response.content


def test_honeypot_is_accepted_silently_and_dropped(client, transport, moderator):
    response = post(client, transport, {**VALID, "feedback-website": "http://spam.example"})
    assert response.status_code == 302
    assert FeedbackMessage.objects.count() == 0
    assert Notification.objects.count() == 0


def test_rate_limit_per_ip(client, transport):
    for _ in range(5):
        assert post(client, transport, VALID).status_code == 302
    response = post(client, transport, VALID)
    assert response.status_code == 429
    assert b"several messages in a short time" in response.content
    assert b"Lypova" in response.content  # what was typed is kept
    assert FeedbackMessage.objects.count() == 5
    # another address is not limited
    assert post(client, transport, VALID, ip="10.0.0.2").status_code == 302


def test_feedback_switched_off(client, catalog):
    page = add_addressee(catalog, "Archive", feedback_enabled=False)
    html = client.get(page.url, HTTP_HOST="localhost").content.decode()
    assert 'id="feedback"' not in html
    assert post(client, page, VALID).status_code == 404


@pytest.mark.parametrize("page_id", ["999999", "99999999999999999999999"])
def test_feedback_to_unknown_addressee_is_404(client, catalog, page_id):
    response = client.post(f"/addressees/{page_id}/feedback/", VALID, HTTP_HOST="localhost")
    assert response.status_code == 404


def test_get_on_the_feedback_url_goes_to_the_page(client, transport):
    response = client.get(f"/addressees/{transport.pk}/feedback/", HTTP_HOST="localhost")
    assert response.status_code == 302 and response["Location"] == transport.url


def test_personal_data_and_anonymise(transport):
    from addons.addressees.services import submit_feedback
    from addons.core import registry

    citizen = get_user_model().objects.create_user(username="c", email="c@example.com",
                                                   password="x")
    submit_feedback(transport, name="C", email="c@example.com", message="Hello there",
                    author=citizen)
    addon = registry.get_addon("addressees")
    data = addon.personal_data(citizen)
    assert data["feedback_messages"][0]["message"] == "Hello there"
    addon.anonymise(citizen)
    assert not FeedbackMessage.objects.exists()


def test_feedback_to_an_addressee_without_staff_goes_to_the_reception_office(site, transport):
    from django.contrib.auth.models import Group

    from addons.addressees.services import submit_feedback
    from addons.core.models import StaffingSettings

    office = Group.objects.create(name="General office")
    StaffingSettings.objects.update_or_create(site=site, defaults={"reception_office": office})
    clerk = get_user_model().objects.create_user(username="clerk", email="clerk@city.example",
                                                 password="x", is_staff=True)
    clerk.groups.add(office)
    submit_feedback(transport, name="C", email="c@example.com", message="Hello there")
    assert list(Notification.objects.values_list("recipient", flat=True)) == [clerk.pk]


def test_feedback_goes_to_the_delegate_of_an_absent_moderator(transport, moderator):
    import datetime

    from django.utils import timezone

    from addons.addressees.services import submit_feedback
    from addons.core.casework.models import StaffAbsence

    stand_in = get_user_model().objects.create_user(username="standin",
                                                    email="standin@city.example", password="x")
    today = timezone.localdate()
    StaffAbsence.objects.create(user=moderator, delegate=stand_in, starts=today,
                                ends=today + datetime.timedelta(days=3))
    submit_feedback(transport, name="C", email="c@example.com", message="Hello there")
    assert list(Notification.objects.values_list("recipient", flat=True)) == [stand_in.pk]
