"""Benchmark settings: the test settings on a file SQLite database of its own, plus the
bare page type the figures are compared with."""

import os
import tempfile
from pathlib import Path

import dj_database_url
from civicdesk.settings.test import *  # noqa: F403

BENCH_DIR = Path(
    os.environ.get("CIVICDESK_BENCH_DIR") or tempfile.mkdtemp(prefix="civicdesk-bench-")
)
BENCH_DIR.mkdir(parents=True, exist_ok=True)

if os.environ.get("BENCH_DATABASE_URL"):
    # An empty database made for the benchmark (it is migrated and filled).
    DATABASES = {"default": dj_database_url.parse(os.environ["BENCH_DATABASE_URL"])}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(BENCH_DIR / "bench.sqlite3"),
            "OPTIONS": {
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

INSTALLED_APPS = [*INSTALLED_APPS, "tests.perf.bareapp"]  # noqa: F405
MEDIA_ROOT = BENCH_DIR / "media"
PRIVATE_MEDIA_ROOT = BENCH_DIR / "private"
STORAGES["private"]["OPTIONS"]["location"] = str(PRIVATE_MEDIA_ROOT)  # noqa: F405
DEBUG = False
