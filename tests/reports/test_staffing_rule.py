"""Problem reports notify through core's staffing rule."""

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from addons.core.casework.models import StaffAbsence
from addons.core.models import Notification, StaffingSettings

pytestmark = pytest.mark.django_db


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
