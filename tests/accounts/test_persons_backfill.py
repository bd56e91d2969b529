"""Existing records become persons: the data migrations and ``manage.py persons_backfill``."""

import importlib
import io

import pytest
from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from addons.accounts import backfill
from addons.accounts.models import Identity, IdentityKind, Person
from addons.core import registry
from addons.core.addon import TimelineSource
from tests.conftest import add_town

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    from django.utils import translation

    client.cookies["civicdesk_language"] = "en"
    with translation.override("en"):
        yield


def migration(path):
    return importlib.import_module(path)


@pytest.fixture
def reports(site):
    from addons.reports.models import Report, ReportCategory, ReportStatus
    from addons.reports.services import create_defaults

    create_defaults(site)
    category = ReportCategory.objects.filter(site=site).first()
    status = ReportStatus.objects.get(code="new")
    count = iter(range(1, 100))

    def make(**fields):
        return Report.objects.create(site=site, tracking_number=f"PR-2026-{next(count):06}",
                                     category=category, status=status, lat=50.45, lng=30.52,
                                     description="Pothole", **fields)

    return make


def run_reports_migration():
    module = migration("addons.reports.migrations.0008_persons_from_reports")
    module.forwards(global_apps, None)


def test_reports_become_persons_once(site, reports):
    user = get_user_model().objects.create_user(username="o", email="olena@example.org",
                                                password="x", email_confirmed=True,
                                                full_name="Olena Petrenko")
    reports(reporter=user, reporter_name="Olena", contact_email="OLENA@example.org",
            contact_phone="044 123 45 67")
    reports(reporter_name="Ivan", contact_email="ivan@example.org", contact_phone="")
    reports(reporter_name="Ivan", contact_email="ivan@example.org", contact_phone="")
    reports(reporter_name="Anna", contact_phone="12-ab")
    reports(reporter_name="Nobody")
    run_reports_migration()
    counts = (Person.objects.count(), Identity.objects.count())
    assert counts == (3, 5)
    # the account's person: one verified e-mail, not a second one for the typed address
    owner = Person.objects.get(identities__kind=IdentityKind.ACCOUNT)
    emails = owner.identities.filter(kind=IdentityKind.EMAIL)
    assert [(e.value, e.verified) for e in emails] == [("olena@example.org", True)]
    assert owner.identities.get(kind=IdentityKind.PHONE).value == "+380441234567"
    bad = Identity.objects.get(raw="12-ab")
    assert not bad.valid and bad.value == "12-ab" and not bad.verified
    # running again creates nothing
    run_reports_migration()
    assert (Person.objects.count(), Identity.objects.count()) == counts


def test_appeal_and_ticket_migrations_run_on_historical_models(site):
    for path in ("addons.appeals.migrations.0012_persons_from_appeals",
                 "addons.queues.migrations.0007_persons_from_tickets"):
        migration(path).forwards(global_apps, None)
    assert not Person.objects.exists()


def test_phone_read_in_the_towns_region(site):
    town = add_town("town2.example.org", jurisdiction="ro")
    rows = [{"site_id": town.pk, "name": "Ion", "phone": "0721 234 567", "region": "RO"}]
    assert backfill.add_contacts(Person, Identity, iter(rows)) == 1
    assert Identity.objects.get().value == "+40721234567"
    assert backfill.add_contacts(Person, Identity, iter(rows)) == 0


def contacts_of_demo(site):
    user = get_user_model().objects.get(username="o")
    yield {"name": "Olena", "email": "olena@example.org", "phone": "", "user_id": user.pk}
    yield {"name": "Ivan", "email": "", "phone": "+380 67 111 22 33", "user_id": None}
    yield {"name": "Bad", "email": "", "phone": "not a phone", "user_id": None}


class _Source:
    label = "demo"
    timeline = (TimelineSource(key="demo", title="Demo", entries="x.y",
                               contacts=f"{__name__}.contacts_of_demo"),)


def test_persons_backfill_command_reads_the_timeline_sources(site, monkeypatch):
    get_user_model().objects.create_user(username="o", email="olena@example.org",
                                         password="x", email_confirmed=True)
    monkeypatch.setattr(registry, "_addons", {**registry._addons, "demo": _Source()})
    town = add_town("town2.example.org")
    out = io.StringIO()
    call_command("persons_backfill", "--site", "localhost", stdout=out)
    assert "3 new persons" in out.getvalue()
    assert not Person.objects.filter(site=town).exists()
    olena = Person.objects.get(identities__kind=IdentityKind.ACCOUNT)
    assert olena.identities.get(kind=IdentityKind.EMAIL).verified
    assert Identity.objects.filter(kind=IdentityKind.EMAIL).count() == 1
    assert not Identity.objects.get(raw="not a phone").valid
    out = io.StringIO()
    call_command("persons_backfill", stdout=out)  # again, every town
    assert "localhost: demo: 0 new persons" in out.getvalue()
    assert Person.objects.filter(site=site).count() == 3
    assert Person.objects.filter(site=town).count() == 3  # the other town has its own
    out = io.StringIO()
    call_command("persons_backfill", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "0 new persons"
