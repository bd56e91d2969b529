from wagtail import hooks
from wagtail.permissions import register_permission_policy

from addons.core.permissions import AddresseeScopedPermissionPolicy

from .models import FeedbackMessage

register_permission_policy(FeedbackMessage, AddresseeScopedPermissionPolicy(FeedbackMessage))


@hooks.register("register_admin_viewset")
def register_feedback_viewset():
    from .viewsets import feedback_viewset

    return feedback_viewset


@hooks.register("register_admin_viewset")
def register_staff_chooser_viewset():
    from .staff_chooser import staff_chooser_viewset

    return staff_chooser_viewset


@hooks.register("register_log_actions")
def register_feedback_log_actions(actions):
    from .services import FEEDBACK_LOG_ACTIONS

    for action, label in FEEDBACK_LOG_ACTIONS.items():
        actions.register_action(action, label, label)
