"""The address of the client a request comes from, the same for every rate limit and for
the login lock-out.

Without trusted proxies (``CIVICDESK_TRUSTED_PROXY_COUNT = 0``, the default) it is
``REMOTE_ADDR`` and ``X-Forwarded-For`` is ignored, so a client cannot pick its own address.
Behind N trusted proxies (env ``TRUSTED_PROXY_COUNT``) each proxy appends the address it
saw to ``X-Forwarded-For``: the client is then the N-th address from the right. Anything
else (a missing or short header, a value that is not an IP address) falls back to
``REMOTE_ADDR``.

django-ratelimit reads it through ``RATELIMIT_IP_META_KEY`` and django-axes through
``AXES_CLIENT_IP_CALLABLE``.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

#: longer headers are not parsed (a proxy chain is a handful of addresses)
MAX_HEADER_LENGTH = 2048


def trusted_proxy_count() -> int:
    try:
        return max(0, int(getattr(settings, "CIVICDESK_TRUSTED_PROXY_COUNT", 0) or 0))
    except (TypeError, ValueError):
        return 0


def _valid_ip(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The client's IP address as text (see the module's description)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = trusted_proxy_count()
    if count <= 0:
        return remote
    header = request.META.get("HTTP_X_FORWARDED_FOR", "") or ""
    if not header or len(header) > MAX_HEADER_LENGTH:
        return remote
    hops = header.split(",")
    if len(hops) < count:
        return remote
    return _valid_ip(hops[-count]) or remote
