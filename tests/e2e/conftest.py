"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

No browser is downloaded: Chromium comes from the system (``CIVICDESK_CHROMIUM``, default
``/usr/bin/chromium``). axe-core and the Nu HTML checker (vnu-jar, run with Java as a local
HTTP service once per run) come from npm (``tests/e2e/package.json``); when they are missing
and npm is there, they are installed from the lock file on first use.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make (loading the demo, creating a citizen) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from .browser import (  # noqa: E402
    AXE_JS,
    AXE_LOG,
    CHROMIUM,
    CHROMIUM_ARGS,
    CITIZEN_PASSWORD,
    DESKTOP,
    E2E_DIR,
    ROOT_DIR,
    VNU_JAR,
    NuChecker,
    Visit,
)


def _npm_install() -> None:
    """Install the browser tests' npm packages from the lock file."""
    if shutil.which("npm"):
        command = ["npm", "ci" if (E2E_DIR / "package-lock.json").exists() else "install"]
        subprocess.run(
            [*command, "--prefix", str(E2E_DIR), "--ignore-scripts", "--no-audit", "--no-fund",
             "--silent"],
            check=False,
            stdin=subprocess.DEVNULL,
        )


@pytest.fixture(scope="session")
def axe_source() -> Path:
    if not AXE_JS.exists():
        _npm_install()
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing: run `npm ci --prefix tests/e2e` ({AXE_JS})")
    return AXE_JS


@pytest.fixture(scope="session")
def nu_checker():
    """The Nu HTML checker (npm's vnu-jar, run with Java) serving for the whole run."""
    if not VNU_JAR.exists():
        _npm_install()
    if not VNU_JAR.exists():
        pytest.fail(f"the Nu HTML checker is missing: run `npm ci --prefix tests/e2e` ({VNU_JAR})")
    if not shutil.which("java"):
        pytest.fail("Java is missing for the Nu HTML checker: apt-get install default-jre-headless")
    checker = NuChecker(VNU_JAR, free_port())
    try:
        checker.wait()
        yield checker
    finally:
        checker.stop()
        if checker.checked:
            out = ROOT_DIR / "var" / "e2e-html.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(checker.checked, indent=1, ensure_ascii=False), "utf-8")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="session")
def django_db_setup(browser, django_db_setup):
    """Start the browser before the test database exists.

    Starting Playwright's sync API gives the test thread a new context, and Django keeps
    its connections per context: a test database made before that would sit on a
    connection the tests no longer see (and lose its serialized copy for rollbacks).
    """
    yield


@pytest.fixture
def demo(live_server, django_db_serialized_rollback):
    """The demo city in the live server's database, fresh for each test.

    The first test loads it with ``load_demo`` and keeps a serialized copy of the whole
    database as the copy that Django's serialized rollback restores before every later
    test (each live-server test ends with a flush). Loading the demo draws its pictures
    and builds two page trees; restoring the copy is far quicker.
    """
    from django.core.management import call_command
    from django.db import connection

    if DEMO_SNAPSHOT:
        if connection.vendor != "sqlite":
            _reset_sequences(connection)  # restored rows keep their ids
    else:
        call_command("load_demo", verbosity=0)
        DEMO_SNAPSHOT.append(connection.creation.serialize_db_to_string())
        connection._test_serialized_contents = DEMO_SNAPSHOT[0]
    return live_server


DEMO_SNAPSHOT: list[str] = []


def _reset_sequences(connection) -> None:
    from django.apps import apps
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


@pytest.fixture
def visit(browser):
    """``visit(base_url, viewport=..., **context options)`` opens a fresh tab."""
    contexts = []

    def open_visit(base_url: str, viewport: dict = DESKTOP, **options) -> Visit:
        # axe is injected as a script tag, which the site's CSP would refuse: the tests that
        # check the CSP itself open their tab with bypass_csp=False.
        options.setdefault("bypass_csp", True)
        context = browser.new_context(viewport=viewport, locale="en-GB", **options)
        contexts.append(context)
        return Visit(context, base_url)

    yield open_visit
    for context in contexts:
        context.close()


def pytest_sessionfinish(session, exitstatus):
    """Write what axe found into var/e2e-axe.json (pages, rules passed, violations)."""
    if not AXE_LOG:
        return
    out = ROOT_DIR / "var" / "e2e-axe.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(AXE_LOG, indent=1, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def citizen(demo):
    """The demo's citizen (from fixtures/demo/ua-city.yaml), with ``e2e_password`` set.

    When the demo has no citizen, one with a complete, confirmed profile is made here.
    """
    import yaml
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    spec = yaml.safe_load((ROOT_DIR / "fixtures" / "demo" / "ua-city.yaml").read_text("utf-8"))
    users = (spec or {}).get("users") or {}
    known = users.get("citizen") or {}
    user = user_model.objects.filter(username=known.get("username") or "").first()
    if user is not None and user.check_password(users.get("password") or ""):
        user.e2e_password = users["password"]
        return user

    user = user_model.objects.create_user(
        username="olena.e2e", email="olena.e2e@example.org", password=CITIZEN_PASSWORD
    )
    for field, value in {
        "full_name": "Olena Kovalenko",
        "postal_address": "1 Khreshchatyk St, Kyiv, 01001",
        "phone": "+380441234567",
        "email_confirmed": True,
    }.items():
        if hasattr(user, field):
            setattr(user, field, value)
    user.save()
    user.e2e_password = CITIZEN_PASSWORD
    return user


class Sink:
    """Messages a local aiosmtpd server received, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def wait_for(self, address: str, timeout: float = 10.0) -> list:
        """The messages to ``address``, waiting up to ``timeout`` seconds for one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [item for item in self.messages if address in str(item["To"])]
            if found:
                return found
            time.sleep(0.1)
        return []

    def wait_count(self, count: int, timeout: float = 15.0) -> list:
        """All messages, once ``count`` have come (or ``timeout`` seconds have passed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.1)
        return self.messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink(settings):
    """Outgoing mail goes over real SMTP to a local sink (no sending pause for campaigns)."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    sink = Sink()
    port = free_port()
    controller = controller_module.Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.CIVICDESK_MAILINGS_RATE = 0
    yield sink
    controller.stop()
