"""Security headers and production settings."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_public_pages_carry_csp_and_admin_is_exempt(client, home):
    public = client.get("/", HTTP_HOST="localhost")
    policy = public["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert public["X-Content-Type-Options"] == "nosniff"
    admin = client.get("/admin/login/", HTTP_HOST="localhost")
    assert admin.status_code == 200
    assert "Content-Security-Policy" not in admin


def test_production_settings_are_secure():
    script = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({k: getattr(settings, k) for k in ("
        "'DEBUG','SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE','SECURE_SSL_REDIRECT',"
        "'SECURE_HSTS_SECONDS','LANGUAGE_COOKIE_SECURE')}))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "civicdesk.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "city.example.org",
        "PYTHONPATH": f"{ROOT / 'site'}:{ROOT}",
    }
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    values = json.loads(out.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["LANGUAGE_COOKIE_SECURE"] and values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000


def test_production_refuses_to_start_without_secret_key():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "civicdesk.settings.production",
        "ALLOWED_HOSTS": "city.example.org",
        "PYTHONPATH": f"{ROOT / 'site'}:{ROOT}",
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0
    assert "SECRET_KEY must be set" in out.stderr
