"""Who works on a record: taking, assigning, watching, and automatic assignment.

Every service checks that the person acting works on the record (its addressee's staff,
or model-wide permission), locks the record, raises its lock version, writes Wagtail's
audit log and notifies the new assignee (their delegate while they are away). A refusal is
a ``ValidationError`` with a translated message.

Automatic assignment follows the addressee's :class:`~.models.AssignmentPolicy`: the team
is the addressee's moderators who are present (an absent person's delegate stands in),
people at capacity are skipped, and when everyone is full the record waits in the team's
queue (``waiting_since``) until :func:`drain_queue` finds someone with room.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from .. import registry
from ..permissions import can_moderate, moderators_of
from ..staffing import is_absent, present, resolve_delegate
from . import queries
from .desk import addressee_of, bump, declaration_for, in_scope, person_name, record_site, reference
from .models import AssignmentPolicy, StaffCapacity, StaffSkill

LOG_ACTIONS = {
    "civicdesk.take": gettext_lazy("Take a record"),
    "civicdesk.assign": gettext_lazy("Assign a record"),
    "civicdesk.unassign": gettext_lazy("Unassign a record"),
    "civicdesk.watch": gettext_lazy("Watch a record"),
    "civicdesk.unwatch": gettext_lazy("Stop watching a record"),
}

NOTIFICATION_EVENT = "assigned"


def register_log_actions(actions) -> None:
    """For the ``register_log_actions`` hook."""
    for action, label in LOG_ACTIONS.items():
        actions.register_action(action, label, label)


# --- checks -------------------------------------------------------------------------------


def _declaration(record, declaration=None):
    declaration = declaration or declaration_for(record)
    if declaration is None:
        raise ValueError(f"No casework is declared for {type(record).__name__}")
    return declaration


_name = person_name


def check_actor(declaration, record, user) -> None:
    """``user`` works on ``record``; else a translated ValidationError."""
    if not in_scope(declaration, user, record):
        raise ValidationError(_("This record is not yours: it belongs to another team."),
                              code="scope")


def may_hold(declaration, record, person) -> bool:
    """Whether ``person`` may be given ``record``: active, and a moderator of its addressee,
    holding the model-wide permission, or reached by its records through the staffing rule
    (the reception office when the addressee has nobody at work)."""
    if person is None or not person.is_active:
        return False
    addressee_id = getattr(record, f"{declaration.addressee_field}_id", None)
    return (can_moderate(person, addressee_id) or queries.sees_everything(person, declaration)
            or addressee_id in queries.work_addressee_ids(person, record_site(declaration,
                                                                               record)))


def check_assignee(declaration, record, person) -> None:
    """``person`` may be given ``record`` now; else a translated ValidationError."""
    if person is None:
        raise ValidationError(_("Choose the person to assign."), code="required")
    if not person.is_active:
        raise ValidationError(
            _("%(name)s can no longer sign in: choose someone else.") % {"name": _name(person)},
            code="inactive")
    if not may_hold(declaration, record, person):
        raise ValidationError(
            _("%(name)s does not work on the records of %(addressee)s: choose someone from "
              "its staff.") % {"name": _name(person),
                               "addressee": addressee_of(declaration, record)},
            code="scope")
    if is_absent(person):
        delegate = resolve_delegate(person)
        if delegate is not None and delegate.pk != person.pk:
            message = _("%(name)s is away: assign the record to %(delegate)s, who stands in "
                        "for them.") % {"name": _name(person), "delegate": _name(delegate)}
        else:
            message = _("%(name)s is away and nobody stands in for them: choose someone "
                        "present.") % {"name": _name(person)}
        raise ValidationError(message, code="absent")


# --- the record ---------------------------------------------------------------------------


def _locked(record, declaration=None):
    """``record`` read again and locked until the end of the transaction. The related
    objects ``record`` already holds (its addressee, its site) stay in hand when the row
    still names them; a record whose add-on writes service events gets its addressee in
    the same query otherwise (its ``assigned`` event names it)."""
    queryset = type(record)._default_manager.select_for_update(of=("self",))
    field = declaration.addressee_field if declaration is not None else ""
    if (declaration is not None and declaration.event_type and field and "__" not in field
            and field not in record._state.fields_cache):
        queryset = queryset.select_related(field)
    locked = queryset.get(pk=record.pk)
    cache = record._state.fields_cache
    for field in type(record)._meta.concrete_fields:
        value = cache.get(field.name) if field.many_to_one else None
        if value is not None and value.pk == getattr(locked, field.attname):
            locked._state.fields_cache[field.name] = value
    return locked


def _sync(target, source) -> None:
    for name in ("assignee_id", "assigned_at", "waiting_since", "lock_version"):
        setattr(target, name, getattr(source, name))
    # the cached related object is stale now
    target._state.fields_cache.pop("assignee", None)


def detail_url(declaration, record) -> str:
    try:
        return reverse(f"casework_{declaration.key}:inspect", args=[record.pk])
    except NoReverseMatch:
        return ""


def notify_assigned(declaration, record, person, by=None):
    """Tell ``person`` (their delegate while they are away) that ``record`` is theirs."""
    from ..notifications import notify

    recipient = resolve_delegate(person)
    if recipient is None or (by is not None and recipient.pk == by.pk):
        return None
    context = {
        "reference": reference(declaration, record),
        "record": str(record),
        "kind": str(declaration.title),
        "assignee": _name(person),
        "by": _name(by) if by is not None else "",
        "for_someone_else": recipient.pk != person.pk,
    }
    return notify(recipient, NOTIFICATION_EVENT, context, site=record_site(declaration, record),
                  url=detail_url(declaration, record))


def _set_assignee(declaration, record, person, *, by, action, data=None):
    record.assignee = person
    record.assigned_at = timezone.now() if person is not None else None
    record.waiting_since = None
    record.save(update_fields=["assignee", "assigned_at", "waiting_since"])
    bump(record)
    log(record, action, user=by, data={
        "assignee": person.pk if person is not None else None,
        "assignee_name": _name(person), **(data or {}),
    })
    if person is not None:
        _assigned_event(declaration, record, by)


def _field_value(record, path):
    """The value of a plain field of ``record`` ("" when there is none)."""
    if not path or "__" in path:
        return ""
    value = getattr(record, type(record)._meta.get_field(path).attname, None)
    return "" if value is None else str(value)


def _assigned_event(declaration, record, by) -> None:
    """The record's ``assigned`` service event, where its add-on writes service events
    (``Casework.event_type`` naming a declared ``ServiceEvents``): one INSERT, from what the
    record holds (its addressee is the one it was routed with)."""
    if not declaration.event_type:
        return
    service = registry.service_event_type(declaration.event_type)
    if service is None:
        return
    from .. import events

    if declaration.site_field and "__" not in declaration.site_field:
        site = getattr(record, f"{declaration.site_field}_id")
    else:
        site = record_site(declaration, record)
    due = getattr(record, declaration.due_field, None) if declaration.due_field else None
    events.record(
        declaration.event_type, record, events.ASSIGNED, site=site,
        at=record.assigned_at, addressee=addressee_of(declaration, record),
        reference=reference(declaration, record),
        category=_field_value(record, declaration.category_field),
        district=_field_value(record, declaration.district_field),
        actor=by, public=service.public, due=due,
    )


@transaction.atomic
def take(record, user, declaration=None) -> str:
    """``user`` takes ``record`` for themselves."""
    declaration = _declaration(record, declaration)
    check_actor(declaration, record, user)
    locked = _locked(record, declaration)
    if locked.assignee_id == user.pk:
        return _("This record is already yours.")
    if locked.assignee_id is not None:
        raise ValidationError(
            _("%(name)s already works on this record: ask them, or assign it to yourself.")
            % {"name": _name(locked.assignee)}, code="taken")
    check_assignee(declaration, locked, user)
    _set_assignee(declaration, locked, user, by=user, action="civicdesk.take")
    _sync(record, locked)
    return _("The record is yours now.")


@transaction.atomic
def assign(record, assignee, by, declaration=None) -> str:
    """``by`` gives ``record`` to ``assignee``."""
    declaration = _declaration(record, declaration)
    check_actor(declaration, record, by)
    locked = _locked(record, declaration)
    check_assignee(declaration, locked, assignee)
    if locked.assignee_id == assignee.pk:
        return _("%(name)s already works on this record.") % {"name": _name(assignee)}
    action = "civicdesk.take" if by is not None and by.pk == assignee.pk else "civicdesk.assign"
    _set_assignee(declaration, locked, assignee, by=by, action=action)
    _sync(record, locked)
    notify_assigned(declaration, locked, assignee, by)
    return _("Assigned to %(name)s.") % {"name": _name(assignee)}


@transaction.atomic
def unassign(record, by, declaration=None) -> str:
    """``record`` has nobody working on it any more; the freed room goes to the queue."""
    declaration = _declaration(record, declaration)
    check_actor(declaration, record, by)
    locked = _locked(record)
    if locked.assignee_id is None:
        raise ValidationError(_("Nobody is assigned to this record."), code="unassigned")
    _set_assignee(declaration, locked, None, by=by, action="civicdesk.unassign",
                  data={"previous": locked.assignee_id})
    _sync(record, locked)
    drain_queue(getattr(locked, f"{declaration.addressee_field}_id"), declaration)
    return _("Nobody is assigned to the record now.")


@transaction.atomic
def watch(record, user, declaration=None) -> str:
    """``user`` follows ``record`` (watchers see it on their home)."""
    declaration = _declaration(record, declaration)
    check_actor(declaration, record, user)
    _locked(record)
    if record.watchers.filter(pk=user.pk).exists():
        return _("You already watch this record.")
    record.watchers.add(user)
    log(record, "civicdesk.watch", user=user)
    return _("You watch this record now.")


@transaction.atomic
def unwatch(record, user, declaration=None) -> str:
    declaration = _declaration(record, declaration)
    check_actor(declaration, record, user)
    _locked(record)
    if not record.watchers.filter(pk=user.pk).exists():
        raise ValidationError(_("You do not watch this record."), code="not_watching")
    record.watchers.remove(user)
    log(record, "civicdesk.unwatch", user=user)
    return _("You no longer watch this record.")


def bulk(records: Iterable, fn: Callable, user, declaration=None):
    """Do ``fn(record, user)`` to each record ``user`` works on, each in its own
    transaction. Returns ``(done, skipped)``: the records done and ``[(record, reason)]``."""
    done, skipped = [], []
    for record in records:
        declaration_of = declaration or declaration_for(record)
        if not in_scope(declaration_of, user, record):
            skipped.append((record, _("not yours")))
            continue
        try:
            with transaction.atomic():
                fn(record, user)
        except ValidationError as error:
            skipped.append((record, " ".join(error.messages)))
        else:
            done.append(record)
    return done, skipped


# --- automatic assignment -----------------------------------------------------------------


def _value(record, field_name):
    if not field_name:
        return None
    field = type(record)._meta.get_field(field_name)
    return getattr(record, field.attname)


def team(addressee, on=None) -> list:
    """The people who take an addressee's new records: its moderators, present (an absent
    person's delegate stands in), in a stable order."""
    pk = getattr(addressee, "pk", addressee)
    return present(moderators_of(pk).order_by("pk"), on)


