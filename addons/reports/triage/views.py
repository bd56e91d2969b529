"""``GET /reports/suggest/?text=...``: category suggestions for the report form's script.
(Without JavaScript the form view calls ``triage.suggestions`` itself.)"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited
from wagtail.models import Site

from addons.core.geo import Point

from . import MAX_TEXT_LENGTH, suggestions

#: suggestions per client address; the form asks while the citizen types (debounced)
DEFAULT_RATE = "60/m"
#: texts shorter than this say too little to classify
MIN_TEXT_LENGTH = 3


def _point(request) -> Point | None:
    try:
        lat, lng = float(request.GET["lat"]), float(request.GET["lng"])
    except (KeyError, ValueError):
        return None
    if -90 <= lat <= 90 and -180 <= lng <= 180:
        return Point(lat=lat, lng=lng)
    return None


def render_fragment(rows: list[dict]) -> str:
    """The suggestions as an HTML list the form's script puts under the description."""
    if not rows:
        return ""
    items = format_html_join(
        "", '<li data-code="{}" data-score="{}">{}{}</li>',
        (
            (
                row["code"], f"{row['score']:.2f}", row["label"],
                format_html(' <span class="report-suggestion__addressee">({})</span>',
                            row["addressee"]["title"]) if row["addressee"] else "",
            )
            for row in rows
        ),
    )
    return format_html(
        '<p class="report-suggestions__title">{}</p><ul class="report-suggestions">{}</ul>',
        _("Suggested categories"), items,
    )


@require_GET
@never_cache  # rate-limited per address: every suggestion is counted, none shared
def suggest(request):
    rate = getattr(settings, "CIVICDESK_REPORTS_SUGGEST_RATE", DEFAULT_RATE)
    if is_ratelimited(request, group="reports.suggest", key="ip", rate=rate, increment=True):
        return JsonResponse(
            {"error": _("Too many requests. Please wait a minute and try again."),
             "suggestions": [], "html": ""},
            status=429,
        )
    text = request.GET.get("text", "").strip()[:MAX_TEXT_LENGTH]
    if len(text) < MIN_TEXT_LENGTH:
        return JsonResponse({"suggestions": [], "html": ""})
    rows = suggestions(text, site=Site.find_for_request(request), point=_point(request))
    return JsonResponse({"suggestions": rows, "html": render_fragment(rows)})
