"""Records of every add-on for the timeline tests, written straight to the database (the
add-ons' own tests cover how they are filed): an appeal, a problem report, a queue ticket,
a survey answer, a bulletin subscription, a campaign delivery, a notification."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

_numbers = itertools.count(1)

SUBJECT = "Broken heating in flat 12, Shevchenka street 5"


def count_queries(function, *args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        function(*args, **kwargs)
    return len(captured.captured_queries)


def make_person(site, name="Olena Kovalenko", *, emails=(), phones=(), accounts=()):
    from addons.accounts.models import Identity, Person, Verification

    person = Person.objects.create(site=site, full_name=name)
    for kind, values in (("email", emails), ("phone", phones), ("account", accounts)):
        for value in values:
            Identity.objects.create(person=person, site=site, kind=kind, value=str(value),
                                    raw=str(value), verified_at=timezone.now(),
                                    verified_how=Verification.OPERATOR)
    return person


def make_addressee(site, title="Housing department"):
    from addons.addressees.models import AddresseePage

    number = next(_numbers)
    return site.root_page.add_child(instance=AddresseePage(title=f"{title} {number}",
                                                           slug=f"addressee-{number}"))


def make_appeal(site, addressee, *, at=None, **fields):
    from addons.appeals.models import Appeal

    number = next(_numbers)
    fields.setdefault("subject", SUBJECT)
    fields.setdefault("text", "The radiators have been cold since October.")
    appeal = Appeal.objects.create(site=site, addressee=addressee,
                                   reference=f"AP-2026-{number:06d}", **fields)
    if at is not None:
        Appeal.objects.filter(pk=appeal.pk).update(received_at=at)
        appeal.refresh_from_db()
    return appeal


def make_report(site, *, is_open=True, **fields):
    from addons.reports.models import Report, ReportCategory, ReportStatus

    number = next(_numbers)
    category, _created = ReportCategory.objects.get_or_create(
        site=site, code="roads.pothole", defaults={"name": "Pothole"})
    code = "new" if is_open else "closed"
    status, _created = ReportStatus.objects.get_or_create(
        code=code, defaults={"name": code.title(), "is_open": is_open})
    fields.setdefault("description", "Deep pothole in front of house 15.")
    return Report.objects.create(site=site, category=category, status=status,
                                 tracking_number=f"PR-2026-{number:06d}", lat=50.45,
                                 lng=30.52, address="Florilor street 3", **fields)


def make_queue(site, addressee=None, title="Passport office"):
    from addons.queues.models import Queue

    return Queue.objects.create(site=site, title=title, addressee=addressee)


def make_ticket(queue, **fields):
    from addons.queues.models import Ticket

    number = next(_numbers)
    start = fields.pop("start", timezone.now() + timedelta(days=2))
    return Ticket.objects.create(queue=queue, service_name="Passport", start=start,
                                 end=start + timedelta(minutes=15), day=start.date(),
                                 seq=number, number=f"A-{number:03d}", **fields)


def make_answer(site, citizen, *, anonymous=False, title="Quality of service"):
    from addons.surveys.models import Response, Survey

    survey = Survey.objects.create(site=site, title=title, anonymous=anonymous)
    return Response.objects.create(
        survey=survey, citizen=None if anonymous else citizen,
        submitted_at=None if anonymous else timezone.now())


def make_subscription(site, email, user=None):
    from addons.bulletins.models import Subscription

    return Subscription.objects.create(site=site, email=email, user=user,
                                       confirmed_at=timezone.now())


def make_delivery(site, email, *, name="Spring cleaning day"):
    from addons.mailings.models import Campaign, Delivery, MailTemplate, RecipientList

    template = MailTemplate.objects.create(site=site, name=f"{name} template")
    recipients = RecipientList.objects.create(site=site, name=f"{name} list")
    campaign = Campaign.objects.create(site=site, name=name, template=template,
                                       recipient_list=recipients, status="sent",
                                       started_at=timezone.now())
    return Delivery.objects.create(campaign=campaign, email=email, status="sent",
                                   sent_at=timezone.now())


def make_notification(site, *, email="", recipient=None, subject="Your appeal is registered"):
    from addons.core.models import Notification

    return Notification.objects.create(site=site, email=email, recipient=recipient,
                                       event="appeals.filed", subject=subject, body="-",
                                       status="sent", sent_at=timezone.now())


def make_operator(django_user_model, name="operator", **extra):
    user = django_user_model.objects.create_user(username=name, email=f"{name}@city.example",
                                                 password="x", is_staff=True, **extra)
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin", content_type__app_label="wagtailadmin"),
        Permission.objects.get(codename="use_console", content_type__app_label="contacts"),
    )
    return user


@pytest.fixture(name="town")
def town_fixture(site):
    from addons.core.models import SiteProfile

    profile = SiteProfile.for_site(site)
    profile.jurisdiction = "ua"
    profile.default_language = "en"
    profile.save()
    return site


@pytest.fixture(name="citizen")
def citizen_fixture(django_user_model):
    return django_user_model.objects.create_user(username="olena", email="olena@example.org",
                                                 password="x", full_name="Olena Kovalenko")


@pytest.fixture(name="person")
def person_fixture(town, citizen):
    return make_person(town, emails=["olena.k@example.org"], phones=["+380441234567"],
                       accounts=[citizen.pk])


# -- fixtures the timeline tests of every add-on share (imported by each test module) ---------


@pytest.fixture(autouse=True)
def _in_english():
    """The words of the entries are compared in English."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def town(site):
    """The test site as a Ukrainian town (phones read in the UA region)."""
    from addons.core.models import SiteProfile

    profile = SiteProfile.for_site(site)
    profile.jurisdiction = "ua"
    profile.save()
    return site
