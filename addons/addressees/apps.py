from django.utils.translation import gettext_lazy as _

from addons.core.addon import AddonConfig


class AddresseesConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.addressees"
    label = "addressees"
    verbose_name = _("Addressee catalog")
    required = True
    urls = "addons.addressees.urls"
    url_prefix = "addressees/"
