"""The site's main navigation, cached per site until pages change.

Every public page shows it, so it is built once per site and kept in the cache under a
version token that changes whenever a page is published, unpublished, moved or deleted, or
a site changes (any page signal may change the menu).
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.models import Page, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

VERSION_KEY = "civicdesk:navigation-version"
TIMEOUT = 24 * 3600


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return version


def invalidate(**kwargs) -> None:
    """Forget every cached menu, now and again after the transaction commits (so a
    request that read the old rows meanwhile cannot keep them)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, None))


def menu_items(request) -> list[dict]:
    """[{"title", "url", "active"}] for the live in-menu children of the site's root."""
    site = Site.find_for_request(request)
    if site is None:
        return []
    key = f"civicdesk:navigation:{site.pk}:{_version()}"
    items = cache.get(key)
    if items is None:
        items = [
            (page.title, page.get_url(request))
            for page in site.root_page.get_children().live().public().in_menu().specific(defer=True)
        ]
        cache.set(key, items, TIMEOUT)
    path = request.path
    return [
        {"title": title, "url": url, "active": bool(url) and path.startswith(url)}
        for title, url in items
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
