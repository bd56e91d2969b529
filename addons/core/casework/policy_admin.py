"""Admin screens of assignment: policies, personal capacities and skills (Settings →
Assignment). Whoever holds the model permissions (a team lead, an administrator) sees and
edits the rows of the addressees they work on, on the site being worked on; another
town's or another team's rows answer 404 and are never offered in a form."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from .. import registry
from ..permissions import ADDRESSEE_MODEL, moderated_addressee_ids, moderators_of
from .desk import person_name, work_site
from .models import AssignmentPolicy, StaffCapacity, StaffSkill


def addressees_for(request):
    """The addressees of the site being worked on that the user manages assignment of."""
    user = request.user
    site = work_site(request)
    pages = apps.get_model(ADDRESSEE_MODEL).objects.order_by("path")
    if site is not None:
        pages = pages.filter(path__startswith=site.root_page.path)
    if not user.is_superuser:
        pages = pages.filter(pk__in=moderated_addressee_ids(user))
    return pages


def staff_for(request):
    ids = set()
    for pk in addressees_for(request).values_list("pk", flat=True):
        ids.update(moderators_of(pk).values_list("pk", flat=True))
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk")


class ScopedMixin:
    def scoped(self):
        return self.model._default_manager.filter(
            addressee__in=addressees_for(self.request)).select_related("addressee")


class IndexView(ScopedMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.scoped()


class ObjectMixin(ScopedMixin):
    def get_object(self, queryset=None):
        try:
            return self.scoped().get(pk=self.kwargs[self.pk_url_kwarg])
        except (self.model.DoesNotExist, ValueError):
            raise Http404 from None


class FormMixin:
    def get_form(self, *args, **kwargs):
        form = super().get_form(*args, **kwargs)
        if "addressee" in form.fields:
            form.fields["addressee"] = forms.ModelChoiceField(
                queryset=addressees_for(self.request), label=_("addressee"))
        if "user" in form.fields:
            field = forms.ModelChoiceField(queryset=staff_for(self.request),
                                           label=_("staff member"))
            field.label_from_instance = person_name
            form.fields["user"] = field
        if "casework" in form.fields:
            form.fields["casework"] = forms.ChoiceField(
                label=_("kind of record"),
                choices=[(item.key, item.title) for _addon, item in registry.casework()
                         if item.assignable])
        return form


class CreateView(FormMixin, generic.CreateView):
    pass


class EditView(FormMixin, ObjectMixin, generic.EditView):
    pass


class DeleteView(ObjectMixin, generic.DeleteView):
    pass


class ScopedViewSet(ModelViewSet):
    index_view_class = IndexView
    add_view_class = CreateView
    edit_view_class = EditView
    delete_view_class = DeleteView
    inspect_view_enabled = False
    copy_view_enabled = False
    add_to_reference_index = False
    icon = "tasks"


class AssignmentPolicyViewSet(ScopedViewSet):
    model = AssignmentPolicy
    name = "assignment_policies"
    menu_label = _("Assignment policies")
    form_fields = ["addressee", "mode", "capacity"]
    list_display = ["addressee", "mode", "capacity"]


class StaffCapacityViewSet(ScopedViewSet):
    model = StaffCapacity
    name = "staff_capacities"
    menu_label = _("Personal capacities")
    form_fields = ["user", "addressee", "capacity"]
    list_display = ["user", "addressee", "capacity"]


class StaffSkillViewSet(ScopedViewSet):
    model = StaffSkill
    name = "staff_skills"
    menu_label = _("Skills")
    form_fields = ["user", "addressee", "casework", "categories", "districts"]
    list_display = ["user", "addressee", "casework"]


class AssignmentViewSetGroup(ModelViewSetGroup):
    menu_label = _("Assignment")
    menu_icon = "tasks"
    menu_order = 260
    items = (AssignmentPolicyViewSet, StaffCapacityViewSet, StaffSkillViewSet)
