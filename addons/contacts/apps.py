from django.utils.translation import gettext_lazy as _

from addons.core import events
from addons.core.addon import AddonConfig, NotificationEvent, ServiceEvents


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
    # calls and visits, for the management figures (addons/contacts/service_events.py)
    service_events = (
        ServiceEvents(
            "contacts.call", _("Calls and visits"),
            kinds=(events.RECEIVED, events.ANSWERED, events.ABANDONED, events.CLOSED),
            public=False,
            url="addons.contacts.service_events.admin_url",
            labels="addons.contacts.service_events.labels",
            order=60,
        ),
    )

    def setup(self, site) -> None:
        """The usual wrap-up codes of a contact center, in the town's language (staff rename
        or add their own under Contact center → Wrap-up codes). Idempotent."""
        from .services import create_default_wrap_up_codes

        create_default_wrap_up_codes(site)