def loads(declaration, user_ids) -> dict[int, int]:
    """Open assigned records of this kind per person."""
    model = queries.model_of(declaration)
    rows = (model._default_manager.filter(queries.open_q(declaration),
                                          assignee_id__in=list(user_ids))
            .values("assignee_id").annotate(n=Count("pk")).order_by())
    counts = {pk: 0 for pk in user_ids}
    counts.update({row["assignee_id"]: row["n"] for row in rows})
    return counts


def capacities(policy, user_ids) -> dict[int, int]:
    own = dict(StaffCapacity.objects.filter(addressee_id=policy.addressee_id,
                                            user_id__in=list(user_ids))
               .values_list("user_id", "capacity"))
    return {pk: own.get(pk, policy.capacity) for pk in user_ids}


def _skilled(policy, declaration, record, people) -> list:
    rows: dict[int, list] = {}
    for skill in StaffSkill.objects.filter(addressee_id=policy.addressee_id,
                                           casework=declaration.key,
                                           user_id__in=[p.pk for p in people]):
        rows.setdefault(skill.user_id, []).append(skill)
    category = _value(record, declaration.category_field)
    district = _value(record, declaration.district_field)
    return [person for person in people
            if person.pk not in rows
            or any(skill.covers(category, district) for skill in rows[person.pk])]


