"""The add-on contract.

An add-on is a Django app whose ``AppConfig`` subclasses :class:`AddonConfig` and says, in
one place, what it brings to a CivicDesk site: attachable things for host pages
(placements), cabinet sections, statistics blocks for addressee pages, notification events,
scheduled jobs, recipient segments of mass email, public URLs, and an idempotent
``setup(site)`` that creates its default content on a site when it is enabled there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import AppConfig
from django.utils.module_loading import import_string


def _call(function, *args):
    """Call ``function``, given as a callable or as a dotted path imported when first used
    (an add-on's apps.py then names its views without importing them)."""
    if isinstance(function, str):
        function = import_string(function)
    return function(*args)


@dataclass(frozen=True)
class CabinetSection:
    """A section of the citizen cabinet ("My appeals", "My tickets")."""

    key: str
    title: Any  # a lazy translatable string
    template: str
    # get_context(request) -> dict, or its dotted path; runs only when the add-on is enabled
    # on the site.
    get_context: Callable[[Any], dict] | str
    order: int = 100

    def context(self, request) -> dict:
        return _call(self.get_context, request)


@dataclass(frozen=True)
class StatisticsBlock:
    """A block of figures on an addressee page ("Appeals answered on time")."""

    key: str
    title: Any
    template: str
    # get_context(page, request) -> dict or None (None: nothing to show). Statistics are
    # public and the same for every visitor: never put anything user-specific in them.
    get_context: Callable[[Any, Any], dict | None] | str
    order: int = 100
    #: seconds the rendered block is kept in the cache (0: computed on every view)
    cache_timeout: int = 300

    def context(self, page, request) -> dict | None:
        return _call(self.get_context, page, request)


@dataclass(frozen=True)
class MenuLink:
    """A public page of an add-on that is not a Wagtail page (the e-digest, the receptions),
    added to the site's main menu after the pages while the add-on is on there."""

    title: Any  # a lazy translatable string
    url_name: str
    order: int = 100


@dataclass(frozen=True)
class NotificationEvent:
    """An event that can notify someone. Its texts live in templates
    ``notifications/<key>/subject.txt`` and ``notifications/<key>/body.txt``."""

    key: str
    label: Any


@dataclass(frozen=True)
class RecipientSegment:
    """A dynamic audience for mass email ("everyone who booked a given queue").

    ``resolve(site, value)`` (dotted path) returns an iterable of
    ``addons.core.mass_email.Recipient``; ``choices(site)`` (dotted path, optional) returns
    the ``[(value, label)]`` a member of staff picks ``value`` from.
    """

    key: str
    title: Any
    resolve: str
    choices: str | None = None


@dataclass(frozen=True)
class ScheduledJob:
    """A recurring django-q2 task, created idempotently by name."""

    name: str
    func: str  # dotted path
    cron: str  # e.g. "*/5 * * * *"
    kwargs: dict = field(default_factory=dict)


class AddonConfig(AppConfig):
    """Base class of every CivicDesk add-on's AppConfig."""

    default_auto_field = "django.db.models.BigAutoField"

    #: platform add-ons (core, accounts, addressees) are always on and not listed.
    required: bool = False
    #: whether a site that never chose gets this add-on enabled.
    default_enabled: bool = True
    #: public URLs: a module path, served under ``url_prefix`` in namespace ``label``.
    urls: str | None = None
    url_prefix: str | None = None
    #: REST routes: a module path included under /api/v1/.
    api_urls: str | None = None
    #: further URL modules at fixed paths, e.g. (("open311/v2/", "addons.reports.open311.urls",
    #: "open311"),): mounted at the site root in namespace "<label>-<name>".
    root_urls: tuple[tuple[str, str, str], ...] = ()
    #: dotted paths of Placement models ("appeals.AppealFormPlacement").
    placements: tuple[str, ...] = ()
    cabinet_sections: tuple[CabinetSection, ...] = ()
    menu_links: tuple[MenuLink, ...] = ()
    statistics_blocks: tuple[StatisticsBlock, ...] = ()
    notification_events: tuple[NotificationEvent, ...] = ()
    scheduled_jobs: tuple[ScheduledJob, ...] = ()
    #: dynamic audiences of mass email this add-on can resolve (its own data only).
    recipient_segments: tuple[RecipientSegment, ...] = ()
    #: the record types staff work on (``addons.core.casework.Casework``): the desk's
    #: screens, the staff home and automatic assignment are built from them.
    casework: tuple = ()
    #: values a whole page kept in the cache gets afresh on every view
    #: (``addons.core.page_cache``): ``(("surveys.started", "addons.surveys.views.x"),)``,
    #: a name and a function of the request returning a string; the add-on's template
    #: writes ``page_cache.hole(request, name, produce)``.
    page_holes: tuple[tuple[str, str], ...] = ()
    #: one sentence shown beside the add-on's switch in the control panel.
    description: Any = ""

    def setup(self, site) -> None:
        """Create this add-on's default content on ``site``. Must be idempotent."""

    def personal_data(self, user) -> dict:
        """What this add-on holds about ``user``, for the citizen's data download (JSON-ready)."""
        return {}

    def anonymise(self, user) -> None:
        """Erase ``user``'s personal data this add-on holds, keeping records the law says
        must be kept (their link to a person removed). Called when an account is deleted."""

    def ready(self):
        from . import registry

        registry.register_addon(self)
