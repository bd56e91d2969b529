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