def choose(policy, declaration, record, people=None, load=None):
    """The person the policy gives ``record`` to, or None when everyone is full."""
    people = team(policy.addressee_id) if people is None else people
    if policy.mode == AssignmentPolicy.Mode.SKILLS:
        people = _skilled(policy, declaration, record, people)
    if not people:
        return None
    ids = [person.pk for person in people]
    load = loads(declaration, ids) if load is None else load
    room = capacities(policy, ids)
    free = [person for person in people if load.get(person.pk, 0) < room[person.pk]]
    if not free:
        return None
    if policy.mode == AssignmentPolicy.Mode.ROUND_ROBIN:
        ordered = sorted(free, key=lambda person: person.pk)
        last = policy.last_assigned_id
        after = [person for person in ordered if last is not None and person.pk > last]
        return (after or ordered)[0]
    return min(free, key=lambda person: (load.get(person.pk, 0), person.pk))


def policy_for(addressee):
    pk = getattr(addressee, "pk", addressee)
    return AssignmentPolicy.objects.filter(addressee_id=pk).first()


def auto_assign(record, declaration=None):
    """Give a newly routed ``record`` to someone by its addressee's policy. Returns the
    assignee, or None (manual policy, already assigned, or everyone full: then the record
    waits in the team's queue)."""
    declaration = _declaration(record, declaration)
    if not declaration.assignable:
        return None
    addressee_id = getattr(record, f"{declaration.addressee_field}_id", None)
    policy = policy_for(addressee_id) if addressee_id else None
    if policy is None or policy.mode == AssignmentPolicy.Mode.MANUAL:
        return None
    with transaction.atomic():
        # one assignment at a time per team: loads cannot change under us
        policy = AssignmentPolicy.objects.select_for_update().get(pk=policy.pk)
        locked = _locked(record, declaration)
        if locked.assignee_id is not None:
            _sync(record, locked)
            return locked.assignee
        if not locked.__class__._default_manager.filter(
                queries.open_q(declaration), pk=locked.pk).exists():
            return None
        person = choose(policy, declaration, locked)
        if person is None:
            if locked.waiting_since is None:
                locked.waiting_since = timezone.now()
                locked.save(update_fields=["waiting_since"])
            _sync(record, locked)
            return None
        _set_assignee(declaration, locked, person, by=None, action="civicdesk.assign",
                      data={"automatic": True, "policy": policy.mode})
        policy.last_assigned = person
        policy.save(update_fields=["last_assigned", "updated_at"])
        _sync(record, locked)
        notify_assigned(declaration, locked, person)
        return person


