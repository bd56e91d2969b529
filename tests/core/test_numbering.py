import threading

import pytest
from django.db import connection, connections, transaction
from django.db.transaction import TransactionManagementError
from wagtail.models import Page, Site

from addons.core.models import ReferenceCounter
from addons.core.numbering import format_reference, next_reference


class Rollback(Exception):
    pass


@pytest.mark.django_db
def test_sequence_per_site_kind_and_year(site):
    other = Site.objects.create(hostname="other.localhost", root_page=site.root_page)
    assert next_reference("AP", site, year=2026) == "AP-2026-000001"
    assert next_reference("AP", site, year=2026) == "AP-2026-000002"
    assert next_reference("AP", other, year=2026) == "AP-2026-000001"
    assert next_reference("AP", site, year=2027) == "AP-2027-000001"
    assert next_reference("report", site, year=2026, prefix="PR") == "PR-2026-000001"
    assert next_reference("report", site.pk, year=2026, width=3) == "REPORT-2026-002"
    assert ReferenceCounter.objects.get(site=site, kind="AP", year=2026).last == 2


@pytest.mark.django_db
def test_default_year_is_this_year(site):
    from django.utils import timezone

    year = timezone.localdate().year
    assert next_reference("AP", site) == f"AP-{year}-000001"


@pytest.mark.django_db
def test_rolled_back_filing_gives_its_number_back(site):
    assert next_reference("AP", site, year=2026) == "AP-2026-000001"
    with pytest.raises(Rollback):
        with transaction.atomic():
            assert next_reference("AP", site, year=2026) == "AP-2026-000002"
            raise Rollback
    assert next_reference("AP", site, year=2026) == "AP-2026-000002"


@pytest.mark.django_db
def test_first_number_of_a_year_rolled_back(site):
    with pytest.raises(Rollback):
        with transaction.atomic():
            next_reference("AP", site, year=2030)
            raise Rollback
    assert not ReferenceCounter.objects.filter(year=2030).exists()
    assert next_reference("AP", site, year=2030) == "AP-2030-000001"


def test_refuses_to_run_outside_a_transaction():
    with pytest.raises(TransactionManagementError):
        next_reference("AP", 1, year=2026)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["", "K" * 21])
def test_bad_kind(site, kind):
    with pytest.raises(ValueError):
        next_reference(kind, site)


@pytest.mark.django_db
def test_bad_width(site):
    with pytest.raises(ValueError):
        next_reference("AP", site, width=0)


def test_format_keeps_wide_numbers_whole():
    assert format_reference("AP", 2026, 1234567) == "AP-2026-1234567"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_filings_on_postgresql_are_gapless():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    site = Site.objects.create(hostname="numbers.localhost", root_page=root)
    threads_count = 24
    barrier = threading.Barrier(threads_count)
    committed, rolled_back, errors = [], [], []
    lock = threading.Lock()

    def file_one(index):
        try:
            barrier.wait(timeout=30)
            try:
                with transaction.atomic():
                    ref = next_reference("AP", site, year=2026)
                    if index % 5 == 4:  # a filing that fails after taking its number
                        raise Rollback
                with lock:
                    committed.append(ref)
            except Rollback:
                with lock:
                    rolled_back.append(index)
        except Exception as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=file_one, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(rolled_back) == threads_count // 5
    expected = threads_count - len(rolled_back)
    assert sorted(committed) == [f"AP-2026-{n:06d}" for n in range(1, expected + 1)]
    assert ReferenceCounter.objects.get(site=site, kind="AP", year=2026).last == expected
