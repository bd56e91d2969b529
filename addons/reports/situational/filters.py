"""The filters of the situational center, one form for the map's GeoJSON, the list and the
feeds: category (a group code takes in its categories), status, open or closed, addressee,
submission and resolution dates. Every query starts from ``Report.objects.public()``."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from addons.addressees.picker import AddresseePickerField
from addons.core.forms import DateInput
from addons.core.validation import parse_pk

from ..models import Report, ReportCategory, ReportStatus
from .models import MapState

FILTER_FIELDS = (
    "category",
    "status",
    "state",
    "addressee",
    "submitted_from",
    "submitted_to",
    "resolved_from",
    "resolved_to",
)


#: dates a filter accepts (a report is never older or newer; outside this the arithmetic of
#: day bounds and time zones would overflow)
MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2999, 12, 31)


class OneOrMany(forms.Select):
    """A plain <select> that also accepts the parameter repeated (?category=a&category=b)."""

    allow_multiple_selected = False

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        values = getter(name) if getter else data.get(name)
        if values is None:
            return []
        if isinstance(values, str):
            values = [values]
        return [value for value in values if value != ""]

    def value_omitted_from_data(self, data, files, name):
        return False

    def format_value(self, value):
        if value is None:
            return []
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        return [str(value)]


class ReportFilterForm(forms.Form):
    """Bound to ``request.GET``. ``categories`` and ``statuses`` are the rows the caller has
    already read (the map needs them for labels too), so validating costs no query. With
    ``site`` (the public pages) the addressee is chosen with the catalog's picker; without
    it (the API, the feeds) any addressee number is accepted and nothing is listed."""

    category = forms.MultipleChoiceField(label=_("Category"), required=False, widget=OneOrMany)
    status = forms.MultipleChoiceField(label=_("Status"), required=False, widget=OneOrMany)
    state = forms.ChoiceField(label=_("Open or closed"), required=False, choices=MapState.choices)
    addressee = forms.TypedChoiceField(
        label=_("Addressee"), required=False, coerce=int, empty_value=None
    )
    submitted_from = forms.DateField(label=_("Submitted from"), required=False, widget=DateInput)
    submitted_to = forms.DateField(label=_("Submitted until"), required=False, widget=DateInput)
    resolved_from = forms.DateField(label=_("Resolved from"), required=False, widget=DateInput)
    resolved_to = forms.DateField(label=_("Resolved until"), required=False, widget=DateInput)

    def __init__(self, data=None, *, categories, statuses, site=None, **kwargs):
        super().__init__(data, **kwargs)
        self.categories = list(categories)
        self.statuses = list(statuses)
        self.fields["category"].choices = _category_choices(self.categories)
        self.fields["status"].choices = [("", _("Any status"))] + [
            (status.code, status.label()) for status in self.statuses if status.is_public
        ]
        self.fields["state"].choices = [("", _("Open and closed"))] + [
            choice for choice in MapState.choices if choice[0]
        ]
        if site is not None:
            # Public pages: the catalog's picker (top level, a typed name, by id), scoped
            # to the site; it reads ids and titles only, whatever the size of the catalog.
            picker = AddresseePickerField(label=_("Addressee"), empty_label=_("Any addressee"))
            picker.set_site(site)
            self.fields["addressee"] = picker
            return
        addressee_choices = []
        if data is not None:
            # The API and the feeds list no addressees: any number is accepted (unknown: no
            # reports). A number a database key cannot hold is refused as an unknown choice.
            raw = data.get("addressee") if hasattr(data, "get") else None
            number = parse_pk(raw) if raw else None
            if number is not None:
                addressee_choices = [(number, raw)]
        self.fields["addressee"].choices = [("", _("Any addressee")), *addressee_choices]

    def clean(self):
        cleaned = super().clean()
        for name in ("submitted_from", "submitted_to", "resolved_from", "resolved_to"):
            day = cleaned.get(name)
            if day is not None and not MIN_DATE <= day <= MAX_DATE:
                self.add_error(name, _("Enter a date between %(start)s and %(end)s.") % {
                    "start": MIN_DATE.year, "end": MAX_DATE.year})
        for start, end in (("submitted_from", "submitted_to"), ("resolved_from", "resolved_to")):
            if cleaned.get(start) and cleaned.get(end) and cleaned[start] > cleaned[end]:
                self.add_error(end, _("The end date is before the start date."))
        return cleaned

    # -- applying --------------------------------------------------------------------------

    def category_ids(self) -> set[int] | None:
        """Ids of the chosen categories with their sub-categories (None: no filter)."""
        codes = self.cleaned_data.get("category") or []
        if not codes:
            return None
        by_code = {category.code: category for category in self.categories}
        chosen = {by_code[code].pk for code in codes if code in by_code}
        prefixes = tuple(f"{code}." for code in codes)
        for category in self.categories:
            if category.parent_id in chosen or category.code.startswith(prefixes):
                chosen.add(category.pk)
        return chosen

    def apply(self, queryset):
        """Filter a queryset of reports by the cleaned values."""
        data = self.cleaned_data
        ids = self.category_ids()
        if ids is not None:
            queryset = queryset.filter(category_id__in=ids)
        if data.get("status"):
            by_code = {status.code: status.pk for status in self.statuses}
            queryset = queryset.filter(status_id__in=[by_code[c] for c in data["status"]])
        if data.get("state") == MapState.OPEN:
            queryset = queryset.filter(is_open=True)
        elif data.get("state") == MapState.CLOSED:
            queryset = queryset.filter(is_open=False)
        if data.get("addressee"):
            queryset = queryset.filter(addressee_id=data["addressee"])
        for field, column in (("submitted", "created_at"), ("resolved", "resolved_at")):
            if data.get(f"{field}_from"):
                queryset = queryset.filter(**{f"{column}__gte": _day_start(data[f"{field}_from"])})
            if data.get(f"{field}_to"):
                next_day = data[f"{field}_to"] + datetime.timedelta(days=1)
                queryset = queryset.filter(**{f"{column}__lt": _day_start(next_day)})
        return queryset

    def querystring(self) -> str:
        """The cleaned filters as URL parameters (for the map, the feeds and the pager)."""
        return filters_querystring(self.cleaned_data if self.is_bound else self.initial)

    def errors_json(self) -> dict:
        return {field: [str(error) for error in errors] for field, errors in self.errors.items()}


def _category_choices(categories) -> list:
    """Groups as optgroups with their categories; a group itself is choosable too."""
    groups = [c for c in categories if c.parent_id is None and "." not in c.code]
    placed = {c.pk for c in groups}
    choices: list = [("", _("Any category"))]
    for group in groups:
        members = [
            c for c in categories
            if c.pk != group.pk
            and (c.parent_id == group.pk or c.code.startswith(group.code + "."))
        ]
        placed.update(c.pk for c in members)
        choices.append((
            group.label(),
            [(group.code, _("All: %s") % group.label()), *[(c.code, c.label()) for c in members]],
        ))
    choices += [(c.code, c.label()) for c in categories if c.pk not in placed]
    return choices


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filters_querystring(values: dict) -> str:
    pairs = []
    for name in FILTER_FIELDS:
        value = values.get(name)
        if value in (None, "", [], ()):
            continue
        if isinstance(value, list | tuple):
            pairs += [(name, str(item)) for item in value]
        elif isinstance(value, datetime.date):
            pairs.append((name, value.isoformat()))
        else:
            pairs.append((name, str(value)))
    return urlencode(pairs)


def site_categories(site) -> list[ReportCategory]:
    return list(
        ReportCategory.objects.filter(site=site)
        .only("id", "parent_id", "code", "name", "names", "sort_order")
        .order_by("sort_order", "code")
    )


def all_statuses() -> list[ReportStatus]:
    return list(
        ReportStatus.objects.only("id", "code", "name", "names", "is_public", "order")
        .order_by("order", "code")
    )


def public_reports(site):
    """Every report of ``site`` the public may see."""
    return Report.objects.public().filter(site=site)


def cached_choices(site) -> tuple[list[ReportCategory], list[ReportStatus]]:
    """The town's categories and the statuses, kept in the cache for the town's current
    reports version (a category or status change replaces it)."""
    from django.core.cache import cache

    from .. import caching

    key = caching.key("choices", site.pk)
    found = cache.get(key)
    if found is None:
        found = (site_categories(site), all_statuses())
        cache.set(key, found, 3600)
    return found


def filter_params(data) -> tuple:
    """The filter parameters of a query, in a fixed order (part of a cache key)."""
    getter = getattr(data, "getlist", None)
    pairs = []
    for name in FILTER_FIELDS:
        values = getter(name) if getter else [data.get(name)]
        pairs += [(name, str(value)[:200]) for value in values if value not in (None, "")]
    return tuple(pairs)
