"""An appeal found by its reference for the status line, the console and the channels:
never public, with its PIN and its owners; the PIN on the applicant's receipts."""

import pytest
from django.urls import reverse

from addons.core.models import Notification
from addons.core.references import find_reference


def test_found_however_typed(site, file_one, citizen):
    appeal = file_one()
    number = appeal.reference.split("-")[-1].lstrip("0")
    year = appeal.reference.split("-")[1]
    for typed in (appeal.reference, appeal.reference.lower().replace("-", " "),
                  f"АР–{year}–{number}", f"ap{year}{appeal.reference[-6:]}"):
        answer = find_reference(site, typed)
        assert answer is not None, typed
        assert answer.reference == appeal.reference
    assert answer.public is False
    assert answer.pin == appeal.status_pin and len(answer.pin) == 6
    assert answer.owners["account"] == {str(citizen.pk)}
    assert answer.addressee == appeal.addressee.title
    assert answer.expected == appeal.due_date
    assert answer.status == appeal.get_status_display()
    assert answer.url.endswith(f"/{appeal.pk}/")


def test_unknown_and_other_town(site, file_one, make_town, citizen):
    appeal = file_one()
    assert find_reference(site, appeal.reference.replace("000001", "000099")) is None
    town = make_town("ro")
    assert find_reference(town["site"], appeal.reference) is None


@pytest.mark.django_db
def test_pin_on_the_acknowledgement_and_the_receipt_page(client, site, file_one, citizen):
    appeal = file_one()
    mail = Notification.objects.get(recipient=citizen, event="appeals.filed")
    assert f"Status PIN: {appeal.status_pin} (for the status line)" in mail.body
    client.force_login(citizen)
    page = client.get(reverse("appeals:detail", args=[appeal.pk])).content.decode()
    assert f"{appeal.status_pin} (for the status line)" in page
