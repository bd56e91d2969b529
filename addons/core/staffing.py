"""Who is at work, and who stands in for whom.

The rule of who handles an addressee's records lives here too (``handlers_for``); absences
and delegates are what it and automatic assignment lean on.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone


def _day(on) -> datetime.date:
    if on is None:
        return timezone.localdate()
    if isinstance(on, datetime.datetime):
        return timezone.localdate(on) if timezone.is_aware(on) else on.date()
    return on


def _absences_on(day, user_ids=None):
    from .casework.models import StaffAbsence

    rows = StaffAbsence.objects.filter(starts__lte=day, ends__gte=day)
    if user_ids is not None:
        rows = rows.filter(user_id__in=list(user_ids))
    return rows


def absent_user_ids(on=None, user_ids=None) -> set[int]:
    """Ids of the people away on the day ``on`` (today by default)."""
    return set(_absences_on(_day(on), user_ids).values_list("user_id", flat=True))


def is_absent(user, on=None) -> bool:
    pk = getattr(user, "pk", user)
    return pk in absent_user_ids(on, [pk])


def _delegation_map(day) -> dict[int, int | None]:
    return dict(_absences_on(day).values_list("user_id", "delegate_id"))


def resolve_delegate(user, on=None):
    """Who receives ``user``'s new work on ``on``: the user if present; else their delegate,
    following the chain while delegates are away too. None when the chain ends with nobody
    present (no delegate named, or a cycle)."""
    day = _day(on)
    away = _delegation_map(day)
    pk = getattr(user, "pk", user)
    if pk not in away:
        return user if not isinstance(user, int) else get_user_model().objects.filter(
            pk=pk, is_active=True).first()
    seen = set()
    while pk in away:
        if pk in seen:
            return None
        seen.add(pk)
        pk = away[pk]
        if pk is None:
            return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


def present(users, on=None) -> list:
    """``users`` with each absent person replaced by whoever stands in for them (dedupe,
    order kept); people with nobody standing in are left out."""
    users = list(users)
    day = _day(on)
    away = _delegation_map(day) if users else {}
    result, seen = [], set()
    for user in users:
        target = user if user.pk not in away else resolve_delegate(user, day)
        if target is not None and target.pk not in seen:
            seen.add(target.pk)
            result.append(target)
    return result


def delegation_cycle(absence) -> bool:
    """Whether saving ``absence`` would make delegation go round in a circle on some day of
    it (A hands to B, who is away then and hands back to A)."""
    from .casework.models import StaffAbsence

    others = StaffAbsence.objects.filter(
        starts__lte=absence.ends, ends__gte=absence.starts
    ).exclude(pk=absence.pk).filter(~Q(delegate=None))
    edges: dict[int, set[int]] = {}
    for row in others.values("user_id", "delegate_id"):
        edges.setdefault(row["user_id"], set()).add(row["delegate_id"])
    start = absence.delegate_id
    stack, seen = [start], set()
    while stack:
        pk = stack.pop()
        if pk == absence.user_id:
            return True
        if pk in seen:
            continue
        seen.add(pk)
        stack.extend(edges.get(pk, ()))
    return False


# --- who handles an addressee's records ---------------------------------------------------

DIRECT, INHERITED, LEADERSHIP, OFFICE, ADMINISTRATORS, NOBODY = (
    "direct", "inherited", "leadership", "office", "administrators", "nobody")


@dataclass
class Handling:
    """Who handles (or supervises) an addressee's records on a day.

    ``users``: the active people present (an absent person replaced by their delegate);
    ``source``: "direct" (the addressee's own staff), "inherited" (an addressee above it),
    "leadership" (supervision only: the site's leadership addressee), "office" (the site's
    reception office), "administrators", "nobody"; ``via``: the addressee page the people
    come from, or the office group."""

    users: list = field(default_factory=list)
    source: str = NOBODY
    via: object = None

    def __bool__(self):
        return bool(self.users)

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS.get(self.source, self.source))


def _labels():
    from django.utils.translation import gettext_lazy as _

    return {
        DIRECT: _("its own staff"),
        INHERITED: _("inherited from an addressee above"),
        LEADERSHIP: _("the leadership"),
        OFFICE: _("the reception office"),
        ADMINISTRATORS: _("the administrators"),
        NOBODY: _("nobody"),
    }


SOURCE_LABELS = _labels()


def _addressee_model():
    from django.apps import apps

    from .permissions import ADDRESSEE_MODEL

    return apps.get_model(ADDRESSEE_MODEL)


def _load_addressee(addressee):
    """The addressee page (with its path) for a page or an id; None if there is none."""
    if addressee is None:
        return None
    if getattr(addressee, "path", None):
        return addressee
    return _addressee_model().objects.filter(pk=getattr(addressee, "pk", addressee)).first()


def site_of(addressee):
    """The Wagtail site whose tree holds ``addressee`` (the deepest root that contains it)."""
    from wagtail.models import Site

    page = _load_addressee(addressee)
    if page is None:
        return None
    best = None
    for site in Site.objects.select_related("root_page"):
        root = site.root_page.path
        if page.path.startswith(root) and (best is None or len(root) > len(best.root_page.path)):
            best = site
    return best


def _ancestor_chain(page) -> list:
    """``page`` and the addressee pages above it, nearest first: one query, by path."""
    model = _addressee_model()
    steplen = model.steplen
    paths = [page.path[:n] for n in range(steplen, len(page.path) + 1, steplen)]
    rows = {row.path: row for row in model.objects.filter(path__in=paths)
            .only("pk", "path", "depth", "title", "moderators_id")}
    return [rows[path] for path in reversed(paths) if path in rows]


def _moderator_ids(addressee_ids) -> dict[int, list[int]]:
    """{addressee id: ids of the active users who moderate it}: three queries whatever the
    number of addressees (group permissions, own permissions, group members)."""
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

    from .permissions import _permission_filter

    if not addressee_ids:
        return {}
    keys = [str(pk) for pk in addressee_ids]
    content_type = ContentType.objects.get_for_model(_addressee_model())
    by_group = list(get_group_obj_perms_model().objects.filter(
        _permission_filter(), content_type=content_type, object_pk__in=keys
    ).values_list("object_pk", "group_id"))
    by_user = list(get_user_obj_perms_model().objects.filter(
        _permission_filter(), content_type=content_type, object_pk__in=keys,
        user__is_active=True,
    ).values_list("object_pk", "user_id"))
    members: dict[int, list[int]] = {}
    group_ids = {group_id for _pk, group_id in by_group}
    if group_ids:
        through = Group.user_set.through
        for group_id, user_id in through.objects.filter(
            group_id__in=group_ids, user__is_active=True
        ).order_by("user_id").values_list("group_id", "user_id"):
            members.setdefault(group_id, []).append(user_id)
    result: dict[int, list[int]] = {}
    for object_pk, group_id in by_group:
        result.setdefault(int(object_pk), []).extend(members.get(group_id, []))
    for object_pk, user_id in by_user:
        result.setdefault(int(object_pk), []).append(user_id)
    return {pk: sorted(set(ids)) for pk, ids in result.items()}


class _Day:
    """Absences of one day, read once, to resolve many people cheaply."""

    def __init__(self, on):
        self.day = _day(on)
        self.away = _delegation_map(self.day)
        self._users: dict[int, object] = {}
        self._asked: set[int] = set()

    def load(self, ids):
        missing = [pk for pk in ids if pk not in self._asked]
        # the delegates (and theirs) of the people asked for, in the same query
        extra = set()
        for pk in missing:
            seen = set()
            while pk in self.away and pk not in seen and self.away[pk] is not None:
                seen.add(pk)
                pk = self.away[pk]
                extra.add(pk)
        wanted = set(missing) | {pk for pk in extra if pk not in self._asked}
        if wanted:
            self._asked.update(wanted)
            for user in get_user_model().objects.filter(pk__in=wanted, is_active=True):
                self._users[user.pk] = user
        return self

    def target(self, pk):
        """Who stands in for user ``pk`` today (themselves when present), or None."""
        seen = set()
        while pk in self.away:
            if pk in seen:
                return None
            seen.add(pk)
            pk = self.away[pk]
            if pk is None:
                return None
        return self._users.get(pk)

    def present(self, ids) -> list:
        self.load(ids)
        result, seen = [], set()
        for pk in ids:
            user = self.target(pk)
            if user is not None and user.pk not in seen:
                seen.add(user.pk)
                result.append(user)
        return result


def _staffing_settings(site):
    from .models import StaffingSettings

    if site is None:
        return None
    return StaffingSettings.for_site(site)


def _office(site, day: _Day) -> Handling | None:
    options = _staffing_settings(site)
    if options is None or options.reception_office_id is None:
        return None
    ids = list(options.reception_office.user_set.filter(is_active=True)
               .order_by("pk").values_list("pk", flat=True))
    users = day.present(ids)
    return Handling(users, OFFICE, options.reception_office) if users else None


def administrator_ids(site=None) -> list[int]:
    """Superusers and the members of the site's administrators group (if it names one)."""
    condition = Q(is_superuser=True)
    options = _staffing_settings(site)
    if options is not None and options.administrators_id:
        condition |= Q(groups=options.administrators_id)
    return list(get_user_model().objects.filter(condition, is_active=True).distinct()
                .order_by("pk").values_list("pk", flat=True))


def _fallback(site, day: _Day) -> Handling:
    office = _office(site, day)
    if office is not None:
        return office
    options = _staffing_settings(site)
    users = day.present(administrator_ids(site))
    if users:
        via = options.administrators if options is not None and options.administrators_id \
            else None
        return Handling(users, ADMINISTRATORS, via)
    return Handling([], NOBODY, None)


def _walk(chain, day: _Day, moderators) -> Handling | None:
    """The first addressee of ``chain`` (nearest first) with someone present."""
    day.load(sorted({pk for page in chain for pk in moderators.get(page.pk, [])}))
    for index, page in enumerate(chain):
        users = day.present(moderators.get(page.pk, []))
        if users:
            return Handling(users, DIRECT if index == 0 else INHERITED, page)
    return None


def handlers_for(addressee, site=None, on=None) -> Handling:
    """Who handles ``addressee``'s records on ``on`` (today by default): its active staff
    present (an absent person replaced by their delegate); if none, the nearest addressee
    above it that has some; then the site's reception office; then the site's
    administrators. ``site`` counts only when there is no addressee: an addressee's own site
    always decides. A handful of queries, whatever the depth of the tree."""
    day = _Day(on)
    page = _load_addressee(addressee)
    if page is None:
        return _fallback(site, day)
    # the addressee's own site decides: another town's office never gets its records
    site = site_of(page) or site
    chain = _ancestor_chain(page)
    found = _walk(chain, day, _moderator_ids([row.pk for row in chain]))
    return found or _fallback(site, day)


def leadership_of(site, on=None) -> Handling:
    """Who leads the municipality: the handlers of the site's leadership addressee (the
    staffing setting), else the reception office, else the administrators."""
    day = _Day(on)
    return _leadership(site, day) or _fallback(site, day)


def _leadership(site, day: _Day) -> Handling | None:
    options = _staffing_settings(site)
    if options is None or options.leadership_id is None:
        return None
    chain = _ancestor_chain(options.leadership)
    found = _walk(chain, day, _moderator_ids([row.pk for row in chain]))
    if found is not None:
        found.source = LEADERSHIP
    return found


def supervisors_of(addressee, site=None, on=None) -> Handling:
    """Who is over ``addressee``: the handlers of its parent addressee (up the tree), else
    those of the site's leadership addressee, else the reception office, else the
    administrators."""
    day = _Day(on)
    page = _load_addressee(addressee)
    if page is not None:
        site = site_of(page) or site
        chain = _ancestor_chain(page)[1:]
        found = _walk(chain, day, _moderator_ids([row.pk for row in chain]))
        if found is not None:
            return found
    return _leadership(site, day) or _fallback(site, day)


# --- the staffing of a whole site ---------------------------------------------------------


@dataclass
class Row:
    """One addressee of the staffing overview and who handles it."""

    addressee: object
    handling: Handling
    services: list = field(default_factory=list)


def routed_addressee_ids(site) -> dict[int, list]:
    """{addressee id: add-ons attached to it} for the addressees of ``site`` that receive
    work: those with an add-on's service attached (placements), and the leadership."""
    from . import registry

    pages = _addressee_model().objects.filter(path__startswith=site.root_page.path)
    result: dict[int, list] = {}
    for addon, model in registry.placement_models():
        ids = model.objects.filter(page__in=pages.values("pk")).values_list(
            "page_id", flat=True).distinct()
        for pk in ids:
            names = result.setdefault(pk, [])
            if addon.verbose_name not in names:
                names.append(addon.verbose_name)
    options = _staffing_settings(site)
    if options is not None and options.leadership_id:
        result.setdefault(options.leadership_id, [])
    return result


def overview(site, on=None) -> list[Row]:
    """Every addressee of ``site`` that receives work (``routed_addressee_ids``), in tree
    order, with who handles it on ``on``. A fixed number of queries: the site's addressees,
    their moderators and the day's absences are read once."""
    routed = routed_addressee_ids(site)
    if not routed:
        return []
    model = _addressee_model()
    pages = list(model.objects.filter(path__startswith=site.root_page.path)
                 .only("pk", "path", "depth", "title", "moderators_id").order_by("path"))
    by_path = {page.path: page for page in pages}
    moderators = _moderator_ids([page.pk for page in pages])
    day = _Day(on)
    day.load(sorted({pk for ids in moderators.values() for pk in ids}))
    fallback = None
    rows = []
    steplen = model.steplen
    for page in pages:
        if page.pk not in routed:
            continue
        chain = [by_path[page.path[:n]] for n in range(len(page.path), 0, -steplen)
                 if page.path[:n] in by_path]
        handling = _walk(chain, day, moderators)
        if handling is None:
            if fallback is None:
                fallback = _fallback(site, day)
            handling = fallback
        rows.append(Row(page, handling, routed[page.pk]))
    return rows


def absences_today(site=None, on=None):
    """Absences running on ``on`` (today) of the people who work for ``site``: moderators of
    its addressees, members of its office and administrators groups, superusers."""
    rows = _absences_on(_day(on)).select_related("user", "delegate").order_by("ends", "pk")
    if site is None:
        return list(rows)
    pages = _addressee_model().objects.filter(path__startswith=site.root_page.path)
    ids = {pk for values in _moderator_ids(list(pages.values_list("pk", flat=True))).values()
           for pk in values}
    ids.update(administrator_ids(site))
    options = _staffing_settings(site)
    if options is not None and options.reception_office_id:
        ids.update(options.reception_office.user_set.values_list("pk", flat=True))
    return [row for row in rows if row.user_id in ids]


def person(user) -> str:
    """How a member of staff is named in lists: full name, else username."""
    name = getattr(user, "full_name", "") or user.get_full_name()
    return name or user.get_username()


def describe(handling: Handling) -> str:
    """"inherited from City hall: Ann Bell, Ivan Petrenko" in the active language."""
    from django.utils.translation import gettext as _

    names = ", ".join(person(user) for user in handling.users)
    via = getattr(handling.via, "title", None) or getattr(handling.via, "name", None)
    if handling.source == DIRECT:
        return _("directly: %(people)s") % {"people": names}
    if handling.source == INHERITED:
        return _("inherited from %(addressee)s: %(people)s") % {"addressee": via,
                                                                 "people": names}
    if handling.source == LEADERSHIP:
        return _("the leadership (%(addressee)s): %(people)s") % {"addressee": via,
                                                                   "people": names}
    if handling.source == OFFICE:
        return _("the reception office (%(group)s): %(people)s") % {"group": via,
                                                                    "people": names}
    if handling.source == ADMINISTRATORS:
        return _("the administrators: %(people)s") % {"people": names}
    return _("NOBODY: no active person receives these records")


def may_manage_absences(user) -> bool:
    """Superusers and holders of ``core.change_staffabsence`` record anyone's absences."""
    return bool(user is not None and user.is_authenticated and user.is_active and (
        user.is_superuser or user.has_perm("core.change_staffabsence")))


def staff_users():
    """Active members of staff (admin users), by name: who may be away or stand in."""
    return get_user_model().objects.filter(
        Q(is_staff=True) | Q(is_superuser=True), is_active=True).order_by("username")


_HANDLED_ATTR = "_civicdesk_handled_addressee_ids"


def handled_addressee_ids(user, site, on=None) -> set[int]:
    """Ids of the addressees of ``site`` whose records reach ``user`` by the rule today: as
    their staff present (or a delegate standing in), inherited from an addressee above, as
    the reception office or as the administrators. The desk's lists count with it, so the
    office works on what is routed to it. A fixed handful of queries whatever the size of
    the tree; kept on the user object for the rest of the request."""
    if site is None or user is None or not getattr(user, "is_authenticated", False):
        return set()
    # only staff handle records: a citizen costs nothing here
    if not (user.is_superuser or user.has_perm("wagtailadmin.access_admin")):
        return set()
    cache = getattr(user, _HANDLED_ATTR, None)
    if cache is None:
        cache = {}
        setattr(user, _HANDLED_ATTR, cache)
    key = (site.pk, _day(on))
    if key in cache:
        return cache[key]
    model = _addressee_model()
    rows = list(model.objects.filter(path__startswith=site.root_page.path)
                .order_by("path").values_list("pk", "path"))
    by_path = {path: pk for pk, path in rows}
    moderators = _moderator_ids([pk for pk, _path in rows])
    day = _Day(on)
    day.load(sorted({pk for ids in moderators.values() for pk in ids}))
    # the people present for each addressee that has staff of its own
    own = {pk: {person.pk for person in day.present(ids)} for pk, ids in moderators.items()}
    fallback = None
    steplen = model.steplen
    result = set()
    for pk, path in rows:
        handlers = None
        for end in range(len(path), 0, -steplen):
            above = by_path.get(path[:end])
            if above is not None and own.get(above):
                handlers = own[above]
                break
        if handlers is None:
            if fallback is None:
                fallback = {person.pk for person in _fallback(site, day).users}
            handlers = fallback
        if user.pk in handlers:
            result.add(pk)
    cache[key] = result
    return result


def in_fallback_group(user) -> bool:
    """Whether ``user`` is in some site's reception office or administrators group (records
    with nobody else at work reach them)."""
    from .models import StaffingSettings

    groups = set(StaffingSettings.objects.values_list("reception_office_id", flat=True)) | set(
        StaffingSettings.objects.values_list("administrators_id", flat=True))
    groups.discard(None)
    return bool(groups) and user.groups.filter(pk__in=groups).exists()


def stands_in(user, on=None) -> bool:
    """Whether ``user`` is someone's delegate during an absence on ``on`` (today)."""
    return _absences_on(_day(on)).filter(delegate_id=user.pk).exists()
