from django.utils.translation import gettext_lazy as _

from addons.core.addon import (
    AddonConfig,
    NotificationEvent,
    NotificationTransport,
    ScheduledJob,
)


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
        NotificationEvent(
            "accounts.registration_attempt", _("Someone tried to register with your address")
        ),
        NotificationEvent(
            "accounts.email_change_attempt",
            _("Someone tried to use your address for another account"),
        ),
        NotificationEvent("accounts.confirm_identity", _("Confirm your e-mail address")),
    )
    #: SMS, last in the default chain, where the town enables it
    transports = (
        NotificationTransport("sms", _("SMS"), send="addons.accounts.transport.send",
                              reaches="addons.accounts.transport.reaches", order=900),
    )
    scheduled_jobs = (
        # Expired sessions (idle, logged out or old) leave the session store every night.
        ScheduledJob(
            name="accounts.clear_expired_sessions",
            func="addons.accounts.jobs.clear_expired_sessions",
            cron="17 3 * * *",
        ),
    )

    def ready(self):
        super().ready()
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from .signals import logged_in, login_failed

        user_login_failed.connect(login_failed, dispatch_uid="civicdesk_accounts_login_failed")
        user_logged_in.connect(logged_in, dispatch_uid="civicdesk_accounts_logged_in")

        from .persons import on_login

        user_logged_in.connect(on_login, dispatch_uid="civicdesk_accounts_person")

    def personal_data(self, user) -> dict:
        from .services import own_personal_data

        return own_personal_data(user)

    def anonymise(self, user) -> None:
        from .services import anonymise_account

        anonymise_account(user)
