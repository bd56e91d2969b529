from django.utils.translation import gettext_lazy as _

from addons.core.addon import (
    AddonConfig,
    CabinetSection,
    ChatIntake,
    Intake,
    MenuLink,
    NotificationEvent,
    RecipientSegment,
    ScheduledJob,
    ServiceEvents,
    StatusLookup,
    TimelineSource,
)
from addons.core.casework import CaseAction, Casework, DetailSection

S = "addons.reports.services."
F = "addons.reports.forms."
C = "addons.reports.casework."


class ReportsConfig(AddonConfig):
    default = True
    name = "addons.reports"
    label = "reports"
    intakes = (Intake(key="reports", title=_("Problem report"),
                      form="addons.reports.intake.ReportIntakeForm",
                      file="addons.reports.intake.file", order=10),)
    chat_intakes = (ChatIntake("reports", _("Problem report"), "addons.reports.chat"),)
    verbose_name = _("Problem reports")
    status_lookup = (StatusLookup("reports", _("Problem reports"), r"PR-?\d{4}-?\d{1,6}",
                                  "addons.reports.status.find", digits="year+number",
                                  prefix="PR", order=20),)
    description = _("Citizens report problems on a map; staff route, resolve and answer them.")
    default_enabled = True
    urls = "addons.reports.urls"
    url_prefix = "reports/"
    api_urls = "addons.reports.api_urls"
    root_urls = (("open311/v2/", "addons.reports.open311.urls", "open311"),)
    placements = ("reports.ReportButtonPlacement", "reports.SituationalMapPlacement")
    timeline = (TimelineSource("reports", _("Problem reports"),
                               "addons.reports.timeline.entries",
                               "addons.reports.timeline.contacts", order=20),)
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
    # the staff side: the casework desk's list, filters, export, actions and detail screen
    casework = (
        Casework(
            key="reports",
            model="reports.Report",
            event_type="reports.report",
            title=_("Problem reports"),
            icon="warning",
            order=20,
            addressee_field="addressee",
            site_field="site",
            reference_field="tracking_number",
            created_field="created_at",
            due_field="due_at",
            open=C + "open_q",
            escalated=C + "escalated_q",
            scope=C + "scope",
            category_field="category",
            district_field="district",
            list_display=("tracking_number", "created_at", "category", "address", "addressee",
                          "status", "due_at", "assignee"),
            list_filter=("status", "category", "district", "addressee", "source", "created_at",
                         "is_public", "is_hidden"),
            search_fields=("tracking_number", "description", "address"),
            # no contact data, no reporter's name (it may be hidden from the public)
            list_export=("tracking_number", "created_at", "category", "addressee", "status",
                         "is_open", "due_at", "resolved_at", "address", "district", "lat",
                         "lng", "is_public", "cosign_count", "source", "merged_into",
                         "description"),
            actions=(
                CaseAction("status", _("Change the status"), S + "staff_change_status",
                           form=F + "StaffStatusForm", bulk=True, available=S + "can_act"),
                CaseAction("reply", _("Answer publicly"), S + "staff_reply",
                           form=F + "ReplyForm", available=S + "can_act"),
                CaseAction("forward", _("Forward to another addressee"), S + "staff_forward",
                           form=F + "ForwardForm", bulk=True, available=S + "can_act"),
                CaseAction("category", _("Correct the category"), S + "staff_set_category",
                           form=F + "StaffCategoryForm", available=S + "can_act"),
                CaseAction("merge", _("Merge into an original report"), S + "staff_merge",
                           form=F + "MergeForm", available=S + "can_merge", dangerous=True),
                CaseAction("photos", _("Hide or publish photos"), S + "staff_photos",
                           form=F + "PhotosForm", available=S + "has_photos"),
                CaseAction("moderate", _("Moderate"), S + "staff_moderate",
                           form=F + "ModerateForm", available=S + "can_act"),
                CaseAction("private", _("Make private"), S + "staff_make_private",
                           form=F + "PrivateForm", available=S + "can_make_private",
                           dangerous=True),
            ),
            # the reporter's link key and the Open311 client's token stay secret
            detail_exclude=("token", "access_key", "location", "next_escalation_at",
                            "questionnaire_sent_at"),
            detail_sections=(
                DetailSection("description", _("Description and photos"),
                              "reports/desk/description.html", C + "description_context",
                              order=10),
                DetailSection("location", _("Place"), "reports/desk/location.html",
                              C + "location_context", order=20),
                DetailSection("history", _("Timeline"), "reports/desk/history.html",
                              C + "history_context", order=30),
                DetailSection("cosigns", _("Co-signatures and followers"),
                              "reports/desk/cosigns.html", C + "cosigns_context", order=40),
                DetailSection("escalations", _("Escalations"), "reports/desk/escalations.html",
                              C + "escalations_context", order=50),
            ),
        ),
    )
    # management figures (the insights add-on): what services write, see events.py
    service_events = (
        ServiceEvents(
            record_type="reports.report",
            title=_("Problem reports"),
            kinds=("received", "routed", "assigned", "first_reply", "status_changed",
                   "forwarded", "escalated", "resolved", "reopened", "closed", "rated"),
            public=True,
            url="addons.reports.events.admin_url",
            labels="addons.reports.events.labels",
            term=_("resolution term (SLA)"),
            order=20,
        ),
    )
    notification_events = (
        NotificationEvent("reports.submitted", _("Your problem report is registered")),
        NotificationEvent("reports.new", _("A new problem report arrived")),
        NotificationEvent("reports.status", _("A problem report you follow changed")),
        NotificationEvent("reports.reply", _("A problem report you follow has an answer")),
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
        from . import caching
        from .triage import signals  # noqa: F401  (learns from category corrections)

        caching.connect()  # the public caches follow every change of a report

    def setup(self, site):
        from .services import create_defaults

        create_defaults(site)

    def personal_data(self, user) -> dict:
        from .services import personal_data

        return personal_data(user)

    def anonymise(self, user) -> None:
        from .services import anonymise

        anonymise(user)
