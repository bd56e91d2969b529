"""Choosing an addressee on a public page without listing them all.

A city holds thousands of addressees: a ``<select>`` of every one is a page nobody can use
and a server that builds thousands of page objects per view. The picker offers instead

* a short list of the catalog's top-level addressees (``TOP_LEVEL_LIMIT`` at most),
* a text field where the visitor types a name or part of it; on submit the server resolves
  it: one match is chosen, several are offered as a short list (``MATCH_LIMIT``, each with
  its parent) to pick from, none is a clear error with the text kept,
* with JavaScript, suggestions while typing from ``addressees:suggest``
  (``static/addressees/js/picker.js``).

An addressee chosen by id (``?addressee=<pk>``: links from addressee pages, feeds, pagers)
keeps working whatever its depth. Only ids and titles are read (``values_list``), never page
objects, and every query is scoped to the visitor's site and to live, public addressees.

Use ``AddresseePickerField`` in a form, give it the site (``field.set_site(site)``) and
render the form as usual: the widget draws ``addressees/includes/addressee_picker.html``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django import forms
from django.core.cache import cache
from django.db.models import (
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Length, Substr
from django.db.models.lookups import StartsWith
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, PageViewRestriction

from addons.core import content_languages

from .catalog import Casefold
from .models import AddresseeCatalogPage, AddresseePage

#: top-level addressees listed in the picker's short list
TOP_LEVEL_LIMIT = 40
#: matches of a typed name offered to choose from
MATCH_LIMIT = 20
#: suggestions the JSON endpoint returns
SUGGEST_LIMIT = 10
#: seconds a suggestion list is kept (the catalog version drops it on any change)
SUGGEST_TIMEOUT = 300
NAME_MAX_LENGTH = 100
#: a typed name shorter than this is not searched (too many matches to be useful; the
#: error message says "two letters")
MIN_QUERY_LENGTH = 2
NAME_SUFFIX = "_name"
PICK_SUFFIX = "_pick"


@dataclass(frozen=True)
class Choice:
    """An addressee as the picker shows it: id, title and its parent's title."""

    pk: int
    title: str
    parent: str = ""

    def as_json(self) -> dict:
        return {"id": self.pk, "title": self.title, "parent": self.parent}


# -- queries ---------------------------------------------------------------------------------


def _root_path(site) -> str:
    if site is None:
        return "-"  # no site: nothing matches
    return Page.objects.filter(pk=site.root_page_id).values_list("path", flat=True).first() or "-"


def _public_q() -> Q:
    """Live pages in no private section (Wagtail's ``public()`` without its extra query)."""
    restricted = PageViewRestriction.objects.filter(
        StartsWith(ExpressionWrapper(OuterRef("path"), output_field=CharField()),
                   F("page__path")))
    return Q(live=True) & ~Q(Exists(restricted))


def site_addressees(root_path: str):
    """Live, public addressees under ``root_path`` (a queryset to read values from)."""
    return AddresseePage.objects.filter(_public_q(), path__startswith=root_path)


def _title_columns() -> tuple[str, ...]:
    lang = content_languages.wanted_language()
    return ("pk", "title", "path", f"translations__{lang}__title") if lang else (
        "pk", "title", "path")


def _title(row) -> str:
    translated = row[3] if len(row) > 3 else None
    return translated if content_languages.meaningful(translated) else row[1]


def _rows(queryset) -> list[tuple]:
    columns = _title_columns()
    if len(columns) > 3:
        queryset = queryset.annotate(_translated_title=KT(columns[3]))
        columns = (*columns[:3], "_translated_title")
    return list(queryset.values_list(*columns))


def _with_parents(rows) -> list[Choice]:
    """Choices of ``rows`` with their parent addressee's title (one query for all)."""
    parent_paths = {row[2][: -Page.steplen] for row in rows if len(row[2]) > Page.steplen}
    parents = {}
    if parent_paths:
        parents = {row[2]: _title(row) for row in _rows(
            AddresseePage.objects.filter(path__in=parent_paths).order_by())}
    return [Choice(row[0], _title(row), parents.get(row[2][: -Page.steplen], ""))
            for row in rows]


def top_level(root_path: str) -> list[Choice]:
    """The first level of the site's catalogs (children of a catalog page), by title."""
    catalogs = AddresseeCatalogPage.objects.filter(path__startswith=root_path).values("path")
    queryset = site_addressees(root_path).annotate(
        parent_path=Substr("path", 1, Length("path") - Value(Page.steplen))
    ).filter(parent_path__in=Subquery(catalogs)).order_by("title", "pk")[:TOP_LEVEL_LIMIT]
    return [Choice(row[0], _title(row)) for row in _rows(queryset)]


