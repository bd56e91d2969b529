import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from addons.core import deadlines
from addons.core.calendars import UnknownJurisdiction
from addons.core.deadlines import (
    DAYS,
    HOURS,
    WORKING_DAYS,
    Term,
    UnknownRule,
    add_working_days,
    due,
    due_at,
    register_rule,
)


@pytest.mark.parametrize(
    ("jurisdiction", "rule", "start", "expected"),
    [
        # UA: 1 month from 31 Jan ends 28 Feb 2026, a Saturday -> Monday 2 March.
        ("ua", "appeal", date(2026, 1, 31), date(2026, 3, 2)),
        # UA: leap year month end: 31 Jan 2028 + 1 month = 29 Feb 2028 (Tuesday).
        ("ua", "appeal", date(2028, 1, 31), date(2028, 2, 29)),
        # UA: 15 days from Thursday 1 Oct 2026 = Friday 16 Oct.
        ("ua", "appeal-urgent", date(2026, 10, 1), date(2026, 10, 16)),
        # UA: 5 days from Monday 2 March 2026 = Saturday 7 March -> Monday 9 March.
        ("ua", "forward", date(2026, 3, 2), date(2026, 3, 9)),
        # UA: Independence Day 24 Aug 2026 is a working day under martial law.
        ("ua", "return-incomplete", date(2026, 8, 14), date(2026, 8, 24)),
        ("ua", "appeal-extended", date(2026, 1, 1), date(2026, 2, 16)),  # 15 Feb is a Sunday
        # RO: 30 days from 1 Nov 2026 = 1 Dec (National Day, Tuesday) -> 2 Dec.
        ("ro", "petition", date(2026, 11, 1), date(2026, 12, 2)),
        # RO: 10 days from 21 April 2026 = 1 May (Labour Day, Friday) -> Monday 4 May.
        ("ro", "info-request", date(2026, 4, 21), date(2026, 5, 4)),
        # RO: 5 days from 26 Nov 2026 = 1 Dec; 30 Nov (St Andrew) and 1 Dec off -> 2 Dec.
        ("ro", "forward", date(2026, 11, 26), date(2026, 12, 2)),
        ("ro", "petition-extended", date(2026, 3, 2), date(2026, 4, 16)),
        ("ro", "info-request-extended", date(2026, 3, 2), date(2026, 4, 1)),
        # BG: 2 months from 3 Jan 2026 = 3 March (Liberation Day, Tuesday) -> 4 March.
        ("bg", "signal", date(2026, 1, 3), date(2026, 3, 4)),
        # BG: 2 months from 31 Dec 2025 = 28 Feb 2026 (Saturday) -> Monday 2 March.
        ("bg", "proposal", date(2025, 12, 31), date(2026, 3, 2)),
        # BG: 7 days from 17 Dec 2026 = Thursday 24 Dec; 24-26 Dec, weekend, observed 28th.
        ("bg", "notify-decision", date(2026, 12, 17), date(2026, 12, 29)),
    ],
)
def test_legal_terms(jurisdiction, rule, start, expected):
    assert due(start, rule, jurisdiction) == expected


def test_same_day_number_ends_on_working_day_unchanged():
    # 1 month from 16 Feb 2026 = Monday 16 March: no shift.
    assert due(date(2026, 2, 16), "appeal", "ua") == date(2026, 3, 16)


def test_ua_peacetime_holiday_shift(settings):
    settings.CIVICDESK_UA_MARTIAL_LAW = False
    assert due(date(2026, 8, 14), "return-incomplete", "ua") == date(2026, 8, 25)


def test_due_accepts_datetime():
    received = timezone.make_aware(datetime(2026, 1, 31, 16, 0))
    assert due(received, "appeal", "ua") == date(2026, 3, 2)


@pytest.mark.parametrize(("code", "rule"), [("pl", "appeal"), ("", "appeal")])
def test_unknown_jurisdiction(code, rule):
    with pytest.raises(UnknownJurisdiction):
        due(date(2026, 1, 1), rule, code)


@pytest.mark.parametrize(("code", "rule"), [("ua", "petition"), ("ro", "appeal"), ("bg", "")])
def test_unknown_rule(code, rule):
    with pytest.raises(UnknownRule, match="known rules"):
        due(date(2026, 1, 1), rule, code)


