from django.utils.translation import gettext_lazy as _

from addons.core.addon import AddonConfig, NotificationEvent


class AccountsConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.accounts"
    label = "accounts"
    verbose_name = _("Citizen accounts")
    required = True
    urls = "addons.accounts.urls"
    url_prefix = "accounts/"
    notification_events = (
        NotificationEvent("accounts.confirm_email", _("Confirm your email address")),
        NotificationEvent("accounts.confirm_new_email", _("Confirm your new email address")),
        NotificationEvent("accounts.email_changed", _("Your email address was changed")),
    )

    def personal_data(self, user) -> dict:
        from .services import own_personal_data

        return own_personal_data(user)

    def anonymise(self, user) -> None:
        from .services import anonymise_account

        anonymise_account(user)
