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
