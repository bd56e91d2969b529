from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from .addon import (
    AddonConfig,
    NotificationEvent,
    NotificationTransport,
    ScheduledJob,
    TimelineSource,
)


class CoreConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.core"
    label = "core"
    timeline = (TimelineSource("notifications", _("Notifications sent"),
                               "addons.core.timeline.entries",
                               "addons.core.timeline.contacts", order=70),)
    verbose_name = _("Platform core")
    required = True
    #: the workspace summary (the staff home's figures) under /api/v1/
    api_urls = "addons.core.api_urls"
    scheduled_jobs = (
        # Re-sends notifications whose delivery failed or whose worker was down.
        ScheduledJob(
            name="core.notifications.retry_due",
            func="addons.core.notifications.retry_due",
            cron="* * * * *",
        ),
        # Assigns the records waiting in a team's queue when someone has room again.
        ScheduledJob(
            name="core.casework.drain_queues",
            func="addons.core.casework.assignment.drain_all",
            cron="*/5 * * * *",
        ),
    )
    #: e-mail, the transport every site has; the chats come before it, SMS after it
    transports = (
        NotificationTransport("email", _("E-mail"), send="addons.core.notifications.send_email",
                              reaches="addons.core.notifications.reaches_email", order=500),
    )
    notification_events = (
        NotificationEvent("assigned", _("A record was assigned to you")),
        NotificationEvent("mentioned", _("Mentioned in an internal note")),
    )

    def ready(self):
        super().ready()
        from .navigation import connect_signals

        connect_signals()
        from . import public_cache

        public_cache.connect_signals()
        from . import page_cache

        page_cache.connect_signals()
        from django.utils.module_loading import autodiscover_modules

        # the add-ons' translatable fields (their translation.py)
        autodiscover_modules("translation")
        from .schedules import sync_schedules_after_migrate

        post_migrate.connect(
            sync_schedules_after_migrate, sender=self, dispatch_uid="civicdesk_sync_schedules"
        )
