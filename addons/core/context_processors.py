from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .middleware import site_profile
from .navigation import menu_items
from .themes import get_current_theme


def civicdesk(request):
    profile = site_profile(request)
    return {
        "civic_nav": SimpleLazyObject(lambda: menu_items(request)),
        "site_profile": profile,
        "theme": get_current_theme(),
        "civic_languages": settings.LANGUAGES,
        "map_tile_url": settings.CIVICDESK_MAP_TILE_URL,
        "map_attribution": settings.CIVICDESK_MAP_ATTRIBUTION,
    }
