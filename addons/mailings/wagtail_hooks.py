"""Admin registrations of mass mailing: the snippets and the campaign screens. No logic
lives here (see admin_views and services)."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .admin_views import MailingsViewSetGroup, admin_urls

register_snippet(MailingsViewSetGroup)


@hooks.register("register_admin_urls")
def register_mailings_admin_urls():
    return admin_urls()


@hooks.register("register_log_actions")
def register_mailings_log_actions(actions):
    from .services import LOG_ACTIONS

    for action, label in LOG_ACTIONS.items():
        actions.register_action(action, label, label)
