"""What every visitor of a site sees, kept in the cache across requests.

Three things are cached here (``settings.CACHES["default"]``: local memory in development,
Redis in production), each under *version tokens* that a change replaces, so a change shows
on the very next view:

- **the site's settings the chrome reads on every page** (``SiteProfile``,
  ``AddonActivation``: :func:`site_setting`): per site, with the coat of arms; kept for the
  request in hand too, so a page asks the cache once per setting, whatever reads it;
  forgotten when a setting, a site or an image changes (``SETTINGS_VERSION``);
- **the add-ons' sections** of host pages (``{% addon_sections page %}``:
  :func:`render_sections`): for anonymous visitors, per site, page (and its last
  publication), interface and content language, theme. A section is forgotten when a row of
  a model it shows changes: its placement model, its snippet and the models its placement
  names in ``section_depends_on``; and when any page is published, unpublished, moved or
  deleted, a site or a site's settings change (``PUBLIC_VERSION``). A section that shows
  something that changes with time (an expiring bulletin) names ``section_timeout``: it is
  kept until the next boundary of that many seconds (60: until the next minute). A
  placement with ``section_cache = False`` (a form with a CSRF token, a state of the visitor)
  is rendered on every view;
- tokens are replaced at once and again when the transaction commits, so a request that
  read the old rows meanwhile cannot keep them under the new token.

Never cached here: anything about the visitor (the header's login or cabinet link, messages,
forms carrying a CSRF token). Signed-in visitors and previews get every section rendered
afresh.
"""

from __future__ import annotations

import contextvars
import hashlib
import time
import uuid
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language

#: bump when the cached structure changes, so old entries are never read
FORMAT = 1
#: seconds an entry stays in the cache (a change replaces it anyway)
TIMEOUT = getattr(settings, "CIVICDESK_PUBLIC_CACHE_TIMEOUT", 24 * 3600)


class VersionToken:
    """A token in the cache that every key of a family includes: replacing it forgets them
    all at once."""

    def __init__(self, key: str):
        self.key = key

    def get(self) -> str:
        return versions(self)[0]

    def _new(self) -> None:
        cache.set(self.key, uuid.uuid4().hex, None)

    def bump(self, **kwargs) -> None:
        """Forget every entry under this token: now, and again when the transaction
        commits (a view that read the old rows meanwhile must not keep them)."""
        self._new()
        transaction.on_commit(self._new)
        if self.key != PAGE_VERSION_KEY:
            # a kept whole page may show what this token's family shows (page_cache.py)
            PAGE_VERSION.bump()


def versions(*tokens: VersionToken) -> list[str]:
    """The current values of ``tokens`` (one round trip to the cache)."""
    keys = [token.key for token in tokens]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    for key in missing:
        cache.add(key, uuid.uuid4().hex, None)
    if missing:
        found.update(cache.get_many(missing))
    return [found.get(key) or "none" for key in keys]


#: every whole page kept by ``page_cache``: replaced by every other token's bump too
PAGE_VERSION_KEY = "civicdesk:page-version"
PAGE_VERSION = VersionToken(PAGE_VERSION_KEY)
#: every public page: pages, sites and the sites' settings
PUBLIC_VERSION = VersionToken("civicdesk:public-version")
#: the site each host name answers to, with its root page (``middleware.find_site``): a
#: site or a site's root page saved, deleted, published or unpublished, any page moved
SITES_VERSION = VersionToken("civicdesk:sites-version")
#: the cached site settings: a change of a setting, a site or an image (the coat of arms)
SETTINGS_VERSION = VersionToken("civicdesk:settings-version")


def section_token(model) -> VersionToken:
    return VersionToken(f"civicdesk:section-version:{model._meta.label_lower}")


# -- the site's settings -------------------------------------------------------------------

_request_settings: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "civicdesk_request_settings", default=None)


def begin_request():
    """A fresh store of the settings read while answering one request."""
    return _request_settings.set({})


def end_request(token) -> None:
    _request_settings.reset(token)


def site_setting(model, site, load):
    """``model`` (a site setting) of ``site``: from the request's store, else the cache,
    else ``load()`` (which reads or creates the row)."""
    store = _request_settings.get()
    memo_key = (model._meta.label_lower, site.pk)
    if store is not None and memo_key in store:
        return store[memo_key]
    prefix = f"civicdesk:setting:{memo_key[0]}:{site.pk}"
    instance = cache.get(f"{prefix}:{SETTINGS_VERSION.get()}")
    if instance is None:
        instance = load()
        # under the version after the read: a change committed meanwhile replaces the
        # version once more when it commits (see VersionToken.bump)
        cache.set(f"{prefix}:{SETTINGS_VERSION.get()}", instance, TIMEOUT)
    if getattr(site, "_meta", None) is not None:
        instance.site = site  # the request's Site: ``profile.site`` costs no query
    if store is not None:
        store[memo_key] = instance
    return instance


def forget_request_settings() -> None:
    store = _request_settings.get()
    if store:
        store.clear()


# -- add-on sections -----------------------------------------------------------------------


