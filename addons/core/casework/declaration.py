"""The ``casework`` declaration of the add-on contract."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CaseAction:
    """Something staff do to a record: answer, forward, mark served...

    ``service`` (dotted path or callable) is called as ``service(record, user, **data)``
    with the cleaned data of ``form`` (a dotted path to a ``django.forms.Form`` class whose
    ``__init__`` accepts ``record=`` and ``user=`` keyword arguments; none: no fields). It
    raises ``django.core.exceptions.ValidationError`` with a translated message to refuse,
    and writes the audit log itself. It may return a translated message for the user.
    """

    key: str
    label: Any
    service: Callable | str
    form: str | None = None
    #: the permission policy's action the user needs on the record
    permission: str = "change"
    #: also offered as a bulk action over a selection of the list
    bulk: bool = False
    #: ``fn(record, user) -> bool`` (dotted path): whether the action is offered now
    available: Callable | str | None = None
    #: a destructive or irreversible action is shown as such and asks to confirm
    dangerous: bool = False


@dataclass(frozen=True)
class DetailSection:
    """A part of a record's detail screen (the messages, the photos, the history)."""

    key: str
    title: Any
    template: str
    #: ``fn(record, request) -> dict`` (dotted path); None: only ``record`` in the context
    get_context: Callable | str | None = None
    order: int = 100


@dataclass(frozen=True)
class Figure:
    """One number on the staff home, with the filtered list it stands for."""

    key: str
    label: Any
    value: int
    url: str
    group: Any = ""


@dataclass(frozen=True)
class Casework:
    """A kind of record staff work on, declared by the add-on that owns it."""

    #: URL and menu namespace, unique across add-ons ("appeals", "reports")
    key: str
    #: "app_label.ModelName"
    model: str
    #: plural title in menus and on the staff home (lazy translatable)
    title: Any
    icon: str = "folder-open-inverse"
    order: int = 100
    #: the field naming the addressee whose staff handle the record (scope, routing)
    addressee_field: str = "addressee"
    #: the field naming the record's site; "" when the site is the addressee's
    site_field: str = "site"
    #: shown as the record's number
    reference_field: str = "pk"
    created_field: str = "created_at"
    #: a DateField or DateTimeField: the term ("due within 48 hours", "overdue"); None: none
    due_field: str | None = None
    #: ``fn() -> Q`` (dotted path): records still being worked on; None: all
    open: Callable | str | None = None
    #: ``fn() -> Q`` (dotted path): records escalated to a supervisor; None: none
    escalated: Callable | str | None = None
    #: skills: a person may take only some categories or districts of an addressee
    category_field: str | None = None
    district_field: str | None = None
    #: whether records get an assignee and watchers (the model inherits ``Assignable``)
    assignable: bool = True
    list_display: tuple = ()
    #: model field names filtered on; choices are scoped to the site being worked on
    list_filter: tuple = ()
    search_fields: tuple = ()
    list_export: tuple = ()
    #: ``fn(queryset, fmt) -> HttpResponse`` (dotted path; fmt "csv" or "xlsx"): the list's
    #: download of the filtered records, replacing the ``list_export`` columns (answers
    #: with one column per question...); None: ``list_export``
    export: Callable | str | None = None
    actions: tuple[CaseAction, ...] = ()
    detail_sections: tuple[DetailSection, ...] = ()
    #: fields the record's page never shows (secrets: a reporter's link key, a client token)
    detail_exclude: tuple = ()
    #: ``fn(user, site) -> list[Figure]`` (dotted path): the add-on's own staff-home figures
    #: (today's queue), beside the standard ones core computes from the fields above
    figures: Callable | str | None = None
    #: ``fn(user, site) -> QuerySet`` (dotted path) replacing the default scope (records of
    #: the addressees the user moderates on that site; everything for model-wide permission)
    scope: Callable | str | None = None
    #: ``fn(user) -> bool`` (dotted path): who else works at this desk beside moderators and
    #: holders of the model-wide permission (the queue desk's specialists); None: nobody
    staff: Callable | str | None = None
    #: ``fn(request) -> dict`` (dotted path): the query parameters the list opens with when
    #: none are given (the queue desk opens on today's tickets); None: every record
    list_default: Callable | str | None = None
    #: the ``ServiceEvents.record_type`` of the add-on's service events ("appeals.appeal"):
    #: taking and assigning a record then write its ``assigned`` event; "": none
    event_type: str = ""
