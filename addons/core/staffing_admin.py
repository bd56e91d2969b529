"""Admin screens of staffing: Settings → Staffing (who handles each addressee's records on
the site being worked on, today's absences) and Absences (dates away and delegates)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic import DeleteView, EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import Site
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from . import staffing
from .casework.models import StaffAbsence
from .forms import BoundedDateField
from .permissions import ScopedIndexViewMixin, ScopedObjectViewMixin
from .staffing import may_manage_absences, staff_users
from .validation import parse_pk

# --- the staffing overview ----------------------------------------------------------------


def may_see_staffing(user) -> bool:
    """Superusers and staff who may view or change the staffing setting."""
    return bool(user is not None and user.is_authenticated and user.is_active and (
        user.is_superuser or user.has_perm("core.view_staffingsettings")
        or user.has_perm("core.change_staffingsettings")))


def _chosen_site(request):
    pk = parse_pk(request.GET.get("site"))
    site = Site.objects.filter(pk=pk).first() if pk is not None else None
    return site or Site.find_for_request(request) or Site.objects.filter(
        is_default_site=True).first()


def overview_view(request):
    if not may_see_staffing(request.user):
        raise PermissionDenied
    site = _chosen_site(request)
    rows = staffing.overview(site) if site is not None else []
    may_change = request.user.is_superuser or request.user.has_perm(
        "core.change_staffingsettings")
    return render(request, "core/admin/staffing.html", {
        "site": site,
        "sites": Site.objects.order_by("hostname", "port"),
        "rows": rows,
        "unhandled": sum(1 for row in rows if row.handling.source == staffing.NOBODY),
        "absences": staffing.absences_today(site) if site is not None else [],
        "settings_url": reverse("wagtailsettings:edit", args=[
            "core", "staffingsettings", site.pk]) if site is not None and may_change else "",
    })


def admin_urls():
    return [path("staffing/", overview_view, name="core_staffing")]


class StaffingMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_staffing(request.user)


def staffing_menu_item():
    return StaffingMenuItem(_("Staffing"), reverse("core_staffing"), name="staffing",
                            icon_name="group", order=450)


# --- absences -----------------------------------------------------------------------------


class StaffAbsenceForm(WagtailAdminModelForm):
    """Dates away and a delegate. A member of staff records their own absences; those who
    manage absences (``core.change_staffabsence``, superusers) record anyone's."""

    starts = BoundedDateField(label=_("away from"))
    ends = BoundedDateField(label=_("back after"),
                            help_text=_("The last day away (the person is back the next day)."))

    class Meta:
        model = StaffAbsence
        fields = ["user", "starts", "ends", "delegate", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = staff_users()
        self.fields["delegate"].queryset = staff
        user = self.for_user
        if may_manage_absences(user):
            self.fields["user"].queryset = staff
        else:
            self.fields.pop("user", None)
            if user is not None and self.instance.user_id is None:
                self.instance.user = user


class AbsencePermissionPolicy(BasePermissionPolicy):
    """Every member of staff (admin access) records their own absences; superusers and
    holders of ``core.change_staffabsence`` anyone's."""

    def __init__(self):
        super().__init__(StaffAbsence)

    @staticmethod
    def _staff(user) -> bool:
        return bool(user is not None and user.is_authenticated and user.is_active and (
            user.is_superuser or user.has_perm("wagtailadmin.access_admin")))

    def user_has_permission(self, user, action):
        return self._staff(user)

    def user_has_any_permission(self, user, actions):
        return self._staff(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self._staff(user):
            return False
        return staffing.may_manage_absences(user) or instance.user_id == user.pk

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_permission_for_instance(user, None, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        queryset = StaffAbsence.objects.all()
        if not self._staff(user):
            return queryset.none()
        if staffing.may_manage_absences(user):
            return queryset
        return queryset.filter(user=user)

    def users_with_any_permission(self, actions):
        return get_user_model().objects.filter(
            Q(is_superuser=True) | Q(is_staff=True), is_active=True)


class _ScopedIndex(ScopedIndexViewMixin, IndexView):
    scoped_actions = ("change",)


class _ScopedEdit(ScopedObjectViewMixin, EditView):
    object_actions = ("change",)


class _ScopedDelete(ScopedObjectViewMixin, DeleteView):
    object_actions = ("delete",)


register_permission_policy(StaffAbsence, AbsencePermissionPolicy())


class AbsenceViewSet(ModelViewSet):
    """Dates away and delegates: each member of staff sees and records their own."""

    model = StaffAbsence
    icon = "date"
    name = "absences"
    url_prefix = "absences"
    menu_label = _("Absences")
    menu_order = 850
    add_to_admin_menu = True
    form_fields = ["user", "starts", "ends", "delegate", "note"]
    list_display = ["user", "starts", "ends", "delegate", "note"]
    ordering = ["-starts"]
    index_view_class = _ScopedIndex
    edit_view_class = _ScopedEdit
    delete_view_class = _ScopedDelete
    inspect_view_enabled = False
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return StaffAbsenceForm
