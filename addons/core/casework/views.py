"""The casework desk's screens, generated from a ``Casework`` declaration on Wagtail's
generic views: the list (filters, search, export, bulk actions), a record's page (its
fields, the add-on's sections, who works on it, the actions offered) and one screen per
action.

The records are always ``queries.scope(declaration, user, site)``: a record outside it
answers 404. An action's form carries the record's ``lock_version``: a form made on a copy
someone else has changed since is refused with who changed it and when, and what was typed
is kept.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.admin_url_finder import quote
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.permission_policies.base import BasePermissionPolicy

from ..addon import _call
from ..exports import safe
from ..permissions import moderators_of
from . import assignment, queries
from .desk import (
    StaleRecord,
    action_for,
    actions_for,
    available,
    bump,
    call,
    can_use_desk,
    candidate_assignees,
    check_lock,
    desk_enabled,
    form_class,
    has_lock,
    in_scope,
    record_or_404,
    reference,
    scoped,
    work_site,
)
from .filters import build_filterset

#: the bulk-actions type of the list's checkboxes
OBJ_TYPE = "casework"


class CaseworkPermissionPolicy(BasePermissionPolicy):
    """Staff may view and change (through actions) the records in their scope; nobody adds,
    edits or deletes a record here."""

    allowed_actions = ("view", "change")

    def __init__(self, declaration):
        super().__init__(queries.model_of(declaration))
        self.declaration = declaration

    def user_has_permission(self, user, action):
        return action in self.allowed_actions and can_use_desk(user, self.declaration)

    def user_has_permission_for_instance(self, user, action, instance):
        return action in self.allowed_actions and in_scope(self.declaration, user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        if not set(actions) & set(self.allowed_actions):
            return self.model._default_manager.none()
        return queries.scope(self.declaration, user, None)


class CaseworkMixin:
    """Shared by every desk view: the declaration, the site, the add-on switched on."""

    declaration = None
    url_namespace = ""

    def dispatch(self, request, *args, **kwargs):
        if not desk_enabled(request, self.declaration):
            raise Http404
        if not can_use_desk(request.user, self.declaration):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def site(self):
        return work_site(self.request)

    def url(self, name, *args):
        return reverse(f"{self.url_namespace}:{name}", args=args)

    def records(self):
        queryset = scoped(self.declaration, self.request.user, self.site)
        related = {self.declaration.addressee_field}
        if self.declaration.assignable:
            related.add("assignee")
        model = queries.model_of(self.declaration)
        for name in self.declaration.list_display:
            try:
                field = model._meta.get_field(name)
            except Exception:  # noqa: BLE001 - a method or property of the model
                continue
            if field.is_relation and field.many_to_one:
                related.add(name)
        return queryset.select_related(*sorted(related))


class IndexView(CaseworkMixin, generic.IndexView):
    template_name = "core/casework/index.html"
    results_template_name = "core/casework/index_results.html"
    any_permission_required = ["view"]
    paginate_by = 50
    export_headings = {}

    def get_base_queryset(self):
        return self.records()

    @cached_property
    def filterset_class(self):
        return build_filterset(self.declaration, self.request.user, self.site)

    @cached_property
    def list_display(self):
        return list(self.declaration.list_display) or ["__str__"]

    @cached_property
    def list_export(self):
        return list(self.declaration.list_export)

    @cached_property
    def columns(self):
        return [BulkActionsCheckboxColumn("bulk_actions", obj_type=OBJ_TYPE),
                *super().columns]

    def _get_title_column(self, *args, **kwargs):
        return super()._get_title_column(
            *args, **kwargs,
            get_title_id=lambda instance: f"{OBJ_TYPE}_{quote(instance.pk)}_title")

    def get_edit_url(self, instance):
        return self.url("inspect", instance.pk)

    def get_inspect_url(self, instance):
        return self.url("inspect", instance.pk)

    def get_delete_url(self, instance):
        return None

    def get_copy_url(self, instance):
        return None

    def get_list_more_buttons(self, instance):
        return []

    def get_page_title(self):
        return str(self.declaration.title)

    def preprocess_field_value(self, field, value, export_format):
        return safe(super().preprocess_field_value(field, value, export_format))

    def get_filename(self):
        return f"{self.declaration.key}-{self.site.pk if self.site else 'all'}"

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["obj_type"] = OBJ_TYPE
        context["model_opts"] = self.model._meta
        return context


class DetailView(CaseworkMixin, generic.InspectView):
    """A record's page: its fields, the add-on's sections, its assignment and its actions."""

    template_name = "core/casework/detail.html"
    any_permission_required = ["view"]
    fields_exclude = ["lock_version", "watchers", "translations"]

    def get_object(self, queryset=None):
        return record_or_404(self.declaration, self.request.user, self.site, self.pk)

    def get_page_title(self):
        return _("%(kind)s %(reference)s") % {
            "kind": self.declaration.title, "reference": reference(self.declaration,
                                                                   self.object)}

    def get_page_subtitle(self):
        return str(self.object)

    def get_edit_url(self):
        return None

    def get_delete_url(self):
        return None

    def sections(self):
        result = []
        for section in sorted(self.declaration.detail_sections,
                              key=lambda item: (item.order, item.key)):
            context = {"record": self.object, "request": self.request}
            if section.get_context:
                extra = _call(section.get_context, self.object, self.request)
                if extra is None:
                    continue
                context.update(extra)
            result.append({
                "key": section.key,
                "title": section.title,
                "html": render_to_string(section.template, context, request=self.request),
            })
        return result

    def assignment_box(self):
        if not self.declaration.assignable:
            return None
        user = self.request.user
        record = self.object
        watchers = list(record.watchers.order_by("pk"))
        return {
            "assignee": record.assignee,
            "assigned_at": record.assigned_at,
            "waiting_since": record.waiting_since,
            "watchers": watchers,
            "watching": any(person.pk == user.pk for person in watchers),
            "mine": record.assignee_id == user.pk,
            "form": AssignForm(declaration=self.declaration, user=user, site=self.site,
                               record=record, initial={"lock_version": record.lock_version}),
            "url": lambda op: self.url("assignment", record.pk, op),
            "take_url": self.url("assignment", record.pk, "take"),
            "assign_url": self.url("assignment", record.pk, "assign"),
            "unassign_url": self.url("assignment", record.pk, "unassign"),
            "watch_url": self.url("assignment", record.pk, "watch"),
            "unwatch_url": self.url("assignment", record.pk, "unwatch"),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({
            "declaration": self.declaration,
            "record": self.object,
            "sections": self.sections(),
            "assignment": self.assignment_box(),
            "actions": [
                {"action": action, "url": self.url("action", self.object.pk, action.key)}
                for action in actions_for(self.declaration, self.object, self.request.user)
            ],
            "index_url": self.url("index"),
        })
        return context


#: the fields core adds to an action's form (never passed to the service)
CORE_FIELDS = ("lock_version", "confirm")


def add_confirmation(form):
    """A dangerous action asks to confirm."""
    form.fields["confirm"] = forms.BooleanField(
        label=gettext_lazy("I understand that this cannot be undone"), required=True)


class LockedFormMixin:
    """A hidden ``lock_version`` on every form that changes a record."""

    def add_lock_field(self):
        self.fields["lock_version"] = forms.IntegerField(widget=forms.HiddenInput,
                                                         required=False)


class AssignForm(LockedFormMixin, forms.Form):
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Assign to"), queryset=get_user_model().objects.none(),
        empty_label=gettext_lazy("Choose a person"),
    )

    def __init__(self, *args, declaration, user, site, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = candidate_assignees(declaration, user, site)
        if record is not None:
            # the record's own team first: the people who may hold it
            addressee_id = getattr(record, f"{declaration.addressee_field}_id")
            people = people.filter(pk__in=moderators_of(addressee_id).values("pk")) \
                if not queries.sees_everything(user, declaration) else people
        self.fields["assignee"].queryset = people
        self.fields["assignee"].label_from_instance = assignment._name
        self.add_lock_field()


class RecordView(CaseworkMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin,
                 TemplateView):
    """Base of the views acting on one record."""

    any_permission_required = ["change"]
    permission_policy = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.pk = kwargs["pk"]

    @cached_property
    def object(self):
        return record_or_404(self.declaration, self.request.user, self.site, self.pk)

    def detail_url(self):
        return self.url("inspect", self.object.pk)

    def next_url(self):
        return get_valid_next_url_from_request(self.request) or self.detail_url()

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": self.url("index"), "label": str(self.declaration.title)},
            {"url": self.detail_url(), "label": reference(self.declaration, self.object)},
            {"url": "", "label": self.get_page_title()},
        ]


class ActionView(RecordView):
    """One ``CaseAction``: GET shows its form, POST does it."""

    template_name = "core/casework/action.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.action = action_for(self.declaration, kwargs["action"])
        if self.action is None:
            raise Http404

    def get_page_title(self):
        return str(self.action.label)

    def get_page_subtitle(self):
        return reference(self.declaration, self.object)

    def check_available(self, record):
        if not available(self.action, record, self.request.user):
            raise ValidationError(_("This action is not available for this record now."),
                                  code="unavailable")

    def make_form(self, data=None, files=None):
        form = form_class(self.action)(data, files, record=self.object, user=self.request.user,
                                       initial={"lock_version": getattr(
                                           self.object, "lock_version", 0)})
        if has_lock(queries.model_of(self.declaration)):
            form.fields["lock_version"] = forms.IntegerField(widget=forms.HiddenInput,
                                                             required=False)
        if self.action.dangerous:
            add_confirmation(form)
        return form

    def get(self, request, *args, **kwargs):
        if not available(self.action, self.object, request.user):
            messages.error(request, _("This action is not available for this record now."))
            return redirect(self.detail_url())
        return self.render_to_response(self.get_context_data(form=self.make_form()))

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST, request.FILES)
        if form.is_valid():
            data = {key: value for key, value in form.cleaned_data.items()
                    if key not in CORE_FIELDS}
            try:
                with transaction.atomic():
                    record = record_or_404(self.declaration, request.user, self.site, self.pk,
                                           for_update=True)
                    check_lock(record, request.POST.get("lock_version"))
                    self.check_available(record)
                    message = call(self.action.service, record, request.user, **data)
                    bump(record)
            except StaleRecord as error:
                form.add_error(None, error)
                form.stale = True
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, str(message) if message else _("Done."))
                return HttpResponseRedirect(self.next_url())
        return self.render_to_response(self.get_context_data(form=form), status=200)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({
            "record": self.object, "action": self.action, "declaration": self.declaration,
            "detail_url": self.detail_url(), "next": get_valid_next_url_from_request(
                self.request),
            "stale": getattr(kwargs.get("form"), "stale", False),
        })
        return context


def _add_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class AssignmentView(RecordView):
    """Take, assign, unassign, watch, unwatch (POST only); errors come back on the record's
    page, the assignment form with them."""

    template_name = "core/casework/detail.html"
    operations = ("take", "assign", "unassign", "watch", "unwatch")
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        operation = kwargs["operation"]
        if operation not in self.operations:
            raise Http404
        user = request.user
        form = None
        try:
            with transaction.atomic():
                record = record_or_404(self.declaration, user, self.site, self.pk,
                                       for_update=True)
                if operation in ("take", "assign", "unassign"):
                    check_lock(record, request.POST.get("lock_version"))
                if operation == "take":
                    message = assignment.take(record, user, self.declaration)
                elif operation == "assign":
                    form = AssignForm(request.POST, declaration=self.declaration, user=user,
                                      site=self.site)
                    if not form.is_valid():
                        raise ValidationError(
                            [error for errors in form.errors.values() for error in errors])
                    message = assignment.assign(record, form.cleaned_data["assignee"], user,
                                                self.declaration)
                elif operation == "unassign":
                    message = assignment.unassign(record, user, self.declaration)
                elif operation == "watch":
                    message = assignment.watch(record, user, self.declaration)
                else:
                    message = assignment.unwatch(record, user, self.declaration)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, message)
        return HttpResponseRedirect(self.next_url())

