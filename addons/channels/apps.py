from django.utils.translation import gettext_lazy as _

from addons.core.addon import AddonConfig, CabinetSection, NotificationEvent


class ChannelsConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.channels"
    label = "channels"
    verbose_name = _("Chat channels")
    description = _("Citizens report and follow problems in Telegram, Viber, WhatsApp, "
                    "Messenger and the site's own chat, in their own words.")
    default_enabled = True
    urls = "addons.channels.urls"
    url_prefix = "channels/"
    cabinet_sections = (
        CabinetSection(key="channels", title=_("Follow my reports in a chat"),
                       template="channels/cabinet.html",
                       get_context="addons.channels.cabinet.cabinet_context", order=90),
    )
    notification_events = (
        NotificationEvent("channels.operator", _("A citizen asks for a person in a chat")),
    )
