"""A person's timeline: everything the add-ons enabled on the person's town know of them,
newest first, with the contact center's own calls, visits and chats.

The add-ons contribute through their ``TimelineSource`` declarations
(``addons.core.registry.timeline_sources``); this module imports none of them. Each source
is asked once, in a constant number of queries, for as many entries as the page shown
needs; the entries are merged and cut into pages of ``PAGE_SIZE``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from addons.accounts.persons import identities_of
from addons.core import registry
from addons.core.activation import enabled_labels
from addons.core.addon import TimelineEntry

PAGE_SIZE = 50
#: the most entries one source is asked for (the timeline's last page is this deep)
MAX_PER_SOURCE = 2000
#: the contact center's own entries: its calls, visits, e-mails and chats
INTERACTIONS = "interactions"
INTERACTIONS_TITLE = gettext_lazy("Calls, visits and chats")


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    page: int
    has_next: bool
    has_previous: bool
    #: ``[(key, title)]`` of the sources the person's town offers
    sources: list = field(default_factory=list)
    #: ``{key: title}``, for the entries' labels
    titles: dict = field(default_factory=dict)
    #: the sources that failed to answer (their titles), shown as a warning
    failed: list = field(default_factory=list)

    @property
    def next_page(self) -> int:
        return self.page + 1

    @property
    def previous_page(self) -> int:
        return self.page - 1


def available_sources(site) -> list:
    """``[(key, title, entries_path)]`` of the sources of the add-ons enabled on ``site``,
    the contact center's own first."""
    labels = enabled_labels(site)
    found = [(INTERACTIONS, INTERACTIONS_TITLE, None)]
    for addon, source in registry.timeline_sources():
        if addon.label in labels:
            found.append((source.key, source.title, source.entries))
    return found


def _persons(person):
    """The person and those merged into them (their records are the person's now)."""
    from addons.accounts.models import Person

    ids = [person.pk]
    frontier = [person.pk]
    while frontier:
        frontier = list(Person.objects.filter(merged_into_id__in=frontier)
                        .values_list("pk", flat=True))
        frontier = [pk for pk in frontier if pk not in ids]
        ids.extend(frontier)
    return ids


def interaction_entries(site, person_ids, *, since=None, until=None, limit=200):
    from django.urls import NoReverseMatch, reverse

    from .models import CallState, Channel, Direction, Interaction

    queryset = (Interaction.objects.filter(site_id=site.pk, person_id__in=person_ids)
                .select_related("operator", "wrap_up").order_by("-started_at", "-pk"))
    if since is not None:
        queryset = queryset.filter(started_at__gte=since)
    if until is not None:
        queryset = queryset.filter(started_at__lt=until)
    found = []
    for interaction in queryset[:limit]:
        direction = (_("incoming") if interaction.direction == Direction.INBOUND
                     else _("outgoing"))
        title = _("%(channel)s, %(direction)s") % {
            "channel": interaction.get_channel_display(), "direction": direction}
        parts = []
        if interaction.operator_id:
            parts.append(_("Operator: %(name)s") % {"name": interaction.operator})
        if interaction.wrap_up_id:
            parts.append(str(interaction.wrap_up))
        if interaction.summary:
            parts.append(interaction.summary)
        if interaction.resolved_first_contact:
            status = _("Resolved at first contact")
        else:
            status = str(interaction.get_state_display())
        try:
            url = reverse("contacts-admin:interaction", args=[interaction.pk])
        except NoReverseMatch:
            url = ""
        found.append(TimelineEntry(
            source=INTERACTIONS,
            at=interaction.started_at,
            title=title,
            reference="",
            status=status,
            url=url,
            summary=" · ".join(parts),
            open=(interaction.channel == Channel.PHONE
                  and interaction.state != CallState.ENDED),
        ))
    return found


def timeline(person, user, *, sources=None, since=None, until=None, open_only=False,
             page=1) -> TimelinePage:
    """One page of ``person``'s timeline as ``user`` may see it.

    ``sources``: the keys to show (all when None or empty); ``since``/``until``: aware
    datetimes bounding the period (``until`` excluded); ``open_only``: only records still
    waiting for the city."""
    site = person.site
    page = max(1, int(page or 1))
    offered = available_sources(site)
    wanted = set(sources or ()) or {key for key, _title, _path in offered}
    depth = MAX_PER_SOURCE if open_only else min(page * PAGE_SIZE + 1, MAX_PER_SOURCE)
    identities = identities_of(person)
    merged = []
    failed = []
    for key, title, path in offered:
        if key not in wanted:
            continue
        if path is None:
            merged.extend(interaction_entries(site, _persons(person), since=since,
                                              until=until, limit=depth))
            continue
        if not identities:
            continue
        try:
            found = import_string(path)(site, identities, user, since=since, until=until,
                                        limit=depth)
        except Exception:  # one add-on's failure leaves the others' entries readable
            import logging

            logging.getLogger(__name__).exception("timeline source %s failed", key)
            failed.append(title)
            continue
        merged.extend(found)
    if open_only:
        merged = [entry for entry in merged if entry.open]
    merged.sort(key=lambda entry: entry.at, reverse=True)
    start = (page - 1) * PAGE_SIZE
    return TimelinePage(
        entries=merged[start:start + PAGE_SIZE],
        page=page,
        has_next=len(merged) > start + PAGE_SIZE,
        has_previous=page > 1,
        sources=[(key, title) for key, title, _path in offered],
        titles={key: title for key, title, _path in offered},
        failed=failed,
    )
