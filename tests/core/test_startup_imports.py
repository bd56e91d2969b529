"""A web worker does not load the heavy libraries that only rare work needs (PDF, XLSX, the
report classifier's model, mailbox reading, every country's holiday calendar, the OpenAPI
generator): each is imported inside the function that uses it. See addons/core/README.md,
"Memory"."""

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: imported only by the work that needs them, never by starting a worker
LAZY = (
    "holidays",  # addons.core.calendars: computes a year, kept in the shared cache
    "imaplib", "mailbox",  # addons.mailings.bounces: the mailbox job
    "drf_spectacular.views", "drf_spectacular.generators",  # /api/v1/schema/
    "reportlab",  # PDFs (tickets, appeal exports)
    "qrcode",
    "openpyxl",  # XLSX exports
    "numpy", "sklearn",  # the report classifier's optional model
)

STARTUP = """
import json, sys
sys.path.insert(0, {site!r})
import runpy
runpy.run_path({wsgi!r})
from django.urls import get_resolver
get_resolver().url_patterns  # the URLconf, loaded by a worker's first request
{extra}
print("MODULES=" + json.dumps(sorted(sys.modules)))
"""


def _modules_after(extra: str = "") -> set[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "civicdesk.settings.test"}
    code = STARTUP.format(site=str(ROOT / "site"), wsgi=str(ROOT / "site/civicdesk/wsgi.py"),
                          extra=extra)
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(x for x in result.stdout.splitlines() if x.startswith("MODULES="))
    return set(json.loads(line.removeprefix("MODULES=")))


def _loaded(modules: set[str], name: str) -> bool:
    return name in modules or any(m.startswith(name + ".") for m in modules)


def test_a_worker_starts_without_the_heavy_libraries():
    modules = _modules_after()
    assert "civicdesk.urls" in modules and "addons.core.calendars" in modules
    eager = [name for name in LAZY if _loaded(modules, name)]
    assert eager == [], f"imported at start: {eager} (import them where they are used)"


def test_ukraine_under_martial_law_needs_no_holiday_package():
    modules = _modules_after(
        "from addons.core.calendars import is_working_day\n"
        "from datetime import date\n"
        "assert is_working_day(date(2026, 8, 24), 'ua')\n"  # Independence Day, a working day
        "assert not is_working_day(date(2026, 8, 22), 'ua')\n"  # a Saturday
    )
    assert not _loaded(modules, "holidays")


def test_a_worker_computing_a_year_never_holds_the_holiday_package():
    # a cache miss (Bulgaria's year, peacetime Ukraine) is computed in a child process
    modules = _modules_after(
        "from datetime import date\n"
        "from django.core.cache import cache\n"
        "from django.test import override_settings\n"
        "from addons.core import calendars\n"
        "cache.clear()\n"
        "assert date(2026, 3, 3) in calendars.public_holidays(2026, 'bg')\n"  # Liberation Day
        "with override_settings(CIVICDESK_UA_MARTIAL_LAW=False):\n"
        "    assert date(2026, 8, 24) in calendars.public_holidays(2026, 'ua')\n"
    )
    assert "addons.core.calendars" in modules
    assert not _loaded(modules, "holidays")


def test_without_a_child_process_the_year_is_the_same(fresh_calendars, monkeypatch):
    calendars = fresh_calendars
    from_child = {code: calendars._compute_holidays(code, 2026, False) for code in ("ro", "ua")}
    assert date(2026, 12, 1) in from_child["ro"] and date(2026, 8, 24) in from_child["ua"]
    # an embedding server whose executable is no Python: computed in this process
    monkeypatch.setattr(calendars, "_child_python", lambda: None)
    assert {code: calendars._compute_holidays(code, 2026, False)
            for code in ("ro", "ua")} == from_child
    # a child that fails (here: an interpreter that does not exist) falls back likewise
    monkeypatch.setattr(calendars, "_child_python", lambda: "/nonexistent/python3")
    assert calendars._compute_holidays("ro", 2026, False) == from_child["ro"]


@pytest.fixture
def fresh_calendars():
    from django.core.cache import cache

    from addons.core import calendars

    calendars._holidays.cache_clear()
    cache.clear()
    yield calendars
    calendars._holidays.cache_clear()
    cache.clear()


def test_a_computed_year_is_read_from_the_shared_cache(fresh_calendars, monkeypatch):
    calendars = fresh_calendars
    romania = calendars.public_holidays(2026, "ro")
    assert date(2026, 12, 1) in romania  # Great Union Day
    # another worker: nothing in its own memory, the package not to be loaded
    calendars._holidays.cache_clear()

    def no_package(*args):
        raise AssertionError("the holidays package was loaded again")

    monkeypatch.setattr(calendars, "_compute_holidays", no_package)
    assert calendars.public_holidays(2026, "ro") == romania
    # another country or year is not served from Romania's entry
    monkeypatch.undo()
    bulgaria = calendars.public_holidays(2026, "bg")
    assert date(2026, 3, 3) in bulgaria and date(2026, 12, 1) not in bulgaria
    assert date(2027, 12, 1) in calendars.public_holidays(2027, "ro")


def test_peacetime_ukraine_is_cached_apart_from_martial_law(fresh_calendars, settings):
    calendars = fresh_calendars
    settings.CIVICDESK_UA_MARTIAL_LAW = True
    assert calendars.public_holidays(2026, "ua") == frozenset()
    settings.CIVICDESK_UA_MARTIAL_LAW = False
    assert date(2026, 8, 24) in calendars.public_holidays(2026, "ua")
    # before martial law, its first days still had their holidays
    settings.CIVICDESK_UA_MARTIAL_LAW = True
    assert date(2022, 1, 1) in calendars.public_holidays(2022, "ua")
