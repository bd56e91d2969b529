from django.conf import settings
from django.utils.functional import SimpleLazyObject
from wagtail.models import Site

from .middleware import site_profile
from .themes import get_current_theme


def _navigation(request):
    site = Site.find_for_request(request)
    if site is None:
        return []
    path = request.path
    items = []
    for page in site.root_page.get_children().live().in_menu().specific(defer=True):
        url = page.get_url(request)
        active = bool(url) and path.startswith(url)
        items.append({"title": page.title, "url": url, "active": active})
    return items


def civicdesk(request):
    profile = site_profile(request)
    return {
        "civic_nav": SimpleLazyObject(lambda: _navigation(request)),
        "site_profile": profile,
        "theme": get_current_theme(),
        "civic_languages": settings.LANGUAGES,
        "map_tile_url": settings.CIVICDESK_MAP_TILE_URL,
        "map_attribution": settings.CIVICDESK_MAP_ATTRIBUTION,
    }
