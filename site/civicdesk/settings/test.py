"""Tests: SQLite in memory unless DATABASE_URL names another database; the Redis broker
when REDIS_URL is set; tasks run synchronously unless a test asks otherwise."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private"  # noqa: F405
STORAGES["private"]["OPTIONS"]["location"] = str(PRIVATE_MEDIA_ROOT)  # noqa: F405
AXES_ENABLED = True
WAGTAILADMIN_BASE_URL = "http://testserver"
ALLOWED_HOSTS = ["*"]
LOGGING = {"version": 1, "disable_existing_loggers": False}

# The add-on the core contract tests exercise.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.core.notice_addon", "tests.core.case_addon"]  # noqa: F405
