from django.utils.translation import gettext_lazy as _

from addons.core.addon import (
    AddonConfig,
    CabinetSection,
    Intake,
    NotificationEvent,
    ScheduledJob,
    ServiceEvents,
    StatisticsBlock,
    StatusLookup,
    TimelineSource,
)
from addons.core.casework import CaseAction, Casework, DetailSection

#: APC: a proposal or signal filed with a body that is not competent is forwarded within
#: 7 days (the notice of the decision, "notify-decision", is a different 7-day term)
BG_FORWARD_LABEL = _("forwarding a signal or proposal to the competent body")
INFO_LABEL = _("answer to a request for public information")
INFO_EXTENDED_LABEL = _("answer to a request for public information, term extended")
INFO_REFUSAL_LABEL = _("refusal of a request for public information")

_SERVICES = "addons.appeals.services"
_FORMS = "addons.appeals.staff_forms"
_RULES = "addons.appeals.casework"

#: the appeals desk: list, filters, export, actions and the appeal's screen are core's,
#: generated from this declaration
APPEALS_CASEWORK = Casework(
    key="appeals",
    # internal keys, not for reading
    detail_exclude=("substance_hash", "submission_token", "lock_version"),
    model="appeals.Appeal",
    title=_("Appeals"),
    icon="mail",
    order=20,
    addressee_field="addressee",
    site_field="site",
    reference_field="reference",
    created_field="received_at",
    due_field="due_date",
    open=f"{_RULES}.open_q",
    escalated=f"{_RULES}.escalated_q",
    # taking and assigning an appeal write its "assigned" service event
    event_type="appeals.appeal",
    scope=f"{_RULES}.scope",
    list_display=("reference", "received_at", "subject", "addressee", "procedure",
                  "appeal_type", "status", "due_date", "term_marks", "assignee"),
    list_filter=("status", "procedure", "appeal_type", "addressee", "priority", "kind",
                 "received_at"),
    search_fields=("reference", "subject", "applicant_name"),
    # the columns of the former CSV/XLSX export; the applicant's name is left out where
    # they asked not to disclose it (``Appeal.export_*``)
    list_export=("reference", "received_at", "addressee", "export_kind", "subject",
                 "export_status", "due_date", "answered_at", "export_on_time",
                 "export_priority", "export_applicant", "organisation_name",
                 "export_repeated", "export_type", "export_procedure", "export_urgent",
                 "return_by", "notify_by", "forward_by", "refuse_by", "export_answer_format",
                 "assignee"),
    actions=(
        CaseAction("register", _("Register"), f"{_SERVICES}.desk_register",
                   available=f"{_RULES}.can_register"),
        CaseAction("start", _("Start handling"), f"{_SERVICES}.desk_start",
                   available=f"{_RULES}.can_start"),
        CaseAction("reply", _("Send the reply"), f"{_SERVICES}.desk_reply",
                   form=f"{_FORMS}.ReplyForm", available=f"{_RULES}.can_reply"),
        CaseAction("forward", _("Forward"), f"{_SERVICES}.desk_forward",
                   form=f"{_FORMS}.ForwardForm", available=f"{_RULES}.can_forward",
                   bulk=True),
        CaseAction("extend", _("Extend the term"), f"{_SERVICES}.desk_extend",
                   form=f"{_FORMS}.ExtendForm", available=f"{_RULES}.can_extend"),
        CaseAction("urgent", _("Mark urgent"), f"{_SERVICES}.desk_urgent",
                   form=f"{_FORMS}.UrgentForm", available=f"{_RULES}.can_mark_urgent"),
        CaseAction("notice", _("Record the notice"), f"{_SERVICES}.desk_notice",
                   form=f"{_FORMS}.NoticeForm", available=f"{_RULES}.can_record_notice"),
        CaseAction("note", _("Add the note"), f"{_SERVICES}.desk_note",
                   form=f"{_FORMS}.NoteForm", available=f"{_RULES}.can_note"),
        CaseAction("return", _("Return as incomplete"), f"{_SERVICES}.desk_return",
                   form=f"{_FORMS}.ReasonForm", available=f"{_RULES}.can_return",
                   dangerous=True),
        CaseAction("refuse", _("Refuse the request"), f"{_SERVICES}.desk_refuse",
                   form=f"{_FORMS}.ReasonForm", available=f"{_RULES}.can_refuse",
                   dangerous=True),
        CaseAction("leave", _("Leave without consideration"),
                   f"{_SERVICES}.desk_leave", form=f"{_FORMS}.LeaveForm",
                   available=f"{_RULES}.can_leave", dangerous=True),
        CaseAction("reopen", _("Reopen"), f"{_SERVICES}.desk_reopen",
                   form=f"{_FORMS}.ReasonForm", available=f"{_RULES}.can_reopen"),
        CaseAction("close", _("Close the appeal"), f"{_SERVICES}.desk_close",
                   available=f"{_RULES}.can_close", dangerous=True),
    ),
    detail_sections=(
        DetailSection("summary", _("Appeal"), "appeals/casework/summary.html",
                      f"{_RULES}.summary_context", order=10),
        DetailSection("text", _("Substance of the appeal"), "appeals/casework/text.html",
                      order=20),
        DetailSection("applicant", _("Applicant"), "appeals/casework/applicant.html",
                      f"{_RULES}.applicant_context", order=30),
        DetailSection("files", _("Attached files"), "appeals/casework/files.html",
                      f"{_RULES}.files_context", order=40),
        DetailSection("conversation", _("Conversation"), "appeals/casework/conversation.html",
                      f"{_RULES}.conversation_context", order=50),
        DetailSection("history", _("History"), "appeals/casework/history.html",
                      f"{_RULES}.history_context", order=60),
    ),
)


class AppealsConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.appeals"
    label = "appeals"
    intakes = (Intake(key="appeals", title=_("Appeal"),
                      form="addons.appeals.intake.AppealIntakeForm",
                      file="addons.appeals.intake.file",
                      allowed="addons.appeals.intake.allowed", order=20),)
    verbose_name = _("Appeals")
    status_lookup = (StatusLookup("appeals", _("Appeals"), r"AP-?\d{4}-?\d{1,6}",
                                  "addons.appeals.status.find", digits="year+number",
                                  prefix="AP", order=10),)
    description = _("Formal appeals and petitions with legal deadlines, replies and reminders.")
    default_enabled = True
    urls = "addons.appeals.urls"
    url_prefix = "appeals/"
    placements = ("appeals.AppealFormPlacement",)
    timeline = (TimelineSource("appeals", _("Appeals"),
                               "addons.appeals.timeline.entries",
                               "addons.appeals.timeline.contacts", order=10),)
    api_urls = "addons.appeals.api_urls"
    casework = (APPEALS_CASEWORK,)
    #: the steps of an appeal's life management figures count (``service_events``)
    service_events = (
        ServiceEvents(
            "appeals.appeal", _("Appeals"),
            kinds=("received", "routed", "assigned", "status_changed", "forwarded",
                   "extended", "escalated", "first_reply", "resolved", "reopened", "closed",
                   "rated"),
            public=False,
            url="addons.appeals.service_events.event_url",
            labels="addons.appeals.service_events.event_labels",
            term=_("legal term"),
            order=10,
        ),
    )
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
