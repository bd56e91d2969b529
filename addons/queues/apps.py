from django.utils.translation import gettext_lazy as _

from addons.core.addon import (
    AddonConfig,
    CabinetSection,
    MenuLink,
    NotificationEvent,
    RecipientSegment,
    ScheduledJob,
)


class QueuesConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.queues"
    label = "queues"
    verbose_name = _("Electronic queue")
    description = _("Book a visit: schedules, free times, tickets with QR code and PDF.")
    default_enabled = True
    urls = "addons.queues.urls"
    url_prefix = "queues/"
    api_urls = "addons.queues.api_urls"
    placements = ("queues.QueuePlacement",)
    # deputies' receptions: the public list and its feed (addons/queues/receptions.py)
    root_urls = (("queues/receptions/", "addons.queues.receptions", "receptions"),)
    menu_links = (MenuLink(_("Receptions"), "queues-receptions:list", order=20),)
    cabinet_sections = (
        CabinetSection(
            key="queues",
            title=_("My tickets"),
            template="queues/cabinet.html",
            get_context="addons.queues.views.cabinet_context",
            order=20,
        ),
    )
    # mass email: everyone who booked a queue (addons/queues/segments.py)
    recipient_segments = (
        RecipientSegment("queues.visitors", _("Electronic queue"),
                         resolve="addons.queues.segments.queue_visitors",
                         choices="addons.queues.segments.queue_choices"),
    )
    notification_events = (
        NotificationEvent("queues.booked", _("Your visit is booked")),
        NotificationEvent("queues.reminder", _("Your visit is tomorrow")),
        NotificationEvent("queues.cancelled", _("Your visit is cancelled")),
    )
    scheduled_jobs = (
        ScheduledJob(
            name="queues.remind",
            func="addons.queues.jobs.send_reminders",
            cron="*/30 * * * *",
        ),
        # the rolling horizon of deputies' receptions (addons/queues/receptions.py)
        ScheduledJob(
            name="queues.prolong_receptions",
            func="addons.queues.receptions.prolong_all",
            cron="10 0 * * *",
        ),
    )

    def setup(self, site):
        """Nothing to create: queues are made by the staff for their addressees."""

    def personal_data(self, user) -> dict:
        from .services import personal_data

        return personal_data(user)

    def anonymise(self, user) -> None:
        from .services import anonymise_citizen

        anonymise_citizen(user)
