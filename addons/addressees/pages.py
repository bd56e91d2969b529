"""Template context of the host pages: home, catalog, group page, addressee page."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext
from wagtail.models import Page, Site

from addons.core.geo import parse_point
from addons.core.middleware import site_profile

from . import catalog, fragments
from .forms import FeedbackForm
from .hours import current_and_upcoming, local_now, schedules, weekly_table
from .models import AddresseeCatalogPage, AddresseeGroupPage

MAP_ZOOM = 16


def _addon_of(url: str) -> str:
    """The add-on label whose public URLs ``url`` belongs to ("" for a page or none)."""
    from django.urls import Resolver404, resolve

    try:
        match = resolve(url.split("?")[0])
    except Resolver404:
        return ""
    namespace = (match.namespaces or [""])[0]
    return namespace.split("-")[0]


def _reachable(url: str, request) -> bool:
    """Whether a card's address leads somewhere on this site: not to an add-on switched
    off here."""
    from addons.core import activation, registry

    label = _addon_of(url)
    if not label or registry.get_addon(label) is None:
        return True
    return activation.is_enabled(label, request=request)


def _default_quick_links(catalog_page, request) -> list[dict]:
    """The cards of a home page nobody has set up: the ways in this site offers."""
    from django.urls import NoReverseMatch, reverse

    from .models import QuickLinkIcon

    found = []
    for icon, url_name in ((QuickLinkIcon.REPORT, "reports:new"),
                           (QuickLinkIcon.VISIT, "queues-receptions:list")):
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        if _reachable(url, request):
            found.append({"icon": icon.value, "title": icon.label, "text": "", "url": url})
    if catalog_page is not None:
        found.append({"icon": QuickLinkIcon.FIND.value, "title": QuickLinkIcon.FIND.label,
                      "text": catalog_page.title, "url": catalog_page.url})
    return found


def quick_links(page, request, catalog_page=None) -> list[dict]:
    """The large cards the home page leads with: the editors' own (Home page → "What
    citizens come for"), those of a switched-off add-on left out; else the defaults."""
    links = []
    for link in page.quick_links.select_related("link_page").all():
        if link.link_page_id and not (link.link_page.live and link.link_page.url):
            continue
        url = link.link_page.get_url(request) if link.link_page_id else link.link_url
        if url and _reachable(url, request):
            links.append({"icon": link.icon, "title": link.title, "text": link.text,
                          "url": url})
    return links or _default_quick_links(catalog_page, request)


def home_context(page, request) -> dict:
    """The home page's cards, search and catalog links: the same for every visitor of one
    site in one language, so a cached fragment (see ``fragments``); the add-ons' sections
    below are cached by core (``public_cache``)."""
    fragment = fragments.cached("home", page, request, lambda: _home(page, request),
                                query=False)
    return {"home": fragments.render(fragment, request)}


def _home(page, request) -> fragments.Fragment:
    children = list(
        page.get_children().live().public().type(AddresseeCatalogPage, AddresseeGroupPage)
        .specific()
    )
    catalogs = [child for child in children if isinstance(child, AddresseeCatalogPage)]
    html = fragments.render_part("addressees/includes/home_body.html", {
        "request": request,
        "page": page,
        "quick_links": quick_links(page, request, catalogs[0] if catalogs else None),
        "catalogs": catalogs,
        "group_pages": [child for child in children if isinstance(child, AddresseeGroupPage)],
        "search_catalog": catalogs[0] if catalogs else None,
    })
    return fragments.Fragment(parts={"body": html})


def _form_state(request, *, with_group=True):
    form = catalog.CatalogFilterForm(request.GET or None, with_group=with_group)
    filters = form.filters() if request.GET else {"q": "", "group": None, "kind": ""}
    return form, filters


def catalog_context(page, request) -> dict:
    """The catalog: the top level paged, or search results, or one opened subtree (the
    part below the title is a cached fragment, see ``fragments``)."""
    fragment = fragments.cached("catalog", page, request, lambda: _catalog(page, request))
    return {"catalog": fragments.render(fragment, request)}


def _catalog(page, request) -> fragments.Fragment:
    form, filters = _form_state(request)
    notices = []
    today = local_now(site_profile(request)).date()
    base = catalog.card_queryset(today).descendant_of(page)
    urls = catalog.PageUrls(page, request)
    catalog_url = urls.base
    filtered = bool(filters["q"] or filters["group"] or filters["kind"])
    opened = trail = None
    if "open" in request.GET and not filtered:
        opened = catalog.find_in(page, request.GET.get("open"))
        if opened is None:
            notices.append(gettext("This addressee was not found in the catalog. "
                                   "Showing the whole catalog."))
    words = None
    parents_above = None
    if opened is not None:
        trail = catalog.trail(page, opened)
        queryset = catalog.card_queryset(today).child_of(opened)
        opened = {"pk": opened.pk, "title": opened.title, "url": urls(opened),
                  "kind": opened.get_kind_display(), "summary": opened.summary}
        mode = "opened"
    elif filtered:
        words = catalog.search_words(filters["q"]) if filters["q"] else None
        queryset = catalog.filter_queryset(base, filters)
        parents_above = page.depth
        mode = "results"
    else:
        queryset = base.child_of(page)
        mode = "tree"
    page_obj, notice = catalog.paginate(queryset, request.GET.get("page"), page.per_page)
    if notice:
        notices.append(notice)
    cards, openings = catalog.cards(page_obj.object_list, urls, catalog_url=catalog_url,
                                    specialists_for=words, parents_above=parents_above)
    html = fragments.render_part("addressees/includes/catalog_body.html", {
        "request": request,
        "page": page,
        "form": form,
        "filters": filters,
        "mode": mode,
        "opened": opened,
        "trail": trail or [],
        "page_obj": page_obj,
        "addressees": cards,
        "notices": notices,
        "catalog_url": catalog_url,
    })
    return fragments.Fragment(parts={"body": html}, openings=openings)
