from django.utils.translation import gettext_lazy as _

from addons.core.addon import AddonConfig


class AccountsConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.accounts"
    label = "accounts"
    verbose_name = _("Citizen accounts")
    required = True
    urls = "addons.accounts.urls"
    url_prefix = "accounts/"
