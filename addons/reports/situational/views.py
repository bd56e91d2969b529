"""The situational center's public pages: the map with its filters and the list of reports
(one page, /reports/map/), and RSS and Atom feeds of the same filters. Only
``Report.objects.public()`` ever reaches them."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _
from wagtail.models import Site

from addons.core.geo import parse_point
from addons.core.pagination import CappedPaginator

from .filters import ReportFilterForm, all_statuses, public_reports, site_categories

PER_PAGE = 20
#: the list counts at most this many matching reports ("more than 10,000 reports": the
#: newest are listed, the filters narrow the rest); no count over all of a city's reports
COUNT_CAP = 10_000
FEED_ITEMS = 50
DEFAULT_ZOOM = 13


def filter_form(request, site, *, with_addressees=True) -> ReportFilterForm:
    """The filters of ``request``; on the public pages (``with_addressees``) the addressee
    is chosen with the catalog's picker, the feeds accept any addressee number."""
    return ReportFilterForm(
        request.GET,
        categories=site_categories(site),
        statuses=all_statuses(),
        site=site if with_addressees else None,
        auto_id="report-filter-%s",
    )


def map_context(site, querystring: str = "", *, addressee=None, zoom=None) -> dict:
    """What the map element needs: the data URL, the filters and where to look first."""
    from addons.core.models import SiteProfile

    from ..models import ReportsSettings

    settings = ReportsSettings.for_site(site)
    from .legend import public_statuses, status_legend, status_pins_json

    statuses = public_statuses()
    context = {
        "geojson_url": reverse("reports-api:geojson"),
        "geometry_url": reverse("reports-api:city"),
        "legend": status_legend(statuses),
        "status_pins": status_pins_json(statuses),
        "filters": querystring,
        "leaflet_js": static("leaflet/leaflet.js"),
        "zoom": zoom or DEFAULT_ZOOM,
        "bounds": "",
        "lat": None,
        "lng": None,
        "list_url": reverse("reports:situational:list"),
    }
    point = parse_point(getattr(addressee, "location", "")) if addressee is not None else None
    if point is None:
        point = parse_point(SiteProfile.for_site(site).map_center)
    if settings.has_bounds():
        if zoom is None:
            edges = (settings.min_lng, settings.min_lat, settings.max_lng, settings.max_lat)
            context["bounds"] = ",".join(f"{value:.6f}" for value in edges)
        if point is None:
            point = parse_point(
                f"POINT({(settings.min_lng + settings.max_lng) / 2} "
                f"{(settings.min_lat + settings.max_lat) / 2})"
            )
    if point is None:
        # Nowhere configured: the middle of the reports themselves (their extent, cached
        # for the town's reports version).
        from .geojson import site_extent

        extent = site_extent(site, public_reports(site))
        if extent is not None:
            context.update(lat=(extent.south + extent.north) / 2,
                           lng=(extent.west + extent.east) / 2)
    else:
        context.update(lat=point.lat, lng=point.lng)
    return context


def report_list(request):
    """The map, the filter form and the matching reports, newest first, paginated."""
    site = Site.find_for_request(request)
    form = filter_form(request, site)
    reports = public_reports(site).select_related("category", "status", "addressee")
    if form.is_valid():
        reports = form.apply(reports)
        querystring = form.querystring()
    else:
        reports = reports.none()
        querystring = ""
    # The count is the same for every visitor: kept per town, reports version and filters.
    from .. import caching
    from .filters import filter_params

    count_key = caching.key("list-count", site.pk, COUNT_CAP, form.is_valid(),
                            filter_params(request.GET))
    paginator = CappedPaginator(reports.order_by("-created_at", "-pk"), PER_PAGE,
                                count_cap=COUNT_CAP, count_key=count_key)
    page_obj = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page_obj,
        "capped": paginator.capped,
        "cap": COUNT_CAP,
        "reports": page_obj.object_list,
        "querystring": querystring,
        "map": map_context(site, querystring),
        "rss_url": _with_query(reverse("reports:situational:rss"), querystring),
        "atom_url": _with_query(reverse("reports:situational:atom"), querystring),
    }
    return render(request, "reports/situational/list.html", context)


def _with_query(url: str, querystring: str) -> str:
    return f"{url}?{querystring}" if querystring else url


class ReportsFeed(Feed):
    """The newest public reports matching the filters in the URL (RSS 2.0)."""

    description_template = None
    url_name = "reports:situational:rss"

    def __call__(self, request, *args, **kwargs):
        site = Site.find_for_request(request)
        form = filter_form(request, site, with_addressees=False)
        if not form.is_valid():
            return HttpResponseBadRequest(
                _("Invalid filter: %s") % "; ".join(
                    f"{field}: {' '.join(errors)}" for field, errors in form.errors_json().items()
                ),
                content_type="text/plain; charset=utf-8",
            )
        self._state = (site, form)
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs):
        return self._state

    @staticmethod
    def _site_name(site) -> str:
        from addons.core.models import SiteProfile

        return SiteProfile.for_site(site).municipality_name or site.site_name or ""

    def title(self, state):
        name = self._site_name(state[0])
        return f"{_('Problem reports')} · {name}" if name else _("Problem reports")

    def author_name(self, state):
        """The feed's author (Atom requires one): the municipality."""
        site = state[0]
        return self._site_name(site) or site.hostname or _("Problem reports")

    def link(self, state):
        _site, form = state
        return _with_query(reverse("reports:situational:list"), form.querystring())

    def feed_url(self, state):
        """``rel="self"``: this feed with its filters."""
        _site, form = state
        return _with_query(reverse(self.url_name), form.querystring())

    def description(self, state):
        return _("The newest public problem reports matching the chosen filters.")

    def items(self, state):
        site, form = state
        reports = public_reports(site).select_related("category", "status")
        return form.apply(reports).order_by("-created_at", "-pk")[:FEED_ITEMS]

    def item_title(self, report):
        return f"{report.tracking_number}: {report.category.label()} ({report.status.label()})"

    def item_description(self, report):
        # The description is plain text: escaped here, so a feed reader shows any markup
        # in it as text instead of running it.
        parts = [linebreaks(escape(report.description))]
        if report.address:
            parts.append(f"<p>{escape(report.address)}</p>")
        return "".join(parts)

    def item_link(self, report):
        return report.get_absolute_url()

    def item_guid(self, report):
        return f"report:{report.tracking_number}"

    item_guid_is_permalink = False

    def item_pubdate(self, report):
        return report.created_at

    def item_updateddate(self, report):
        return report.updated_at

    def item_categories(self, report):
        return [report.category.label()]


class ReportsAtomFeed(ReportsFeed):
    feed_type = Atom1Feed
    url_name = "reports:situational:atom"

    def subtitle(self, state):
        return self.description(state)


def rss_feed(request):
    # A Feed keeps the request's filters on itself: one instance per request.
    return ReportsFeed()(request)


def atom_feed(request):
    return ReportsAtomFeed()(request)