def _assignable_declarations(declaration=None):
    if declaration is not None:
        return [declaration] if declaration.assignable else []
    return [item for _addon, item in registry.casework() if item.assignable]


def drain_queue(addressee, declaration=None) -> int:
    """Assign the addressee's oldest waiting records while someone has room. Returns how
    many were assigned."""
    pk = getattr(addressee, "pk", addressee)
    policy = policy_for(pk)
    if policy is None or policy.mode == AssignmentPolicy.Mode.MANUAL:
        return 0
    assigned = 0
    for item in _assignable_declarations(declaration):
        model = queries.model_of(item)
        waiting = (model._default_manager
                   .filter(queries.open_q(item), assignee=None,
                           waiting_since__isnull=False,
                           **{f"{item.addressee_field}_id": pk})
                   .order_by("waiting_since", "pk"))
        for record in waiting.iterator():
            if auto_assign(record, item) is None:
                break
            assigned += 1
    return assigned


def drain_all() -> int:
    """The scheduled job: every queue of an automatic policy."""
    total = 0
    for policy in AssignmentPolicy.objects.exclude(mode=AssignmentPolicy.Mode.MANUAL):
        total += drain_queue(policy.addressee_id)
    return total


def record_closed(record, declaration=None) -> int:
    """A module calls this when it closes a record: it leaves the queue, and its
    assignee's freed room goes to the oldest waiting record."""
    declaration = _declaration(record, declaration)
    if not declaration.assignable:
        return 0
    if record.waiting_since is not None:
        type(record)._default_manager.filter(pk=record.pk).update(waiting_since=None)
        record.waiting_since = None
    return drain_queue(getattr(record, f"{declaration.addressee_field}_id"), declaration)