def group_context(page, request) -> dict:
    """One group's addressees anywhere on this site, paged, searchable (cached below the
    introduction, see ``fragments``)."""
    fragment = fragments.cached("group", page, request, lambda: _group(page, request),
                                extra=(page.group_id,))
    return {"listing": fragments.render(fragment, request)}


def _group(page, request) -> fragments.Fragment:
    form, filters = _form_state(request, with_group=False)
    filters["group"] = page.group_id
    today = local_now(site_profile(request)).date()
    site = Site.find_for_request(request)
    root = Page.objects.get(pk=site.root_page_id) if site else page.get_parent()
    queryset = catalog.filter_queryset(catalog.card_queryset(today).descendant_of(root), filters)
    words = catalog.search_words(filters["q"]) if filters["q"] else None
    page_obj, notice = catalog.paginate(queryset, request.GET.get("page"), page.per_page)
    cards, openings = catalog.cards(page_obj.object_list, catalog.PageUrls(root, request),
                                    specialists_for=words, parents_above=root.depth + 1)
    html = fragments.render_part("addressees/includes/group_body.html", {
        "request": request,
        "form": form,
        "filters": filters,
        "page_url": page.get_url(request),
        "page_obj": page_obj,
        "addressees": cards,
        "notices": [notice] if notice else [],
    })
    return fragments.Fragment(parts={"body": html}, openings=openings)


def addressee_context(page, request, *, feedback_form=None) -> dict:
    """The addressee page: what every visitor sees is a cached fragment (see
    ``fragments``); the feedback form and the add-ons' sections are rendered each time."""
    fragment = fragments.cached("addressee", page, request, lambda: _addressee(page, request))
    if feedback_form is None and page.feedback_enabled:
        feedback_form = FeedbackForm(initial=FeedbackForm.initial_for(request.user))
    return {
        "addressee": fragments.render(fragment, request),
        "feedback_form": feedback_form if page.feedback_enabled else None,
    }


def _ancestor_url(page_url: str, page, ancestor, request) -> str:
    suffix = page.url_path[len(ancestor.url_path):]
    if page_url and page.url_path.startswith(ancestor.url_path) and page_url.endswith(suffix):
        return page_url[: len(page_url) - len(suffix)]
    return ancestor.get_url(request) or ""


def _addressee(page, request) -> fragments.Fragment:
    today = local_now(site_profile(request)).date()
    hours = list(page.office_hours.all())
    absences = [absence for absence in page.absences.all() if absence.end >= today]
    schedule_tables = [
        {"name": name or gettext("Office hours"), "table": weekly_table(rows)}
        for name, rows in schedules(hours).items()
    ]
    urls = catalog.PageUrls(page, request) if page.pk else None
    children_page = children = None
    notices = []
    openings = {}
    if page.pk and page.numchild:
        children_page, notice = catalog.paginate(
            catalog.card_queryset(today).child_of(page), request.GET.get("page"),
            catalog.CHILDREN_PER_PAGE,
        )
        if notice:
            notices.append(notice)
        children, openings = catalog.cards(children_page.object_list, urls)
    openings[page.pk or 0] = (
        tuple(fragments.HoursRow(row.pk, row.schedule, row.sort_order, row.weekday, row.opens,
                                 row.closes, row.break_start, row.break_end) for row in hours),
        tuple(fragments.AbsenceRow(absence.start, absence.end) for absence in absences),
    )
    # Site roots sit at depth 2; the trail starts below them.
    breadcrumbs = []
    if page.pk:
        page_url = urls.base
        breadcrumbs = [
            {"title": ancestor.title, "url": _ancestor_url(page_url, page, ancestor, request)}
            for ancestor in page.get_ancestors().live().filter(depth__gt=2)
        ]
    context = {
        "page": page,
        "kind": page.get_kind_display(),
        "marker": fragments.marker(page.pk or 0),
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
        "map_tile_url": settings.CIVICDESK_MAP_TILE_URL,
        "map_attribution": settings.CIVICDESK_MAP_ATTRIBUTION,
        "breadcrumbs": breadcrumbs,
        "request": request,
    }
    return fragments.Fragment(
        parts={"trail": fragments.render_part("addressees/includes/addressee_trail.html",
                                              context),
               "body": fragments.render_part("addressees/includes/addressee_body.html",
                                             context)},
        openings=openings,
    )
