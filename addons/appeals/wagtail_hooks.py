"""Admin registrations of the appeals add-on: snippets, audit log actions, permission
policy. No logic lives here."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Appeal, AppealForm, ReplyTemplate
from .permissions import AppealPermissionPolicy
from .services import LOG_ACTIONS

register_permission_policy(Appeal, AppealPermissionPolicy(Appeal))


class AppealFormViewSet(SnippetViewSet):
    model = AppealForm
    icon = "form"
    menu_label = _("Appeal forms")
    list_display = ["title", "kind", "requires_login", "site"]
    search_fields = ["title"]


class ReplyTemplateViewSet(SnippetViewSet):
    model = ReplyTemplate
    icon = "doc-full"
    menu_label = _("Reply templates")
    list_display = ["title", "site", "addressee"]
    search_fields = ["title", "text"]


register_snippet(AppealFormViewSet)
register_snippet(ReplyTemplateViewSet)


@hooks.register("register_log_actions")
def register_appeal_log_actions(actions):
    for action, label in LOG_ACTIONS.items():
        actions.register_action(action, label, label)


# --- staff side: the appeals desk, its menu, the periodic report's log action ---


@hooks.register("register_admin_urls")
def register_appeals_desk_urls():
    from .admin_views import admin_urls

    return admin_urls()


@hooks.register("register_admin_menu_item")
def register_appeals_desk_menu():
    from .admin_views import appeals_menu_item

    return appeals_menu_item()
