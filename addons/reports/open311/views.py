"""Open311 GeoReport v2 (``/open311/v2/``): services and service requests, XML or JSON.

Every answer comes in the format of the resource's extension (``services.xml``,
``requests/PR-2026-000001.json``). Reading needs no key and shows public reports only;
posting a request needs an :class:`~addons.reports.models.Open311ApiKey` and goes through
``services.submit_report`` like the website's form. Errors are the spec's list of
``{code, description}`` with the HTTP status: 400 bad parameters, 403 no or a wrong
``api_key``, 404 an unknown service, request, token or jurisdiction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta
from functools import wraps

from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from wagtail.models import Site

from ..models import Report, ReportCategory, ReportPhoto, ReportUpdate, UpdateKind
from . import formats
from .submission import SubmissionError, submit

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: the spec's default window when no dates are given, and the widest one allowed
DEFAULT_DAYS = 90
#: most requests one listing returns (the largest ``page_size``)
LIST_LIMIT = 1000
#: requests per page when ``page_size`` is not given
DEFAULT_PAGE_SIZE = 100
#: how deep ``page`` reaches into one query's requests (newest first); past it the client
#: narrows ``start_date``/``end_date``
MAX_DEPTH = 10_000
#: seconds an anonymous listing is kept (any report change replaces it at once)
LIST_TIMEOUT = 60


# --- helpers ------------------------------------------------------------------------------


def _site(request) -> Site | None:
    return Site.find_for_request(request)


def _jurisdictions(site) -> set[str]:
    from django.conf import settings

    names = {site.hostname.lower()} if site else set()
    configured = getattr(settings, "CIVICDESK_REPORTS_OPEN311_JURISDICTION", "")
    if configured:
        names.add(configured.lower())
    return names


def _checked(request, fmt):
    """(site, error response or None): the site, and a 404 if ``jurisdiction_id`` names a
    jurisdiction this endpoint does not serve."""
    site = _site(request)
    if site is None:
        return None, formats.errors(fmt, 404, _("No site answers at this address."))
    source = request.POST if request.method == "POST" else request.GET
    jurisdiction = (source.get("jurisdiction_id") or "").strip().lower()
    if jurisdiction and jurisdiction not in _jurisdictions(site):
        return site, formats.errors(
            fmt, 404, _("jurisdiction_id %(value)s is not served here.") % {"value": jurisdiction}
        )
    return site, None


def _categories(site):
    """The service types: active categories of the site (the groups are not reportable)."""
    return (
        ReportCategory.objects.filter(site=site, is_active=True)
        .exclude(Q(parent__isnull=True) & ~Q(code__contains="."))
        .select_related("parent")
        .order_by("sort_order", "code")
    )


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url)


def service_data(category) -> dict:
    keywords = [word for word in (category.keywords or "").replace(",", " ").split() if word]
    return {
        "service_code": category.code,
        "service_name": category.label(),
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(keywords),
        "group": category.parent.label() if category.parent_id else "",
    }


def request_data(request, report) -> dict:
    """One service request as the spec lists it."""
    notes = [
        update.public_note for update in report.public_updates if update.public_note
    ]
    photos = report.public_photos
    media_url = _absolute(request, photos[0].get_absolute_url()) if photos else ""
    return {
        "service_request_id": report.tracking_number,
        "status": report.status.open311_status,
        "status_notes": notes[-1] if notes else "",
        "service_name": report.category.label(),
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": report.addressee.title if report.addressee_id else "",
        "service_notice": "",
        "requested_datetime": formats.w3c(report.created_at),
        "updated_datetime": formats.w3c(report.updated_at),
        "expected_datetime": formats.w3c(report.due_at),
        "address": report.address,
        "address_id": "",
        "zipcode": "",
        "lat": report.lat,
        "long": report.lng,
        "media_url": media_url,
    }


def _public_reports(site):
    return (
        Report.objects.public()
        .filter(site=site)
        .select_related("category", "status", "addressee")
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=ReportUpdate.objects.filter(is_public=True, kind=UpdateKind.STATUS)
                .only("pk", "report_id", "public_note", "created_at")
                .order_by("created_at", "pk"),
                to_attr="public_updates",
            ),
            Prefetch(
                "photos",
                queryset=ReportPhoto.objects.filter(is_hidden=False)
                .select_related("report").only("pk", "report_id", "report__tracking_number"),
                to_attr="public_photos",
            ),
        )
    )


def _format_not_allowed(fmt, *allowed) -> HttpResponse:
    response = formats.errors(fmt, 405, _("This method is not allowed here."))
    response["Allow"] = ", ".join(allowed)
    return response


def read_only(view):
    """GET (and HEAD) only; anything else gets the spec's error list with 405."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return _format_not_allowed(kwargs.get("fmt", "json"), "GET")
        return view(request, *args, **kwargs)

    return wrapper


