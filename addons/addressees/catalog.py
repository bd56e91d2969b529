"""Listing addressees: search, filters, pagination and cards, at a constant query count.

A catalog never loads the whole tree: it pages one level (or one set of search results),
prefetches the hours and absences of that page only, and counts the children of every card
in one grouped query. Subtrees are opened on demand (``?open=<id>`` or the fragment view).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import reduce
from operator import or_

from django import forms
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Exists, F, Func, OuterRef, Prefetch, Q, Value
from django.db.models.functions import Length, Substr
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from addons.core.middleware import site_profile

from .hours import local_now, opening_status, site_time_zone
from .models import Absence, AddresseeGroup, AddresseeKind, AddresseePage, Specialist

SEARCH_MAX_LENGTH = 100
SEARCH_MAX_WORDS = 8
#: sub-addressees per page in an opened subtree and on an addressee page
CHILDREN_PER_PAGE = 30
SEARCHED_FIELDS = ("title", "summary", "duties", "position", "head_name")


class Casefold(Func):
    """Lower-case text in the database, for Cyrillic too: SQLite's own LOWER() and LIKE
    fold ASCII only, so a Python function is registered on SQLite connections (see
    ``apps.py``); PostgreSQL's LOWER() is Unicode-aware."""

    function = "LOWER"

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="CIVICDESK_CASEFOLD",
                              **extra_context)


