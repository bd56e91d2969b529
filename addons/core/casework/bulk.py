"""Bulk actions of the desk's list, on Wagtail's ``BulkAction``: take, assign, unassign and
every ``CaseAction(bulk=True)``. The selection's records the user does not work on are
skipped (and counted, never named), each of the others is done in its own transaction; the
user returns to the list with the same filters and page."""

from __future__ import annotations

from collections import Counter

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import cached_property, classproperty
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin import messages
from wagtail.admin.views.bulk_action import BulkAction

from . import assignment, queries
from .desk import (
    available,
    bump,
    call,
    can_use_desk,
    desk_enabled,
    form_class,
    scoped,
    work_site,
)
from .views import CORE_FIELDS, AssignForm, add_confirmation

#: at most this many records in one bulk action
MAX_SELECTION = 1000


def summary(done: int, skipped: list[tuple]) -> str:
    """ "3 done, 2 skipped: not yours" """
    parts = [ngettext("%(count)d done", "%(count)d done", done) % {"count": done}]
    for reason, count in Counter(reason for _record, reason in skipped).items():
        parts.append(ngettext("%(count)d skipped: %(reason)s",
                              "%(count)d skipped: %(reason)s", count)
                     % {"count": count, "reason": reason})
    return ", ".join(parts)


class CaseworkBulkAction(BulkAction):
    declaration = None
    operation = ""  # take, assign, unassign, action
    case_action = None
    template_name = "core/casework/bulk_confirm.html"

    @classproperty
    def models(cls):
        return [queries.model_of(cls.declaration)] if cls.declaration else []

    def dispatch(self, request, *args, **kwargs):
        if not desk_enabled(request, self.declaration):
            raise Http404
        if not can_use_desk(request.user, self.declaration):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def site(self):
        return work_site(self.request)

    def get_form_class(self):
        if self.operation == "assign":
            return AssignForm
        if self.operation == "action":
            return form_class(self.case_action)
        return forms.Form

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.case_action is not None and self.case_action.dangerous:
            add_confirmation(form)
        return form

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.operation == "assign":
            kwargs.update(declaration=self.declaration, user=self.request.user,
                          site=self.site)
        elif self.operation == "action":
            kwargs.update(record=None, user=self.request.user)
        return kwargs

    def selected_ids(self) -> list[int]:
        values = self.request.GET.getlist("id")
        if "all" in values:
            return list(scoped(self.declaration, self.request.user, self.site)
                        .values_list("pk", flat=True)[:MAX_SELECTION])
        ids = []
        for value in values[:MAX_SELECTION]:
            try:
                number = int(value)
            except (TypeError, ValueError):
                continue
            if 0 < number < 2**63:
                ids.append(number)
        return list(dict.fromkeys(ids))

    @cached_property
    def _selection(self):
        ids = self.selected_ids()
        objects = list(scoped(self.declaration, self.request.user, self.site)
                       .filter(pk__in=ids).order_by("pk"))
        return objects, len(ids) - len(objects)

    def get_actionable_objects(self):
        objects, outside = self._selection
        # records outside the scope are counted, never shown
        return objects, {"items_with_no_access": [], "outside_count": outside}

    def object_context(self, obj):
        from .desk import reference

        return {"item": obj, "reference": reference(self.declaration, obj)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"declaration": self.declaration, "display_name": self.display_name,
                        "dangerous": bool(self.case_action and self.case_action.dangerous)})
        return context

    def run(self, record, user, data):
        declaration = self.declaration
        if self.operation == "take":
            return assignment.take(record, user, declaration)
        if self.operation == "assign":
            return assignment.assign(record, data["assignee"], user, declaration)
        if self.operation == "unassign":
            return assignment.unassign(record, user, declaration)
        locked = type(record)._default_manager.select_for_update().get(pk=record.pk)
        if not available(self.case_action, locked, user):
            raise ValidationError(_("not available for this record now"))
        result = call(self.case_action.service, locked, user, **data)
        bump(locked)
        return result

    def form_valid(self, form):
        objects, outside = self._selection
        data = {key: value for key, value in form.cleaned_data.items()
                if key not in CORE_FIELDS}
        done, skipped = assignment.bulk(
            objects, lambda record, user: self.run(record, user, data), self.request.user,
            self.declaration)
        skipped = [(None, _("not yours"))] * outside + skipped
        text = summary(len(done), skipped)
        if done and not skipped:
            messages.success(self.request, text)
        elif done:
            messages.warning(self.request, text)
        else:
            messages.error(self.request, text)
        return redirect(self.next_url)


def bulk_actions_for(declaration) -> list[type]:
    """The bulk-action classes of one declaration (for the ``register_bulk_action`` hook)."""
    specs = []
    if declaration.assignable:
        specs += [
            ("take", None, gettext_lazy("Take"), gettext_lazy("Take the selected records"), 10),
            ("assign", None, gettext_lazy("Assign"),
             gettext_lazy("Assign the selected records"), 20),
            ("unassign", None, gettext_lazy("Unassign"),
             gettext_lazy("Unassign the selected records"), 30),
        ]
    for index, action in enumerate(item for item in declaration.actions if item.bulk):
        specs.append(("action", action, action.label, action.label, 40 + index))
    classes = []
    for operation, action, label, aria, priority in specs:
        key = action.key if action else operation
        classes.append(type(
            f"Casework{declaration.key.title()}{key.title()}BulkAction".replace("_", ""),
            (CaseworkBulkAction,),
            {
                "declaration": declaration, "operation": operation, "case_action": action,
                "display_name": label, "aria_label": aria,
                "action_type": f"casework-{key}", "action_priority": priority,
                "classes": {"serious"} if action and action.dangerous else set(),
            },
        ))
    return classes
