"""The records a member of staff works on, and the standard "work" filters.

The desk's lists, the staff home's figures and ``/api/v1/workspace/summary/`` all count
with these functions, so a figure always equals the length of the list it links to.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..addon import _call
from ..permissions import moderated_addressee_ids
from ..staffing import handled_addressee_ids

#: the standard work filters: ``?work=<key>`` on every desk list
WORK_FILTERS = ("mine", "unassigned", "due_soon", "overdue", "escalated")
DUE_SOON = datetime.timedelta(hours=48)


def model_of(declaration):
    return apps.get_model(declaration.model)


def sees_everything(user, declaration) -> bool:
    """Superusers and holders of the model-wide view or change permission (a city-wide
    coordinators group) work on every record of the site."""
    model = model_of(declaration)
    meta = model._meta
    return bool(user.is_superuser or user.has_perm(f"{meta.app_label}.view_{meta.model_name}")
                or user.has_perm(f"{meta.app_label}.change_{meta.model_name}"))


def on_site(queryset: QuerySet, declaration, site) -> QuerySet:
    if site is None:
        return queryset
    if declaration.site_field:
        return queryset.filter(**{f"{declaration.site_field}_id": site.pk})
    return queryset.filter(**{
        f"{declaration.addressee_field}__path__startswith": site.root_page.path
    })


def scope(declaration, user, site) -> QuerySet:
    """The records of ``site`` that ``user`` may work on."""
    model = model_of(declaration)
    if user is None or not user.is_authenticated or not user.is_active:
        return model._default_manager.none()
    if declaration.scope:
        return _call(declaration.scope, user, site)
    queryset = on_site(model._default_manager.all(), declaration, site)
    if sees_everything(user, declaration):
        return queryset
    return queryset.filter(**{
        f"{declaration.addressee_field}_id__in": work_addressee_ids(user, site)
    })


def work_addressee_ids(user, site) -> set[int]:
    """The addressees whose records ``user`` works on: those they moderate (also while
    away: nothing is lost on return) and, on ``site``, those whose records reach them by
    the staffing rule (inherited from above, the reception office, the administrators)."""
    return moderated_addressee_ids(user) | handled_addressee_ids(user, site)


def open_q(declaration) -> Q:
    return _call(declaration.open) if declaration.open else Q()


def _due_is_date(declaration) -> bool:
    field = model_of(declaration)._meta.get_field(declaration.due_field)
    return not isinstance(field, models.DateTimeField)


def work_q(declaration, key: str, user, now=None) -> Q | None:
    """The condition of one standard work filter (None: it does not apply to this kind of
    record, e.g. "overdue" for records without a term)."""
    now = now or timezone.now()
    if key == "mine":
        return Q(assignee_id=user.pk) & open_q(declaration) if declaration.assignable else None
    if key == "unassigned":
        return Q(assignee=None) & open_q(declaration) if declaration.assignable else None
    if key in ("due_soon", "overdue"):
        if not declaration.due_field:
            return None
        field = declaration.due_field
        if _due_is_date(declaration):
            today = timezone.localdate(now)
            soon = timezone.localdate(now + DUE_SOON)
            if key == "overdue":
                return Q(**{f"{field}__lt": today}) & open_q(declaration)
            return Q(**{f"{field}__gte": today, f"{field}__lte": soon}) & open_q(declaration)
        if key == "overdue":
            return Q(**{f"{field}__lt": now}) & open_q(declaration)
        return Q(**{f"{field}__gte": now, f"{field}__lte": now + DUE_SOON}) & open_q(declaration)
    if key == "escalated":
        return (_call(declaration.escalated) & open_q(declaration)) if declaration.escalated \
            else None
    raise ValueError(key)


def work_queryset(declaration, user, site, key: str, now=None) -> QuerySet | None:
    condition = work_q(declaration, key, user, now)
    if condition is None:
        return None
    return scope(declaration, user, site).filter(condition)
