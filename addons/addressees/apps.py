from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

from addons.core.addon import AddonConfig, NotificationEvent
from addons.core.casework import CaseAction, Casework, DetailSection


def _casefold(value):
    return value.lower() if isinstance(value, str) else value


def register_sqlite_functions(sender, connection, **kwargs):
    """SQLite folds ASCII only: give it a Unicode lower() for searching Cyrillic names."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "CIVICDESK_CASEFOLD", 1, _casefold, deterministic=True
        )


class AddresseesConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.addressees"
    label = "addressees"
    verbose_name = _("Addressee catalog")
    required = True
    urls = "addons.addressees.urls"
    url_prefix = "addressees/"
    notification_events = (
        NotificationEvent("addressees.feedback", _("A feedback message to an addressee")),
    )
    casework = (
        Casework(
            key="feedback",
            model="addressees.FeedbackMessage",
            title=_("Feedback"),
            icon="mail",
            order=250,
            addressee_field="addressee",
            site_field="",  # the addressee's site
            reference_field="pk",
            created_field="created_at",
            open="addons.addressees.services.feedback_open_q",
            list_display=("name", "addressee", "created_at", "handled"),
            list_filter=("handled", "addressee", "created_at"),
            search_fields=("name", "email", "message"),
            list_export=("pk", "created_at", "addressee", "name", "email", "phone", "message",
                         "handled"),
            actions=(
                CaseAction("mark_handled", _("Mark handled"),
                           service="addons.addressees.services.mark_feedback_handled",
                           bulk=True,
                           available="addons.addressees.services.feedback_is_open"),
                CaseAction("reopen", _("Reopen"),
                           service="addons.addressees.services.reopen_feedback",
                           available="addons.addressees.services.feedback_is_handled"),
            ),
            detail_sections=(
                DetailSection("message", _("Message"),
                              "addressees/casework/feedback_message.html", order=10),
            ),
        ),
    )

    def ready(self):
        super().ready()
        from . import signals  # noqa: F401

        connection_created.connect(register_sqlite_functions,
                                   dispatch_uid="civicdesk_sqlite_casefold")

    def personal_data(self, user) -> dict:
        from .models import FeedbackMessage

        return {
            "feedback_messages": [
                {
                    "addressee": message.addressee.title,
                    "name": message.name,
                    "email": message.email,
                    "phone": message.phone,
                    "message": message.message,
                    "sent_at": message.created_at.isoformat(),
                }
                for message in FeedbackMessage.objects.filter(author=user)
                .select_related("addressee")
            ]
        }

    def anonymise(self, user) -> None:
        from .models import FeedbackMessage

        # Feedback is not a record the law keeps: it goes with the account.
        FeedbackMessage.objects.filter(author=user).delete()
