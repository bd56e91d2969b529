from django.http import Http404
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