# --- discovery and services ---------------------------------------------------------------


@never_cache
@read_only
def discovery(request, fmt):
    site, error = _checked(request, fmt)
    if error:
        return error
    from django.conf import settings

    url = _absolute(request, reverse("reports-open311:discovery", args=["xml"]))
    root = url.rsplit("/", 1)[0]
    data = {
        "changeset": formats.w3c(timezone.now().replace(hour=0, minute=0, second=0)),
        "contact": getattr(settings, "CIVICDESK_REPORTS_OPEN311_CONTACT", "")
        or _("Contact the city hall through %(host)s") % {"host": site.hostname},
        "key_service": _("API keys are issued by the city hall's administrators."),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": root,
            "changeset": formats.w3c(timezone.now().replace(hour=0, minute=0, second=0)),
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }
    return formats.respond(fmt, "discovery", data)


@never_cache
@read_only
def service_list(request, fmt):
    site, error = _checked(request, fmt)
    if error:
        return error
    return formats.respond(fmt, "services", [service_data(c) for c in _categories(site)])


@never_cache
@read_only
def service_definition(request, code, fmt):
    site, error = _checked(request, fmt)
    if error:
        return error
    category = _categories(site).filter(code=code).first()
    if category is None:
        return formats.errors(fmt, 404, _("service_code %(code)s not found.") % {"code": code})
    return formats.respond(
        fmt, "service_definition", {"service_code": category.code, "attributes": []}
    )


# --- service requests ---------------------------------------------------------------------


#: the years a date filter may name (outside them the range arithmetic would overflow)
MIN_YEAR, MAX_YEAR = 1900, 2999


def _parse_date(value, name):
    """An aware datetime from a W3C date and time; SubmissionError (400) for anything else,
    impossible dates and offsets (2026-13-45T25:61:61+99:99) and far-off years included."""
    problem = SubmissionError(
        _("%(name)s must be a W3C date and time, e.g. 2026-05-01T00:00:00Z.") % {"name": name}
    )
    if len(value) > 64:
        raise problem
    try:
        moment = parse_datetime(value)
    except (ValueError, OverflowError, TypeError):
        raise problem from None
    if moment is None or not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise problem
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise problem from None
    return moment


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _filtered(params, site):
    """The public reports the GET parameters ask for; SubmissionError on a bad one."""
    reports = _public_reports(site)
    ids = _split(params.get("service_request_id", ""))
    if ids:  # the spec: this overrides every other parameter
        return reports.filter(tracking_number__in=ids[:LIST_LIMIT]).order_by("-created_at")
    codes = _split(params.get("service_code", ""))
    if codes:
        reports = reports.filter(category__code__in=codes)
    statuses = _split(params.get("status", "").lower())
    unknown = set(statuses) - {"open", "closed"}
    if unknown:
        raise SubmissionError(_("status must be open or closed."))
    if statuses:
        reports = reports.filter(status__open311_status__in=statuses)
    start = params.get("start_date")
    end = params.get("end_date")
    start = _parse_date(start, "start_date") if start else None
    end = _parse_date(end, "end_date") if end else None
    if start and end and start > end:
        raise SubmissionError(_("end_date is before start_date."))
    if start and end and end - start > timedelta(days=DEFAULT_DAYS):
        raise SubmissionError(
            _("The range may not span more than %(days)s days.") % {"days": DEFAULT_DAYS}
        )
    if start is None and end is None:
        start = timezone.now() - timedelta(days=DEFAULT_DAYS)
    elif start is None:
        start = end - timedelta(days=DEFAULT_DAYS)
    elif end is None:
        # the spec's widest range holds for a start alone too: the 90 days from it
        end = start + timedelta(days=DEFAULT_DAYS)
    reports = reports.filter(created_at__gte=start)
    if end is not None:
        reports = reports.filter(created_at__lte=end)
    first, size = _paging(params)
    return reports.order_by("-created_at", "-pk")[first:first + size]


