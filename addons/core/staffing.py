"""Who is at work, and who stands in for whom.

The rule of who handles an addressee's records lives here too (``handlers_for``); absences
and delegates are what it and automatic assignment lean on.
"""

from __future__ import annotations

import datetime

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
