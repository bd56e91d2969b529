"""Admin registrations of the electronic queue: the Queue snippet. No logic lives here."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Queue


class QueueViewSet(SnippetViewSet):
    model = Queue
    icon = "time"
    menu_label = _("Queues")
    list_display = ["title", "addressee", "capacity", "slot_minutes", "active"]
    search_fields = ["title"]


register_snippet(QueueViewSet)


# --- the specialist's desk and deputies' receptions (desk.py, receptions.py) ---


@hooks.register("register_admin_urls")
def register_queues_desk_urls():
    from .admin_views import admin_urls

    return admin_urls()


@hooks.register("register_log_actions")
def register_queues_log_actions(actions):
    from .services import LOG_ACTIONS

    for action, label in LOG_ACTIONS.items():
        actions.register_action(action, label, label)


@hooks.register("construct_main_menu")
def desk_only_menu(request, menu_items):
    """A specialist whose only role is the desk sees the desk (and the staff home) only."""
    from .staff import DESK_MENU_NAMES, is_desk_only

    if is_desk_only(request.user):
        menu_items[:] = [item for item in menu_items if item.name in DESK_MENU_NAMES]


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def prolong_receptions_after_save(request, instance):
    """A queue saved with a reception rule gets its dates up to the horizon at once."""
    if isinstance(instance, Queue):
        from .receptions import prolong

        prolong(instance)


@hooks.register("civicdesk_admin_gate")
def desk_only_admin_gate(request, match):
    from .staff import admin_gate

    return admin_gate(request, match)
