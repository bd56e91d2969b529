from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from addons.core.admin_menu import staff_menu_item

from .inbox import LOG_ACTIONS, may_use_inbox


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("channels/", include("addons.channels.admin_urls",
                                      namespace="channels-admin"))]


@hooks.register("register_admin_menu_item")
def register_chats_menu_item():
    return staff_menu_item(_("Chats"), "channels-admin:conversations", allowed=may_use_inbox,
                           name="channels-chats", icon_name="mail", order=245)


@hooks.register("register_log_actions")
def register_chat_log_actions(actions):
    for action, label in LOG_ACTIONS.items():
        actions.register_action(action, label, label)
