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
class TimelineEntry:
    """One line of a person's timeline (the contact center's citizen record): something
    the person filed, booked, answered, subscribed to, was sent or said."""

    source: str  # the TimelineSource's key
    at: Any  # an aware datetime
    title: str  # what it is ("Pothole on Florilor street"); hidden when not readable
    reference: str = ""  # a reference number staff and citizens quote ("R-2026-00042")
    status: str = ""  # the public status in words
    url: str = ""  # where staff open it (an admin URL), "" when none
    summary: str = ""  # a line of detail; hidden when not readable
    open: bool = False  # still waiting for the city (shown in the caller pop-up)
    readable: bool = True  # False: staff see that it exists, not what it says


@dataclass(frozen=True)
class TimelineSource:
    """What an add-on contributes to a person's timeline (``AddonConfig.timeline``).

    ``entries`` is the dotted path of ``fn(site, identities, user, *, since=None,
    until=None, limit=200) -> list[TimelineEntry]``: ``identities`` maps a kind
    ("email", "phone", "account" and chat kinds) to the set of normalised values of one
    person (``Identity.value``; for "account", user ids as strings); ``user`` is the member
    of staff reading, whose rights decide ``readable`` (appeals: their content only for
    those who may read appeals). A constant number of queries whatever the entries.
    ``contacts`` is the dotted path of ``fn(site) -> iterable of dict(name=, email=,
    phone=, user_id=, language=)``: the contact details typed on this add-on's records, for
    building persons from existing data (``manage.py persons_backfill``), or None."""

    key: str
    title: Any  # a lazy translatable string ("Problem reports")
    entries: str
    contacts: str | None = None
    order: int = 100


@dataclass(frozen=True)
class StatusAnswer:
    """What may be told about a record found by its reference (the console, the status line,
    the chat channels): the words are in the active language."""

    reference: str
    kind: Any  # "Appeal", "Problem report", "Ticket" (translated)
    status: str  # the public status in words
    addressee: str = ""  # who handles it
    expected: Any = None  # the expected date (a date), None when there is none
    public: bool = False  # may be told to anyone who knows the reference
    pin: str = ""  # the record's status PIN ("" when it has none)
    #: ``{kind: {values}}`` of the identities that own it (phone in E.164, e-mail folded)
    owners: dict = field(default_factory=dict)
    url: str = ""  # where staff open it


@dataclass(frozen=True)
class StatusLookup:
    """How a record of this add-on is found by its reference (``AddonConfig.status_lookup``).

    ``pattern``: a regular expression that a reference of this kind matches (whole, case-
    insensitive, after Cyrillic look-alikes are read as Latin and spaces removed), e.g.
    ``r"AP-?\\d{4}-?\\d{6}"``; ``digits``: how the reference is typed on a phone keypad
    (``"year+number"``: 2026 then 123 means AP-2026-000123), or "" when it cannot be;
    ``find``: dotted path of ``fn(site, reference) -> StatusAnswer | None`` (a reference of
    another site is None). Appeals are confidential: their answers have ``public=False``."""

    key: str
    title: Any
    pattern: str
    find: str
    digits: str = ""
    prefix: str = ""  # the letters before the digits ("AP"), for references typed as digits
    order: int = 100


@dataclass(frozen=True)
class Intake:
    """How an operator files a record of this add-on on a citizen's behalf
    (``AddonConfig.intakes``).

    ``form``: dotted path of a Django form class taking ``site`` as a keyword (the fields the
    operator fills in; the citizen's name and contacts come from the person);
    ``file``: dotted path of ``fn(site, cleaned_data, *, person, source, entered_by) ->
    record`` that files it through the add-on's own service (numbering, routing, terms,
    acknowledgement to the citizen by their channel) and returns the record (with
    ``reference`` and ``get_admin_url()`` where it has them); ``allowed``: dotted path of
    ``fn(site, source) -> (bool, reason)`` (an oral appeal by phone is allowed where the law
    of the site's jurisdiction allows it; the reason is shown on the form), or None."""

    key: str
    title: Any
    form: str
    file: str
    allowed: str | None = None
    sources: tuple = ("phone", "walk_in", "email")
    order: int = 100


@dataclass(frozen=True)
class ChatIntake:
    """How a citizen files a record of this add-on in their own words in a chat
    (``AddonConfig.chat_intakes``), read by the channels add-on, which imports no add-on.

    ``service``: dotted path of a module with the functions the conversation calls, all
    taking the site first and answering in the active language:

    - ``suggest(site, text, *, limit=3, lat=None, lng=None) -> [dict(code=, label=,
      addressee=)]``: the best categories for the citizen's words;
    - ``locate(site, text) -> dict(lat=, lng=, address=) | None``: an address in the text
      matched against the city's street register (inflected forms too);
    - ``check_place(site, lat, lng) -> str``: "" when the point is in the city, else why not;
    - ``place_required(site, code) -> bool`` and ``anonymous_allowed(site, code) -> bool``;
    - ``nearby(site, code, lat, lng) -> [StatusAnswer]``: open records close by ("is it this
      one?"); ``cosign(site, reference, *, person) -> StatusAnswer | None``;
    - ``file(site, data, *, person, source) -> StatusAnswer`` (``data``: code, description,
      lat, lng, address, photos as a list of bytes, anonymous, name, phone, language; raises
      ValidationError with a message per field): the answer carries the reference, the
      responsible addressee and the expected date;
    - ``mine(site, person) -> [StatusAnswer]``: the person's records, open first;
    - ``feedback(site, reference, *, person, answer, rating=None) -> str``: the citizen's
      answer after "resolved" (``answer``: "confirm", "reopen" or "rate"), the reply in
      words."""

    key: str
    title: Any
    service: str
    order: int = 100


