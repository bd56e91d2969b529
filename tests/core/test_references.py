"""References as people type them, found through the add-ons' status lookups."""

import datetime

import pytest

from addons.core import activation
from addons.core.addon import StatusLookup
from addons.core.references import (
    digits_to_reference,
    find_reference,
    lookups,
    normalize_reference,
)


@pytest.mark.parametrize(("typed", "expected"), [
    ("AP-2026-000123", "AP-2026-000123"),
    (" ap 2026 000123 ", "AP2026000123"),
    ("АР–2026—000123", "AP-2026-000123"),  # Cyrillic А and Р, en and em dashes
    ("рк-2026-7", "PK-2026-7"),
    ("тк\u00a0123", "TK123"),
    ("", ""),
])
def test_normalize(typed, expected):
    assert normalize_reference(typed) == expected


def test_digits_typed_on_a_keypad():
    lookup = StatusLookup("x", "X", r"AP-?\d{4}-?\d{1,6}", "x.find", digits="year+number",
                          prefix="AP")
    today = datetime.date(2026, 5, 1)
    assert digits_to_reference(lookup, "2026123", today=today) == "AP-2026-000123"
    assert digits_to_reference(lookup, "2025000123#", today=today) == "AP-2025-000123"
    assert digits_to_reference(lookup, "123", today=today) == "AP-2026-000123"
    # a year still to come is no year: the digits are a number of this year
    assert digits_to_reference(lookup, "20301", today=today) == "AP-2026-020301"
    assert digits_to_reference(lookup, "", today=today) == ""
    assert digits_to_reference(lookup, "0#", today=today) == ""
    tickets = StatusLookup("t", "T", r"TK-?\d+", "x.find", digits="number", prefix="TK")
    assert digits_to_reference(tickets, "0042") == "TK-42"
    assert digits_to_reference(StatusLookup("n", "N", "N", "x.find"), "12") == ""


def test_nothing_for_text_of_no_kind_or_an_add_on_switched_off(site):
    assert find_reference(site, "") is None
    assert find_reference(site, "hello") is None
    assert find_reference(site, "AP-2026-000001") is None
    assert "appeals" in {addon.label for addon, _lookup in lookups(site)}
    activation.disable(site, "appeals")
    assert "appeals" not in {addon.label for addon, _lookup in lookups(site)}
    assert {"appeals", "reports", "queues"} <= {addon.label for addon, _lookup in lookups()}
