"""The admin screen of scheduled reports (Reports → Scheduled reports): who sees the
figures of a scope manages the reports mailed about it. A manager of the whole municipality
(``access.may_view(user, site)``) schedules reports of the site or of any addressee; the
handlers of a department those of its subtree. Schedules of another town, or of a scope the
user may not see, are neither listed nor opened (404)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import Site
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from addons.core.casework.desk import work_site
from addons.core.permissions import moderated_addressee_ids

from .models import ReportSchedule
from .scheduled import clean_recipients


def _may_view(user, site, addressee=None) -> bool:
    from .access import may_view

    return bool(site is not None and may_view(user, site, addressee))


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def may_schedule(user) -> bool:
    """Whether ``user`` sees figures somewhere (a whole town or a department): the screen
    is in their menu."""
    if not _active(user):
        return False
    if user.is_superuser or user.has_perm("insights.view_figures"):
        return True
    if moderated_addressee_ids(user):
        return True
    return any(_may_view(user, site) for site in Site.objects.all())


def visible_schedules(user, site=None):
    """The schedules ``user`` may manage (of ``site`` when given)."""
    schedules = ReportSchedule.objects.select_related("site", "addressee")
    if site is not None:
        schedules = schedules.filter(site=site)
    if not _active(user):
        return schedules.none()
    allowed = [schedule.pk for schedule in schedules
               if _may_view(user, schedule.site, schedule.addressee)]
    return ReportSchedule.objects.filter(pk__in=allowed)


def addressees_for(user, site):
    """The addressee pages of ``site`` whose figures ``user`` may see: every one for a
    manager of the town, else the subtrees of those they handle."""
    from addons.addressees.models import AddresseePage

    pages = AddresseePage.objects.filter(path__startswith=site.root_page.path).order_by("path")
    if _may_view(user, site):
        return pages
    paths = list(AddresseePage.objects.filter(pk__in=moderated_addressee_ids(user),
                                              path__startswith=site.root_page.path)
                 .values_list("path", flat=True))
    if not paths:
        return pages.none()
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    return pages.filter(query)


class ReportScheduleForm(WagtailAdminModelForm):
    """A schedule of the site being worked on: its scope must be one the user sees; every
    recipient must be an e-mail address."""

    def __init__(self, *args, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site if site is not None else getattr(self.instance, "site", None)
        user = self.for_user
        if "addressee" in self.fields and self.site is not None:
            field = forms.ModelChoiceField(
                queryset=addressees_for(user, self.site), required=False,
                label=_("addressee"), empty_label=_("The whole municipality"),
                help_text=_("Empty: the whole municipality."))
            self.fields["addressee"] = field
        if "language" in self.fields:
            from django.conf import settings

            self.fields["language"] = forms.ChoiceField(
                label=_("language"), required=False,
                choices=[("", _("The site's default language")), *settings.LANGUAGES])
        if "recipients" in self.fields:
            self.fields["recipients"].widget = forms.Textarea(attrs={"rows": 4})

    class Meta:
        model = ReportSchedule
        fields = ["title", "addressee", "frequency", "recipients", "pdf", "xlsx", "language",
                  "active"]

    def clean_recipients(self):
        return "\n".join(clean_recipients(self.cleaned_data.get("recipients", "")))

    def clean(self):
        data = super().clean()
        if self.site is None:
            raise forms.ValidationError(_("Choose the site to work on first."))
        addressee = data.get("addressee")
        if addressee is None and "addressee" not in self.errors and not _may_view(
                self.for_user, self.site):
            self.add_error("addressee", _("Choose an addressee whose figures you may see: "
                                          "the whole municipality's are for its management."))
        if addressee is not None and not _may_view(self.for_user, self.site, addressee):
            self.add_error("addressee", _("You may not see the figures of this addressee."))
        return data

    def save(self, commit=True):
        instance = super().save(commit=False)
        if instance.site_id is None:
            instance.site = self.site
        if instance.created_by_id is None and _active(self.for_user):
            instance.created_by = self.for_user
        if commit:
            instance.save()
        return instance


class SchedulePolicy(BasePermissionPolicy):
    """Those who see figures manage the schedules of what they see."""

    def __init__(self):
        super().__init__(ReportSchedule)

    def user_has_permission(self, user, action):
        return may_schedule(user)

    def user_has_any_permission(self, user, actions):
        return may_schedule(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return _may_view(user, instance.site, instance.addressee)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_permission_for_instance(user, None, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        return visible_schedules(user)

    def users_with_any_permission(self, actions):
        return get_user_model().objects.filter(is_active=True, is_superuser=True)


register_permission_policy(ReportSchedule, SchedulePolicy())


class _SiteMixin:
    def scoped(self):
        return visible_schedules(self.request.user, work_site(self.request))

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["site"] = work_site(self.request)
        return kwargs


class IndexView(_SiteMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.scoped().select_related("addressee")


class _ObjectMixin(_SiteMixin):
    def get_object(self, queryset=None):
        try:
            return self.scoped().get(pk=self.kwargs[self.pk_url_kwarg])
        except (ReportSchedule.DoesNotExist, ValueError, TypeError):
            raise Http404 from None


class CreateView(_SiteMixin, generic.CreateView):
    pass


class EditView(_ObjectMixin, generic.EditView):
    pass


class DeleteView(_ObjectMixin, generic.DeleteView):
    pass


class ReportScheduleViewSet(ModelViewSet):
    """Reports mailed every week or month: PDF and XLSX of the period just ended."""

    model = ReportSchedule
    name = "insights_schedules"
    url_prefix = "insights/schedules"
    icon = "mail"
    menu_label = _("Scheduled reports")
    menu_order = 870
    add_to_admin_menu = False  # opened from the dashboard, beside the targets
    form_fields = ["title", "addressee", "frequency", "recipients", "pdf", "xlsx", "language",
                   "active"]
    list_display = ["title", "addressee", "frequency", "active"]
    ordering = ["title"]
    index_view_class = IndexView
    add_view_class = CreateView
    edit_view_class = EditView
    delete_view_class = DeleteView
    inspect_view_enabled = False
    copy_view_enabled = False
    add_to_reference_index = False

    def get_form_class(self, for_update=False):
        return ReportScheduleForm
