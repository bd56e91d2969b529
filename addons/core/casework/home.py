"""The staff home: what a member of staff has to do, first thing in the admin.

For every declared kind of casework with something in the user's scope on the site being
worked on, the standard figures (assigned to me, new and unassigned, due within 48 hours,
overdue, escalated) and the declaration's own ``figures`` (today's queue). Every standard
figure is ``queries.work_queryset(...).count()``, the very queryset the desk's list filters
with ``?work=<key>``, so the number always equals the length of the list it links to.

The same figures are served as JSON at ``/api/v1/workspace/summary/``. Both run a fixed
number of SQL queries whatever the data size: one ``exists`` and one ``count`` per figure.
"""

from __future__ import annotations

from dataclasses import asdict

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component
from wagtail.models import Site

from .. import registry
from ..activation import enabled_labels
from ..addon import _call
from . import queries
from .access import is_staff_member, list_url
from .declaration import Figure

#: the standard figures, in the order shown
STANDARD = (
    ("mine", _("Assigned to me")),
    ("unassigned", _("New and unassigned")),
    ("due_soon", _("Due within 48 hours")),
    ("overdue", _("Overdue")),
    ("escalated", _("Escalated")),
)


def working_site(request):
    """The site being worked on: the one the admin was opened on."""
    return Site.find_for_request(request) or Site.objects.filter(is_default_site=True).first()


def kind_figures(declaration, user, site, now=None) -> list[Figure]:
    """The standard figures of one kind of record (those that apply to it)."""
    result = []
    for key, label in STANDARD:
        queryset = queries.work_queryset(declaration, user, site, key, now=now)
        if queryset is None:
            continue
        result.append(Figure(key=key, label=label, value=queryset.count(),
                             url=list_url(declaration.key, key)))
    return result


def my_work(user, site, now=None) -> list[dict]:
    """``[{"key", "title", "icon", "figures": [Figure], "extra": [Figure]}]`` for ``user``
    on ``site``: only kinds with something in the user's scope there."""
    if not is_staff_member(user):
        return []
    now = now or timezone.now()
    kinds = []
    enabled = enabled_labels(site) if site is not None else None
    for addon, declaration in registry.casework():
        if (enabled is not None and addon is not None and not addon.required
                and addon.label not in enabled):
            continue
        if not queries.scope(declaration, user, site).exists():
            continue
        extra = list(_call(declaration.figures, user, site) or ()) if declaration.figures else []
        kinds.append({
            "key": declaration.key,
            "title": declaration.title,
            "icon": declaration.icon,
            "url": list_url(declaration.key),
            "figures": kind_figures(declaration, user, site, now=now),
            "extra": extra,
        })
    return kinds


def summary(user, site, now=None) -> dict:
    """The JSON of ``/api/v1/workspace/summary/``."""
    kinds = []
    for kind in my_work(user, site, now=now):
        kinds.append({
            "key": kind["key"],
            "title": str(kind["title"]),
            "url": kind["url"],
            "figures": [_figure_json(figure) for figure in kind["figures"]],
            "extra": [_figure_json(figure) for figure in kind["extra"]],
        })
    return {
        "site": {"id": site.pk, "name": site.site_name or site.hostname} if site else None,
        "generated_at": (now or timezone.now()).isoformat(),
        "kinds": kinds,
    }


def _figure_json(figure: Figure) -> dict:
    data = asdict(figure)
    data["label"] = str(figure.label)
    data["group"] = str(figure.group) if figure.group else ""
    return data


class MyWorkPanel(Component):
    """The "My work" panel at the top of the admin's home page."""

    name = "civicdesk_my_work"
    template_name = "core/casework/home_panel.html"
    order = 10

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        site = working_site(self.request)
        context["kinds"] = my_work(self.request.user, site)
        context["site"] = site
        return context


#: Wagtail's own panels about pages (recent edits, locked pages): only superusers keep them
PAGE_PANELS = {"recent_edits", "locked_pages"}


def construct_panels(request, panels):
    """Hook ``construct_homepage_panels``: the work panel first; the stock page panels only
    for superusers (below it)."""
    if not is_staff_member(request.user):
        return
    if not request.user.is_superuser:
        panels[:] = [panel for panel in panels if getattr(panel, "name", "") not in PAGE_PANELS]
    panels.insert(0, MyWorkPanel(request))


def construct_summary_items(request, items):
    """Hook ``construct_homepage_summary_items`` (run last): the site summary (pages,
    images, documents) only for superusers."""
    if not request.user.is_superuser:
        items.clear()
