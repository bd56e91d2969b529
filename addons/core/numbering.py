"""Human reference numbers: ``AP-2026-000123``, per site, kind and year, gapless.

The counter row (:class:`~addons.core.models.ReferenceCounter`) is locked with
``SELECT ... FOR UPDATE`` inside the caller's transaction, so the number is taken together
with the record that carries it: if the filing is rolled back, so is the counter, and the
next filing gets the same number. Concurrent filings of the same kind on the same site wait
for each other's commit (a short wait; other kinds and sites are not held up).

The counter row for a new year or kind is created with ``INSERT ... ON CONFLICT DO NOTHING``
before it is locked, so two first filings racing on PostgreSQL neither fail nor both create.
"""

from __future__ import annotations

from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

KIND_MAX_LENGTH = 20


def next_reference(
    kind: str,
    site,
    *,
    prefix: str | None = None,
    year: int | None = None,
    width: int = 6,
) -> str:
    """Take the next number of ``kind`` on ``site`` for ``year`` (this year by default) and
    return it formatted as ``<prefix>-<year>-<number>``, e.g. ``AP-2026-000123``.

    Must run inside the transaction that saves the numbered record. ``prefix`` defaults to
    ``kind`` in capitals; ``width`` pads the number with zeros (wider numbers are kept whole).
    """
    from .models import ReferenceCounter

    if not kind or len(kind) > KIND_MAX_LENGTH:
        raise ValueError(f"kind must be 1 to {KIND_MAX_LENGTH} characters, got {kind!r}.")
    if width < 1:
        raise ValueError("width must be at least 1.")
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(
            "next_reference() must run inside the transaction that saves the numbered record "
            "(transaction.atomic()), or a rolled-back filing would leave a gap."
        )
    site_id = getattr(site, "pk", site)
    year = year or timezone.localdate().year
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(site_id=site_id, kind=kind, year=year, last=0)],
        ignore_conflicts=True,
    )
    counter = ReferenceCounter.objects.select_for_update().get(
        site_id=site_id, kind=kind, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_reference(prefix or kind.upper(), year, counter.last, width)


def format_reference(prefix: str, year: int, number: int, width: int = 6) -> str:
    """``format_reference("AP", 2026, 123)`` -> ``"AP-2026-000123"``."""
    return f"{prefix}-{year}-{number:0{width}d}"
