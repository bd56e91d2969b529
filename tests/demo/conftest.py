import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings


def run_load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo city and town, loaded once per test module inside a transaction that is
    rolled back afterwards (each test still runs in its own savepoint)."""
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        cache.clear()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield run_load_demo()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            cache.clear()  # Wagtail caches site root paths of the rolled-back sites


@pytest.fixture
def demo(demo_loaded, db):
    """The command's output; the database holds the demo for this test."""
    return demo_loaded
