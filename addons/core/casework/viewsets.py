"""One Wagtail ``ModelViewSet`` per ``Casework`` declaration (``casework/<key>/``, URL
namespace ``casework_<key>``) and the "Work" admin submenu listing every kind of record the
user works on."""

from __future__ import annotations

from django.urls import path, reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet

from .. import registry
from . import queries
from .desk import can_use_desk, desk_enabled
from .views import ActionView, AssignmentView, CaseworkPermissionPolicy, DetailView, IndexView


class CaseworkViewSet(ModelViewSet):
    """The desk of one kind of record: list, record page, actions, assignment. Nothing is
    added, edited or deleted here: every change goes through the add-on's services."""

    index_view_class = IndexView
    inspect_view_class = DetailView
    action_view_class = ActionView
    assignment_view_class = AssignmentView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_admin_menu = False
    add_to_reference_index = False
    sort_order_field = None

    def __init__(self, declaration):
        self.declaration = declaration
        self.model = queries.model_of(declaration)
        super().__init__(
            name=f"casework_{declaration.key}",
            url_prefix=f"casework/{declaration.key}",
            url_namespace=f"casework_{declaration.key}",
            icon=declaration.icon,
        )

    @cached_property
    def permission_policy(self):
        return CaseworkPermissionPolicy(self.declaration)

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            declaration=self.declaration, url_namespace=self.url_namespace,
            permission_policy=self.permission_policy, add_url_name=None,
            edit_url_name=None, delete_url_name=None, history_url_name=None,
            usage_url_name=None, **kwargs)

    def get_index_view_kwargs(self, **kwargs):
        return {
            "template_name": IndexView.template_name,
            "results_template_name": IndexView.results_template_name,
            "search_fields": list(self.declaration.search_fields) or None,
            "search_backend_name": None,
            "export_filename": self.declaration.key,
            **kwargs,
        }

    def get_inspect_view_kwargs(self, **kwargs):
        return {"template_name": DetailView.template_name, **kwargs}

    @cached_property
    def action_view(self):
        return self.construct_view(self.action_view_class)

    @cached_property
    def assignment_view(self):
        return self.construct_view(self.assignment_view_class)

    def get_urlpatterns(self):
        urlpatterns = [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/action/<slug:action>/", self.action_view, name="action"),
        ]
        if self.declaration.assignable:
            urlpatterns.append(path("<int:pk>/assignment/<slug:operation>/",
                                    self.assignment_view, name="assignment"))
        return urlpatterns

    def on_register(self):
        # no admin URL finder, permissions or policy of the model: the add-on owns those
        ViewSet.on_register(self)


class CaseworkMenuItem(MenuItem):
    """One kind of record in the "Work" submenu, for the people who work on it on a site
    where its add-on is on."""

    def __init__(self, declaration, order):
        self.declaration = declaration
        super().__init__(declaration.title, reverse_lazy(f"casework_{declaration.key}:index"),
                         name=f"casework-{declaration.key}", icon_name=declaration.icon,
                         order=order)

    def is_shown(self, request):
        return can_use_desk(request.user, self.declaration) and desk_enabled(
            request, self.declaration)


def viewsets() -> list[CaseworkViewSet]:
    return [CaseworkViewSet(declaration) for _addon, declaration in registry.casework()]


def menu_item(order: int = 250) -> SubmenuMenuItem:
    """The "Work" submenu; hidden when the user has no kind of record in scope."""
    items = [CaseworkMenuItem(declaration, (index + 1) * 100)
             for index, (_addon, declaration) in enumerate(registry.casework())]
    return SubmenuMenuItem(_("Work"), Menu(items=items), name="casework",
                           icon_name="tasks", order=order)