def test_add_working_days():
    # RO: from Wednesday 29 April 2026, 3 working days: 30 Apr, (1 May off, weekend), 4, 5 May.
    assert add_working_days(date(2026, 4, 29), 3, "ro") == date(2026, 5, 5)
    assert add_working_days(date(2026, 5, 5), -3, "ro") == date(2026, 4, 29)
    assert add_working_days(date(2026, 3, 7), 0, "ua") == date(2026, 3, 9)
    assert add_working_days(date(2026, 3, 9), 0, "ua") == date(2026, 3, 9)
    with pytest.raises(UnknownJurisdiction):
        add_working_days(date(2026, 3, 9), 1, "xx")


@pytest.fixture
def clean_profiles(monkeypatch):
    monkeypatch.setattr(
        deadlines, "PROFILES", {code: dict(rules) for code, rules in deadlines.PROFILES.items()}
    )


def test_register_rule_for_addons(clean_profiles):
    register_rule("report-sla", Term(3, WORKING_DAYS, "SLA"))
    register_rule("report-sla", Term(3, WORKING_DAYS, "SLA"))  # idempotent
    # Friday 24 April 2026 + 3 working days in RO: 27, 28, 29 April.
    assert due(date(2026, 4, 24), "report-sla", "ro") == date(2026, 4, 29)
    assert due(date(2026, 4, 24), "report-sla", "bg") == date(2026, 4, 29)
    with pytest.raises(ValueError, match="already"):
        register_rule("report-sla", Term(5, WORKING_DAYS))
    register_rule("report-sla", Term(5, WORKING_DAYS), ("ua",), replace=True)
    assert deadlines.get_term("report-sla", "ua").amount == 5
    with pytest.raises(ValueError, match="already"):
        register_rule("appeal", Term(2, DAYS), ("ua",))
    with pytest.raises(UnknownJurisdiction):
        register_rule("x", Term(1, DAYS), ("md",))


def test_hours_terms(clean_profiles):
    register_rule("urgent-hazard", Term(48, HOURS, "hazard"))
    start = timezone.make_aware(datetime(2026, 3, 6, 10, 30))  # Friday
    assert due_at(start, "urgent-hazard", "ua") == start + timedelta(hours=48)
    assert due(start, "urgent-hazard", "ua") == date(2026, 3, 8)  # not moved off Sunday
    end = due_at(start, "forward", "ua")
    assert timezone.localtime(end).date() == date(2026, 3, 11)
    assert (timezone.localtime(end).hour, timezone.localtime(end).minute) == (23, 59)


def test_term_validation():
    with pytest.raises(ValueError):
        Term(1, "weeks")
    with pytest.raises(ValueError):
        Term(-1, DAYS)


def test_term_describe():
    with translation.override("en"):
        assert deadlines.get_term("appeal", "ua").describe() == "1 month"
        assert deadlines.get_term("petition", "ro").describe() == "30 days"


def _run(*args):
    out = StringIO()
    call_command("deadline", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_deadline_command():
    assert _run("ua", "appeal", "2026-01-31")[-1] == "2026-03-02"
    assert _run("RO", "petition", "2026-11-01")[-1] == "2026-12-02"
    assert _run("bg", "signal", "2026-01-03")[-1] == "2026-03-04"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("pl", "appeal", "2026-01-01"), "Unknown jurisdiction"),
        (("ua", "petition", "2026-01-01"), "Unknown rule"),
        (("ua", "appeal", "2026-02-30"), "Invalid date"),
        (("ua", "appeal", "20260101"), "Malformed date"),
        (("ua", "appeal", "01.02.2026"), "Malformed date"),
        (("ua", "appeal", ""), "Malformed date"),
    ],
)
def test_deadline_command_errors(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("deadline", *args, stdout=StringIO())


def test_deadline_command_exit_code():
    root = Path(__file__).resolve().parents[2]
    ok = subprocess.run(
        [sys.executable, str(root / "site/manage.py"), "deadline", "ua", "appeal", "2026-01-31"],
        capture_output=True, text=True, cwd=root, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "civicdesk.settings.test"},
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip().splitlines()[-1] == "2026-03-02"
    bad = subprocess.run(
        [sys.executable, str(root / "site/manage.py"), "deadline", "xx", "appeal", "2026-01-31"],
        capture_output=True, text=True, cwd=root, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "civicdesk.settings.test"},
    )
    assert bad.returncode != 0
    assert "Unknown jurisdiction" in bad.stderr
