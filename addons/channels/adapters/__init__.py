"""The adapters of the chat platforms (``base.Adapter``), one per ``Platform``."""

from django.utils.module_loading import import_string

ADAPTERS = {
    "telegram": "addons.channels.adapters.telegram.TelegramAdapter",
    "viber": "addons.channels.adapters.viber.ViberAdapter",
    "whatsapp": "addons.channels.adapters.whatsapp.WhatsAppAdapter",
    "messenger": "addons.channels.adapters.messenger.MessengerAdapter",
    "webchat": "addons.channels.adapters.webchat.WebChatAdapter",
}


def adapter_class(platform: str):
    """The adapter class of a platform, or None for one we do not know."""
    path = ADAPTERS.get(platform)
    return import_string(path) if path else None


def get_adapter(channel):
    return adapter_class(channel.platform)(channel)
