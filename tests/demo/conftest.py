import io

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def demo_media(settings, tmp_path):
    """Generated pictures go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def run_load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    """The demo city and town, loaded once for the test; returns the command's output."""
    return run_load_demo()
