import pytest
from django.utils import timezone

from addons.core.models import Notification
from addons.reports.models import Escalation
from addons.reports.services import change_status, escalate_overdue

pytestmark = pytest.mark.django_db


def test_two_levels_idempotent(make_report, head, make_user, city_hall, reports_site,
                               django_assert_max_num_queries):
    report = make_report()
    assert escalate_overdue() == 0
    first = report.due_at + timezone.timedelta(minutes=1)
    assert escalate_overdue(now=first) == 1
    assert escalate_overdue(now=first) == 0  # idempotent
    report.refresh_from_db()
    assert report.escalation_level == 1 and report.next_escalation_at > report.due_at
    assert Notification.objects.filter(event="reports.escalated", recipient=head).count() == 1
    assert Notification.objects.filter(event="reports.escalated_citizen").count() == 1
    assert "escalated" in report.updates.last().public_note
    second = report.next_escalation_at + timezone.timedelta(minutes=1)
    assert escalate_overdue(now=second) == 1
    assert escalate_overdue(now=second + timezone.timedelta(days=30)) == 0
    assert set(Escalation.objects.values_list("level", flat=True)) == {1, 2}
    assert Notification.objects.filter(event="reports.escalated_citizen").count() == 2


def test_resolved_reports_are_not_escalated(make_report):
    report = make_report()
    change_status(report, "resolved")
    assert escalate_overdue(now=report.due_at + timezone.timedelta(days=1)) == 0


def test_cost_proportional_to_due(make_report, django_assert_max_num_queries):
    for _n in range(5):
        make_report()
    with django_assert_max_num_queries(2):
        assert escalate_overdue() == 0