def cacheable(request, page) -> bool:
    """Sections are shared only between anonymous visitors of published pages."""
    if request is None or getattr(page, "pk", None) is None:
        return False
    if getattr(request, "is_preview", False):
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def _bucket(model) -> tuple[int | None, int]:
    """(time bucket, seconds left in it) of a section with ``section_timeout``."""
    timeout = getattr(model, "section_timeout", None)
    if not timeout:
        return None, TIMEOUT
    now = time.time()
    return int(now // timeout), max(1, int(timeout - now % timeout))


def _key(model, page, site_pk, public, own, bucket) -> str:
    from .content_languages import variant
    from .themes import get_current_theme

    parts = (FORMAT, model._meta.label_lower, page.pk, str(page.last_published_at), site_pk,
             get_language(), variant(), get_current_theme(), bucket)
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"civicdesk:section:{public}:{own}:{digest}"


def render_sections(page, request, models, render) -> str:
    """The sections of ``models`` [(addon, placement model)] on ``page``: from the cache
    when they may be shared, else ``render(addon, model)`` (the HTML; None when the page
    has no placement of that model)."""
    if not cacheable(request, page):
        return "".join(render(addon, model) or "" for addon, model in models)
    from wagtail.models import Site

    site = Site.find_for_request(request)
    # a section of the visitor's own is still shared when the page has none of it
    values = versions(PUBLIC_VERSION, *(section_token(model) for _a, model in models))
    keys = {}
    for (_addon, model), own in zip(models, values[1:], strict=True):
        bucket, ttl = _bucket(model)
        keys[model] = (_key(model, page, site.pk if site else None, values[0], own, bucket),
                       ttl)
    found = cache.get_many([key for key, _ttl in keys.values()]) if keys else {}
    html = []
    for addon, model in models:
        entry = keys[model]
        if entry[0] in found:
            html.append(found[entry[0]])
            continue
        rendered = render(addon, model)
        if rendered is None:  # no placement here: the same for everyone
            rendered = ""
        elif not getattr(model, "section_cache", True) or "csrfmiddlewaretoken" in rendered \
                or "cdhole-" in rendered:
            # a form with a CSRF token is the visitor's own, whatever the placement declares;
            # so is a value a kept whole page fills in on every view (page_cache.py)
            html.append(rendered)
            continue
        cache.set(entry[0], rendered, entry[1])
        html.append(rendered)
    return "".join(html)


# -- invalidation --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _dependencies() -> dict:
    """model -> placement models whose sections show its rows."""
    from django.apps import apps

    from . import registry

    found: dict = {}
    for _addon, placement in registry.placement_models():
        watched = {placement}
        if placement.snippet_field:
            watched.add(placement._meta.get_field(placement.snippet_field).related_model)
        for label in getattr(placement, "section_depends_on", ()):
            watched.add(apps.get_model(label))
        for model in watched:
            found.setdefault(model, set()).add(placement)
    return found


@lru_cache(maxsize=1)
def _watched() -> tuple[tuple, tuple]:
    """(what the cached settings hold, what every public page shows)."""
    from wagtail.contrib.settings.models import BaseSiteSetting
    from wagtail.images import get_image_model
    from wagtail.models import Page, PageViewRestriction, Site

    settings_models = (BaseSiteSetting, Site, get_image_model())
    return settings_models, (*settings_models, Page, PageViewRestriction)


def _changed(sender, instance=None, created=False, **kwargs) -> None:
    if instance is None:
        return
    settings_models, public_models = _watched()
    if isinstance(instance, _site_models()) and _is_site_or_root(instance):
        SITES_VERSION.bump()
    if isinstance(instance, public_models):
        # a settings row created on first use replaces no cached copy (its absence is not
        # cached); its creation still renders the sections afresh
        if isinstance(instance, settings_models) and not created:
            forget_request_settings()
            SETTINGS_VERSION.bump()
        PUBLIC_VERSION.bump()
        return
    for placement in _dependencies().get(type(instance), ()):
        section_token(placement).bump()


def _m2m_changed(sender, instance=None, action="", **kwargs) -> None:
    if action.startswith("post_"):
        _changed(sender, instance=instance)


def _page_changed(sender=None, instance=None, **kwargs) -> None:
    if instance is None or _is_site_or_root(instance):
        SITES_VERSION.bump()
    PUBLIC_VERSION.bump()


def _page_moved(sender=None, **kwargs) -> None:
    SITES_VERSION.bump()  # a site's root may have moved with its parent
    PUBLIC_VERSION.bump()


def _is_site_or_root(instance) -> bool:
    """A site, or a page that is (or may be) a site's root: what ``find_site`` keeps."""
    from wagtail.models import Site

    if isinstance(instance, Site):
        return True
    depth = getattr(instance, "depth", None)
    if depth is not None and depth <= 2:
        return True
    return Site.objects.filter(root_page_id=instance.pk).exists()


@lru_cache(maxsize=1)
def _site_models() -> tuple:
    from wagtail.models import Page, Site

    return (Site, Page)


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from wagtail.signals import page_published, page_unpublished, post_page_move

    post_save.connect(_changed, dispatch_uid="civicdesk_public_saved")
    post_delete.connect(_changed, dispatch_uid="civicdesk_public_deleted")
    m2m_changed.connect(_m2m_changed, dispatch_uid="civicdesk_public_m2m")
    page_published.connect(_page_changed, dispatch_uid="civicdesk_public_published")
    page_unpublished.connect(_page_changed, dispatch_uid="civicdesk_public_unpublished")
    post_page_move.connect(_page_moved, dispatch_uid="civicdesk_public_moved")
