"""Problem reports notify through core's staffing rule."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from addons.core.casework.models import StaffAbsence
from addons.core.models import Notification, StaffingSettings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_language():
    """The interface language active before the test is active after it (migrations and
    admin requests run here switch it)."""
    from django.utils import translation

    language = translation.get_language()
    yield
    translation.activate(language)


def received(user, event):
    return Notification.objects.filter(recipient=user, event=event).count()


@pytest.fixture
def office(reports_site, make_user):
    group = Group.objects.create(name="General office")
    StaffingSettings.objects.update_or_create(site=reports_site,
                                              defaults={"reception_office": group})
    clerk = make_user("clerk", is_staff=True)
    clerk.groups.add(group)
    return clerk


def test_new_report_goes_to_the_office_when_nobody_handles_the_addressee(make_report, office,
                                                                         django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    make_report()
    assert received(office, "reports.new") == 1
    assert received(root, "reports.new") == 0


def test_new_report_goes_up_the_tree_then_to_the_delegate(make_report, head, make_user,
                                                          office):
    # the roads department has no staff: its parent (the city hall) handles it
    make_report()
    assert received(head, "reports.new") == 1
    assert received(office, "reports.new") == 0
    stand_in = make_user("standin", is_staff=True)
    today = timezone.localdate()
    StaffAbsence.objects.create(user=head, delegate=stand_in, starts=today, ends=today)
    make_report(description="Another pothole near the school.")
    assert received(stand_in, "reports.new") == 1
    assert received(head, "reports.new") == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_fills_the_core_leadership_only_when_empty(site, catalog, city_hall):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from addons.addressees.models import AddresseePage

    other = catalog.add_child(instance=AddresseePage(title="Mayor", slug="mayor"))
    before = [("reports", "0004_street_line")]
    after = [("reports", "0005_leadership_to_core")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        ReportsSettings = old_apps.get_model("reports", "ReportsSettings")
        ReportsSettings.objects.update_or_create(site_id=site.pk,
                                                 defaults={"leadership_id": city_hall.pk})
        StaffingSettings.objects.filter(site=site).delete()
        MigrationExecutor(connection).migrate(after)
        assert StaffingSettings.objects.get(site=site).leadership_id == city_hall.pk
        # a leadership already chosen in core (appeals' migration) is kept
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        ReportsSettings = executor.loader.project_state(before).apps.get_model(
            "reports", "ReportsSettings")
        ReportsSettings.objects.filter(site_id=site.pk).update(leadership_id=city_hall.pk)
        StaffingSettings.objects.filter(site=site).update(leadership=other)
        MigrationExecutor(connection).migrate(after)
        assert StaffingSettings.objects.get(site=site).leadership_id == other.pk
    finally:
        # back to the latest state of every app (later migrations too)
        latest = MigrationExecutor(connection)
        latest.migrate(latest.loader.graph.leaf_nodes())
