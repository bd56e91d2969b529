import pytest
from .browser import DESKTOP, PHONE, format_violations
pytestmark = pytest.mark.e2e

@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/register/", "/nope/"])
def test_smoke(path, django_db_serialized_rollback, home, live_server, visit, axe_source):
    for vp in (DESKTOP, PHONE):
        tab = visit(live_server.url, viewport=vp)
        tab.goto(path, expect_status=404 if path == "/nope/" else 200)
        v = tab.axe(axe_source)
        print(path, vp, tab.horizontal_overflow(), tab.foreign_requests(), tab.console_errors, tab.failed)
        print(format_violations(v))
        tab.screenshot(f"/tmp/shot{path.replace('/','_')}-{vp['width']}")
