"""Assignment: the services, the policies (round robin, least loaded, skills), capacity,
the team's queue, absences and delegates, bad input."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import ModelLogEntry

from addons.core.casework import assignment
from addons.core.casework.models import (
    AssignmentPolicy,
    StaffAbsence,
    StaffCapacity,
    StaffSkill,
)
from addons.core.models import Notification

from .conftest import make_user, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(django_user_model, town):
    return [staff_of(make_user(django_user_model, f"Roads {n}"), town.roads)
            for n in range(3)]


def policy(town, mode, capacity=2):
    return AssignmentPolicy.objects.create(addressee=town.roads, mode=mode, capacity=capacity)


def load_of(people):
    from tests.core.case_addon.models import Case

    return [Case.objects.filter(assignee=person).exclude(status="closed").count()
            for person in people]


# --- services -----------------------------------------------------------------------------


def test_assign_writes_the_log_and_notifies(town, team):
    case = town.case()
    message = assignment.assign(case, team[1], team[0])
    assert "Assigned to" in message
    case.refresh_from_db()
    assert case.assignee == team[1] and case.lock_version == 1
    entry = ModelLogEntry.objects.for_instance(case).get()
    assert entry.action == "civicdesk.assign" and entry.user_id == team[0].pk
    note = Notification.objects.get(recipient=team[1], event="assigned")
    assert case.reference in note.subject
    assert f"/admin/casework/cases/{case.pk}/" in note.body


def test_assign_to_someone_outside_the_addressee_is_refused(town, team, parks_staff):
    case = town.case()
    with pytest.raises(ValidationError) as error:
        assignment.assign(case, parks_staff, team[0])
    assert "does not work on the records of" in error.value.messages[0]
    case.refresh_from_db()
    assert case.assignee is None
    assert not ModelLogEntry.objects.for_instance(case).exists()


def test_assign_by_someone_outside_the_scope_is_refused(town, team, parks_staff):
    case = town.case()
    with pytest.raises(ValidationError) as error:
        assignment.assign(case, team[0], parks_staff)
    assert error.value.code == "scope"


def test_assign_to_an_inactive_or_absent_person_is_refused(town, team):
    case = town.case()
    team[1].is_active = False
    team[1].save()
    with pytest.raises(ValidationError, match="can no longer sign in"):
        assignment.assign(case, team[1], team[0])
    today = timezone.localdate()
    StaffAbsence.objects.create(user=team[2], starts=today, ends=today, delegate=team[0])
    with pytest.raises(ValidationError, match="stands in for them"):
        assignment.assign(case, team[2], team[0])


def test_notification_goes_to_the_delegate_of_an_absent_assignee(town, team):
    case = town.case(assignee=team[1])
    today = timezone.localdate()
    StaffAbsence.objects.create(user=team[1], starts=today, ends=today, delegate=team[2])
    from addons.core.casework.desk import declaration_for

    assignment.notify_assigned(declaration_for(case), case, team[1])
    note = Notification.objects.get(event="assigned")
    assert note.recipient == team[2]
    assert "who is away" in note.body


def test_take_refuses_a_record_someone_else_works_on(town, team):
    case = town.case(assignee=team[1])
    with pytest.raises(ValidationError, match="already works on this record"):
        assignment.take(case, team[0])


def test_watch_and_unwatch(town, team):
    case = town.case()
    assignment.watch(case, team[0])
    assert list(case.watchers.all()) == [team[0]]
    assignment.unwatch(case, team[0])
    assert not case.watchers.exists()
    with pytest.raises(ValidationError):
        assignment.unwatch(case, team[0])


def test_bulk_skips_records_outside_scope_and_reports(town, town2, team):
    mine = [town.case(), town.case()]
    others = [town.case(addressee=town.parks), town2.case()]
    done, skipped = assignment.bulk(mine + others, assignment.take, team[0])
    assert done == mine
    assert [reason for _record, reason in skipped] == ["not yours", "not yours"]
    assert {case.assignee_id for case in others} == {None}


# --- capacity -----------------------------------------------------------------------------


@pytest.mark.parametrize("capacity", [0, -3])
def test_capacity_must_be_positive(town, team, capacity):
    row = AssignmentPolicy(addressee=town.roads, capacity=capacity)
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert "greater than zero" in str(error.value)
    own = StaffCapacity(user=team[0], addressee=town.roads, capacity=capacity)
    with pytest.raises(ValidationError):
        own.full_clean()


def test_capacity_for_someone_outside_the_addressee_is_refused(town, parks_staff):
    row = StaffCapacity(user=parks_staff, addressee=town.roads, capacity=3)
    with pytest.raises(ValidationError, match="does not work on"):
        row.full_clean()


# --- automatic assignment -----------------------------------------------------------------


def test_manual_policy_assigns_nobody(town, team):
    policy(town, AssignmentPolicy.Mode.MANUAL)
    case = town.case()
    assert assignment.auto_assign(case) is None
    case.refresh_from_db()
    assert case.assignee is None and case.waiting_since is None


def test_round_robin_in_turn(town, team):
    policy(town, AssignmentPolicy.Mode.ROUND_ROBIN, capacity=10)
    got = [assignment.auto_assign(town.case()) for _ in range(6)]
    assert [person.pk for person in got] == [person.pk for person in team] * 2


def test_least_loaded_evens_the_load(town, team):
    policy(town, AssignmentPolicy.Mode.LEAST_LOADED, capacity=10)
    town.case(assignee=team[0])
    town.case(assignee=team[0])
    for _ in range(7):
        assignment.auto_assign(town.case())
    loads = load_of(team)
    assert sum(loads) == 9
    assert max(loads) - min(loads) <= 1


@pytest.mark.parametrize("mode", [AssignmentPolicy.Mode.ROUND_ROBIN,
                                  AssignmentPolicy.Mode.LEAST_LOADED])
def test_equal_capacities_end_within_one(town, team, mode):
    policy(town, mode, capacity=50)
    for _ in range(20):
        assignment.auto_assign(town.case())
    loads = load_of(team)
    assert max(loads) - min(loads) <= 1


def test_people_at_capacity_are_skipped_and_the_rest_waits(town, team):
    policy(town, AssignmentPolicy.Mode.LEAST_LOADED, capacity=1)
    StaffCapacity.objects.create(user=team[2], addressee=town.roads, capacity=2)
    got = [assignment.auto_assign(town.case()) for _ in range(5)]
    assert [p.pk if p else None for p in got].count(None) == 1
    assert load_of(team) == [1, 1, 2]
    waiting = got.index(None)
    from tests.core.case_addon.models import Case

    queued = Case.objects.get(waiting_since__isnull=False)
    assert queued.assignee is None
    assert waiting == 4
    # someone closes a record: the waiting one is assigned to them
    closed = Case.objects.filter(assignee=team[1]).first()
    closed.status = "closed"
    closed.save()
    assert assignment.record_closed(closed) == 1
    queued.refresh_from_db()
    assert queued.assignee == team[1] and queued.waiting_since is None


def test_unassign_drains_the_queue(town, team):
    policy(town, AssignmentPolicy.Mode.ROUND_ROBIN, capacity=1)
    cases = [town.case() for _ in range(4)]
    for case in cases:
        assignment.auto_assign(case)
    cases[3].refresh_from_db()
    assert cases[3].waiting_since is not None
    cases[0].refresh_from_db()
    holder = cases[0].assignee
    assignment.unassign(cases[0], holder)
    cases[3].refresh_from_db()
    assert cases[3].assignee == holder


def test_drain_all_job(town, team):
    row = policy(town, AssignmentPolicy.Mode.LEAST_LOADED, capacity=1)
    cases = [town.case() for _ in range(4)]
    for case in cases:
        assignment.auto_assign(case)
    row.capacity = 2
    row.save()
    assert assignment.drain_all() == 1


def test_skills_only_people_covering_the_category(town, team):
    policy(town, AssignmentPolicy.Mode.SKILLS, capacity=10)
    StaffSkill.objects.create(user=team[0], addressee=town.roads, casework="cases",
                              categories=[town.lights.pk])
    StaffSkill.objects.create(user=team[1], addressee=town.roads, casework="cases",
                              categories=[town.potholes.pk], districts=["north"])
    # team[2] has no skill row: takes everything
    light = assignment.auto_assign(town.case(category=town.lights))
    assert light == team[0]
    north = assignment.auto_assign(town.case(category=town.potholes, district="north"))
    assert north in (team[1], team[2])
    south = assignment.auto_assign(town.case(category=town.potholes, district="south"))
    assert south == team[2]


def test_absent_people_are_replaced_by_their_delegate(town, team, django_user_model):
    policy(town, AssignmentPolicy.Mode.ROUND_ROBIN, capacity=10)
    today = timezone.localdate()
    StaffAbsence.objects.create(user=team[0], starts=today,
                                ends=today + datetime.timedelta(days=3), delegate=None)
    got = {assignment.auto_assign(town.case()).pk for _ in range(4)}
    assert team[0].pk not in got


def test_auto_assign_writes_the_log_and_notifies(town, team):
    policy(town, AssignmentPolicy.Mode.ROUND_ROBIN)
    case = town.case()
    person = assignment.auto_assign(case)
    entry = ModelLogEntry.objects.for_instance(case).get()
    assert entry.action == "civicdesk.assign" and entry.data["automatic"] is True
    assert Notification.objects.filter(recipient=person, event="assigned").exists()


def test_closed_record_is_not_auto_assigned(town, team):
    policy(town, AssignmentPolicy.Mode.ROUND_ROBIN)
    assert assignment.auto_assign(town.case(status="closed")) is None
