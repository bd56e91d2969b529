from django.utils.translation import gettext_lazy as _

from addons.core.addon import AddonConfig, ScheduledJob, TimelineSource
from addons.core.casework import CaseAction, Casework, DetailSection


class MailingsConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.mailings"
    label = "mailings"
    timeline = (TimelineSource("mailings", _("Mass e-mail"),
                               "addons.mailings.timeline.entries",
                               "addons.mailings.timeline.contacts", order=60),)
    verbose_name = _("Mass mailing")
    description = _("Campaigns to recipient lists and segments: templates in several "
                    "languages, scheduling, one-click unsubscribe, bounces, reports.")
    default_enabled = True
    urls = "addons.mailings.urls"
    url_prefix = "mailings/"
    casework = (
        Casework(
            key="campaigns",
            model="mailings.Campaign",
            title=_("Campaigns"),
            icon="mail",
            order=260,
            assignable=False,
            # a campaign belongs to no addressee: the model permissions decide who works on
            # the site's campaigns (see services.campaign_scope)
            addressee_field="",
            site_field="site",
            reference_field="pk",
            created_field="created_at",
            open="addons.mailings.services.open_q",
            scope="addons.mailings.services.campaign_scope",
            list_display=("name", "status", "recipient_list", "scheduled_at", "started_at"),
            list_filter=("status", "template", "recipient_list", "created_at"),
            search_fields=("name",),
            list_export=("pk", "name", "status", "template", "recipient_list", "created_at",
                         "scheduled_at", "started_at", "finished_at"),
            actions=(
                CaseAction("send_now", _("Send now"), service="addons.mailings.services.send_now",
                           permission="send", available="addons.mailings.services.can_start",
                           dangerous=True),
                CaseAction("schedule", _("Schedule"), service="addons.mailings.services.schedule",
                           form="addons.mailings.forms.ScheduleForm", permission="send",
                           available="addons.mailings.services.can_start"),
                CaseAction("cancel", _("Cancel the campaign"),
                           service="addons.mailings.services.cancel", permission="send",
                           available="addons.mailings.services.can_cancel", dangerous=True),
            ),
            detail_sections=(
                DetailSection("campaign", _("Campaign"), "mailings/casework/campaign.html",
                              get_context="addons.mailings.desk.campaign_context", order=10),
                DetailSection("report", _("Delivery report"), "mailings/casework/report.html",
                              get_context="addons.mailings.desk.report_context", order=20),
                DetailSection("preview", _("Preview"), "mailings/casework/preview.html",
                              get_context="addons.mailings.desk.preview_context", order=30),
            ),
        ),
    )
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
