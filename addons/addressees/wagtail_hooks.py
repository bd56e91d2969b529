from wagtail import hooks
from wagtail.permissions import register_permission_policy

from addons.core.permissions import AddresseeScopedPermissionPolicy

from .models import FeedbackMessage

register_permission_policy(FeedbackMessage, AddresseeScopedPermissionPolicy(FeedbackMessage))


@hooks.register("register_admin_urls")
def register_old_feedback_urls():
    """The feedback screens are the casework desk's (``Casework(key="feedback")``); the old
    addresses, in notification e-mails already sent, lead there."""
    from django.urls import path

    from .views import old_feedback_url

    return [
        path("addressee-feedback/", old_feedback_url, name="addressee_feedback_index"),
        path("addressee-feedback/edit/<int:pk>/", old_feedback_url,
             name="addressee_feedback_edit"),
        path("addressee-feedback/inspect/<int:pk>/", old_feedback_url,
             name="addressee_feedback_inspect"),
    ]


@hooks.register("register_admin_viewset")
def register_staff_chooser_viewset():
    from .staff_chooser import staff_chooser_viewset

    return staff_chooser_viewset


@hooks.register("register_log_actions")
def register_feedback_log_actions(actions):
    from .services import FEEDBACK_LOG_ACTIONS

    for action, label in FEEDBACK_LOG_ACTIONS.items():
        actions.register_action(action, label, label)
