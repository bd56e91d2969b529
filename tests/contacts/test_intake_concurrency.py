"""Operators filing at the same moment on PostgreSQL: one time, one ticket (callers
without an account included); one interaction keeps every record filed into it."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from addons.accounts.models import Person
from addons.contacts.models import Interaction
from addons.queues.models import QueueService, Ticket
from addons.reports.models import Report
from tests.queues.conftest import at, make_queue, working_day

from .test_intake import CENTRE, URL, _booking, _report, _staff

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

OPERATORS = 6


def _together(work, count):
    barrier = threading.Barrier(count)
    results, lock = [], threading.Lock()

    def run(n):
        try:
            barrier.wait()
            outcome = work(n)
        except Exception as error:  # noqa: BLE001
            outcome = error
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def clients(django_user_model):
    made = []
    for n in range(OPERATORS):
        client = Client()
        client.cookies["civicdesk_language"] = "en"
        client.force_login(_staff(django_user_model, f"operator{n}"))
        made.append(client)
    return made


@pytest.fixture
def town(site, home, monkeypatch):
    from addons.addressees.models import AddresseeCatalogPage, AddresseePage
    from addons.core.models import SiteProfile
    from addons.queues import services
    from addons.reports.models import ReportsSettings
    from addons.reports.services import create_defaults

    monkeypatch.setattr(services, "_after_booking", lambda ticket: None)
    catalog = home.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                           slug="addressees"))
    catalog.add_child(instance=AddresseePage(title="Roads department", slug="roads"))
    options = ReportsSettings.for_site(site)
    options.min_lat, options.max_lat = CENTRE.lat - 0.1, CENTRE.lat + 0.1
    options.min_lng, options.max_lng = CENTRE.lng - 0.15, CENTRE.lng + 0.15
    options.category_map = {"roads.": "roads"}
    options.save()
    create_defaults(site)
    queue = make_queue(site)
    QueueService.objects.create(queue=queue, name="Birth certificate")
    profile = SiteProfile.for_site(site)
    profile.jurisdiction, profile.default_language = "ua", "en"
    profile.save()
    return site


def test_one_time_one_ticket(town, clients):
    service = QueueService.objects.get(queue__site=town)
    day = working_day()
    callers = [Person.objects.create(site=town, full_name=f"Caller {n}")
               for n in range(OPERATORS)]

    def book(n):
        return clients[n].post(URL, {**_booking(service, day, **{
            "queues-contact_name": f"Caller {n}"}), "person": callers[n].pk}).status_code

    codes = _together(book, OPERATORS)
    assert sorted(codes) == [200] * (OPERATORS - 1) + [302]
    assert Ticket.objects.filter(start=at(day, 9)).count() == 1


def test_every_record_reaches_the_interaction(town, clients):
    from addons.reports.models import ReportCategory

    category = ReportCategory.objects.get(site=town, code="roads.pothole")
    caller = Person.objects.create(site=town, full_name="Caller")
    call = Interaction.objects.create(site=town, person=caller, channel="phone")

    def file(n):
        return clients[n].post(URL, {**_report(category, **{
            "reports-description": f"Pothole {n}"}), "person": caller.pk,
            "interaction": call.pk}).status_code

    assert _together(file, OPERATORS) == [302] * OPERATORS
    call.refresh_from_db()
    assert sorted(row["reference"] for row in call.records) == sorted(
        Report.objects.values_list("tracking_number", flat=True))
    assert len(call.records) == OPERATORS
