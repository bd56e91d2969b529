from django.utils.translation import gettext_lazy as _

from addons.core import events
from addons.core.addon import (
    AddonConfig,
    CabinetSection,
    NotificationEvent,
    NotificationTransport,
    ServiceEvents,
)


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
    #: a notification reaches a citizen on each platform by the rules of ``transport.py``;
    #: the chats come before e-mail (500) in the default chain
    transports = tuple(
        NotificationTransport(platform, label, send="addons.channels.transport.send",
                              reaches="addons.channels.transport.reaches", order=order)
        for platform, label, order in (
            ("telegram", _("Telegram"), 100), ("viber", _("Viber"), 110),
            ("whatsapp", _("WhatsApp"), 120), ("messenger", _("Messenger"), 130),
            ("webchat", _("Site chat"), 140))
    )
    #: the site chat's button on every public page of a site that has one
    page_parts = (("body_end", "addons.channels.widget.chat_button"),)
    cabinet_sections = (
        CabinetSection(key="channels", title=_("Follow my reports in a chat"),
                       template="channels/cabinet.html",
                       get_context="addons.channels.cabinet.cabinet_context", order=90),
    )
    notification_events = (
        NotificationEvent("channels.operator", _("A citizen asks for a person in a chat")),
    )
    # conversations, for the management figures (addons/channels/service_events.py)
    service_events = (
        ServiceEvents(
            "channels.chat", _("Chat conversations"),
            kinds=(events.RECEIVED, events.ANSWERED, events.CLOSED),
            public=False,
            url="addons.channels.service_events.admin_url",
            labels="addons.channels.service_events.labels",
            order=70,
        ),
    )
