from django.conf import settings
from django.http import Http404
from django.utils import translation
from django.utils.cache import patch_vary_headers
from wagtail.models import Site

from . import registry
from .activation import is_enabled
from .themes import reset_current_theme, set_current_theme

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def site_profile(request):
    """The current site's SiteProfile, cached on the request (None without a site)."""
    if not hasattr(request, "_civicdesk_profile"):
        from .models import SiteProfile

        site = Site.find_for_request(request)
        request._civicdesk_profile = SiteProfile.for_request(request) if site else None
    return request._civicdesk_profile


def request_language(request, profile) -> str:
    """The visitor's explicit choice (cookie), else the site's default language."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen in SUPPORTED:
        return chosen
    if profile is not None and profile.default_language in SUPPORTED:
        return profile.default_language
    return settings.LANGUAGE_CODE


class SiteLocaleMiddleware:
    """Activates the language and the theme of the site a request is for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        profile = site_profile(request)
        language = request_language(request, profile)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        token = set_current_theme(profile.theme if profile else None)
        try:
            response = self.get_response(request)
        finally:
            reset_current_theme(token)
        response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ("Cookie",))
        return response


class AddonGateMiddleware:
    """Public URLs of an add-on answer 404 on a site where it is disabled."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        for namespace in match.namespaces if match else ():
            # "<label>", "<label>-api" and "<label>-<name>" (root_urls) all belong to <label>
            addon = registry.get_addon(namespace.split("-", 1)[0])
            if addon is not None and not is_enabled(addon.label, request=request):
                raise Http404("This service is not available on this site.")
        return None
