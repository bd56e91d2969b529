import pytest

from addons.core.models import Notification
from addons.reports.models import ReportReplyTemplate, ReportStatus, ReportUpdate
from addons.reports.services import assign, change_status, make_private

pytestmark = pytest.mark.django_db


def test_status_change_timeline_and_notifications(client, make_report, moderator):
    report = make_report()
    change_status(report, "in_progress", moderator, public_note="Crew assigned",
                  internal_note="Truck 7")
    report.refresh_from_db()
    assert report.status.code == "in_progress" and report.is_open
    html = client.get(report.get_absolute_url()).content.decode()
    assert "Crew assigned" in html and "Truck 7" not in html
    note = Notification.objects.get(event="reports.status")
    assert note.recipient.username == "olena" and "Crew assigned" in note.body
    client.force_login(moderator)
    assert "Truck 7" in client.get(report.get_absolute_url()).content.decode()


def test_resolved_asks_for_confirmation(make_report, moderator):
    report = make_report()
    change_status(report, "resolved", moderator)
    report.refresh_from_db()
    assert not report.is_open and report.resolved_at and report.next_escalation_at is None
    row = Notification.objects.get(event="reports.resolved")
    assert str(report.access_key) in row.url


def test_reply_template_fills_note(make_report, moderator):
    template = ReportReplyTemplate.objects.create(
        title="Fixed", text="The pothole was patched.", status=ReportStatus.objects.get(
            code="resolved"))
    report = make_report()
    entry = change_status(report, "resolved", moderator, template=template)
    assert entry.public_note == "The pothole was patched."


def test_staff_form_on_page(client, make_report, moderator, other_citizen):
    report = make_report()
    status = ReportStatus.objects.get(code="planned")
    url = f"/reports/{report.tracking_number}/status/"
    client.force_login(other_citizen)
    assert client.post(url, {"status": status.pk}).status_code == 404
    client.force_login(moderator)
    # the same status is refused with the service's message, the typed note kept
    response = client.post(url, {"status": report.status_id, "public_note": "Typed reply"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "The report already has this status." in body and "Typed reply" in body
    assert client.post(url, {"status": status.pk, "public_note": "Next week"}).status_code == 302
    report.refresh_from_db()
    assert report.status == status
    from wagtail.models import ModelLogEntry

    assert ModelLogEntry.objects.filter(action="reports.status",
                                        object_id=str(report.pk)).exists()


def test_assign_and_make_private(make_report, moderator, water, make_user):
    watermod = make_user("watermod", moderates=[water])
    report = make_report()
    assign(report, water, moderator)
    assert Notification.objects.filter(event="reports.new", recipient=watermod).exists()
    make_private(report, moderator)
    report.refresh_from_db()
    assert not report.is_public
    assert ReportUpdate.objects.filter(report=report, kind="private", is_public=False).exists()


def test_district_routing(make_report, reports_site, water):
    from addons.reports.models import District, DistrictRoute

    from .conftest import CENTRE

    district = District.objects.create(site=reports_site, name="Centre", polygon=[
        [CENTRE.lat - 0.01, CENTRE.lng - 0.01], [CENTRE.lat - 0.01, CENTRE.lng + 0.01],
        [CENTRE.lat + 0.01, CENTRE.lng + 0.01], [CENTRE.lat + 0.01, CENTRE.lng - 0.01]])
    report = make_report()
    DistrictRoute.objects.create(district=district, category=report.category, addressee=water)
    report = make_report()
    assert report.addressee.pk == water.pk and report.district == district
    from addons.core.geo import Point

    outside = make_report(point=Point(CENTRE.lat + 0.05, CENTRE.lng))
    assert outside.addressee.slug == "roads"


def _mails_to(address):
    from django.core import mail

    return [m for m in mail.outbox if address in m.to]


def test_resolving_sends_the_reporter_one_mail(make_report, moderator, citizen,
                                               other_citizen, django_capture_on_commit_callbacks):
    from addons.reports.services import subscribe

    report = make_report()
    subscribe(report, user=other_citizen)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        change_status(report, "resolved", moderator, public_note="Patched")
    mine = Notification.objects.filter(recipient=citizen)
    assert [row.event for row in mine] == ["reports.resolved"]
    assert "Patched" in mine.get().body
    # a follower still hears of the new status
    assert list(Notification.objects.filter(recipient=other_citizen)
                .values_list("event", flat=True)) == ["reports.status"]
    assert len(_mails_to(citizen.email)) == 1


def test_resolving_sends_an_anonymous_reporter_one_mail(make_report, moderator,
                                                        django_capture_on_commit_callbacks):
    report = make_report(reporter=None, contact_email="anna@example.org")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        change_status(report, "resolved", moderator)
    rows = Notification.objects.filter(email="anna@example.org")
    assert [row.event for row in rows] == ["reports.resolved"]
    assert len(_mails_to("anna@example.org")) == 1
