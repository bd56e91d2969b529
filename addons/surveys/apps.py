from django.utils.translation import gettext_lazy as _

from addons.core.addon import (
    AddonConfig,
    CabinetSection,
    ScheduledJob,
    ServiceEvents,
    StatisticsBlock,
    TimelineSource,
)
from addons.core.casework import CaseAction, Casework, DetailSection


class SurveysConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.surveys"
    label = "surveys"
    verbose_name = _("Surveys")
    description = _("Quality-of-service surveys, the public opinion center and public "
                    "statistics.")
    default_enabled = True
    urls = "addons.surveys.urls"
    url_prefix = "surveys/"
    placements = ("surveys.SurveyPlacement",)
    timeline = (TimelineSource("surveys", _("Survey answers"),
                               "addons.surveys.timeline.entries",
                               "addons.surveys.timeline.contacts", order=40),)
    #: a survey form carries the signed moment it was shown, afresh on a kept page too
    page_holes = (("surveys.started", "addons.surveys.views.started_value"),)
    statistics_blocks = (
        StatisticsBlock(
            key="surveys",
            title=_("Quality of service"),
            template="surveys/statistics.html",
            get_context="addons.surveys.results.statistics_context",
            order=30,
            cache_timeout=60,
        ),
    )
    cabinet_sections = (
        CabinetSection(
            key="surveys",
            title=_("My survey answers"),
            template="surveys/cabinet.html",
            get_context="addons.surveys.views.cabinet_context",
            order=40,
        ),
    )
    casework = (
        Casework(
            key="survey_answers",
            model="surveys.Response",
            title=_("Survey answers"),
            icon="table",
            order=265,
            assignable=False,
            addressee_field="addressee",
            site_field="survey__site",
            reference_field="pk",
            created_field="submitted_on",
            # who reads answers: surveys.view_results, else the addressees one moderates
            scope="addons.surveys.services.readable_responses",
            list_display=("survey", "addressee", "submitted_on", "suspicious"),
            list_filter=("survey", "addressee", "submitted_on"),
            list_export=("survey", "addressee", "submitted_on", "suspicious"),
            # today's layout: one column per question of the survey
            export="addons.surveys.exports.selection_response",
            actions=(
                CaseAction("publish", _("Publish written answers"),
                           service="addons.surveys.services.publish",
                           form="addons.surveys.forms.AnswerPublicationForm", bulk=True,
                           available="addons.surveys.services.has_unpublished_text"),
                CaseAction("unpublish", _("Withdraw written answers"),
                           service="addons.surveys.services.unpublish",
                           form="addons.surveys.forms.AnswerPublicationForm", bulk=True,
                           available="addons.surveys.services.has_published_text"),
            ),
            detail_sections=(
                DetailSection("answers", _("Answers"), "surveys/casework/answers.html",
                              get_context="addons.surveys.desk.answers_context", order=10),
            ),
        ),
    )
    # management figures (the insights add-on): one event per answer, see events.py
    service_events = (
        ServiceEvents(
            record_type="surveys.response",
            title=_("Survey answers"),
            kinds=("survey_answer",),
            public=True,
            url="addons.surveys.events.admin_url",
            labels="addons.surveys.events.labels",
            order=60,
        ),
    )
    scheduled_jobs = (
        # Each survey's report for its last complete period, once per period.
        ScheduledJob(
            name="surveys.reports",
            func="addons.surveys.reports.send_periodic_reports",
            cron="45 6 * * *",
        ),
    )

    def setup(self, site):
        from .services import create_default_surveys

        create_default_surveys(site)

    def personal_data(self, user) -> dict:
        from .services import personal_data

        return personal_data(user)

    def anonymise(self, user) -> None:
        from .services import anonymise_citizen

        anonymise_citizen(user)
