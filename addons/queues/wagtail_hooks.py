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


@hooks.register("register_admin_menu_item")
def register_queues_desk_menu():
    from .desk import desk_menu_item

    return desk_menu_item()


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def prolong_receptions_after_save(request, instance):
    """A queue saved with a reception rule gets its dates up to the horizon at once."""
    if isinstance(instance, Queue):
        from .receptions import prolong

        prolong(instance)
