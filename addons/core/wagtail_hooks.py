from django.http import Http404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from . import registry
from .activation import is_enabled
from .admin_views import NotificationViewSet
from .models import Notification


@hooks.register("before_serve_page")
def hide_pages_of_disabled_addons(page, request, serve_args, serve_kwargs):
    addon = registry.addon_for_model(page.specific_class)
    if addon is not None and not is_enabled(addon.label, request=request):
        raise Http404("This service is not available on this site.")


register_permission_policy(Notification, NotificationViewSet.permission_policy, exact_class=True)


@hooks.register("register_admin_viewset")
def register_notification_outbox():
    return NotificationViewSet()


@hooks.register("register_admin_urls")
def register_staffing_urls():
    from .staffing_admin import admin_urls

    return admin_urls()


@hooks.register("register_settings_menu_item")
def register_staffing_menu_item():
    from .staffing_admin import staffing_menu_item

    return staffing_menu_item()


@hooks.register("register_admin_viewset")
def register_absences():
    from .staffing_admin import AbsenceViewSet

    return AbsenceViewSet()


@hooks.register("register_admin_urls")
def register_casework_notes_urls():
    from .casework.notes import attachment_view, notes_view

    return [
        path("casework/notes/<int:ct_id>/<str:object_id>/", notes_view, name="casework_notes"),
        path("casework/notes/file/<int:pk>/", attachment_view,
             name="casework_note_attachment"),
    ]


@hooks.register("register_log_actions")
def register_casework_note_log_actions(actions):
    actions.register_action("civicdesk.note", _("Add an internal note"),
                            _("Internal note added"))


@hooks.register("construct_homepage_panels")
def staff_home_panels(request, panels):
    from .casework.home import construct_panels

    construct_panels(request, panels)


@hooks.register("construct_homepage_summary_items", order=1000)
def staff_home_summary_items(request, items):
    from .casework.home import construct_summary_items

    construct_summary_items(request, items)


# --- the casework desk --------------------------------------------------------------------

_casework_bulk_registered = []


def _register_casework_bulk_actions():
    """Bulk actions of every declaration, registered once every add-on is ready (when the
    admin's URLs are built, before any bulk action is looked up)."""
    if _casework_bulk_registered:
        return
    from .casework.bulk import bulk_actions_for

    for _addon, declaration in registry.casework():
        for action_class in bulk_actions_for(declaration):
            hooks.register("register_bulk_action", action_class)
            _casework_bulk_registered.append(action_class)


@hooks.register("register_admin_viewset")
def register_casework_desks():
    from .casework.viewsets import viewsets

    _register_casework_bulk_actions()
    return viewsets()


@hooks.register("register_admin_menu_item")
def register_casework_menu():
    from .casework.viewsets import menu_item

    return menu_item()


@hooks.register("register_log_actions")
def register_casework_log_actions(actions):
    from .casework.assignment import register_log_actions

    register_log_actions(actions)


@hooks.register("register_admin_viewset")
def register_assignment_settings():
    from .casework.policy_admin import AssignmentViewSetGroup

    return AssignmentViewSetGroup()