def casefold(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def search_words(q: str) -> list[str]:
    return [word.lower() for word in q.split()[:SEARCH_MAX_WORDS]]


def _text_match(words, fields, prefix="") -> Q:
    """Every word is in at least one of ``fields`` (aliased as ``_cf_<field>``)."""
    return reduce(
        lambda acc, word: acc & reduce(or_, [Q(**{f"{prefix}_cf_{name}__contains": word})
                                             for name in fields]),
        words,
        Q(),
    )


def _casefold_aliases(fields) -> dict:
    return {f"_cf_{name}": Casefold(F(name)) for name in fields}


def matching_specialists(words) -> Q:
    return _text_match(words, ("name", "competences", "position"))


def search(queryset, q: str):
    """Addressees whose title, summary, duties, position or head (or one of whose
    specialists' name, position or competences) contain every word of ``q``."""
    words = search_words(q)
    if not words:
        return queryset
    queryset = queryset.alias(**_casefold_aliases(SEARCHED_FIELDS))
    condition = Q()
    for word in words:
        specialists = (
            Specialist.objects.filter(page=OuterRef("pk"))
            .alias(**_casefold_aliases(("name", "competences", "position")))
            .filter(matching_specialists([word]))
        )
        condition &= _text_match([word], SEARCHED_FIELDS) | Q(Exists(specialists))
    return queryset.filter(condition)


def card_queryset(today):
    """Live, public addressees with what a card shows prefetched."""
    return (
        AddresseePage.objects.live().public()
        .prefetch_related(
            "office_hours",
            Prefetch("absences", queryset=Absence.objects.filter(end__gte=today - timedelta(1))),
        )
        .order_by("path")
    )


def child_counts(nodes) -> dict[str, int]:
    """path -> number of live, public sub-addressees, for every node, in one query."""
    parents = [node for node in nodes if node.numchild]
    if not parents:
        return {}
    condition = reduce(or_, [Q(path__startswith=node.path, depth=node.depth + 1)
                             for node in parents])
    rows = (
        AddresseePage.objects.live().public().filter(condition)
        .annotate(parent_path=Substr("path", 1, Length("path") - Value(Page.steplen)))
        .order_by()
        .values("parent_path")
        .annotate(count=Count("pk"))
    )
    return {row["parent_path"]: row["count"] for row in rows}


def attach_parents(items, *, above_depth: int) -> None:
    """Set ``parent_card`` (id, title) on each item whose parent is an addressee deeper than
    ``above_depth``: one query for the whole list (search results come from any level)."""
    paths = {item.path[: -Page.steplen] for item in items if item.depth - 1 > above_depth}
    parents = {}
    if paths:
        parents = {
            row["path"]: row
            for row in AddresseePage.objects.filter(path__in=paths).values("pk", "path", "title")
        }
    for item in items:
        item.parent_card = parents.get(item.path[: -Page.steplen])


def decorate(items, request, *, specialists_for=None) -> list:
    """Give every addressee of a listing what its card shows: ``opening`` (open now / next
    opening), ``child_count``; with ``specialists_for`` (search words) ``matching_specialists``."""
    items = list(items)
    profile = site_profile(request) if request is not None else None
    tz = site_time_zone(profile)
    now = local_now(profile)
    jurisdiction = getattr(profile, "jurisdiction", None)
    counts = child_counts(items)
    for item in items:
        item.opening = opening_status(
            item.office_hours.all(), item.absences.all(), jurisdiction=jurisdiction, now=now, tz=tz
        )
        item.child_count = counts.get(item.path, 0)
    if specialists_for:
        by_page: dict[int, list] = {}
        found = (
            Specialist.objects.filter(page__in=[item.pk for item in items])
            .alias(**_casefold_aliases(("name", "competences", "position")))
            .filter(reduce(or_, [matching_specialists([word]) for word in specialists_for]))
            .order_by("page_id", "sort_order")
        )
        for specialist in found:
            by_page.setdefault(specialist.page_id, []).append(specialist)
        for item in items:
            item.matching_specialists = by_page.get(item.pk, [])
    return items


@dataclass
class Listing:
    """One page of addressees and what went wrong with the request, if anything."""

    page_obj: object
    items: list
    notices: list = field(default_factory=list)


def paginate(queryset, number, per_page: int) -> tuple[object, str | None]:
    """(page object, notice): a bad or out-of-range page number shows the first page with a
    notice instead of failing."""
    paginator = Paginator(queryset, max(int(per_page or CHILDREN_PER_PAGE), 1))
    if number in (None, ""):
        return paginator.page(1), None
    try:
        return paginator.page(number), None
    except (PageNotAnInteger, EmptyPage):
        notice = gettext("There is no page “%(page)s”. Showing the first page.") % {
            "page": str(number)[:20]
        }
        return paginator.page(1), notice


def listing(queryset, request, *, per_page: int, words=None, parents_above=None) -> Listing:
    page_obj, notice = paginate(queryset, request.GET.get("page"), per_page)
    items = decorate(page_obj.object_list, request, specialists_for=words)
    if parents_above is not None:
        attach_parents(items, above_depth=parents_above)
    return Listing(page_obj=page_obj, items=items, notices=[notice] if notice else [])


class SearchInput(forms.TextInput):
    input_type = "search"


class CatalogFilterForm(forms.Form):
    """The catalog's search box and filters (GET)."""

    q = forms.CharField(
        label=_("Search addressees"), required=False, max_length=SEARCH_MAX_LENGTH,
        widget=SearchInput(attrs={"autocomplete": "off"}),
        error_messages={"max_length": _("The search text is too long: use at most "
                                        "%(limit_value)d characters.")},
        help_text=_("A name, a duty, a person or a question, e.g. “water supply”."),
    )
    group = forms.ModelChoiceField(
        label=_("Group"), required=False, queryset=AddresseeGroup.objects.all(),
        to_field_name="slug", empty_label=_("All groups"),
        error_messages={"invalid_choice": _("There is no such group. Showing all groups.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False,
        choices=[("", _("All kinds")), *AddresseeKind.choices],
        error_messages={"invalid_choice": _("There is no such kind of addressee. "
                                            "Showing all kinds.")},
    )

    def __init__(self, *args, with_group=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_group:
            del self.fields["group"]

    def filters(self) -> dict:
        """The valid part of the request: a bad filter is dropped, the others still apply."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "q": (data.get("q") or "").strip(),
            "group": data.get("group"),
            "kind": data.get("kind") or "",
        }

    @property
    def is_filtered(self) -> bool:
        filters = self.filters()
        return bool(filters["q"] or filters["group"] or filters["kind"])


def filter_queryset(queryset, filters: dict):
    if filters.get("group") is not None:
        queryset = queryset.filter(groups=filters["group"])
    if filters.get("kind"):
        queryset = queryset.filter(kind=filters["kind"])
    if filters.get("q"):
        queryset = search(queryset, filters["q"])
    return queryset


MAX_ID = 2**63 - 1


def valid_id(raw_id) -> int | None:
    """``raw_id`` as a primary key, or None for text, negative or overlong numbers."""
    try:
        pk = int(str(raw_id))
    except (TypeError, ValueError):
        return None
    return pk if 0 < pk <= MAX_ID else None


def find_in(root, raw_id):
    """The live, public addressee ``raw_id`` below ``root``, or None for anything else."""
    pk = valid_id(raw_id)
    if pk is None:
        return None
    return (
        AddresseePage.objects.live().public()
        .filter(pk=pk, path__startswith=root.path, depth__gt=root.depth)
        .first()
    )


def trail(root, node) -> list:
    """The addressees between ``root`` (excluded) and ``node`` (excluded), top first."""
    paths = [node.path[: Page.steplen * depth] for depth in range(root.depth + 1, node.depth)]
    if not paths:
        return []
    return list(AddresseePage.objects.filter(path__in=paths).order_by("path"))
