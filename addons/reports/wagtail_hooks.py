"""Admin registrations of the problem-reports add-on. No logic lives here."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .setup_views import ReportsSetupGroup

# --- staff side beside the casework desk: map, hot spots, Open311 API keys, audit log actions


@hooks.register("register_admin_urls")
def register_reports_desk_urls():
    from .admin_views import admin_urls

    return admin_urls()


@hooks.register("register_admin_menu_item")
def register_reports_desk_menu():
    from .admin_views import reports_menu_item

    return reports_menu_item()


@hooks.register("register_log_actions")
def register_reports_desk_log_actions(actions):
    from .admin_views import register_log_actions

    register_log_actions(actions)


@hooks.register("register_admin_viewset")
def register_open311_key_viewset():
    from .admin_views import open311_key_viewset

    return open311_key_viewset


register_snippet(ReportsSetupGroup)
