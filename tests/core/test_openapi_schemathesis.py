"""Schemathesis against /api/v1/schema/: every operation, a few generated requests each, with
a town's data in place. No answer may be a server error, and every status an operation gives
must be declared in the schema (and its body must match the declared shape).

Bounded: a handful of examples per operation, no shrinking, so the run stays well under a
minute on SQLite and PostgreSQL."""

from datetime import time

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from addons.core.geo import Point

MAX_EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def town(site, citizen, settings):
    """A town with an addressee, an appeal, a problem report and a bookable queue."""
    from addons.addressees.models import AddresseeCatalogPage, AddresseePage
    from addons.appeals.models import AppealForm, AppealFormPlacement
    from addons.appeals.services import file_appeal
    from addons.core.models import SiteProfile
    from addons.queues.models import Queue, QueueService, WeeklySchedule
    from addons.reports.models import ReportCategory, ReportsSettings
    from addons.reports.services import create_defaults, submit_report

    settings.RATELIMIT_ENABLE = False
    profile = SiteProfile.for_site(site)
    profile.jurisdiction = "ua"
    profile.default_language = "en"
    profile.map_center = "49.235,31.623"
    profile.save()
    catalog = site.root_page.add_child(instance=AddresseeCatalogPage(title="Addressees",
                                                                     slug="addressees"))
    roads = catalog.add_child(instance=AddresseePage(title="Roads department", slug="roads"))
    form = AppealForm.objects.create(site=site, title="Appeal")
    AppealFormPlacement.objects.create(page=roads, form=form)
    file_appeal(site=site, form=form, addressee=roads, author=citizen, data={
        "applicant_name": "Olena Shevchenko", "applicant_address": "1 Main Street",
        "applicant_email": "olena@example.org", "subject": "Pothole",
        "text": "A deep pothole in front of house 1."})
    options = ReportsSettings.for_site(site)
    options.min_lat, options.max_lat, options.min_lng, options.max_lng = 49.1, 49.4, 31.4, 31.8
    options.default_addressee = roads
    options.save()
    create_defaults(site)
    submit_report(site=site, category=ReportCategory.objects.get(site=site,
                                                                 code="roads.pothole"),
                  point=Point(49.235, 31.623), description="Pothole", reporter=citizen)
    queue = Queue.objects.create(site=site, title="Registry", slot_minutes=30, capacity=1,
                                 horizon_days=30, letter="A", addressee=roads)
    for weekday in range(7):
        WeeklySchedule.objects.create(queue=queue, weekday=weekday, start=time(9),
                                      end=time(13))
    QueueService.objects.create(queue=queue, name="Certificate")
    return site


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, without closing the database connection at the end
    of each request (as Django's test client does: the test's transaction must live on)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth(citizen):
    return {"Authorization": f"Token {Token.objects.create(user=citizen).key}"}


def test_api_answers_only_what_it_declares(town, auth, wsgi_app, figures):
    # Each operation runs as its own Hypothesis test (schemathesis' pytest plugin is not used:
    # its lazy fixture loader does not work with the pytest in use).
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    problems = []
    calls = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def run(case):
            calls.append(case.operation.label)
            case.call_and_validate(headers=auth, checks=CHECKS)

        try:
            run()
        except Exception as error:  # noqa: BLE001 - every operation's failure is reported
            problems.append(f"{operation.label}: {error}")
    figures.add("schemathesis", f"{len(operations)} operations, {len(calls)} requests, "
                                f"{len(problems)} failing")
    assert not problems, "\n\n".join(problems)
