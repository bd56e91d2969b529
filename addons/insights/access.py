"""Who may see the management figures.

The whole site's dashboard: superusers, holders of the permission ``insights.view_figures``
and the leadership of the municipality (the people who handle the site's leadership
addressee, ``addons.core.staffing.leadership_of``, and its moderators even when away). An
addressee's dashboard (its subtree): those, plus whoever moderates or handles that addressee
or an addressee above it. An addressee of another site is nobody's here.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

STEPLEN = 4


def _active(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and getattr(user, "is_active", False))


def _root(site) -> str:
    return getattr(getattr(site, "root_page", None), "path", "") or ""


def _path(addressee) -> str | None:
    path = getattr(addressee, "path", None)
    if path:
        return path
    from wagtail.models import Page

    pk = getattr(addressee, "pk", addressee)
    return Page.objects.filter(pk=pk).values_list("path", flat=True).first()


def leads(user, site) -> bool:
    """Whether ``user`` is of the municipality's leadership."""
    from addons.core.models import StaffingSettings
    from addons.core.permissions import moderated_addressee_ids
    from addons.core.staffing import LEADERSHIP, leadership_of

    options = StaffingSettings.for_site(site)
    if options is None or options.leadership_id is None:
        return False
    if options.leadership_id in moderated_addressee_ids(user):
        return True
    handling = leadership_of(site)
    return handling.source == LEADERSHIP and any(person.pk == user.pk
                                                 for person in handling.users)


def sees_site(user, site) -> bool:
    """Whether ``user`` may see the whole site's figures."""
    if not _active(user):
        return False
    if user.is_superuser or user.has_perm("insights.view_figures"):
        return True
    return leads(user, site)


def may_view(user, site, addressee=None) -> bool:
    """Whether ``user`` may see the figures of ``site`` (``addressee``: a page or its id,
    that addressee's subtree)."""
    if not _active(user):
        return False
    if addressee is not None:
        path = _path(addressee)
        if not path or not path.startswith(_root(site)):
            return False
    if sees_site(user, site):
        return True
    if addressee is None:
        return False
    from wagtail.models import Page

    from addons.core.permissions import moderated_addressee_ids

    moderated = moderated_addressee_ids(user)
    if not moderated:
        return False
    above = [path[:n] for n in range(STEPLEN, len(path) + 1, STEPLEN)]
    return Page.objects.filter(path__in=above, pk__in=moderated).exists()


def viewable_addressees(user, site) -> list:
    """The addressee pages of ``site`` whose dashboards ``user`` may open as a moderator
    (the highest ones: a page under another listed one is left out), by path."""
    from django.apps import apps

    from addons.core.permissions import ADDRESSEE_MODEL, moderated_addressee_ids

    if not _active(user):
        return []
    moderated = moderated_addressee_ids(user)
    if not moderated:
        return []
    pages = list(apps.get_model(ADDRESSEE_MODEL).objects.filter(
        pk__in=moderated, path__startswith=_root(site)).order_by("path")
        .only("pk", "path", "title", "depth"))
    highest = []
    for page in pages:
        if not any(page.path.startswith(top.path) for top in highest):
            highest.append(page)
    return highest


def viewable_root(user, site):
    """Whose dashboard to open for ``user``: None for the whole site when they may see it,
    else the first (highest) addressee they moderate. Raises ``PermissionDenied`` when they
    may see neither."""
    if sees_site(user, site):
        return None
    pages = viewable_addressees(user, site)
    if not pages:
        raise PermissionDenied
    return pages[0]


def may_open(user, site) -> bool:
    """Whether ``user`` may open some figures of ``site``: management, or the staff of at
    least one of its addressees (the admin menu's "Figures" item and the screens' gate)."""
    if site is None or not _active(user):
        return False
    return may_view(user, site) or bool(viewable_addressees(user, site))
