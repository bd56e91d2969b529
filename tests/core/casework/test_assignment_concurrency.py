"""Two automatic assignments at the same moment never give a person more than their
capacity (the policy row is locked). PostgreSQL only: SQLite has no row locks."""

import threading
import time

import pytest
from django.db import connection, connections

from addons.core.casework import assignment
from addons.core.casework.models import AssignmentPolicy

from .conftest import make_user, staff_of

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'",
                       reason="row locks need PostgreSQL"),
]


def test_concurrent_auto_assign_respects_capacity(town, django_user_model, monkeypatch):
    assert connection.vendor == "postgresql"
    person = staff_of(make_user(django_user_model, "Only One"), town.roads)
    AssignmentPolicy.objects.create(addressee=town.roads, mode="least_loaded", capacity=1)
    cases = [town.case(), town.case()]

    real_loads = assignment.loads

    def slow_loads(*args, **kwargs):
        result = real_loads(*args, **kwargs)
        time.sleep(0.5)  # both would count 0 open records without the lock
        return result

    monkeypatch.setattr(assignment, "loads", slow_loads)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def work(case):
        try:
            barrier.wait()
            results.append(assignment.auto_assign(case))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(case,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(bool(result) for result in results) == [False, True]
    from tests.core.case_addon.models import Case

    assert Case.objects.filter(assignee=person).count() == 1
    assert Case.objects.filter(waiting_since__isnull=False, assignee=None).count() == 1
