from django.utils.translation import gettext_lazy as _

LOG_ACTIONS = {
    "appeals.view": _("View appeal"),
}
