from django.utils.translation import gettext_lazy as _

from addons.core.addon import AddonConfig, MenuLink, ScheduledJob


class InsightsConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.insights"
    label = "insights"
    verbose_name = _("Management figures")
    description = _("Load, flow, timeliness and satisfaction of every service, from the "
                    "service events the add-ons write: dashboards, scheduled reports and "
                    "the public transparency page.")
    default_enabled = True
    urls = "addons.insights.urls"
    url_prefix = "figures/"
    menu_links = (MenuLink(_("City in figures"), "insights:public", order=90),)
    scheduled_jobs = (
        # new service events folded into the per-record facts the figures read
        ScheduledJob(name="insights.fold", func="addons.insights.fold.fold", cron="* * * * *"),
        ScheduledJob(name="insights.scheduled_reports",
                     func="addons.insights.scheduled.send_due", cron="15 6 * * *"),
    )
