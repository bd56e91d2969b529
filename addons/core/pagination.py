"""Pagination for public lists over big tables.

``CappedPaginator`` counts at most ``count_cap`` rows (``SELECT count(*) FROM (… LIMIT
cap + 1)``), so a list costs the same whether the table holds a thousand rows or a million:
past the cap the list says "more than N" and its last page is the cap's last page. A page
number that is not a number, below 1 or past the last page never fails and never scans: it
shows the first or the last page with a translated ``notice`` on the page object.

``page_links(page)`` (the ``page_links`` template filter of ``civicdesk``) gives the
numbers to link around the current page, ``None`` for a gap, for any Django page object:
the theme's ``includes/pagination.html`` iterates over it instead of every page number.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models.query import QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext

#: How many rows a public list counts before it says "more than N".
DEFAULT_COUNT_CAP = 10_000

#: How much of a bad page parameter a notice repeats.
_ECHO_LENGTH = 20


class CappedPage(Page):
    """A page that may carry a ``notice`` (the page asked for did not exist)."""

    notice: str | None = None

    @property
    def capped(self) -> bool:
        return getattr(self.paginator, "capped", False)


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``count_cap`` (``None``: an exact count)."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True,
                 count_cap: int | None = DEFAULT_COUNT_CAP):
        super().__init__(object_list, per_page, orphans=orphans,
                         allow_empty_first_page=allow_empty_first_page)
        self.count_cap = count_cap

    @cached_property
    def counted(self) -> tuple[int, bool]:
        """(count, capped): one bounded query for a queryset."""
        cap = self.count_cap
        if cap is None:
            return super().count, False
        if isinstance(self.object_list, QuerySet):
            found = self.object_list[: cap + 1].count()
        else:
            found = len(self.object_list[: cap + 1])
        return min(found, cap), found > cap

    @property
    def count(self) -> int:  # type: ignore[override]
        return self.counted[0]

    @property
    def capped(self) -> bool:
        """True when more rows match than the list counts."""
        return self.counted[1]

    def _get_page(self, *args, **kwargs):
        return CappedPage(*args, **kwargs)

    def get_page(self, number):
        """The page ``number``; the first or the last page, with a translated ``notice``,
        for a page parameter that is no page of this list. Never raises, never scans."""
        if number in (None, ""):
            return self.page(1)
        echo = str(number)[:_ECHO_LENGTH]
        try:
            return self.page(self.validate_number(number))
        except PageNotAnInteger:
            page = self.page(1)
            page.notice = gettext("There is no page “%(page)s”. Showing the first page.") % {
                "page": echo}
        except EmptyPage:
            if _below_one(number):
                page = self.page(1)
                page.notice = gettext(
                    "There is no page “%(page)s”. Showing the first page.") % {"page": echo}
            else:
                page = self.page(self.num_pages)
                page.notice = gettext(
                    "There is no page “%(page)s”. Showing the last page.") % {"page": echo}
        return page

    def validate_number(self, number):
        # int() of a 5,000-digit string is refused by Python itself (ValueError); a float
        # such as 1e400 is infinite: both are "not a page number".
        try:
            return super().validate_number(number)
        except OverflowError:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None


def _below_one(number) -> bool:
    try:
        return int(number) < 1
    except (TypeError, ValueError, OverflowError):
        return False


def page_links(page, on_each_side: int = 2, on_ends: int = 1) -> list[int | None]:
    """Page numbers to link for ``page`` (any Django page object): the first, the last and
    ``on_each_side`` around the current one, ``None`` where numbers are left out. A capped
    list ends with a gap: more pages exist than are counted."""
    paginator = page.paginator
    if paginator.num_pages <= 1:
        return [1]
    links = [None if number == Paginator.ELLIPSIS else number
             for number in paginator.get_elided_page_range(
                 page.number, on_each_side=on_each_side, on_ends=on_ends)]
    if getattr(paginator, "capped", False):
        links.append(None)
    return links
