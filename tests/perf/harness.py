"""What every benchmark of ``make bench`` shares: the PostgreSQL scratch database named
by ``BENCH_DATABASE_URL``, Django set up on it (or on SQLite in a temporary directory), and
the line that says what it ran on."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


def bench_url(*, fallback_to_database_url: bool = False) -> str | None:
    """The PostgreSQL server to measure on (``BENCH_DATABASE_URL``), or None for SQLite."""
    url = os.environ.get("BENCH_DATABASE_URL") or ""
    if not url and fallback_to_database_url:
        url = os.environ.get("DATABASE_URL") or ""
    return url if url.startswith(("postgres://", "postgresql://")) else None


def scratch_database(url: str, suffix: str) -> str:
    """Create an empty ``<name>_<suffix>`` database beside the one ``url`` names; its URL."""
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'postgres'}_{suffix}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


def drop_database(url: str, scratch: str) -> None:
    """Drop the scratch database, closing what is still connected to it (a server a
    broken run left behind)."""
    import psycopg

    name = urlsplit(scratch).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as connection:
        try:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except psycopg.errors.SyntaxError:  # PostgreSQL before 13
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


@contextmanager
def bench_environment(suffix: str, *, keep: bool = False, url: str | None = None):
    """(work directory, scratch database URL or None): a PostgreSQL scratch database when
    ``url`` (default: ``BENCH_DATABASE_URL``) is set, dropped afterwards unless ``keep``."""
    url = url if url is not None else bench_url()
    scratch = scratch_database(url, suffix) if url else None
    workdir = Path(tempfile.mkdtemp(prefix=f"civicdesk-{suffix}-"))
    try:
        yield workdir, scratch
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if scratch and not keep:
            drop_database(url, scratch)
        elif scratch:
            print(f"\nScratch database kept: {scratch}")
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def setup_django(workdir: Path, database_url: str | None, *,
                 settings: str = "tests.perf.settings") -> None:
    """Django on ``database_url`` (SQLite in ``workdir`` when None), migrated."""
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")  # collectstatic not run
    sys.path[:0] = [str(ROOT / "site"), str(ROOT)]
    os.environ["DJANGO_SETTINGS_MODULE"] = settings
    os.environ["CIVICDESK_BENCH_DIR"] = str(workdir)
    if database_url:
        os.environ["BENCH_DATABASE_URL"] = database_url
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("BENCH_DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def describe_machine() -> str:
    """"PostgreSQL 15.8, Python 3.11.7, Django 5.2, 2 CPUs": what the figures were measured on."""
    import django
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        database = "SQLite (file)"
    return (f"{database}, Python {sys.version.split()[0]}, Django {django.get_version()}, "
            f"{os.cpu_count()} CPUs")