def by_pk(root_path: str, pk: int) -> Choice | None:
    rows = _rows(site_addressees(root_path).filter(pk=pk))
    return Choice(rows[0][0], _title(rows[0])) if rows else None


def matching(root_path: str, text: str, limit: int) -> list[Choice]:
    """Addressees whose title (or its translation shown now) contains ``text``: exact
    titles first, then those beginning with it, then the others, by title."""
    needle = " ".join(text.split()).lower()
    if not needle:
        return []
    lang = content_languages.wanted_language()
    queryset = site_addressees(root_path).alias(_cf_title=Casefold(F("title")))
    condition = Q(_cf_title__contains=needle)
    rank = Case(
        When(_cf_title=needle, then=Value(0)),
        When(_cf_title__startswith=needle, then=Value(1)),
        default=Value(2), output_field=IntegerField(),
    )
    if lang:
        queryset = queryset.alias(_cf_translated=Casefold(KT(f"translations__{lang}__title")))
        condition |= Q(_cf_translated__contains=needle)
        rank = Case(
            When(Q(_cf_title=needle) | Q(_cf_translated=needle), then=Value(0)),
            When(Q(_cf_title__startswith=needle) | Q(_cf_translated__startswith=needle),
                 then=Value(1)),
            default=Value(2), output_field=IntegerField(),
        )
    queryset = queryset.filter(condition).alias(_rank=rank).order_by("_rank", "title", "pk")
    rows = _rows(queryset[:limit])
    return _with_parents(rows)


def suggestions(site, text: str) -> list[dict]:
    """What ``addressees:suggest`` answers: up to ``SUGGEST_LIMIT`` addressees of ``site``,
    cached per site, language, text and catalog version."""
    from .fragments import catalog_version

    text = " ".join((text or "").split())[:NAME_MAX_LENGTH]
    if len(text) < MIN_QUERY_LENGTH or site is None:
        return []
    digest = hashlib.sha256(text.lower().encode()).hexdigest()[:32]
    key = (f"addressees:suggest:{catalog_version()}:{site.pk}:"
           f"{content_languages.content_language() or get_language() or ''}:{digest}")
    found = cache.get(key)
    if found is None:
        found = [choice.as_json() for choice in matching(_root_path(site), text,
                                                         SUGGEST_LIMIT)]
        cache.set(key, found, SUGGEST_TIMEOUT)
    return found


# -- the form field ----------------------------------------------------------------------------


class AddresseePickerWidget(forms.Widget):
    """The short list (``<name>``), the text field (``<name>_name``) and, when a typed name
    matched several addressees, their list to pick from (``<name>_pick``)."""

    template_name = "addressees/includes/addressee_picker.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.picker = None  # the field's state, set by the field

    def value_from_datadict(self, data, files, name):
        def first(key):
            getter = getattr(data, "getlist", None)
            values = getter(key) if getter else [data.get(key)]
            values = [value for value in values if isinstance(value, str) and value.strip()]
            return values[-1].strip() if values else ""

        return {"pk": first(name), "name": first(name + NAME_SUFFIX),
                "pick": first(name + PICK_SUFFIX)}

    def value_omitted_from_data(self, data, files, name):
        return False

    def format_value(self, value):
        return value

    def id_for_label(self, id_):
        return id_

    def get_context(self, name, value, attrs):
        from django.urls import reverse

        context = super().get_context(name, value, attrs)
        state = self.picker
        chosen = state.chosen if state is not None else None
        if chosen is None and state is not None and value and not isinstance(value, dict):
            # an unbound form's initial addressee (one query by id)
            number = _parse_pk(value)
            chosen = state.chosen = by_pk(state.root, number) if number else None
        options = list(state.top_level()) if state is not None else []
        if chosen is not None and all(option.pk != chosen.pk for option in options):
            options.append(chosen)
        typed = ""
        if isinstance(value, dict) and chosen is None:
            # kept as typed (or a bad address's value) to be corrected; once an addressee
            # is chosen the short list shows it and the field is free for a new name
            typed = value.get("name") or ("" if _parse_pk(value.get("pk")) else
                                          value.get("pk", ""))
        base_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"].update({
            "options": options,
            "chosen_pk": chosen.pk if chosen is not None else None,
            "typed": typed,
            "name_name": name + NAME_SUFFIX,
            "pick_name": name + PICK_SUFFIX,
            "name_id": base_id + NAME_SUFFIX,
            "list_id": base_id + "_suggestions",
            "matches": state.matches if state is not None else [],
            "more_matches": state.more_matches if state is not None else False,
            "suggest_url": reverse("addressees:suggest"),
            "name_max_length": NAME_MAX_LENGTH,
            "min_length": MIN_QUERY_LENGTH,
            "empty_label": state.empty_label if state is not None else "",
            "name_invalid": bool(context["widget"]["attrs"].get("aria-invalid")),
        })
        return context


