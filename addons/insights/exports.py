"""Downloads of the figures (CSV, XLSX, through ``addons.core.exports``): the aggregate of a
dashboard (one row per figure, service and part) and the records behind a number (one row
per record, the same rows as the list on screen, every page of it).

A record's row holds facts only (reference, service, addressee, category, district,
channel, dates, state, overdue), never the subject, text or name of a record."""

from __future__ import annotations

from itertools import islice

from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from addons.core.exports import CHUNK, csv_response, local, safe, xlsx_response


def _service(record_type):
    from addons.core import registry

    return registry.service_event_type(record_type)


class RecordRows:
    """The rows of a records list for ``site``: addressee titles read once per batch, the
    add-ons' code→label maps once per service."""

    def __init__(self, site, *, now=None):
        self.site = site
        self.now = now or timezone.now()
        self._labels: dict[str, dict] = {}
        self._services: dict[str, object] = {}

    @staticmethod
    def columns() -> list[str]:
        return [_("reference"), _("service"), _("addressee"), _("category"), _("district"),
                _("channel"), _("received"), _("due"), _("first resolved"), _("state"),
                _("overdue")]

    def declared(self, record_type):
        if record_type not in self._services:
            self._services[record_type] = _service(record_type)
        return self._services[record_type]

    def labels(self, record_type) -> dict:
        if record_type not in self._labels:
            declared = self.declared(record_type)
            try:
                found = declared.label_map(self.site) if declared is not None else {}
            except Exception:  # an add-on's labels failing must not lose the list
                found = {}
            self._labels[record_type] = found or {}
        return self._labels[record_type]

    def overdue(self, case) -> str:
        """"yes" for a record open past its term now or first resolved after it."""
        due = case.due_at
        if due is None:
            return ""
        if case.first_resolved_at is not None:
            return _("yes") if case.first_resolved_at > due else _("no")
        if case.state in ("open",):
            return _("yes") if self.now > due else _("no")
        return ""

    def _titles(self, cases) -> dict[int, str]:
        from wagtail.models import Page

        ids = {case.addressee_id for case in cases if case.addressee_id}
        return dict(Page.objects.filter(id__in=ids).values_list("id", "title")) if ids else {}

    def values(self, case, titles) -> list:
        declared = self.declared(case.record_type)
        labels = self.labels(case.record_type)

        def label(kind, code):
            return str((labels.get(kind) or {}).get(code, code)) if code else ""

        return [
            case.reference or str(case.record_id),
            str(declared.title) if declared is not None else case.record_type,
            titles.get(case.addressee_id, ""),
            label("category", case.category),
            label("district", case.district),
            label("channel", case.channel),
            case.received_at, case.due_at, case.first_resolved_at,
            str(case.get_state_display()),
            self.overdue(case),
        ]

    def rows(self, cases, *, html=False) -> list:
        """The rows of ``cases`` (a list): plain values, or for the screen dicts with the
        record's admin link and dates as text."""
        titles = self._titles(cases)
        result = []
        for case in cases:
            values = self.values(case, titles)
            if not html:
                result.append(values)
                continue
            declared = self.declared(case.record_type)
            result.append({
                "url": declared.admin_url(case.record_id) if declared is not None else "",
                "reference": values[0],
                "cells": values[1:6] + [_when(value) for value in values[6:9]] + values[9:],
                "overdue": values[10] == _("yes"),
            })
        return result

    def iterate(self, queryset):
        """Every row of ``queryset``, read in chunks (for the downloads)."""
        iterator = queryset.iterator(chunk_size=CHUNK)
        while batch := list(islice(iterator, CHUNK)):
            yield from self.rows(batch)


def _when(moment) -> str:
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _cell(value):
    if hasattr(value, "hour"):
        return local(value)
    return safe(value)


def records(kind, queryset, site, figure_title):
    """The records of a drill-down list, one row each."""
    table = RecordRows(site)
    rows = ([_cell(value) for value in row] for row in table.iterate(queryset))
    return _respond(kind, table.columns(), rows, "records", figure_title)


def aggregate(kind, values, site, addressee, period):
    """A dashboard's figures: a row per figure and service, then a row per part of its
    breakdown (a channel, an addressee, a week...)."""
    from .views import service_title, status

    columns = [_("figure"), _("service"), _("part"), _("value"), _("unit"), _("count"),
               _("previous"), _("target status")]

    def rows():
        for value in values:
            service = service_title(value.record_type)
            shown = status(value).get("text", "")
            yield [safe(str(value.title)), safe(service), "", value.value, value.unit,
                   value.count, value.previous, shown]
            for bar in value.breakdown:
                yield [safe(str(value.title)), safe(service), safe(str(bar.label)),
                       bar.value, value.unit, bar.count, None, ""]

    stem = f"figures-{period.start.isoformat()}-{period.end.isoformat()}"
    return _respond(kind, columns, rows(), stem, _("Figures"))


def _respond(kind, columns, rows, stem, title):
    if kind == "csv":
        return csv_response(columns, rows, stem)
    if kind == "xlsx":
        return xlsx_response(columns, rows, stem, str(title))
    raise Http404
