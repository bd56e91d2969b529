from django.conf import settings
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from django.utils import translation
from django.utils.cache import patch_vary_headers
from wagtail.models import Site

from . import registry
from .activation import is_enabled
from .themes import reset_current_theme, set_current_theme, visitor_theme

SUPPORTED = {code for code, _name in settings.LANGUAGES}


def find_site(request):
    """``Site.find_for_request(request)``, read from the cache per host name and port (kept
    on the request, where Wagtail looks first): Wagtail asks the database on every request,
    a kept page included. Forgotten when a site or a site's root page is saved, deleted,
    published or unpublished, or any page moved (``SITES_VERSION``: the root page comes with
    the site)."""
    if hasattr(request, "_wagtail_site"):
        return request._wagtail_site
    import hashlib

    from django.core.cache import cache
    from django.http.request import split_domain_port

    from . import public_cache

    hostname = split_domain_port(request._get_raw_host())[0]
    place = hashlib.sha256(f"{hostname}:{request.get_port()}".encode()).hexdigest()[:32]
    key = f"civicdesk:site-for:{place}:{public_cache.SITES_VERSION.get()}"
    site = cache.get(key)
    if site is None:
        site = Site._find_for_request(request)
        cache.set(key, site if site is not None else NO_SITE, public_cache.TIMEOUT)
    elif site == NO_SITE:
        site = None
    request._wagtail_site = site
    return site


#: what the cache keeps for a host name no site answers to
NO_SITE = "none"


def site_profile(request):
    """The current site's SiteProfile, cached on the request (None without a site)."""
    if not hasattr(request, "_civicdesk_profile"):
        from .models import SiteProfile

        site = find_site(request)
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


#: Paths that are not public pages: no language prefix, content in the site's language.
NOT_PUBLIC = ("/admin/", "/api/", "/documents/", "/i18n/")


def is_public_path(path: str) -> bool:
    skipped = (*NOT_PUBLIC, settings.STATIC_URL or "/static/", settings.MEDIA_URL or "/media/")
    return not path.startswith(tuple(prefix for prefix in skipped if prefix.startswith("/")))


def prefix_language(path: str, offered: list[str], own: str) -> str | None:
    """The language named by the path's first segment ("/en/..."), if the site offers it
    under a prefix (its own language has none)."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first and first != own and first in offered else None


class SiteLocaleMiddleware:
    """Activates the language and the theme of the site a request is for.

    A public page's language is in its URL: ``/en/...`` for a language the site offers,
    none for the site's own. Without a prefix, the visitor's choice (the language cookie)
    applies as before. A content language without an interface catalog (Hungarian on a
    Romanian town) shows the interface in the site's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from . import public_cache

        store = public_cache.begin_request()
        try:
            return self._answer(request)
        finally:
            public_cache.end_request(store)

    def _answer(self, request):
        from . import content_languages as cl

        profile = site_profile(request)
        own = cl.site_language(profile)
        offered = cl.site_languages(profile)
        content = None
        url_language = prefix_language(request.path_info, offered, own)
        if url_language:
            from .language_urls import urlconf_for

            request.urlconf = urlconf_for(url_language)
            content, language = url_language, cl.interface_language(url_language, profile)
        else:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            language = request_language(request, profile)
            if is_public_path(request.path_info):
                content = chosen if chosen in offered else own
                if content not in SUPPORTED:
                    language = cl.interface_language(content, profile)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        request.CONTENT_LANGUAGE = content or language
        language_token = cl.activate(
            cl.ContentLanguage(content=content, site=own, prefixed=bool(url_language))
            if content else None
        )
        token = set_current_theme(visitor_theme(request) or (profile.theme if profile else None))
        try:
            response = self.get_response(request)
        finally:
            reset_current_theme(token)
            cl.reset(language_token)
        response.headers.setdefault("Content-Language", content or translation.get_language())
        patch_vary_headers(response, ("Cookie",))
        return response


class AddonGateMiddleware:
    """Public URLs of an add-on answer 404 on a site where it is disabled; admin URLs
    answer 403 when an add-on's ``civicdesk_admin_gate`` hook refuses them (admin_gate.py)."""

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
        from . import admin_gate

        admin_gate.check(request)
        return None


# Longer than any link the site makes or a person types; a query string beyond it is refused.
MAX_QUERY_STRING = 8192
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _holds_nul(items) -> bool:
    for key, values in items:
        if "\x00" in key or any("\x00" in value for value in values):
            return True
    return False


def malformed(request) -> bool:
    """True when the request carries what no page of the site can use: a NUL character in
    its path, its query string or its form fields (names and values, file names; not file
    contents), or a query string longer than ``CORE_MAX_QUERY_STRING`` characters."""
    if "\x00" in request.path or "\x00" in request.path_info:
        return True
    limit = getattr(settings, "CORE_MAX_QUERY_STRING", MAX_QUERY_STRING)
    if len(request.META.get("QUERY_STRING", "")) > limit:
        return True
    if _holds_nul(request.GET.lists()):
        return True
    if request.method == "POST" and request.content_type in _FORM_TYPES:
        if _holds_nul(request.POST.lists()):
            return True
        for key, files in request.FILES.lists():
            if "\x00" in key or any("\x00" in (upload.name or "") for upload in files):
                return True
    return False


class MalformedRequestMiddleware:
    """Answers 400 with the site's themed, translated page to a request that could only
    make the database or the file system fail further on (see ``malformed``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            refused = malformed(request)
        except MultiPartParserError:
            refused = True
        if refused:
            from .views import bad_request

            return bad_request(request)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """A number in the path (``<int:pk>``) beyond any database key names nothing."""
        from .validation import MAX_DB_INT

        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and value > MAX_DB_INT:
                raise Http404("No such record.")
        return None
