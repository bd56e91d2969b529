"""A problem report found by its tracking number: public when everyone may see it, with
its PIN and owners; the PIN on the reporter's confirmation page and e-mail."""

from django.urls import reverse

from addons.core.models import Notification
from addons.core.references import find_reference
from tests.conftest import add_town


def test_public_report_is_public(reports_site, make_report, citizen):
    report = make_report(contact_phone="067 123 45 67")
    typed = report.tracking_number.replace("PR", "РR").replace("-", " ")
    answer = find_reference(reports_site, typed)
    assert answer.reference == report.tracking_number
    assert answer.public is True
    assert answer.pin == report.status_pin
    assert answer.owners["account"] == {str(citizen.pk)}
    assert answer.owners["phone"] == {"+380671234567"}
    assert answer.addressee == report.addressee.title
    assert answer.status == report.status.label()
    report.is_public = False
    report.save()
    assert find_reference(reports_site, report.tracking_number).public is False


def test_other_town_and_unknown(reports_site, make_report):
    report = make_report()
    town = add_town("town2.localhost")
    assert find_reference(town, report.tracking_number) is None
    assert find_reference(reports_site, report.tracking_number[:-1] + "9") is None


def test_pin_on_the_confirmation(client, reports_site, make_report, citizen):
    report = make_report()
    mail = Notification.objects.get(event="reports.submitted")
    assert f"Status PIN: {report.status_pin} (for the status line)" in mail.body
    assert report.status_pin not in "".join(
        Notification.objects.filter(event="reports.new").values_list("body", flat=True))
    client.force_login(citizen)
    url = reverse("reports:submitted", args=[report.tracking_number])
    page = client.get(url).content.decode()
    assert f"{report.status_pin} (for the status line)" in page
