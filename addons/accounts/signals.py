"""Receivers of Django's login signals (connected in ``AccountsConfig.ready``)."""

from django.conf import settings

from . import sessions, throttle


def login_failed(sender, credentials, request=None, **kwargs):
    """A password was checked and was wrong: count it for the throttles. An attempt axes
    refused without checking is not counted."""
    if request is None or getattr(request, "axes_locked_out", False):
        return
    throttle.record_failure(request, (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD))


def logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    sessions.start(request, user)
    request._civicdesk_device_cookie = throttle.remember_device(request, user)
