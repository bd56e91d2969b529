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
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

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
    """path -> number of live, public sub-addressees, for every node, in one query.

    Each node's children are a range of the path index (``path`` then one more step), so
    the database reads those index ranges only, never the whole table; treebeard's
    ``numchild`` (which counts drafts too) only says which nodes to ask about."""
    parents = [node for node in nodes if node.numchild]
    if not parents:
        return {}
    last_step = "Z" * Page.steplen
    condition = reduce(or_, [Q(path__gt=node.path, path__lte=node.path + last_step,
                               depth=node.depth + 1)
                             for node in parents])
    rows = (
        AddresseePage.objects.live().public().filter(condition)
        .annotate(parent_path=Substr("path", 1, Length("path") - Value(Page.steplen)))
        .order_by()
        .values("parent_path")
        .annotate(count=Count("pk"))
    )
    return {row["parent_path"]: row["count"] for row in rows}


def parent_cards(items, *, above_depth: int) -> dict[str, dict]:
    """parent path -> {"pk", "title"} for each item whose parent is an addressee deeper
    than ``above_depth``: one query for the whole list (search results come from any
    level)."""
    paths = {item.path[: -Page.steplen] for item in items if item.depth - 1 > above_depth}
    if not paths:
        return {}
    return {
        row["path"]: {"pk": row["pk"], "title": row["title"]}
        for row in AddresseePage.objects.filter(path__in=paths).values("pk", "path", "title")
    }


class PageUrls:
    """URLs of the pages below ``anchor`` from their ``url_path``: the anchor's URL is
    computed once (Wagtail's routing), its descendants' by appending their path below it."""

    def __init__(self, anchor, request):
        self.prefix = anchor.url_path
        self.base = anchor.get_url(request) or ""
        self.request = request

    def __call__(self, page) -> str:
        if self.base and page.url_path.startswith(self.prefix):
            return self.base + page.url_path[len(self.prefix):]
        return page.get_url(self.request) or ""


def _tel(number: str) -> str:
    return "".join(number.split())


@dataclass(slots=True)
class Card:
    """What one addressee's card shows, computed once: the card template reads plain
    attributes (no queries, no URL routing, no model methods)."""

    pk: int
    title: str
    url: str
    kind: str
    position: str
    head_name: str
    summary: str
    phone: str
    phone_href: str
    #: where "Show N sub-addressees" goes without JavaScript, and the fragment URL
    open_url: str
    subtree_url: str
    marker: str
    child_count: int = 0
    #: {"pk", "title", "url"} of a parent shown on search results, else None
    parent: dict | None = None
    #: specialists matching the search words: {"name", "position", ...}
    specialists: list = field(default_factory=list)


def _subtree_url(pk: int) -> str:
    """Reversed for each card: the URL depends on the request's language prefix, so a URL
    reversed for one request is never handed to another."""
    return reverse("addressees:subtree", args=[pk])


def cards(items, urls: PageUrls, *, catalog_url: str = "", specialists_for=None,
          parents_above=None) -> tuple[list[Card], dict]:
    """(cards, openings) for a listing's addressees (hours and absences prefetched, see
    :func:`card_queryset`): ``catalog_url`` makes "show sub-addressees" open them in the
    catalog (``?open=``), else on the addressee's own page; ``specialists_for`` (search
    words) adds the matching specialists; ``parents_above`` names each item's parent when
    it is deeper than that. ``openings`` is what the "open now" badges need
    (see ``fragments``)."""
    from .fragments import marker, opening_rows

    items = list(items)
    counts = child_counts(items)
    parents = parent_cards(items, above_depth=parents_above) if parents_above is not None else {}
    found: dict[int, list] = {}
    if specialists_for and items:
        rows = (
            Specialist.objects.filter(page__in=[item.pk for item in items])
            .alias(**_casefold_aliases(("name", "competences", "position")))
            .filter(reduce(or_, [matching_specialists([word]) for word in specialists_for]))
            .order_by("page_id", "sort_order")
            .values("page_id", "name", "position", "competences", "phone")
        )
        for row in rows:
            row["phone_href"] = _tel(row["phone"])
            found.setdefault(row["page_id"], []).append(row)
    kinds = dict(AddresseeKind.choices)
    result, openings = [], {}
    for item in items:
        url = urls(item)
        parent = parents.get(item.path[: -Page.steplen])
        if parent is not None:
            parent = {**parent, "url": f"{catalog_url}?open={parent['pk']}" if catalog_url
                      else ""}
        result.append(Card(
            pk=item.pk, title=item.title, url=url, kind=str(kinds.get(item.kind, item.kind)),
            position=item.position, head_name=item.head_name, summary=item.summary,
            phone=item.phone, phone_href=_tel(item.phone),
            open_url=f"{catalog_url}?open={item.pk}" if catalog_url else f"{url}#children",
            subtree_url=_subtree_url(item.pk), marker=marker(item.pk),
            child_count=counts.get(item.path, 0), parent=parent,
            specialists=found.get(item.pk, []),
        ))
        openings[item.pk] = opening_rows(item)
    return result, openings


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
