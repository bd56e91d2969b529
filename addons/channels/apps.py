from django.utils.translation import gettext_lazy as _

from addons.core.addon import AddonConfig


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
