import pytest

from .platform_server import PlatformServer


@pytest.fixture
def platform_server():
    """A local HTTP server playing a chat platform (see ``platform_server.py``)."""
    server = PlatformServer().start()
    yield server
    server.stop()
