"""Whole public pages kept in the cache for visitors who bring nothing of their own.

Most views of a town's site come from people who are not signed in and carry no state:
the same home page, catalog, addressee page, map or list for all of them. Such a view is
answered from the cache (``settings.CACHES["default"]``) without running the view, its
queries or its templates; every other view is answered as before.

**Shared** only is a ``GET`` of a public path by a visitor whose cookies are none but the
CSRF cookie and the choices every page honours (language, content language, theme): no
session (nobody signed in, no messages, nothing kept for them), no survey cookie, no
``Authorization``. The page is kept when it answered 200 with nothing of the visitor's: no
cookie set, nothing stored in a session, no ``Cache-Control`` that forbids sharing (views
marked ``never_cache``, private answers), no CSRF token the view asked for itself.

**Keyed** by scheme, host, path with query string, interface and content language and
theme, so two towns, two languages and the high-contrast theme never share a page.

**Forgotten** when anything a page may show changes: every saved or deleted row (but the
bookkeeping of sessions, sign-in attempts, the task queue and the admin's log) and every
version token of ``public_cache`` (reports, receptions, sections, settings) replace
``PAGE_VERSION``. What changes with time alone (hours "open now", today's receptions, a
bulletin that expires) is kept at most until the next boundary of
``CIVICDESK_PAGE_CACHE_SECONDS`` (60 by default; 0 turns the cache off).

**Holes**: what must differ on every view is written as a marker when the page is kept and
filled in on every view: the CSRF token of the visitor (the same secret as their cookie,
so a form on a kept page posts) and the values add-ons declare
(``AddonConfig.page_holes``: the signed moment a survey form was shown).

A page answered from the cache carries ``X-Page-Cache: hit``; a page kept on this view,
``miss``.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from .public_cache import PAGE_VERSION

#: bump when the kept structure changes, so old entries are never read
FORMAT = 1
#: the marker of the visitor's CSRF token in a kept page
CSRF_MARKER = "cdhole-csrf.token-end"
#: what a hole's marker looks like: ``cdhole-<name>-end``
_HOLE = re.compile(rb"cdhole-([a-z0-9.]+)-end")
#: apps whose rows never show on a public page: their changes keep every page
IGNORED_APPS = frozenset({"sessions", "axes", "django_q", "admin", "contenttypes"})
#: what is kept: pages, JSON answers (the map's GeoJSON, Open311) and feeds
SHARED_TYPES = frozenset({"text/html", "application/json", "application/geo+json",
                          "application/xml", "text/xml", "application/rss+xml",
                          "application/atom+xml"})
#: paths never shared (the admin; the pages of signing in and out, which keep state)
SKIPPED_PATHS = ("/admin/", "/accounts/", "/django-admin/")

def _holes() -> dict[str, str]:
    """The holes the add-ons declare (``AddonConfig.page_holes``): only these are filled."""
    from . import registry

    return registry.page_holes()


def hole(request, name: str, produce):
    """The value of the hole ``name`` for this view: its marker while a page is being
    kept, else ``produce()``."""
    if request is not None and getattr(request, "_page_cache_capture", False):
        if name not in _holes() or not re.fullmatch(r"[a-z0-9.]+", name):
            raise LookupError(f"Hole {name!r} is not declared by an add-on")
        return f"cdhole-{name}-end"
    return produce()


def capturing(request) -> bool:
    """True while ``request``'s page is rendered to be kept (nothing of the visitor in it)."""
    return bool(getattr(request, "_page_cache_capture", False))


def seconds() -> int:
    return int(getattr(settings, "CIVICDESK_PAGE_CACHE_SECONDS", 60) or 0)


def _allowed_cookies() -> frozenset:
    from .themes import THEME_COOKIE

    return frozenset({settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME, THEME_COOKIE})


def shareable_request(request) -> bool:
    if request.method != "GET" or seconds() <= 0:
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    if request.path_info.startswith(SKIPPED_PATHS):
        return False
    allowed = _allowed_cookies()
    return all(name in allowed for name in request.COOKIES)


def shareable_response(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.get("Content-Type", "").split(";")[0].strip() not in SHARED_TYPES:
        return False  # pages, JSON, feeds: not files, images or calendars
    if hasattr(request, "limited"):
        # the view counts this visitor's requests (django-ratelimit): each is answered
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-store", "no-cache", "max-age=0")):
        return False
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        # the view asked for a real token itself: it may be anywhere in the page
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.modified)


def _key(request) -> tuple[str, int]:
    from .content_languages import variant
    from .themes import get_current_theme

    span = seconds()
    now = timezone.now().timestamp()  # the site's clock: what "open now" is measured by
    parts = (FORMAT, request.scheme, request.get_host(), request.get_full_path(),
             get_language(), variant(), get_current_theme(), PAGE_VERSION.get(),
             int(now // span))
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"civicdesk:page:{digest}", max(1, int(span - now % span))


def _fill(request, body: bytes) -> bytes:
    def replace(match):
        name = match.group(1).decode()
        if name == "csrf.token":
            return get_token(request).encode()
        producer = _holes().get(name)
        if producer is None:
            return match.group(0)
        return str(import_string(producer)(request)).encode()

    return _HOLE.sub(replace, body) if b"cdhole-" in body else body


def _answer(request, entry, state: str) -> HttpResponse:
    status, headers, body = entry
    response = HttpResponse(_fill(request, body), status=status)
    for name, value in headers:
        response[name] = value
    response["X-Page-Cache"] = state
    return response


class PublicPageCacheMiddleware:
    """Answers a shared view from the cache; keeps a shareable page on a miss. Sits after
    ``CsrfViewMiddleware`` (which sets the cookie of the token filled in) and before the
    middleware whose headers are kept with the page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not shareable_request(request):
            return self.get_response(request)
        key, ttl = _key(request)
        entry = cache.get(key)
        if entry is not None:
            return _answer(request, entry, "hit")
        request._page_cache_capture = True
        try:
            response = self.get_response(request)
        finally:
            request._page_cache_capture = False
        if not shareable_response(request, response):
            if b"cdhole-" in getattr(response, "content", b"") and not response.streaming:
                response.content = _fill(request, response.content)
            return response
        headers = [(name, value) for name, value in response.headers.items()
                   if name.lower() not in ("content-length", "set-cookie", "x-page-cache")]
        entry = (response.status_code, headers, response.content)
        cache.set(key, entry, ttl)
        return _answer(request, entry, "miss")


def context(request) -> dict:
    """The CSRF token of a page being kept: its marker (see ``_fill``)."""
    if capturing(request):
        return {"csrf_token": CSRF_MARKER}
    return {}


# -- invalidation --------------------------------------------------------------------------


def _changed(sender, **kwargs) -> None:
    meta = getattr(sender, "_meta", None)
    if meta is None or meta.app_label in IGNORED_APPS:
        return
    PAGE_VERSION.bump()


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    post_save.connect(_changed, dispatch_uid="civicdesk_page_saved")
    post_delete.connect(_changed, dispatch_uid="civicdesk_page_deleted")
    m2m_changed.connect(_changed, dispatch_uid="civicdesk_page_m2m")
