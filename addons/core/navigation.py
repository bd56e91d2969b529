"""The site's main navigation, cached per site until pages change.

Every public page shows it, so it is built once per site and kept in the cache under a
version token that changes whenever a page is published, unpublished, moved or deleted, or
a site changes (any page signal may change the menu).
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from .public_cache import VersionToken

VERSION_KEY = "civicdesk:navigation-version"
TIMEOUT = 24 * 3600


VERSION = VersionToken(VERSION_KEY)


def _version() -> str:
    return VERSION.get()


def invalidate(**kwargs) -> None:
    """Forget every cached menu, now and again after the transaction commits (so a
    request that read the old rows meanwhile cannot keep them)."""
    VERSION.bump()


def _addon_links(request) -> list[tuple[str, str]]:
    """(title, url) of the menu links the add-ons enabled on the request's site declare."""
    from django.urls import NoReverseMatch, reverse

    from . import registry
    from .activation import enabled_labels_for_request

    enabled = enabled_labels_for_request(request)
    links = sorted(
        (link for addon in registry.addons() if addon.label in enabled
         for link in addon.menu_links),
        key=lambda link: link.order,
    )
    result = []
    for link in links:
        try:
            result.append((str(link.title), reverse(link.url_name)))
        except NoReverseMatch:
            continue
    return result


def menu_items(request) -> list[dict]:
    """[{"title", "url", "active", "addon"}] for the live in-menu children of the site's root, then
    the menu links of the add-ons enabled there (in the visitor's language)."""
    site = Site.find_for_request(request)
    if site is None:
        return []
    from .content_languages import variant, wanted_language

    key = f"civicdesk:navigation:{site.pk}:{variant()}:{_version()}"
    items = cache.get(key)
    if items is None:
        # in another language than the site's, the pages' translations are needed
        pages = site.root_page.get_children().live().public().in_menu().specific(
            defer=not wanted_language())
        items = [(page.title, page.get_url(request)) for page in pages]
        cache.set(key, items, TIMEOUT)
    path = request.path
    return [
        {"title": title, "url": url, "active": bool(url) and path.startswith(url),
         "addon": addon}
        for addon, entries in ((False, items), (True, _addon_links(request)))
        for title, url in entries
    ]


def _page_changed(sender, instance=None, **kwargs):
    if instance is None or isinstance(instance, Page):
        invalidate()


def connect_signals() -> None:
    page_published.connect(_page_changed, dispatch_uid="civicdesk_nav_published")
    page_unpublished.connect(_page_changed, dispatch_uid="civicdesk_nav_unpublished")
    post_page_move.connect(_page_changed, dispatch_uid="civicdesk_nav_moved")
    post_delete.connect(_page_changed, dispatch_uid="civicdesk_nav_deleted")
    post_save.connect(invalidate, sender=Site, dispatch_uid="civicdesk_nav_site_saved")
    post_delete.connect(invalidate, sender=Site, dispatch_uid="civicdesk_nav_site_deleted")
