from django.utils.translation import gettext_lazy as _

from addons.core.addon import (
    AddonConfig,
    CabinetSection,
    MenuLink,
    NotificationEvent,
    RecipientSegment,
    ScheduledJob,
)


class ReportsConfig(AddonConfig):
    default = True
    name = "addons.reports"
    label = "reports"
    verbose_name = _("Problem reports")
    description = _("Citizens report problems on a map; staff route, resolve and answer them.")
    default_enabled = True
    urls = "addons.reports.urls"
    url_prefix = "reports/"
    api_urls = "addons.reports.api_urls"
    root_urls = (("open311/v2/", "addons.reports.open311.urls", "open311"),)
    placements = ("reports.ReportButtonPlacement", "reports.SituationalMapPlacement")
    menu_links = (MenuLink(_("Report a problem"), "reports:new", order=5),)
    cabinet_sections = (
        CabinetSection(
            key="reports",
            title=_("My problem reports"),
            template="reports/cabinet.html",
            get_context="addons.reports.views.cabinet_context",
            order=20,
        ),
    )
    # mass email: citizens whose postal address is in a district (addons/reports/segments.py)
    recipient_segments = (
        RecipientSegment("reports.district", _("Districts"),
                         resolve="addons.reports.segments.district_citizens",
                         choices="addons.reports.segments.district_choices"),
    )
    notification_events = (
        NotificationEvent("reports.submitted", _("Your problem report is registered")),
        NotificationEvent("reports.new", _("A new problem report arrived")),
        NotificationEvent("reports.status", _("A problem report you follow changed")),
        NotificationEvent("reports.resolved", _("Your problem report is resolved: confirm it")),
        NotificationEvent("reports.reopened", _("A problem report was reopened")),
        NotificationEvent("reports.escalated", _("A problem report is overdue")),
        NotificationEvent("reports.escalated_citizen", _("Your problem report was escalated")),
        NotificationEvent("reports.questionnaire", _("How is your problem report going?")),
        NotificationEvent("reports.confirm_email",
                          _("Confirm your email address for a problem report")),
    )
    scheduled_jobs = (
        ScheduledJob(
            name="reports.escalate",
            func="addons.reports.services.escalate_overdue",
            cron="*/15 * * * *",
        ),
        ScheduledJob(
            name="reports.questionnaires",
            func="addons.reports.services.send_questionnaires",
            cron="10 9 * * *",
        ),
        # The classifier learns again from the day's routed and corrected reports.
        ScheduledJob(
            name="reports.triage.retrain",
            func="addons.reports.triage.tasks.retrain_all",
            cron="40 2 * * *",
        ),
    )

    def ready(self):
        super().ready()
        from .triage import signals  # noqa: F401  (learns from category corrections)

    def setup(self, site):
        from .services import create_defaults

        create_defaults(site)

    def personal_data(self, user) -> dict:
        from .services import personal_data

        return personal_data(user)

    def anonymise(self, user) -> None:
        from .services import anonymise

        anonymise(user)
