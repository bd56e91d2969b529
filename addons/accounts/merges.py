"""Merging two persons of a town, audited and undoable for 30 days.

``preview(a, b)`` shows each field's two values, both persons' identities and the
conflicts; ``merge(survivor, merged, chosen, by)`` moves the merged person's identities to
the survivor, takes the chosen values, marks ``merged.merged_into`` and writes a
``PersonMerge`` with what was before; ``undo(merge, by)`` puts everything back.

Two persons holding *different verified* phones or e-mails may be two people: such a merge
is refused unless the member of staff confirms the conflict on the preview screen
(``confirm_conflict=True``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Identity, IdentityKind, Person, PersonMerge

#: the fields staff choose between, in the order the preview shows them
FIELDS = ("full_name", "postal_address", "language", "note")
#: kinds whose different verified values on both persons make a conflict
CONFLICT_KINDS = (IdentityKind.PHONE, IdentityKind.EMAIL)
SURVIVOR = "survivor"
MERGED = "merged"


class MergeRefused(ValidationError):
    """A merge or an undo that cannot be done; the message says why."""


def undo_days() -> int:
    return int(getattr(settings, "CIVICDESK_PERSONS_MERGE_UNDO_DAYS", 30))


@dataclass
class FieldChoice:
    name: str
    label: object
    a: str
    b: str
    shown_a: str = ""  # the value in words (a language's name, not its code)
    shown_b: str = ""

    @property
    def differs(self) -> bool:
        return self.a != self.b


@dataclass
class Conflict:
    kind: str
    label: object
    a: list = field(default_factory=list)
    b: list = field(default_factory=list)


@dataclass
class Preview:
    a: Person
    b: Person
    fields: list
    identities_a: list
    identities_b: list
    conflicts: list


def _verified(identities, kind):
    return sorted(i.raw or i.value for i in identities if i.kind == kind and i.verified)


def conflicts_of(identities_a, identities_b) -> list[Conflict]:
    found = []
    for kind in CONFLICT_KINDS:
        a, b = _verified(identities_a, kind), _verified(identities_b, kind)
        if a and b:
            found.append(Conflict(kind=kind, label=IdentityKind(kind).label, a=a, b=b))
    return found


def _in_words(name: str, value: str) -> str:
    if name == "language" and value:
        return str(dict(settings.LANGUAGES).get(value, value))
    return value


def described(identities: list) -> list:
    """The identities with ``shown``: what staff read (a cabinet account by its holder's
    name and e-mail, not its number), one query for all accounts."""
    from django.contrib.auth import get_user_model

    ids = [int(i.value) for i in identities if i.kind == IdentityKind.ACCOUNT
           and i.value.isdigit()]
    users = get_user_model().objects.in_bulk(ids) if ids else {}
    for identity in identities:
        user = users.get(int(identity.value)) if identity.value.isdigit() else None
        if identity.kind == IdentityKind.ACCOUNT and user is not None:
            identity.shown = f"{identity.get_kind_display()}: {user} ({user.email})" \
                if user.email else f"{identity.get_kind_display()}: {user}"
        else:
            identity.shown = str(identity)
    return identities


def preview(a: Person, b: Person) -> Preview:
    identities_a = described(list(a.identities.order_by("kind", "value")))
    identities_b = described(list(b.identities.order_by("kind", "value")))
    fields = []
    for name in FIELDS:
        value_a, value_b = getattr(a, name) or "", getattr(b, name) or ""
        fields.append(FieldChoice(name, Person._meta.get_field(name).verbose_name, value_a,
                                  value_b, _in_words(name, value_a), _in_words(name, value_b)))
    return Preview(a=a, b=b, fields=fields, identities_a=identities_a,
                   identities_b=identities_b,
                   conflicts=conflicts_of(identities_a, identities_b))


def _check_pair(survivor, merged):
    if survivor.pk == merged.pk:
        raise MergeRefused(_("A person cannot be merged with themselves."), code="same")
    if survivor.site_id != merged.site_id:
        raise MergeRefused(_("Persons of different towns cannot be merged."), code="site")
    if survivor.merged_into_id or merged.merged_into_id:
        raise MergeRefused(_("One of these persons was already merged into another."),
                           code="merged")


def merge(survivor: Person, merged: Person, chosen: dict | None = None, by=None, *,
          confirm_conflict: bool = False) -> PersonMerge:
    """Merge ``merged`` into ``survivor``. ``chosen`` maps a field of ``FIELDS`` to
    "survivor" or "merged" (whose value to keep; an empty survivor value takes the other's
    by default). Both persons are locked for the time of it: of two merges of the same
    person at once, the second is refused."""
    chosen = dict(chosen or {})
    with transaction.atomic():
        locked = {p.pk: p for p in Person.objects.select_for_update()
                  .filter(pk__in=[survivor.pk, merged.pk]).order_by("pk")}
        if len(locked) != 2:
            raise MergeRefused(_("One of these persons no longer exists."), code="gone")
        survivor, merged = locked[survivor.pk], locked[merged.pk]
        _check_pair(survivor, merged)
        identities_s = list(Identity.objects.select_for_update().filter(person=survivor))
        identities_m = list(Identity.objects.select_for_update().filter(person=merged))
        conflicts = conflicts_of(identities_s, identities_m)
        if conflicts and not confirm_conflict:
            raise MergeRefused(
                _("These persons have different confirmed identities (%(kinds)s): they may "
                  "be two people. Confirm the conflict on the preview to merge them anyway.")
                % {"kinds": ", ".join(str(c.label) for c in conflicts)},
                code="conflict")
        before = {name: getattr(survivor, name) for name in FIELDS}
        applied = {}
        for name in FIELDS:
            side = chosen.get(name)
            if side not in (SURVIVOR, MERGED):
                side = MERGED if not getattr(survivor, name) else SURVIVOR
            applied[name] = side
            if side == MERGED:
                setattr(survivor, name, getattr(merged, name))
        survivor.save()

        own = {(i.kind, i.value): i for i in identities_s}
        moved = []
        for identity in identities_m:
            twin = own.get((identity.kind, identity.value))
            if twin is None:
                identity.person = survivor
                identity.save(update_fields=["person"])
                moved.append({"id": identity.pk})
            elif identity.verified and not twin.verified:
                # the survivor's copy takes the verification the merged person's had
                entry = {"id": identity.pk, "verification_to": twin.pk,
                         "verified_at": identity.verified_at.isoformat(),
                         "verified_how": identity.verified_how,
                         "verified_by": identity.verified_by_id,
                         "note": identity.verification_note}
                _move_verification(identity, twin)
                moved.append(entry)
        merged.merged_into = survivor
        merged.save(update_fields=["merged_into", "updated_at"])
        return PersonMerge.objects.create(survivor=survivor, merged=merged, chosen=applied,
                                          before=before, moved_identities=moved,
                                          merged_by=by)


def _move_verification(source, target, *, at=None, how=None, by_id=None, note=None):
    at, how = at or source.verified_at, how or source.verified_how
    by_id = source.verified_by_id if by_id is None else by_id
    note = source.verification_note if note is None else note
    Identity.objects.filter(pk=source.pk).update(verified_at=None, verified_how="",
                                                 verified_by=None, verification_note="")
    Identity.objects.filter(pk=target.pk).update(verified_at=at, verified_how=how,
                                                 verified_by_id=by_id, verification_note=note)


def undo_refusal(person_merge: PersonMerge, now=None) -> str:
    """Why ``person_merge`` cannot be undone now ("" when it can)."""
    now = now or timezone.now()
    if person_merge.undone_at is not None:
        return _("This merge was already undone.")
    if now - person_merge.merged_at > timedelta(days=undo_days()):
        return _("A merge can be undone for %(days)s days only; this one was made on "
                 "%(date)s.") % {"days": undo_days(),
                                 "date": person_merge.merged_at.date().isoformat()}
    return ""


def undo(person_merge: PersonMerge, by=None) -> PersonMerge:
    """Undo ``person_merge``: the survivor's fields as they were, the moved identities and
    verifications back. Refused after ``CIVICDESK_PERSONS_MERGE_UNDO_DAYS`` days (30), or
    when the survivor was merged again since (undo that first)."""
    with transaction.atomic():
        person_merge = PersonMerge.objects.select_for_update().get(pk=person_merge.pk)
        reason = undo_refusal(person_merge)
        if reason:
            raise MergeRefused(reason, code="late")
        locked = {p.pk: p for p in Person.objects.select_for_update()
                  .filter(pk__in=[person_merge.survivor_id, person_merge.merged_id])
                  .order_by("pk")}
        survivor, merged = locked[person_merge.survivor_id], locked[person_merge.merged_id]
        if survivor.merged_into_id:
            raise MergeRefused(_("The surviving person was merged again since: undo that "
                                 "merge first."), code="chained")
        for name, value in person_merge.before.items():
            if name in FIELDS:
                setattr(survivor, name, value)
        survivor.save()
        for entry in person_merge.moved_identities:
            if "verification_to" in entry:
                source = Identity.objects.filter(pk=entry["verification_to"]).first()
                target = Identity.objects.filter(pk=entry["id"]).first()
                if source is not None and target is not None:
                    _move_verification(source, target, at=entry["verified_at"],
                                       how=entry["verified_how"],
                                       by_id=entry["verified_by"], note=entry["note"])
            else:
                Identity.objects.filter(pk=entry["id"], person=survivor).update(
                    person=merged)
        merged.merged_into = None
        merged.save(update_fields=["merged_into", "updated_at"])
        person_merge.undone_at = timezone.now()
        person_merge.undone_by = by
        person_merge.save(update_fields=["undone_at", "undone_by"])
        return person_merge

