from django.utils.translation import gettext_lazy as _

from addons.core.addon import AddonConfig, NotificationEvent


class ContactsConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.contacts"
    label = "contacts"
    verbose_name = _("Contact center")
    description = _("One record per citizen across channels, the operators' console, calls "
                    "and callbacks, and the phone systems' call events.")
    default_enabled = True
    urls = "addons.contacts.urls"
    url_prefix = "contacts/"
    notification_events = (
        NotificationEvent("contacts.callback", _("A callback was handed to you")),
    )

    def setup(self, site) -> None:
        """The usual wrap-up codes of a contact center, in the town's language (staff rename
        or add their own under Contact center → Wrap-up codes). Idempotent."""
        from .services import create_default_wrap_up_codes

        create_default_wrap_up_codes(site)
