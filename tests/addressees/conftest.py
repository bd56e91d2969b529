import pytest
from django.core.cache import cache

from .helpers import add_catalog


@pytest.fixture(autouse=True)
def _clear_cache():
    # django-ratelimit counts in the cache
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalog(home):
    return add_catalog(home, per_page=5)


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English unless a test picks another language (a cookie, as a visitor's
    choice: a raw Cookie header would drop the session cookie)."""
    client.cookies["civicdesk_language"] = "en"
    return client
