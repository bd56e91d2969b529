"""Dynamic lists: the segments the queues and reports add-ons declare, through the core
registry, and the admin's one-select audience."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from addons.core import registry
from addons.mailings import services
from addons.mailings.models import ListKind, RecipientList

from .conftest import make_campaign, make_list

pytestmark = pytest.mark.django_db


def person(django_user_model, name, **kwargs):
    return django_user_model.objects.create_user(
        username=name, email=f"{name}@example.org", password="x", full_name=name.title(),
        **kwargs)


def test_segments_are_declared_by_the_addons_that_own_the_data():
    segments = registry.recipient_segments()
    assert segments["queues.visitors"][0].label == "queues"
    assert segments["reports.district"][0].label == "reports"


@pytest.fixture
def queue_with_visitors(site, django_user_model):
    from addons.queues.models import Queue, Ticket, TicketStatus

    queue = Queue.objects.create(site=site, title="Civil registry", letter="A")
    other = Queue.objects.create(site=site, title="Passports", letter="P")
    ana = person(django_user_model, "ana", language="ro")
    bogdan = person(django_user_model, "bogdan")
    ivan = person(django_user_model, "ivan")
    start = timezone.make_aware(datetime(2026, 3, 2, 10, 0))
    for seq, (q, citizen, status) in enumerate([
        (queue, ana, TicketStatus.BOOKED), (queue, ana, TicketStatus.SERVED),
        (queue, bogdan, TicketStatus.CANCELLED), (other, ivan, TicketStatus.BOOKED),
    ], start=1):
        Ticket.objects.create(queue=q, service_name="Visit", citizen=citizen, start=start,
                              end=start + timedelta(minutes=15), day=start.date(), seq=seq,
                              number=f"A-{seq:03d}", status=status)
    return queue


def test_everyone_who_booked_a_queue(site, queue_with_visitors):
    from addons.queues.segments import queue_choices, queue_visitors

    assert (str(queue_with_visitors.pk), "Civil registry") in queue_choices(site)
    recipients = list(queue_visitors(site, str(queue_with_visitors.pk)))
    # once each, cancelled tickets left out, other queues left out
    assert [(r.email, r.name, r.language) for r in recipients] == [
        ("ana@example.org", "Ana", "ro")]
    assert list(queue_visitors(site, "not a number")) == []


def test_campaign_to_a_queue_segment(site, profile, queue_with_visitors, start):
    recipient_list = make_list(site, kind=ListKind.DYNAMIC, segment="queues.visitors",
                               segment_value=str(queue_with_visitors.pk))
    assert start(make_campaign(site, recipient_list=recipient_list)) == 1
    assert [m.to[0] for m in mail.outbox] == ["Ana <ana@example.org>"]


def test_citizens_of_a_district(site, django_user_model):
    from addons.reports.models import District, Street
    from addons.reports.segments import district_choices, district_citizens

    centre = District.objects.create(site=site, name="Centre",
                                     polygon=[[0, 0], [0, 10], [10, 10], [10, 0]])
    north = District.objects.create(site=site, name="North")
    Street.objects.create(site=site, name="Садова", kind="вул.", lat=50, lng=30,
                          district=centre)
    Street.objects.create(site=site, name="Нова Садова", kind="вул.", lat=51, lng=30,
                          district=north)
    Street.objects.create(site=site, name="Липова", kind="вул.", lat=5, lng=5)  # in polygon
    person(django_user_model, "ana", postal_address="м. Світлогірськ, вул. Садова, 5")
    person(django_user_model, "bogdan", postal_address="вул. Нова Садова, 12, кв. 3")
    person(django_user_model, "ivan", postal_address="Липова 7")
    person(django_user_model, "olga", postal_address="Somewhere else 1")
    person(django_user_model, "petro")  # no address
    assert (str(centre.pk), "Centre") in district_choices(site)
    emails = sorted(r.email for r in district_citizens(site, str(centre.pk)))
    assert emails == ["ana@example.org", "ivan@example.org"]
    assert [r.email for r in district_citizens(site, str(north.pk))] == ["bogdan@example.org"]


def test_admin_creates_a_dynamic_list_with_one_select(staff_client, site, queue_with_visitors):
    url = "/admin/snippets/mailings/recipientlist/add/"
    page = staff_client.get(url).content.decode()
    assert f'value="queues.visitors|{queue_with_visitors.pk}"' in page
    response = staff_client.post(url, {
        "name": "Registry visitors", "site": site.pk, "description": "",
        "kind": "dynamic", "audience": f"queues.visitors|{queue_with_visitors.pk}",
        "segment": "", "segment_value": "",
    })
    assert response.status_code == 302, response.content.decode()[-3000:]
    created = RecipientList.objects.get(name="Registry visitors")
    assert (created.segment, created.segment_value) == ("queues.visitors",
                                                        str(queue_with_visitors.pk))
    assert [r.email for r in services.resolve_recipients(created)] == ["ana@example.org"]


def test_admin_refuses_a_dynamic_list_without_segment(staff_client, site):
    response = staff_client.post("/admin/snippets/mailings/recipientlist/add/", {
        "name": "Nobody yet", "site": site.pk, "kind": "dynamic", "audience": "",
        "description": "Typed by the webmaster",
    })
    assert response.status_code == 200
    content = response.content.decode()
    assert "A dynamic list needs a segment." in content
    assert "Typed by the webmaster" in content
    assert not RecipientList.objects.exists()