def _positive(params, name, default, highest=None):
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 30 or int(raw) < 1:
        raise SubmissionError(_("%(name)s must be a whole number from 1.") % {"name": name})
    value = int(raw)
    if highest is not None and value > highest:
        raise SubmissionError(_("%(name)s may be at most %(limit)s.") % {
            "name": name, "limit": highest})
    return value


def _paging(params) -> tuple[int, int]:
    """(offset, size) from ``page`` (from 1) and ``page_size`` (1-1000, default 100)."""
    size = _positive(params, "page_size", DEFAULT_PAGE_SIZE, LIST_LIMIT)
    page = _positive(params, "page", 1)
    first = (page - 1) * size
    if first + size > MAX_DEPTH:
        raise SubmissionError(_(
            "Pages reach the first %(depth)s requests of a query: choose a shorter "
            "start_date and end_date range to see older ones.") % {"depth": MAX_DEPTH})
    return first, size


@csrf_exempt
@never_cache
def service_requests(request, fmt):
    """GET: the public requests matching the filters. POST: create one (needs api_key)."""
    if request.method not in ("GET", "HEAD", "POST"):
        return _format_not_allowed(fmt, "GET", "POST")
    site, error = _checked(request, fmt)
    if error:
        return error
    if request.method == "POST":
        return _create(request, site, fmt)
    return _listing(request, site, fmt)


def _listing(request, site, fmt):
    """The GET listing, kept in the cache for ``LIST_TIMEOUT`` seconds per town, reports
    version, language, address and query (it is the same for every reader)."""
    from django.core.cache import cache

    from .. import caching

    query = tuple(sorted((name, value[:200]) for name, values in request.GET.lists()
                         for value in values))
    key = caching.key("open311", site.pk, fmt, translation.get_language(),
                      request.build_absolute_uri("/"), query)
    found = cache.get(key)
    if found is not None:
        status, content_type, body = found
        return HttpResponse(body, status=status, content_type=content_type)
    try:
        reports = list(_filtered(request.GET, site))
    except SubmissionError as problem:
        return formats.errors(fmt, problem.status, *problem.messages)
    response = formats.respond(
        fmt, "service_requests", [request_data(request, report) for report in reports]
    )
    cache.set(key, (response.status_code, response["Content-Type"], response.content),
              LIST_TIMEOUT)
    return response


def _create(request, site, fmt):
    try:
        report = submit(request, site)
    except SubmissionError as problem:
        return formats.errors(fmt, problem.status, *problem.messages)
    data = [{
        "service_request_id": report.tracking_number,
        "token": str(report.token),
        "service_notice": _("Expected resolution: %(date)s.") % {"date": formats.w3c(
            report.due_at)} if report.due_at else "",
        "account_id": "",
    }]
    return formats.respond(fmt, "service_requests", data, status=201)


@never_cache
@read_only
def service_request(request, request_id, fmt):
    site, error = _checked(request, fmt)
    if error:
        return error
    report = _public_reports(site).filter(tracking_number=request_id).first()
    if report is None:
        return formats.errors(
            fmt, 404, _("service_request_id %(id)s not found.") % {"id": request_id}
        )
    return formats.respond(fmt, "service_requests", [request_data(request, report)])


@never_cache
@read_only
def token(request, token_id, fmt):
    site, error = _checked(request, fmt)
    if error:
        return error
    try:
        value = uuid.UUID(token_id)
    except ValueError:
        value = None
    report = (
        Report.objects.filter(site=site, token=value).only("pk", "tracking_number", "token")
        .first() if value else None
    )
    if report is None:
        return formats.errors(fmt, 404, _("token %(id)s not found.") % {"id": token_id})
    return formats.respond(fmt, "service_requests", [
        {"service_request_id": report.tracking_number, "token": str(report.token)}
    ])
