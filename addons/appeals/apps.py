from django.utils.translation import gettext_lazy as _

from addons.core.addon import (
    AddonConfig,
    CabinetSection,
    NotificationEvent,
    ScheduledJob,
    StatisticsBlock,
)

#: APC: a proposal or signal filed with a body that is not competent is forwarded within
#: 7 days (the notice of the decision, "notify-decision", is a different 7-day term)
BG_FORWARD_LABEL = _("forwarding a signal or proposal to the competent body")
INFO_LABEL = _("answer to a request for public information")
INFO_EXTENDED_LABEL = _("answer to a request for public information, term extended")
INFO_REFUSAL_LABEL = _("refusal of a request for public information")


class AppealsConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.appeals"
    label = "appeals"
    verbose_name = _("Appeals")
    description = _("Formal appeals and petitions with legal deadlines, replies and reminders.")
    default_enabled = True
    urls = "addons.appeals.urls"
    url_prefix = "appeals/"
    placements = ("appeals.AppealFormPlacement",)
    api_urls = "addons.appeals.api_urls"
    statistics_blocks = (
        StatisticsBlock(
            key="appeals",
            title=_("Appeals"),
            template="appeals/statistics.html",
            get_context="addons.appeals.statistics.statistics_context",
            order=10,
        ),
    )
    cabinet_sections = (
        CabinetSection(
            key="appeals",
            title=_("My appeals"),
            template="appeals/cabinet.html",
            get_context="addons.appeals.views.cabinet_context",
            order=10,
        ),
    )
    notification_events = (
        NotificationEvent("appeals.filed", _("Your appeal is registered")),
        NotificationEvent("appeals.new", _("A new appeal arrived")),
        NotificationEvent("appeals.status", _("Your appeal changed")),
        NotificationEvent("appeals.forwarded", _("An appeal was forwarded to you")),
        NotificationEvent("appeals.reply", _("Your appeal is answered")),
        NotificationEvent("appeals.urgent", _("Your appeal is handled as urgent")),
        NotificationEvent("appeals.comment", _("The applicant wrote on an appeal")),
        NotificationEvent("appeals.reminder", _("An appeal is due soon")),
        NotificationEvent("appeals.overdue", _("An appeal is overdue")),
    )
    scheduled_jobs = (
        ScheduledJob(
            name="appeals.remind",
            func="addons.appeals.jobs.send_reminders",
            cron="*/15 * * * *",
        ),
        # The periodic report to AppealsSettings.report_recipients, once per period.
        ScheduledJob(
            name="appeals.reports",
            func="addons.appeals.reports.send_periodic_reports",
            cron="30 6 * * *",
        ),
    )

    def ready(self):
        super().ready()
        from addons.core.deadlines import DAYS, WORKING_DAYS, Term, register_rule

        from . import signals  # noqa: F401

        # Bulgaria's own term for forwarding a signal or proposal to the competent body.
        register_rule("forward", Term(7, DAYS, BG_FORWARD_LABEL), ("bg",))
        # Requests for public information. Ukraine, Law 2939-VI art. 20: 5 working days,
        # at most 20 working days when a large volume is asked. Romania, Law 544/2001
        # art. 7: 10 and 30 days (in core), a refusal communicated within 5 days.
        # Bulgaria, APIA art. 28 and 30: 14 days, at most 10 days more.
        register_rule("info-request", Term(5, WORKING_DAYS, INFO_LABEL), ("ua",))
        register_rule("info-request-extended", Term(20, WORKING_DAYS, INFO_EXTENDED_LABEL),
                      ("ua",))
        register_rule("info-refusal", Term(5, DAYS, INFO_REFUSAL_LABEL), ("ro",))
        register_rule("info-request", Term(14, DAYS, INFO_LABEL), ("bg",))
        register_rule("info-request-extended", Term(24, DAYS, INFO_EXTENDED_LABEL), ("bg",))

    def setup(self, site):
        from .services import create_default_forms

        create_default_forms(site)

    def personal_data(self, user) -> dict:
        from .services import personal_data

        return personal_data(user)

    def anonymise(self, user) -> None:
        from .services import anonymise_author

        anonymise_author(user)
