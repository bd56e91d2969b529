"""Cached HTML fragments of the catalog, group and addressee pages.

What a listing or an addressee page shows is the same for every visitor of one site in one
language: it is rendered once into the cache (``settings.CACHES["default"]``: local memory
in development, Redis in production) and reused. Never cached: anything about the visitor
(header, messages, the feedback form, CSRF token) and the "open now" badges, which are put
into the cached HTML at each view (computed once a minute, see :func:`render`).

A key names the fragment's kind, the page (id, last publication), the site, the language,
the theme, the site's date and time zone, the query string and the *catalog version*: one
token in the cache that every change of a page, an addressee's rows, a group, a view
restriction or a site replaces (see ``signals.py``), so a publication shows at once.
"""

from __future__ import annotations

import hashlib
import re
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from wagtail.models import Site

from addons.core.content_languages import variant
from addons.core.middleware import site_profile
from addons.core.public_cache import VersionToken
from addons.core.themes import get_current_theme

from .hours import local_now, opening_status, site_time_zone

VERSION_KEY = "addressees:catalog-version"
#: bump when the cached structure changes, so old entries are never read
FORMAT = 1
#: seconds a fragment stays in the cache (each change of the catalog replaces it anyway)
TIMEOUT = getattr(settings, "ADDRESSEES_CACHE_TIMEOUT", 24 * 3600)
BADGES_TIMEOUT = 120
MARKER = "<!--opening:{}-->"
MARKER_RE = re.compile(r"<!--opening:(\d+)-->")

#: what the "open now" badge needs of an addressee, without model instances
HoursRow = namedtuple(
    "HoursRow", "pk schedule sort_order weekday opens closes break_start break_end"
)
AbsenceRow = namedtuple("AbsenceRow", "start end")


@dataclass
class Fragment:
    """Rendered HTML parts, and the hours and absences of every addressee whose badge is
    marked in them (``marker(pk)``)."""

    parts: dict[str, str]
    openings: dict[int, tuple[tuple, tuple]] = field(default_factory=dict)
    key: str | None = None


def marker(pk: int) -> SafeString:
    """The place of addressee ``pk``'s "open now" badge in a fragment."""
    return mark_safe(MARKER.format(int(pk)))


def opening_rows(page) -> tuple[tuple, tuple]:
    """(hours, absences) of an addressee whose ``office_hours`` and ``absences`` are loaded
    (prefetched), as plain tuples the cache can keep."""
    hours = tuple(
        HoursRow(row.pk, row.schedule, row.sort_order, row.weekday, row.opens, row.closes,
                 row.break_start, row.break_end)
        for row in page.office_hours.all()
    )
    absences = tuple(AbsenceRow(row.start, row.end) for row in page.absences.all())
    return hours, absences


# -- the catalog version ------------------------------------------------------------------


#: the catalog version: core's version token (``public_cache``), the same mechanism as the
#: add-on sections' and the site settings'
CATALOG_VERSION = VersionToken(VERSION_KEY)


def catalog_version() -> str:
    return CATALOG_VERSION.get()


def bump_catalog_version(**kwargs) -> None:
    """Forget every cached fragment: now, and again when the transaction commits (a view
    that read the old rows meanwhile must not keep them under the new version)."""
    CATALOG_VERSION.bump()


# -- caching ------------------------------------------------------------------------------


def enabled(request) -> bool:
    """Previews (and requests without a site) are rendered afresh, never cached."""
    return request is not None and not getattr(request, "is_preview", False)


def fragment_key(kind: str, page, request, extra=(), *, query=True) -> str:
    profile = site_profile(request)
    site = Site.find_for_request(request)
    tz = site_time_zone(profile)
    parts = (
        FORMAT, kind, page.pk, str(page.last_published_at), site.pk if site else None,
        get_language(), get_current_theme(), str(tz), local_now(profile).date().isoformat(),
        sorted(request.GET.lists()) if query else None, tuple(extra), variant(),
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"addressees:fragment:{catalog_version()}:{digest}"


def cached(kind: str, page, request, build: Callable[[], Fragment], extra=(), *,
           query=True) -> Fragment:
    """The fragment ``kind`` of ``page`` for this request, from the cache or ``build()``
    (``query``: whether the query string changes it)."""
    if not enabled(request) or page.pk is None:
        return build()
    key = fragment_key(kind, page, request, extra, query=query)
    fragment = cache.get(key)
    if fragment is None:
        fragment = build()
        cache.set(key, fragment, TIMEOUT)
    fragment.key = key
    return fragment


def render_part(template: str, context: dict) -> str:
    """A fragment template rendered without the request: no context processors, so nothing
    about the visitor can get into the cache."""
    return render_to_string(template, context)


# -- "open now" badges ---------------------------------------------------------------------


def badges(fragment: Fragment, request) -> dict[int, str]:
    """pk -> badge HTML for every addressee of ``fragment``, for the current minute (office
    hours are whole minutes: a status computed at the start of a minute holds all of it)."""
    from .templatetags.addressees_tags import badge_html

    if not fragment.openings:
        return {}
    profile = site_profile(request) if request is not None else None
    tz = site_time_zone(profile)
    now = local_now(profile).replace(second=0, microsecond=0)
    jurisdiction = getattr(profile, "jurisdiction", None) or None
    key = None
    if fragment.key:
        key = f"{fragment.key}:badges:{now.isoformat()}:{tz}:{jurisdiction}"
        found = cache.get(key)
        if found is not None:
            return found
    result = {
        pk: badge_html(opening_status(hours, absences, jurisdiction=jurisdiction, now=now,
                                      tz=tz))
        for pk, (hours, absences) in fragment.openings.items()
    }
    if key:
        cache.set(key, result, BADGES_TIMEOUT)
    return result


def render(fragment: Fragment, request) -> dict[str, SafeString]:
    """The fragment's parts with their badges in place."""
    found = badges(fragment, request)

    def badge(match):
        return found.get(int(match.group(1)), "")

    return {
        name: mark_safe(MARKER_RE.sub(badge, html) if found or "<!--opening:" in html else html)
        for name, html in fragment.parts.items()
    }
