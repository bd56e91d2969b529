"""Concurrent filing on PostgreSQL: gapless, unique reference numbers."""

import threading

import pytest
from django.db import connection, connections

from addons.appeals.models import Appeal
from addons.appeals.services import file_appeal

from .conftest import DATA

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

THREADS = 12
PER_THREAD = 4


def test_concurrent_filing_has_no_gaps_and_no_duplicates(site, appeal_form, addressee, citizen):
    barrier = threading.Barrier(THREADS)
    errors = []

    def worker():
        try:
            barrier.wait()
            for _ in range(PER_THREAD):
                file_appeal(site=site, form=appeal_form, addressee=addressee, author=citizen,
                            data=DATA)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(int(ref[-6:]) for ref in Appeal.objects.values_list("reference", flat=True))
    assert numbers == list(range(1, THREADS * PER_THREAD + 1))


def test_concurrent_double_submit_files_one(site, appeal_form, addressee, citizen):
    import uuid

    token = uuid.uuid4()
    barrier = threading.Barrier(6)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(file_appeal(site=site, form=appeal_form, addressee=addressee,
                                       author=citizen, data=DATA, token=token))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Appeal.objects.count() == 1
    assert sum(created for _appeal, created in results) == 1
