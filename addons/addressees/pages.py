"""Template context of the host pages: home, catalog, group page, addressee page."""

from __future__ import annotations

from django.utils.translation import gettext
from wagtail.models import Page, Site

from addons.core.geo import parse_point
from addons.core.middleware import site_profile

from . import catalog
from .forms import FeedbackForm
from .hours import (
    current_and_upcoming,
    local_now,
    opening_status,
    schedules,
    site_time_zone,
    weekly_table,
)
from .models import AddresseeCatalogPage, AddresseeGroupPage

MAP_ZOOM = 16


def home_context(page, request) -> dict:
    children = list(
        page.get_children().live().public().type(AddresseeCatalogPage, AddresseeGroupPage)
        .specific()
    )
    catalogs = [child for child in children if isinstance(child, AddresseeCatalogPage)]
    return {
        "catalogs": catalogs,
        "group_pages": [child for child in children if isinstance(child, AddresseeGroupPage)],
        "search_catalog": catalogs[0] if catalogs else None,
    }


def catalog_context(page, request) -> dict:
    """The catalog: the top level paged, or search results, or one opened subtree."""
    form = catalog.CatalogFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {"q": "", "group": None, "kind": ""}
    notices = []
    today = local_now(site_profile(request)).date()
    base = catalog.card_queryset(today).descendant_of(page)
    opened = trail = None
    if "open" in request.GET and not (filters["q"] or filters["group"] or filters["kind"]):
        opened = catalog.find_in(page, request.GET.get("open"))
        if opened is None:
            notices.append(gettext("This addressee was not found in the catalog. "
                                   "Showing the whole catalog."))
    if opened is not None:
        trail = catalog.trail(page, opened)
        opened = catalog.decorate([_with_cards(opened, today)], request)[0]
        result = catalog.listing(base.child_of(opened), request, per_page=page.per_page)
        mode = "opened"
    elif filters["q"] or filters["group"] or filters["kind"]:
        words = catalog.search_words(filters["q"]) if filters["q"] else None
        result = catalog.listing(
            catalog.filter_queryset(base, filters), request, per_page=page.per_page,
            words=words, parents_above=page.depth,
        )
        mode = "results"
    else:
        result = catalog.listing(base.child_of(page), request, per_page=page.per_page)
        mode = "tree"
    return {
        "form": form,
        "filters": filters,
        "mode": mode,
        "opened": opened,
        "trail": trail or [],
        "page_obj": result.page_obj,
        "addressees": result.items,
        "notices": notices + result.notices,
        "catalog_url": page.get_url(request),
    }


def _with_cards(node, today):
    """``node`` again, with the hours and absences its card needs prefetched."""
    return catalog.card_queryset(today).get(pk=node.pk)


def group_context(page, request) -> dict:
    """One group's addressees anywhere on this site, paged, searchable."""
    form = catalog.CatalogFilterForm(request.GET or None, with_group=False)
    filters = form.filters() if request.GET else {"q": "", "group": None, "kind": ""}
    filters["group"] = page.group
    today = local_now(site_profile(request)).date()
    site = Site.find_for_request(request)
    root = Page.objects.get(pk=site.root_page_id) if site else page.get_parent()
    queryset = catalog.filter_queryset(catalog.card_queryset(today).descendant_of(root), filters)
    words = catalog.search_words(filters["q"]) if filters["q"] else None
    result = catalog.listing(queryset, request, per_page=page.per_page, words=words,
                             parents_above=root.depth + 1)
    return {
        "form": form,
        "filters": filters,
        "page_obj": result.page_obj,
        "addressees": result.items,
        "notices": result.notices,
    }


def addressee_context(page, request, *, feedback_form=None) -> dict:
    profile = site_profile(request)
    tz = site_time_zone(profile)
    now = local_now(profile)
    today = now.date()
    hours = list(page.office_hours.all())
    absences = [absence for absence in page.absences.all() if absence.end >= today]
    opening = opening_status(hours, absences, jurisdiction=getattr(profile, "jurisdiction", None),
                             now=now, tz=tz)
    schedule_tables = [
        {"name": name or gettext("Office hours"), "table": weekly_table(rows)}
        for name, rows in schedules(hours).items()
    ]
    children_page = children = None
    notices = []
    if page.pk and page.numchild:
        children_page, notice = catalog.paginate(
            catalog.card_queryset(today).child_of(page), request.GET.get("page"),
            catalog.CHILDREN_PER_PAGE,
        )
        if notice:
            notices.append(notice)
        children = catalog.decorate(children_page.object_list, request)
    if feedback_form is None and page.feedback_enabled:
        feedback_form = FeedbackForm(initial=FeedbackForm.initial_for(request.user))
    # Site roots sit at depth 2; the trail starts below them.
    breadcrumbs = list(page.get_ancestors().live().filter(depth__gt=2)) if page.pk else []
    return {
        "opening": opening,
        "today_weekday": today.weekday(),
        "schedules": schedule_tables,
        "absences": current_and_upcoming(absences, today),
        "specialists": list(page.specialists.all()),
        "addressee_groups": list(page.groups.all()) if page.pk else [],
        "children": children,
        "page_obj": children_page if children_page and children_page.has_other_pages() else None,
        "children_count": children_page.paginator.count if children_page else 0,
        "notices": notices,
        "point": parse_point(page.location),
        "map_zoom": MAP_ZOOM,
        "feedback_form": feedback_form if page.feedback_enabled else None,
        "breadcrumbs": breadcrumbs,
    }

