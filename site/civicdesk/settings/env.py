"""Reading settings from the environment: one place that knows the variable formats."""

import os
from urllib.parse import parse_qs, unquote, urlparse


def env(name, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_list(name, default=()):
    value = env(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def email_settings(url):
    """Translate EMAIL_URL into Django settings.

    Supported: ``smtp://user:password@host:587`` (``smtps://`` for implicit TLS,
    ``?tls=1`` for STARTTLS), ``console://``, ``file:///path/to/dir``, ``locmem://``.
    """
    parsed = urlparse(url)
    scheme = parsed.scheme
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parsed.path) or "/tmp/civicdesk-mail",
        }
    if scheme in ("smtp", "smtps"):
        query = parse_qs(parsed.query)
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or (465 if scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": scheme == "smtps",
            "EMAIL_USE_TLS": query.get("tls", ["0"])[0] in ("1", "true"),
        }
    raise ValueError(f"EMAIL_URL: unsupported scheme {scheme!r}")
