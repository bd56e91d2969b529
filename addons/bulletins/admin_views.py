"""The staff side of bulletins: the moderators of an addressee write, publish and expire
its bulletins (and only its), administrators all of them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import ObjectList
from wagtail.snippets.action_menu import PublishMenuItem
from wagtail.snippets.views.snippets import (
    CreateView,
    DeleteView,
    EditView,
    IndexView,
    SnippetViewSet,
)

from addons.core.permissions import (
    AddresseeScopedPermissionPolicy,
    ScopedIndexViewMixin,
    ScopedObjectViewMixin,
    moderated_addressee_ids,
)

from .models import Bulletin, BulletinStream


class BulletinPermissionPolicy(AddresseeScopedPermissionPolicy):
    """Moderators write, publish and delete their addressees' bulletins."""

    moderator_actions = ("view", "add", "change", "publish", "delete")


policy = BulletinPermissionPolicy(Bulletin)


class BulletinForm(WagtailAdminModelForm):
    """A moderator chooses among the addressees they moderate."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        field = self.fields.get("addressee")
        if field is not None and for_user is not None and not (
            for_user.is_superuser or for_user.has_perm("bulletins.change_bulletin")
        ):
            field.queryset = field.queryset.filter(pk__in=moderated_addressee_ids(for_user))


class ScopedPublishMenuItem(PublishMenuItem):
    """Wagtail's own item asks for the model-wide permission; a moderator's right to
    publish is their addressee's, which the policy knows."""

    def is_shown(self, context):
        if context.get("locked_for_user"):
            return False
        user, instance = context["request"].user, context.get("instance")
        if instance is not None and instance.pk:
            return policy.user_has_permission_for_instance(user, "publish", instance)
        return policy.user_has_permission(user, "publish")


def add_publish_item(menu_items, request, context) -> None:
    """``construct_snippet_action_menu`` hook: the publish item for bulletin moderators."""
    if context.get("model") is not Bulletin:
        return
    if any(item.name == "action-publish" for item in menu_items):
        return
    item = ScopedPublishMenuItem()
    if item.is_shown(context):
        menu_items.append(item)
        menu_items.sort(key=lambda entry: entry.order)


class BulletinIndexView(ScopedIndexViewMixin, IndexView):
    pass


class BulletinEditView(ScopedObjectViewMixin, EditView):
    pass


class BulletinDeleteView(ScopedObjectViewMixin, DeleteView):
    pass


class BulletinViewSet(SnippetViewSet):
    model = Bulletin
    icon = "info-circle"
    menu_label = _("Bulletins")
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["title", "addressee", "category", "first_published_at", "live"]
    list_filter = ["category", "live"]
    search_fields = ["title"]
    ordering = ["-created_at"]
    index_view_class = BulletinIndexView
    add_view_class = CreateView
    edit_view_class = BulletinEditView
    delete_view_class = BulletinDeleteView
    edit_handler = ObjectList(Bulletin.panels, base_form_class=BulletinForm)


class BulletinStreamViewSet(SnippetViewSet):
    model = BulletinStream
    icon = "list-ul"
    menu_label = _("Bulletin streams")
    list_display = ["title", "addressee", "category", "count"]
