"""Appeals notify through core's staffing rule: the office when the addressee has no staff
present, the delegate of someone away; the leadership setting moved to core."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
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
def office(site, make_user):
    group = Group.objects.create(name="Appeals department")
    StaffingSettings.objects.update_or_create(site=site, defaults={"reception_office": group})
    clerk = make_user("clerk", is_staff=True)
    clerk.groups.add(group)
    return clerk


def test_appeal_to_an_addressee_without_staff_goes_to_the_office(file_one, office,
                                                                 django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    appeal = file_one()
    assert received(office, "appeals.new") == 1
    assert received(root, "appeals.new") == 0
    assert appeal.reference


def test_the_office_works_on_what_is_routed_to_it_and_nothing_else(
        client, site, file_one, office, moderator):
    """Routed to the office, the appeal is on the office's staff home and desk list and it
    can be taken; once the addressee has someone at work, it leaves the office's lists."""
    from django.urls import reverse

    from addons.core.casework import queries
    from addons.core.registry import casework_for

    declaration = casework_for("appeals")[1]
    from django.contrib.auth.models import Permission

    moderator.groups.clear()  # the addressee has nobody: the office receives its appeals
    office.groups.get().permissions.add(Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"))
    appeal = file_one()
    clerk = type(office).objects.get(pk=office.pk)
    assert list(queries.work_queryset(declaration, clerk, site, "unassigned")) == [appeal]
    client.force_login(office)
    page = client.get(reverse("casework_appeals:index"), {"work": "unassigned"},
                      HTTP_HOST=site.hostname)
    assert appeal.reference in page.content.decode()
    client.post(reverse("casework_appeals:assignment", args=[appeal.pk, "take"]),
                {"lock_version": appeal.lock_version}, HTTP_HOST=site.hostname)
    appeal.refresh_from_db()
    assert appeal.assignee_id == office.pk


def test_appeal_goes_to_the_delegate_of_an_absent_moderator(file_one, moderator, make_user,
                                                            office):
    stand_in = make_user("standin", is_staff=True)
    today = timezone.localdate()
    StaffAbsence.objects.create(user=moderator, delegate=stand_in, starts=today, ends=today)
    file_one()
    assert received(stand_in, "appeals.new") == 1
    assert received(moderator, "appeals.new") == 0
    assert received(office, "appeals.new") == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_copies_the_leadership_to_core(site, catalog):
    from addons.addressees.models import AddresseePage

    mayor = catalog.add_child(instance=AddresseePage(title="Mayor", slug="mayor"))
    executor = MigrationExecutor(connection)
    before = [("appeals", "0008_content_translations")]
    after = [("appeals", "0009_leadership_to_core")]
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        AppealsSettings = old_apps.get_model("appeals", "AppealsSettings")
        AppealsSettings.objects.update_or_create(site_id=site.pk,
                                                 defaults={"leadership_id": mayor.pk})
        StaffingSettings.objects.filter(site=site).delete()
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:
        # back to the latest state of every app (later migrations too)
        latest = MigrationExecutor(connection)
        latest.migrate(latest.loader.graph.leaf_nodes())
    assert StaffingSettings.objects.get(site=site).leadership_id == mayor.pk
