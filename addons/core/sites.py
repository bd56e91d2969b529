"""A site's public address: the one place every absolute link (e-mails, feeds, tickets, API
links) takes its scheme, host and port from.

:func:`public_base_url` answers, in this order:

1. the site's own setting, "Public address" of the site profile (``SiteProfile.public_url``,
   e.g. ``https://city.example.org``): what the city's visitors type, behind whatever proxy;
2. the scheme and host of the request being answered, when there is one for this site (a
   TLS proxy's ``X-Forwarded-Proto: https`` counts only when ``TRUSTED_PROXY_COUNT`` > 0);
3. the Wagtail site's hostname and port, with https when ``CIVICDESK_PUBLIC_HTTPS`` (by
   default: ``SECURE_SSL_REDIRECT``) says the installation is served over TLS, or port 443.

Work without a request (the task queue's e-mails, digests) gets 1 or 3.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

#: hostnames a Wagtail site may carry that name no public address
_NO_HOST = {"", "*"}


def _https_by_default() -> bool:
    value = getattr(settings, "CIVICDESK_PUBLIC_HTTPS", None)
    if value is None:
        value = getattr(settings, "SECURE_SSL_REDIRECT", False)
    return bool(value)


def profile_public_url(site) -> str:
    """The site profile's public address ("" when none is set)."""
    if site is None or not getattr(site, "pk", None):
        return ""
    from .models import SiteProfile

    try:
        profile = SiteProfile.for_site(site)
    except Exception:  # noqa: BLE001 - a site without settings table yet (migrations)
        return ""
    return (profile.public_url or "").strip().rstrip("/")


def site_base_url(site) -> str:
    """``scheme://host[:port]`` from the Wagtail site's hostname and port."""
    if site is None or (site.hostname or "") in _NO_HOST:
        return (getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "http://localhost").rstrip("/")
    port = int(site.port or 80)
    scheme = "https" if port == 443 or _https_by_default() else "http"
    default_port = 443 if scheme == "https" else 80
    suffix = "" if port in (default_port, 80, 443) else f":{port}"
    host = site.hostname
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"{scheme}://{host}{suffix}"


def _request_base_url(site, request) -> str:
    if request is None:
        return ""
    if site is not None:
        from wagtail.models import Site

        try:
            request_site = Site.find_for_request(request)
        except Exception:  # noqa: BLE001 - a request without a usable host
            return ""
        if request_site is None or request_site.pk != site.pk:
            return ""  # a link to another town: that town's own address
    try:
        return f"{request.scheme}://{request.get_host()}"
    except Exception:  # noqa: BLE001 - DisallowedHost: fall back to the site's address
        return ""


def public_base_url(site, request=None) -> str:
    """``scheme://host[:port]`` (no trailing slash) of ``site``'s public side."""
    return (profile_public_url(site) or _request_base_url(site, request)
            or site_base_url(site))


def absolute_url(site, path: str, request=None) -> str:
    """``path`` ("/reports/…") on ``site``'s public address; an absolute URL is returned
    as it is."""
    path = path or ""
    if not path.startswith("/") or path.startswith("//"):
        return path
    return public_base_url(site, request) + path


def public_domain(site, request=None) -> str:
    """The host name of the site's public address (for Message-IDs and List-Ids)."""
    host = urlsplit(public_base_url(site, request)).hostname or ""
    return host or "localhost"


def branding(site) -> dict:
    """What the city looks like on its pages, tickets, e-mails and PDFs: ``name`` (the
    municipality, else the site's name), ``coat_of_arms`` (a Wagtail image or None),
    ``colour`` (``#rrggbb`` or "" for the theme's own) and ``address`` (postal)."""
    from .models import SiteProfile

    if site is None or not getattr(site, "pk", None):
        return {"name": "", "coat_of_arms": None, "colour": "", "address": ""}
    profile = SiteProfile.for_site(site)
    return {
        "name": profile.municipality_name or site.site_name or "",
        "coat_of_arms": profile.coat_of_arms,
        "colour": profile.brand_colour or "",
        "address": profile.postal_address or "",
    }
