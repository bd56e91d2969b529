"""The list's filters: the declaration's ``list_filter`` plus the standard ``work`` and
``assignee`` filters. Every choice comes from the records the user works on on the site
being worked on: no other town's addressees or categories, each once."""

from __future__ import annotations

import django_filters
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from . import queries
from .desk import candidate_assignees, person_name

WORK_LABELS = {
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "due_soon": _("Due within 48 hours"),
    "overdue": _("Overdue"),
    "escalated": _("Escalated"),
}
ME, NOBODY = "me", "nobody"


_person = person_name


def _field_filter(model, name, records):
    field = model._meta.get_field(name)
    label = field.verbose_name
    if field.is_relation and field.many_to_one:
        related = field.related_model
        present = records.order_by().values(field.attname).distinct()
        return django_filters.ModelChoiceFilter(
            field_name=name, label=label,
            queryset=related._default_manager.filter(pk__in=present),
        )
    if field.choices:
        return django_filters.ChoiceFilter(field_name=name, label=label,
                                           choices=field.flatchoices)
    if isinstance(field, models.BooleanField):
        return django_filters.BooleanFilter(field_name=name, label=label)
    if isinstance(field, (models.DateField, models.DateTimeField)):
        from wagtail.admin.filters import DateRangePickerWidget

        return django_filters.DateFromToRangeFilter(field_name=name, label=label,
                                                     widget=DateRangePickerWidget)
    values = (records.order_by(name).exclude(**{f"{name}__isnull": True})
              .values_list(name, flat=True).distinct())
    return django_filters.ChoiceFilter(field_name=name, label=label,
                                       choices=[(value, value) for value in values])


def build_filterset(declaration, user, site):
    """A FilterSet class for ``user`` working on ``site``."""
    model = queries.model_of(declaration)
    records = queries.scope(declaration, user, site)
    attrs = {}
    for name in declaration.list_filter:
        attrs[name] = _field_filter(model, name, records)

    work_choices = [(key, WORK_LABELS[key]) for key in queries.WORK_FILTERS
                    if queries.work_q(declaration, key, user) is not None]
    if work_choices:
        def filter_work(queryset, name, value):
            condition = queries.work_q(declaration, value, user)
            return queryset if condition is None else queryset.filter(condition)

        attrs["work"] = django_filters.ChoiceFilter(
            label=_("Work"), choices=work_choices, method=filter_work)

    if declaration.assignable:
        choices = [(ME, _("Me")), (NOBODY, _("Nobody"))] + [
            (str(person.pk), _person(person))
            for person in candidate_assignees(declaration, user, site)
            if person.pk != user.pk
        ]

        def filter_assignee(queryset, name, value):
            if value == ME:
                return queryset.filter(assignee_id=user.pk)
            if value == NOBODY:
                return queryset.filter(Q(assignee=None))
            return queryset.filter(assignee_id=int(value))

        attrs["assignee"] = django_filters.ChoiceFilter(
            label=_("Assignee"), choices=choices, method=filter_assignee)

    meta = type("Meta", (), {"model": model, "fields": []})
    return type(f"{model.__name__}CaseworkFilterSet", (WagtailFilterSet,),
                {"Meta": meta, **attrs})