class _PickerState:
    """What one bound field learned: the site's root, the chosen addressee, the matches."""

    def __init__(self, empty_label):
        self.site = None
        self._root = None
        self._top = None
        self.chosen: Choice | None = None
        self.resolved_by_name = False
        self.matches: list[Choice] = []
        self.more_matches = False
        self.empty_label = empty_label

    @property
    def root(self) -> str:
        if self._root is None:
            self._root = _root_path(self.site)
        return self._root

    def top_level(self) -> list[Choice]:
        if self._top is None:
            self._top = top_level(self.root)
        return self._top


class AddresseePickerField(forms.Field):
    """An addressee of the site (its page id, an ``int``), chosen from the top level, by
    id or by a typed name. ``cleaned_data`` holds the id or None."""

    widget = AddresseePickerWidget
    default_error_messages = {
        "unknown": _("This addressee is not in the catalog of this site. Choose another "
                     "or type its name."),
        "too_short": _("Type at least two letters of the addressee’s name."),
        "none": _("No addressee is named like “%(name)s”. Check the spelling, type a part "
                  "of the name or choose from the list."),
        "several": _("Several addressees are named like “%(name)s”: choose one below."),
        "many": _("Many addressees are named like “%(name)s”: the first of them are "
                  "listed below; type more of the name to narrow them."),
    }

    def __init__(self, *, empty_label=None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.empty_label = empty_label or _("Any addressee")
        self.state = _PickerState(self.empty_label)
        self.widget.picker = self.state

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.state = _PickerState(self.empty_label)
        result.widget.picker = result.state
        return result

    def set_site(self, site) -> None:
        self.state.site = site

    def prepare_value(self, value):
        return value

    def to_python(self, value):
        if not isinstance(value, dict):
            value = {"pk": "" if value in (None, "") else str(value), "name": "", "pick": ""}
        return value

    def clean(self, value):
        value = self.to_python(value)
        state = self.state
        state.chosen, state.matches, state.more_matches = None, [], False
        state.resolved_by_name = False
        pick, typed, raw = value.get("pick"), value.get("name", ""), value.get("pk")
        if pick:
            return self._by_id(pick)
        if typed:
            return self._by_name(typed)
        if raw:
            # ?addressee=<a name> (typed into an address) is a name to look for
            numeric = raw.lstrip("+-").isdigit()
            return self._by_id(raw) if numeric else self._by_name(raw)
        if self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return None

    def _by_id(self, raw):
        number = _parse_pk(raw)
        chosen = by_pk(self.state.root, number) if number else None
        if chosen is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        self.state.chosen = chosen
        return chosen.pk

    def _by_name(self, typed: str):
        text = " ".join(typed.split())[:NAME_MAX_LENGTH]
        if len(text) < MIN_QUERY_LENGTH:
            raise forms.ValidationError(self.error_messages["too_short"], code="too_short")
        found = matching(self.state.root, text, MATCH_LIMIT + 1)
        exact = [choice for choice in found if choice.title.lower() == text.lower()]
        if len(found) == 1 or len(exact) == 1:
            chosen = found[0] if len(found) == 1 else exact[0]
            self.state.chosen, self.state.resolved_by_name = chosen, True
            return chosen.pk
        if not found:
            raise forms.ValidationError(self.error_messages["none"], code="none",
                                        params={"name": text})
        self.state.matches = found[:MATCH_LIMIT]
        self.state.more_matches = len(found) > MATCH_LIMIT
        if self.state.more_matches:
            raise forms.ValidationError(self.error_messages["many"], code="many",
                                        params={"name": text})
        raise forms.ValidationError(self.error_messages["several"], code="several",
                                    params={"name": text})


def _parse_pk(raw) -> int | None:
    from addons.core.validation import parse_pk

    return parse_pk(raw)
