"""Admin menu entries shown only to an add-on's staff (an inbox, a desk, a results page)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import reverse_lazy
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem


class StaffMenuItem(MenuItem):
    """A menu item shown when ``allowed(user)`` is true."""

    def __init__(self, label, url, *, allowed: Callable[[Any], bool], **kwargs):
        super().__init__(label, url, **kwargs)
        self.allowed = allowed

    def is_shown(self, request):
        return self.allowed(request.user)


@dataclass(frozen=True)
class Entry:
    """One item of a staff submenu: its label, URL name, menu name and icon."""

    label: Any
    url_name: str
    name: str
    icon_name: str = "list-ul"


def staff_menu_item(label, url_name: str, *, allowed: Callable[[Any], bool], name: str,
                    icon_name: str, order: int) -> StaffMenuItem:
    """A single admin menu item for the staff ``allowed`` lets in."""
    return StaffMenuItem(label, reverse_lazy(url_name), allowed=allowed, name=name,
                         icon_name=icon_name, order=order)


def staff_submenu(label, entries: Sequence[Entry], *, allowed: Callable[[Any], bool],
                  name: str, icon_name: str, order: int) -> SubmenuMenuItem:
    """A submenu whose items (in the order given) only ``allowed`` staff see."""
    items = [
        StaffMenuItem(entry.label, reverse_lazy(entry.url_name), allowed=allowed,
                      name=entry.name, icon_name=entry.icon_name, order=(index + 1) * 100)
        for index, entry in enumerate(entries)
    ]
    return SubmenuMenuItem(label, Menu(items=items), name=name, icon_name=icon_name,
                           order=order)
