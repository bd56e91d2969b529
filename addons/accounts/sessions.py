"""Session lifetimes: an idle timeout for everyone, and a shorter absolute lifetime for
staff (anyone who may open the Wagtail admin).

The ``SessionSecurityMiddleware`` ends a signed-in session on the first request after the
session was idle too long, or lived longer than its class allows; the visitor continues as
anonymous and is told why. While the session is used, its cookie and its row expire with
the idle timeout, so the nightly cleanup removes abandoned sessions.

Settings: ``CIVICDESK_SESSION_IDLE_TIMEOUT`` and ``CIVICDESK_SESSION_MAX_AGE``, each
``{"citizen": seconds, "staff": seconds}`` (``None``: no limit of that kind).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

from . import throttle

LOGIN_AT = "_civicdesk_login_at"
SEEN_AT = "_civicdesk_seen_at"
KIND = "_civicdesk_session_kind"

DEFAULT_IDLE_TIMEOUT = {"citizen": 2 * 3600, "staff": 30 * 60}
DEFAULT_MAX_AGE = {"citizen": None, "staff": 12 * 3600}

#: the last-seen time is written at most this often (seconds), not on every request
TOUCH_INTERVAL = 60


def session_kind(user) -> str:
    if user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin"):
        return "staff"
    return "citizen"


def limits(kind: str) -> tuple[int | None, int | None]:
    idle = {**DEFAULT_IDLE_TIMEOUT, **getattr(settings, "CIVICDESK_SESSION_IDLE_TIMEOUT", {})}
    max_age = {**DEFAULT_MAX_AGE, **getattr(settings, "CIVICDESK_SESSION_MAX_AGE", {})}
    return idle.get(kind), max_age.get(kind)


def _touch(session, moment: float) -> None:
    session[SEEN_AT] = moment
    idle, max_age = limits(session.get(KIND, "citizen"))
    remaining = [value for value in (
        idle, None if max_age is None else max_age - (moment - session[LOGIN_AT])
    ) if value is not None]
    if remaining:
        session.set_expiry(max(1, int(min(remaining))))


def start(request, user) -> None:
    """Stamp a session that has just logged in."""
    session = getattr(request, "session", None)
    if session is None:
        return
    moment = throttle.now()
    session[KIND] = session_kind(user)
    session[LOGIN_AT] = moment
    _touch(session, moment)


def expired(session, moment: float) -> bool:
    idle, max_age = limits(session.get(KIND, "citizen"))
    seen = session.get(SEEN_AT, moment)
    login_at = session.get(LOGIN_AT, moment)
    return bool(
        (idle is not None and moment - seen > idle)
        or (max_age is not None and moment - login_at > max_age)
    )


class SessionSecurityMiddleware:
    """Idle and absolute session timeouts; sets the known-device cookie after a login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES and hasattr(request, "session"):
            self._check(request)
        response = self.get_response(request)
        device = getattr(request, "_civicdesk_device_cookie", None)
        if device:
            throttle.set_device_cookie(response, device)
        return response

    def _check(self, request) -> None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        session = request.session
        moment = throttle.now()
        if LOGIN_AT not in session or KIND not in session:
            # a session from before these limits: they start counting now
            session[KIND] = session_kind(user)
            session[LOGIN_AT] = moment
            _touch(session, moment)
            return
        if expired(session, moment):
            logout(request)
            messages.info(
                request,
                _("For your security you were signed out after a period of inactivity or a "
                  "long session. Please log in again."),
            )
            return
        if moment - session.get(SEEN_AT, 0) >= TOUCH_INTERVAL:
            _touch(session, moment)
