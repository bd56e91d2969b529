from django.utils.translation import gettext_lazy as _

from .addon import AddonConfig


class CoreConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.core"
    label = "core"
    verbose_name = _("Platform core")
    required = True
