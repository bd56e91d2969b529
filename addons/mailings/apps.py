from django.utils.translation import gettext_lazy as _

from addons.core.addon import AddonConfig, ScheduledJob


class MailingsConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.mailings"
    label = "mailings"
    verbose_name = _("Mass mailing")
    description = _("Campaigns to recipient lists and segments: templates in several "
                    "languages, scheduling, one-click unsubscribe, bounces, reports.")
    default_enabled = True
    urls = "addons.mailings.urls"
    url_prefix = "mailings/"
    scheduled_jobs = (
        ScheduledJob(name="mailings.tick", func="addons.mailings.jobs.tick", cron="* * * * *"),
    )

    def ready(self):
        super().ready()
        from . import services  # noqa: F401 - registers the "mailings" unsubscribe handler

    def personal_data(self, user) -> dict:
        from .services import personal_data

        return personal_data(user)

    def anonymise(self, user) -> None:
        from .services import anonymise

        anonymise(user)
