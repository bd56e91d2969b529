"""The public transparency page: a town's figures (``/figures/``) and an addressee's
(``/figures/<page id>/``) for the record types declared public only
(``ServiceEvents.public``; ``Scope(public_only=True)``): how many records came, the median
working days to resolve them, the share resolved within the term, the citizens'
satisfaction; the week-by-week intake as a chart with its table; the addressees under it
with their figures, those with fewer records than the site's minimum count greyed with no
figure shown.

The period is the last 12 months unless the visitor picks dates (a plain GET form, no
script needed); a period that ends before it starts, runs longer than the site allows or
holds a date that is not one answers 400 with the page and the translated error.

The figures of a page are kept in the cache for ``CIVICDESK_INSIGHTS_PUBLIC_SECONDS`` (300
by default) per site, addressee, period and language: they may be a few minutes old. The
whole page is also kept for anonymous visitors like every public page
(``addons.core.page_cache``).
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from wagtail.models import Site

from addons.core.forms import BoundedDateField
from addons.core.validation import parse_pk

from . import figures
from .public_charts import columns_svg, share_svg
from .report_files import format_value, service_title
from .scheduled import site_today

#: the figures the page shows, per public service
PUBLIC_KEYS = ("intake", "flow_in", "resolution_median", "on_time", "satisfaction")
#: the figures shown per addressee
RANKED_KEYS = ("intake", "resolution_median", "on_time")
#: bump when what is cached changes
FORMAT = 1
#: the default period: the last 12 months
DEFAULT_DAYS = 365


def cache_seconds() -> int:
    return int(getattr(settings, "CIVICDESK_INSIGHTS_PUBLIC_SECONDS", 300))


class PeriodForm(forms.Form):
    start = BoundedDateField(label=gettext_lazy("From"), required=False)
    end = BoundedDateField(label=gettext_lazy("To"), required=False)


def _site(request):
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    return site


def public_addressee(site, value):
    """The live addressee page ``value`` (an id) of ``site``; 404 for another town's, a
    draft, a page that is no addressee or an id that is none."""
    from addons.addressees.models import AddresseePage

    pk = parse_pk(value)
    page = (AddresseePage.objects.live().filter(pk=pk, path__startswith=site.root_page.path)
            .exclude(pk=site.root_page_id).only("pk", "title", "path", "depth", "url_path")
            .first() if pk is not None else None)
    if page is None:
        raise Http404
    return page


def period_of(request, site):
    """(form, Period or None, errors): the period asked for, the last 12 months when none.
    ``errors``: translated messages of a period that cannot be used."""
    today = site_today(site)
    asked = any(request.GET.get(name) for name in ("start", "end"))
    form = PeriodForm(request.GET if asked else None)
    if not asked:
        start = today - timedelta(days=DEFAULT_DAYS - 1)
        form = PeriodForm(initial={"start": start, "end": today})
        return form, figures.Period(start, today), []
    if not form.is_valid():
        return form, None, [str(error) for errors in form.errors.values() for error in errors]
    end = form.cleaned_data["end"] or today
    start = form.cleaned_data["start"] or end - timedelta(days=DEFAULT_DAYS - 1)
    try:
        period = figures.parse_period({"start": start.isoformat(), "end": end.isoformat()},
                                      site, today=today)
    except ValidationError as error:
        messages = list(error.messages)
        for message in messages:
            form.add_error(None, message)
        return form, None, messages
    return form, period, []


def _shown(value, minimum):
    """How a value reads on the public page: (text, grey)."""
    if value is None or value.value is None:
        return _("no data"), False
    if value.unit != "count" and value.count < minimum:
        return _("fewer than %(count)s records") % {"count": minimum}, True
    return format_value(value.value, value.unit), False


def figures_context(site, addressee, period) -> dict:
    """What the page shows, as plain data (kept in the cache)."""
    from .models import InsightsSettings

    minimum = InsightsSettings.for_site(site).minimum_count
    scope = figures.Scope(site=site, addressee=addressee, public_only=True)
    values = figures.compute(scope, period, keys=list(PUBLIC_KEYS), compare=False)
    services: dict[str, dict] = {}
    weeks = []
    for value in values:
        if value.key == "flow_in":
            if not value.record_type or not weeks:
                weeks = [{"label": str(bar.label), "value": bar.value, "count": bar.count}
                         for bar in value.breakdown]
            continue
        if not value.record_type:
            continue
        service = services.setdefault(value.record_type, {
            "record_type": value.record_type, "title": service_title(value.record_type),
            "figures": {}})
        text, grey = _shown(value, minimum)
        service["figures"][value.key] = {"title": str(value.title), "text": text,
                                         "grey": grey, "definition": str(value.definition),
                                         "value": value.value, "count": value.count}
    rows = []
    for service in services.values():
        cells = [service["figures"].get(key) or {"text": _("no data"), "grey": False}
                 for key in ("intake", "resolution_median", "on_time", "satisfaction")]
        rows.append({"title": service["title"], "record_type": service["record_type"],
                     "cells": cells})
    definitions = {}
    for service in services.values():
        for key, item in service["figures"].items():
            if item.get("definition"):
                definitions.setdefault(key, (item["title"], item["definition"]))

    ranked = {key: {bar.key: bar for bar in figures.ranking(scope, period, key)}
              for key in RANKED_KEYS}
    addressees = []
    top = max((bar.count for bar in ranked["intake"].values() if not bar.grey), default=0)
    for key, bar in ranked["intake"].items():
        if not str(key).isdigit():
            continue  # records without an addressee: counted above, not a row here
        grey = bar.grey or bar.count < minimum
        row = {"id": key, "title": str(bar.label), "grey": grey, "count": bar.count}
        if not grey:
            row["volume"] = format_value(bar.count, "count")
            row["share"] = bar.count / top if top else 0
            for other in ("resolution_median", "on_time"):
                found = ranked[other].get(key)
                row[other] = (format_value(found.value, _unit(values, other))
                              if found is not None else _("no data"))
        addressees.append(row)
    addressees.sort(key=lambda row: (row["grey"], -row["count"], row["title"]))
    return {"minimum": minimum, "services": rows, "weeks": weeks,
            "weeks_total": sum(week["count"] for week in weeks),
            "addressees": addressees, "definitions": list(definitions.values()),
            "empty": not any(service["figures"].get("intake", {}).get("count")
                             for service in services.values())}


def _unit(values, key) -> str:
    return next((value.unit for value in values if value.key == key), "")


def cached_figures(site, addressee, period) -> dict:
    key = (f"civicdesk:insights:public:{FORMAT}:{site.pk}:{addressee.pk if addressee else 0}:"
           f"{period.start.isoformat()}:{period.end.isoformat()}:{get_language()}")
    if cache_seconds() <= 0:
        return figures_context(site, addressee, period)
    data = cache.get(key)
    if data is None:
        data = figures_context(site, addressee, period)
        cache.set(key, data, cache_seconds())
    return data


def figures_page(request, addressee_id=None):
    """A town's (or an addressee's) public figures; 400 with the error for a bad period."""
    site = _site(request)
    addressee = public_addressee(site, addressee_id) if addressee_id is not None else None
    form, period, errors = period_of(request, site)
    context = {"site": site, "addressee": addressee, "form": form, "period": period,
               "errors": errors,
               "action": (reverse("insights:public_addressee", args=[addressee.pk])
                          if addressee else reverse("insights:public"))}
    if period is None:
        return render(request, "insights/public.html", context, status=400)
    data = cached_figures(site, addressee, period)
    query = urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})
    for row in data["addressees"]:
        row["url"] = f"{reverse('insights:public_addressee', args=[row['id']])}?{query}"
        row["bar"] = share_svg(row.get("share", 0))
    context.update(data)
    context.update({
        "query": query,
        "chart": columns_svg(data["weeks"]),
        "site_url": f"{reverse('insights:public')}?{query}",
    })
    return render(request, "insights/public.html", context)
