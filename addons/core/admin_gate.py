"""Narrowing the admin for a role that works one screen only.

Wagtail lets anyone with admin access open its generic screens (choosers, the API listings,
the site history). An add-on whose staff should see only their own screen (the queue desk's
specialists) registers a Wagtail hook ``civicdesk_admin_gate``: ``fn(request, match)`` where
``match`` is the resolved admin URL; it returns False to refuse the request (403), None to
let the other hooks and Wagtail decide. ``AddonGateMiddleware`` asks the hooks for every
admin URL a signed-in user requests.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail import hooks

HOOK = "civicdesk_admin_gate"


def admin_prefix() -> str:
    return reverse("wagtailadmin_home")


def check(request) -> None:
    """Raise PermissionDenied when a ``civicdesk_admin_gate`` hook refuses the request."""
    if not request.path_info.startswith(admin_prefix()):
        return  # public pages: the session is not even read (their caching stays)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_superuser:
        return
    match = request.resolver_match
    for gate in hooks.get_hooks(HOOK):
        if gate(request, match) is False:
            raise PermissionDenied
