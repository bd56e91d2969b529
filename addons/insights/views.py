"""The figures' staff screens in the Wagtail admin (/admin/insights/, namespace
``insights-admin``): the dashboard of the municipality and of each addressee's subtree, the
list of the records behind any number, rankings of addressees, and the exports.

Who sees what is decided by ``access.may_view(user, site, addressee)``: management sees
the whole town, an addressee's staff its subtree; anyone else gets 403. The town is the one
being worked on, as the casework desk decides it (``work_site``). Every number and every
bar links to the list of its records, whose count equals the number; a drill value that is
not of this town (another town's addressee, an unknown figure) is refused with a translated
400 page, never a server error."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from wagtail.admin.views.generic import models as generic_models

from addons.core.casework.desk import work_site
from addons.core.pagination import CappedPaginator

from . import charts, figures
from .forms import PeriodForm

PAGE_SIZE = 50
#: query parameters of the screens (the rest of a records list's query string is the drill)
OWN_PARAMETERS = ("start", "end", "preset", "within", "p", "format")
FLOW_KEYS = ("flow_in", "flow_out")


# --- who may look ---------------------------------------------------------------------


def _access():
    from . import access

    return access


def may_view(user, site, addressee=None) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(_access().may_view(user, site, addressee))


def site_addressees(site):
    """The addressee pages of ``site`` (a queryset, in tree order)."""
    from addons.addressees.models import AddresseePage

    return AddresseePage.objects.filter(path__startswith=site.root_page.path).order_by("path")


def viewable_addressee_ids(user, site) -> set[int]:
    """The addressees of ``site`` whose dashboards ``user`` may open as their staff: the
    highest ones ``access`` names and everything under them."""
    if site is None or not (user.is_authenticated and user.is_active):
        return set()
    roots = [page.path for page in _access().viewable_addressees(user, site)]
    if not roots:
        return set()
    under = Q()
    for root in roots:
        under |= Q(path__startswith=root)
    return set(site_addressees(site).filter(under).values_list("pk", flat=True))


class Refused(Exception):
    """The user may not see these figures (answered 403, not the admin's redirect)."""


def figures_staff(view):
    """The town worked on in ``request.insights_site``; 403 for users who may see no
    figure of it, or not those asked for."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        site = work_site(request)
        if site is None:
            raise Http404
        try:
            if not _access().may_open(request.user, site):
                raise Refused
            request.insights_site = site
            return never_cache(view)(request, *args, **kwargs)
        except Refused:
            return never_cache(refused)(request)

    return wrapper


def refused(request):
    return render(request, "insights/admin/error.html", {
        "message": _("You may not see these figures."), "refused": True}, status=403)


def _addressee(site, pk):
    """The addressee page ``pk`` of ``site``; 404 for any other page."""
    found = site_addressees(site).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _scope_addressee(request, site, pk):
    """The addressee whose subtree is looked at (None: the whole town), checked."""
    addressee = None if pk in (None, "") else _addressee(site, pk)
    if not may_view(request.user, site, addressee):
        raise Refused
    return addressee


def bad_request(request, message, status=400):
    return render(request, "insights/admin/error.html", {"message": message}, status=status)


# --- showing numbers ------------------------------------------------------------------


def _number(value, digits=1) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return formats.number_format(int(value), use_l10n=True, force_grouping=True)
    return formats.number_format(round(value, digits), digits, use_l10n=True,
                                 force_grouping=True)


UNITS = {
    "%": lambda text: _("%(number)s %%") % {"number": text},
    "days": lambda text: _("%(number)s working days") % {"number": text},
    "hours": lambda text: _("%(number)s h") % {"number": text},
    "minutes": lambda text: _("%(number)s min") % {"number": text},
    "seconds": lambda text: _("%(number)s s") % {"number": text},
    "score": lambda text: _("%(number)s of 5") % {"number": text},
}


def show(value, unit) -> str:
    """A figure's value with its unit; "no data" when there is none (never 0 %)."""
    if value is None:
        return _("no data")
    text = _number(value)
    return UNITS[unit](text) if unit in UNITS else text


def records_text(count) -> str:
    return ngettext("%(count)s record", "%(count)s records", count) % {
        "count": _number(count)}


def comparison(value, previous, unit, less_is_better=None) -> dict:
    """The change against the previous period: an arrow and a sentence (saying whether it
    is better when the figure knows which way is better)."""
    if previous is None:
        return {"arrow": "", "text": _("previous period: no data")}
    if value is None:
        return {"arrow": "", "text": _("previous period: %(value)s") % {
            "value": show(previous, unit)}}
    delta = value - previous
    values = {"delta": _number(abs(delta)), "previous": show(previous, unit)}
    if abs(delta) < 1e-9:
        return {"arrow": "→", "text": _("unchanged from %(previous)s") % values}
    if delta > 0:
        text = _("up %(delta)s from %(previous)s") % values
    else:
        text = _("down %(delta)s from %(previous)s") % values
    if less_is_better is not None:
        better = (delta < 0) == bool(less_is_better)
        judgement = _("better") if better else _("worse")
        text = f"{text} ({judgement})"
    return {"arrow": "↑" if delta > 0 else "↓", "text": text}


STATUS_TEXT = {
    "green": lambda: _("on target"),
    "amber": lambda: _("close to target"),
    "red": lambda: _("off target"),
}


def status(value) -> dict:
    if not value.status:
        return {}
    target = value.target
    result = {"code": value.status, "text": STATUS_TEXT.get(value.status, lambda: "")()}
    if target is not None:
        result["target"] = _("target: green from %(green)s, amber from %(amber)s") % {
            "green": show(target.green, value.unit), "amber": show(target.amber, value.unit)}
    return result


def service_title(record_type) -> str:
    from addons.core import registry

    if not record_type:
        return _("All services")
    declared = registry.service_event_type(record_type)
    return str(declared.title) if declared is not None else record_type


# --- links ----------------------------------------------------------------------------


class Links:
    """The URLs of the screens for one scope and period."""

    def __init__(self, period, addressee=None):
        self.period = period
        self.addressee = addressee
        self.base = {"start": period.start.isoformat(), "end": period.end.isoformat()}
        if addressee is not None:
            self.base["within"] = str(addressee.pk)

    def query(self, drill=None, **extra) -> str:
        return urlencode({**{str(k): str(v) for k, v in (drill or {}).items()},
                          **self.base, **extra})

    def records(self, drill) -> str:
        return reverse("insights-admin:records") + "?" + self.query(drill)

    def dashboard(self, addressee=None) -> str:
        if addressee is None:
            url = reverse("insights-admin:dashboard")
        else:
            url = reverse("insights-admin:addressee", args=[addressee.pk])
        return url + "?" + urlencode({"start": self.base["start"], "end": self.base["end"]})


# --- the dashboard --------------------------------------------------------------------


#: the names of a figure's breakdowns, as headings
BREAKDOWN_TITLES = {
    "channel": lambda: _("by channel"),
    "category": lambda: _("by category"),
    "district": lambda: _("by district"),
    "addressee": lambda: _("by addressee"),
    "band": lambda: _("by age"),
    "week": lambda: _("by week"),
}
#: figures about the records open now: no previous period to compare with
NOW_KEYS = ("backlog", "overdue")


def _bars(bars, unit, links) -> list[charts.ChartBar]:
    return [charts.ChartBar(label=bar.label, value=bar.value, text=show(bar.value, unit),
                            count=bar.count, url=links.records(bar.drill), grey=bar.grey)
            for bar in bars]


def _breakdowns(value) -> dict:
    found = dict(getattr(value, "breakdowns", None) or {})
    if not found and value.breakdown:
        found = {"": value.breakdown}
    return found


def summary(value, links) -> dict:
    """A figure's number, its records, the change and the target's status."""
    listed = not getattr(value, "addon", False)  # an add-on's own figure has no list
    part = getattr(value, "part", None)
    result = {
        "key": value.key, "title": value.title, "definition": value.definition,
        "unit": value.unit, "text": show(value.value, value.unit),
        "no_data": value.value is None, "count": value.count,
        "count_text": records_text(value.count),
        "url": links.records(value.drill) if listed and value.drill else "",
        "comparison": (now_text() if value.key in NOW_KEYS else comparison(
            value.value, value.previous, value.unit,
            # a count is neither better nor worse for being higher (intake, flow)
            None if value.unit == "count" else getattr(value, "less_is_better", None))),
        "status": status(value),
    }
    if part is not None and listed and getattr(value, "part_drill", None):
        result.update(part=part, part_url=links.records(value.part_drill),
                      part_text=ngettext("%(part)s of %(count)s record",
                                         "%(part)s of %(count)s records", value.count) % {
                          "part": _number(part), "count": _number(value.count)})
    return result


def card(value, links) -> dict:
    """What the dashboard shows of one figure: its summary and a chart and a table of
    each of its breakdowns."""
    result = summary(value, links)
    parts = []
    for name, bars in _breakdowns(value).items():
        if not bars or not result["url"]:
            continue
        drawn = _bars(bars, value.unit, links)
        heading = BREAKDOWN_TITLES.get(name, lambda: "")()
        parts.append({"name": name, "title": heading, "bars": drawn,
                      "chart": charts.bar_chart(
                          drawn, f"{value.title}, {heading}" if heading else value.title)})
    result["parts"] = parts
    return result


def now_text() -> dict:
    return {"arrow": "", "text": _("records open now")}


def flow_card(received, resolved, links) -> dict:
    """The weekly flow of a service: the two figures in one chart and one table."""
    out = {bar.key: bar for bar in resolved.breakdown}
    weeks, total_in, total_out = [], 0, 0
    for bar in received.breakdown:
        gone = out.get(bar.key)
        total_in += bar.count
        total_out += gone.count if gone else 0
        weeks.append({
            "label": bar.label, "received": bar.count, "resolved": gone.count if gone else 0,
            "received_url": links.records(bar.drill),
            "resolved_url": links.records(gone.drill) if gone else "",
            "cumulative_in": total_in, "cumulative_out": total_out,
            "open_change": total_in - total_out})
    chart = charts.flow_chart(
        [charts.FlowWeek(week["label"], week["received"], week["resolved"],
                         week["received_url"], week["resolved_url"]) for week in weeks],
        _("Flow in and out per week")) if weeks else ""
    return {
        "key": "flow", "flow": True, "title": _("Flow in and out per week"),
        "definition": f"{received.definition} {resolved.definition}",
        "received": summary(received, links), "resolved": summary(resolved, links),
        "weeks": weeks, "chart": chart,
    }


def groups(values, links) -> list[dict]:
    """The figures grouped by service, all services first, each in the catalogue order."""
    by_service: dict[str, list] = {}
    for value in values:
        by_service.setdefault(value.record_type, []).append(value)
    result = []
    for record_type, items in sorted(by_service.items(), key=lambda pair: pair[0] != ""):
        flows = {value.key: value for value in items if value.key in FLOW_KEYS}
        cards = []
        for value in items:
            if value.key in FLOW_KEYS:
                if value.key == "flow_in" and "flow_out" in flows:
                    cards.append(flow_card(flows["flow_in"], flows["flow_out"], links))
                elif "flow_in" not in flows or "flow_out" not in flows:
                    cards.append(card(value, links))
                continue
            cards.append(card(value, links))
        result.append({"record_type": record_type, "title": service_title(record_type),
                       "cards": cards})
    return result


def _refresh():
    """The facts brought up to date with the events written since the last look."""
    from . import fold

    fold.fold()


def child_addressees(user, site, addressee):
    """The addressees right under ``addressee`` (or the town's top ones) whose dashboard
    ``user`` may open."""
    rows = site_addressees(site)
    if addressee is not None:
        rows = rows.filter(path__startswith=addressee.path, depth=addressee.depth + 1)
    else:
        top = rows.order_by("depth").values_list("depth", flat=True).first()
        if top is None:
            return []
        rows = rows.filter(depth=top)
    rows = list(rows.only("id", "title", "path", "depth"))
    if may_view(user, site, addressee):
        manager = may_view(user, site)
        visible = None if manager else viewable_addressee_ids(user, site)
    else:
        visible = viewable_addressee_ids(user, site)
    return [row for row in rows if visible is None or row.pk in visible]


def _period_form(request, site):
    form = PeriodForm(request.GET, site)
    return form, form.is_valid()


@figures_staff
def dashboard(request, pk=None):
    site = request.insights_site
    if pk is None and not may_view(request.user, site):
        return _own_addressees(request, site)
    addressee = _scope_addressee(request, site, pk)
    form, valid = _period_form(request, site)
    context = {"site": site, "addressee": addressee, "form": form,
               "manager": may_view(request.user, site),
               "ancestors": _ancestors(request.user, site, addressee)}
    if not valid:
        context["children"] = []
        return render(request, "insights/admin/dashboard.html", context, status=400)
    period = form.period
    links = Links(period, addressee)
    _refresh()
    values = figures.compute(figures.Scope(site=site, addressee=addressee), period)
    children = child_addressees(request.user, site, addressee)
    context.update({
        "period": period, "previous": period.previous(), "groups": groups(values, links),
        "children": [{"title": row.title, "url": links.dashboard(row)} for row in children],
        "export_csv": _export_url("csv", links), "export_xlsx": _export_url("xlsx", links),
        "rankings_url": reverse("insights-admin:rankings") + "?" + links.query(),
    })
    return render(request, "insights/admin/dashboard.html", context)


def _own_addressees(request, site):
    """An addressee's staff opening the figures: their addressee's dashboard, or the
    choice of theirs when they have several."""
    pages = list(_access().viewable_addressees(request.user, site))
    query = request.GET.urlencode()
    if len(pages) == 1:
        return redirect(reverse("insights-admin:addressee", args=[pages[0].pk])
                        + (f"?{query}" if query else ""))
    return render(request, "insights/admin/choose.html", {"pages": [
        {"title": page.title, "url": reverse("insights-admin:addressee", args=[page.pk])
         + (f"?{query}" if query else "")} for page in pages]})


def _export_url(kind, links):
    return reverse("insights-admin:export", args=[kind]) + "?" + links.query()


def _ancestors(user, site, addressee):
    """The way up from ``addressee`` to the town, each step a dashboard ``user`` may open."""
    if addressee is None:
        return []
    rows = site_addressees(site).filter(
        path__in=[addressee.path[:end] for end in range(
            addressee.steplen, len(addressee.path), addressee.steplen)])
    manager = may_view(user, site)
    visible = None if manager else viewable_addressee_ids(user, site)
    steps = [{"title": _("Municipality"), "url": reverse("insights-admin:dashboard")}] \
        if manager else []
    for row in rows.only("id", "title", "path"):
        if visible is None or row.pk in visible:
            steps.append({"title": row.title,
                          "url": reverse("insights-admin:addressee", args=[row.pk])})
    return steps


# --- the records behind a number ------------------------------------------------------


def drill_of(query) -> dict:
    """The drill of a records list: its query string without the screens' own parameters."""
    return {key: query.get(key) for key in query if key not in OWN_PARAMETERS}


def _records_request(request):
    """(scope, period, drill, links, queryset) of a records list or its export; raises
    ``ValidationError`` for a bad drill or period."""
    site = request.insights_site
    within = request.GET.get("within") or None
    if within is not None and not str(within).isdigit():
        raise ValidationError(_("There is no such addressee in this municipality."))
    if within is not None and not site_addressees(site).filter(pk=within).exists():
        raise ValidationError(_("There is no such addressee in this municipality."))
    addressee = _scope_addressee(request, site, within)
    form = PeriodForm(request.GET, site)
    if not form.is_valid():
        raise ValidationError([str(error) for errors in form.errors.values()
                               for error in errors])
    drill = drill_of(request.GET)
    figure = drill.get("figure")
    if not figure or figure not in {item["key"] for item in figures.catalogue(site)}:
        raise ValidationError(_("There is no such figure."))
    scope = figures.Scope(site=site, addressee=addressee)
    try:
        rows = figures.records(scope, form.period, drill)
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationError(_("This list cannot be shown: a value in its address is not "
                                "one of this municipality's.")) from error
    return scope, form.period, drill, Links(form.period, addressee), rows


DIMENSION_NAMES = {
    "channel": lambda: _("channel"), "category": lambda: _("category"),
    "district": lambda: _("district"), "addressee": lambda: _("addressee"),
    "week": lambda: _("week of"), "band": lambda: _("age"),
}


def describe(drill, site) -> list[str]:
    """The parts a list is narrowed to, in words ("channel: Website")."""
    from wagtail.models import Page

    from addons.core import registry

    blank = getattr(figures, "BLANK", "-")
    words = []
    for name, title in DIMENSION_NAMES.items():
        code = drill.get(name)
        if not code:
            continue
        shown = code
        if code == blank:
            shown = _("not given")
        elif name in ("channel", "category", "district"):
            for _addon, item in registry.service_events():
                if drill.get("record_type") in ("", None, item.record_type):
                    found = (_labels_of(item, site).get(name) or {}).get(code)
                    if found:
                        shown = str(found)
                        break
        elif name == "addressee" and str(code).isdigit():
            shown = Page.objects.filter(pk=code).values_list("title", flat=True).first() \
                or code
        elif name == "band":
            shown = next((str(label) for key, label, *_rest in getattr(figures, "BANDS", ())
                          if key == code), code)
        words.append(f"{title()}: {shown}")
    if drill.get("part") == "yes":
        words.append(_("only the records the share counts"))
    return words


def _labels_of(item, site) -> dict:
    try:
        return item.label_map(site) or {}
    except Exception:  # an add-on's labels failing must not lose the list
        return {}


def _figure_title(site, key) -> str:
    return next((str(item["title"]) for item in figures.catalogue(site) if item["key"] == key),
                key)


@figures_staff
def records(request):
    from .exports import RecordRows

    try:
        scope, period, drill, links, rows = _records_request(request)
    except ValidationError as error:
        return bad_request(request, " ".join(error.messages))
    _refresh()
    paginator = CappedPaginator(rows.order_by("-received_at", "-pk"), PAGE_SIZE,
                                count_cap=None)
    page = paginator.get_page(request.GET.get("p"))
    table = RecordRows(scope.site)
    query = links.query(drill)
    return render(request, "insights/admin/records.html", {
        "site": scope.site, "addressee": scope.addressee, "period": period,
        "figure_title": _figure_title(scope.site, drill.get("figure")),
        "service": service_title(drill.get("record_type", "")),
        "narrowed": describe(drill, scope.site),
        "count": paginator.count, "count_text": records_text(paginator.count),
        "page": page, "rows": table.rows(list(page.object_list), html=True),
        "columns": table.columns(),
        "page_query": query,
        "export_csv": reverse("insights-admin:records_export", args=["csv"]) + "?" + query,
        "export_xlsx": reverse("insights-admin:records_export", args=["xlsx"]) + "?" + query,
        "dashboard_url": links.dashboard(scope.addressee),
    })


# --- rankings -------------------------------------------------------------------------


@figures_staff
def rankings(request):
    site = request.insights_site
    addressee = _scope_addressee(request, site, request.GET.get("within") or None)
    form, valid = _period_form(request, site)
    catalogue = figures.catalogue(site)
    keys = {item["key"]: item for item in catalogue}
    key = request.GET.get("figure") or ("overdue" if "overdue" in keys else next(iter(keys), ""))
    record_type = request.GET.get("record_type", "")
    context = {"site": site, "addressee": addressee, "form": form, "catalogue": catalogue,
               "figure": key, "record_type": record_type,
               "services": _services(keys.get(key))}
    if not valid:
        return render(request, "insights/admin/rankings.html", context, status=400)
    if key not in keys:
        return bad_request(request, _("There is no such figure."))
    if record_type and record_type not in {rt for rt, _title in context["services"]}:
        return bad_request(request, _("This figure is not computed for that service."))
    from .models import InsightsSettings

    links = Links(form.period, addressee)
    _refresh()
    scope = figures.Scope(site=site, addressee=addressee)
    try:
        bars = figures.ranking(scope, form.period, key, record_type=record_type or None)
    except ValidationError as error:
        return bad_request(request, " ".join(error.messages))
    minimum = InsightsSettings.for_site(site).minimum_count
    unit = keys[key].get("unit", "")
    rows = [{"label": bar.label, "text": show(bar.value, unit), "count": bar.count,
             "count_text": records_text(bar.count), "grey": bar.grey,
             "url": links.records(bar.drill)} for bar in bars]
    context.update({
        "period": form.period, "item": keys[key], "rows": rows, "minimum": minimum,
        "few_text": ngettext("fewer than %(count)s record", "fewer than %(count)s records",
                             minimum) % {"count": minimum},
        "chart": charts.bar_chart(
            [charts.ChartBar(row["label"], bar.value, row["text"], bar.count, row["url"],
                             bar.grey) for row, bar in zip(rows, bars, strict=True)],
            str(keys[key]["title"])) if rows else "",
        "dashboard_url": links.dashboard(addressee),
    })
    return render(request, "insights/admin/rankings.html", context)


def _services(item) -> list[tuple[str, str]]:
    if not item:
        return []
    return [(record_type, service_title(record_type))
            for record_type in (item.get("record_types") or ())]


# --- exports --------------------------------------------------------------------------


@figures_staff
def export(request, kind):
    from . import exports

    site = request.insights_site
    addressee = _scope_addressee(request, site, request.GET.get("within") or None)
    form, valid = _period_form(request, site)
    if not valid:
        return bad_request(request, " ".join(
            str(error) for errors in form.errors.values() for error in errors))
    _refresh()
    values = figures.compute(figures.Scope(site=site, addressee=addressee), form.period)
    return exports.aggregate(kind, values, site, addressee, form.period)


@figures_staff
def records_export(request, kind):
    from . import exports

    try:
        scope, period, drill, _links, rows = _records_request(request)
    except ValidationError as error:
        return bad_request(request, " ".join(error.messages))
    _refresh()
    return exports.records(kind, rows.order_by("-received_at", "-pk"), scope.site,
                           _figure_title(scope.site, drill.get("figure")))



# --- targets (the viewset is registered in wagtail_hooks.py) ----------------------------


class ManagersOnly:
    """The targets' screens: management of the town worked on (who also needs Wagtail's
    permissions on targets), and only that town's targets."""

    def dispatch(self, request, *args, **kwargs):
        site = work_site(request)
        if site is None or not may_view(request.user, site):
            return refused(request)
        request.insights_site = site
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        # the delete view looks its object up before ``dispatch``
        return super().get_queryset().filter(site=work_site(self.request))


class TargetIndexView(ManagersOnly, generic_models.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().filter(site=work_site(self.request))


class _TargetFormView(ManagersOnly):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "site": work_site(self.request)}


class TargetCreateView(_TargetFormView, generic_models.CreateView):
    pass


class TargetEditView(_TargetFormView, generic_models.EditView):
    pass


class TargetDeleteView(ManagersOnly, generic_models.DeleteView):
    pass