@dataclass(frozen=True)
class TransportResult:
    """What a transport's ``send`` says: ``ok`` (``detail``: the platform's message id), or
    why not. A refusal with ``retry_after`` (seconds: a platform's rate limit) or
    ``transient`` (a server down) is tried again later on the same transport; any other
    refusal (a blocked bot, a rule of the platform, a number that does not exist) moves the
    notification to the next transport of the chain."""

    ok: bool
    detail: str = ""
    retry_after: float | None = None
    transient: bool = False

    @property
    def retry(self) -> bool:
        return not self.ok and (self.retry_after is not None or self.transient)


@dataclass(frozen=True)
class NotificationTransport:
    """A way to carry a notification to a citizen (``AddonConfig.transports``): e-mail (core's
    own), a chat platform, SMS. Core's notifications try the citizen's preferred channel
    first, then the others that reach them in ``order`` (the chats, e-mail, SMS), and record
    which one carried each message and every fallback (``addons.core.notifications``).

    ``key`` is what the notification's ``channel`` records ("email", "telegram", "sms").
    ``send``: dotted path of ``fn(notification, person, channel) -> TransportResult``;
    ``reaches``: dotted path of ``fn(notification, person, channel) -> bool``, whether this
    transport can reach the person now (``notification`` is None when asked outside a
    delivery, e.g. by the cabinet listing the channels a person has; ``person`` may be None
    for a message to an account or an address only). ``channel`` is the transport's key, so
    one function can serve several transports."""

    key: str
    title: Any
    send: str
    reaches: str
    order: int = 100

    def carry(self, notification, person) -> TransportResult:
        return _call(self.send, notification, person, self.key)

    def can_reach(self, notification, person) -> bool:
        return bool(_call(self.reaches, notification, person, self.key))


@dataclass(frozen=True)
class ServiceEvents:
    """A record type this add-on writes service events for (``AddonConfig.service_events``,
    read by the insights add-on, which imports no add-on).

    ``record_type``: the key events carry ("appeals.appeal"); ``kinds``: the event kinds it
    writes (``addons.core.events``), which say which standard figures apply (time to first
    response needs "first_reply", reopen rate "reopened", no-show rate "no_show"...);
    ``public``: shown on the public transparency page (problem reports are, appeals are
    not); ``url``: dotted path of ``fn(record_id) -> str``, where staff open a record ("" when
    they cannot); ``labels``: dotted path of ``fn(site) -> {"category": {code: label},
    "district": {code: label}, "channel": {code: label}}`` in the active language, for the
    codes its events carry; ``term``: how the term in ``due`` is named ("legal term",
    "SLA")."""

    record_type: str
    title: Any  # plural, lazy translatable ("Appeals")
    kinds: tuple[str, ...]
    public: bool = False
    url: str | None = None
    labels: str | None = None
    term: Any = ""
    order: int = 100

    def admin_url(self, record_id) -> str:
        return _call(self.url, record_id) if self.url else ""

    def label_map(self, site) -> dict:
        return _call(self.labels, site) if self.labels else {}


@dataclass(frozen=True)
class FigureDefinition:
    """A figure an add-on computes itself, beside the standard ones the insights add-on
    builds from events (``AddonConfig.figures``): the use of a queue's capacity needs the
    capacity offered, which is not an event.

    ``compute``: dotted path of ``fn(site, addressee_path, start, end) -> dict(value=,
    count=, unit=)`` (``addressee_path``: "" for the whole site, else the subtree's tree
    path; ``start``/``end``: aware datetimes, ``end`` exclusive; ``value`` None when there
    is no data); ``definition``: the written definition shown beside it."""

    key: str
    title: Any
    definition: Any
    compute: str
    record_type: str = ""
    unit: str = "%"  # "%", "count", "days", "hours", "seconds", "score"
    order: int = 100

    def value(self, site, addressee_path, start, end) -> dict:
        return _call(self.compute, site, addressee_path, start, end)


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
    #: what this add-on contributes to a person's timeline (``TimelineSource``), read by
    #: the contact center; the contact center imports no add-on.
    timeline: tuple = ()
    #: how a record is found by its reference and what may be told (``StatusLookup``)
    status_lookup: tuple = ()
    #: how an operator files a record on a citizen's behalf (``Intake``)
    intakes: tuple = ()
    #: how a citizen files a record of this add-on in a chat (``ChatIntake``)
    chat_intakes: tuple = ()
    #: ways to carry notifications to citizens besides e-mail (``NotificationTransport``)
    transports: tuple = ()
    #: the record types this add-on writes service events for (``ServiceEvents``)
    service_events: tuple = ()
    #: figures this add-on computes itself (``FigureDefinition``)
    figures: tuple = ()
    #: values a whole page kept in the cache gets afresh on every view
    #: (``addons.core.page_cache``): ``(("surveys.started", "addons.surveys.views.x"),)``,
    #: a name and a function of the request returning a string; the add-on's template
    #: writes ``page_cache.hole(request, name, produce)``.
    page_holes: tuple[tuple[str, str], ...] = ()
    #: pieces this add-on puts on every public page of a site where it is on, by slot:
    #: ``(("body_end", "addons.channels.widget.chat_button"),)``, a slot name the theme
    #: renders with ``{% page_parts "body_end" %}`` and a function of the template context
    #: returning HTML ("" for nothing). The markup must be the same for every visitor
    #: (public pages are kept whole in the cache).
    page_parts: tuple[tuple[str, str], ...] = ()
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
