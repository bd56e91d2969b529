from django.utils.translation import gettext_lazy as _

from addons.core import events
from addons.core.addon import (
    AddonConfig,
    CabinetSection,
    FigureDefinition,
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

_SERVICES = "addons.queues.services"
_FORMS = "addons.queues.forms"
_STAFF = "addons.queues.staff"

#: the queue desk: tickets on the generated casework screens (list, filters, export,
#: actions, detail). Tickets are not assigned: whoever is at the desk serves the next one.
TICKETS = Casework(
    key="tickets",
    # the citizen's booking key, not for reading
    detail_exclude=("token", "lock_version"),
    model="queues.Ticket",
    title=_("Queue desk"),
    icon="time",
    order=250,
    addressee_field="queue__addressee",
    site_field="queue__site",
    reference_field="number",
    created_field="created",
    due_field=None,
    open=f"{_STAFF}.open_tickets",
    assignable=False,
    list_display=("number", "queue", "start", "citizen_name", "status"),
    list_filter=("queue", "status", "day"),
    # the citizen's question (a deputy's reception) is confidential: never searched,
    # listed or exported
    search_fields=("code", "number", "citizen__full_name"),
    # the columns of the desk's CSV/XLSX export (exports.columns())
    list_export=("number", "day", "start", "end", "queue", "service_name", "status",
                 "citizen_name", "citizen_email", "citizen_phone", "answers_text", "comment",
                 "next_visit"),
    actions=(
        CaseAction("arrived", _("Arrived"), f"{_SERVICES}.mark_arrived",
                   form=f"{_FORMS}.MarkForm", bulk=True, available=f"{_SERVICES}.can_mark"),
        CaseAction("served", _("Served"), f"{_SERVICES}.mark_served",
                   form=f"{_FORMS}.MarkForm", bulk=True, available=f"{_SERVICES}.can_mark"),
        CaseAction("no_show", _("Did not come"), f"{_SERVICES}.mark_no_show",
                   form=f"{_FORMS}.MarkForm", bulk=True, available=f"{_SERVICES}.can_mark"),
        CaseAction("comment", _("Comment"), f"{_SERVICES}.add_comment",
                   form=f"{_FORMS}.CommentForm"),
        CaseAction("file", _("Attach a file"), f"{_SERVICES}.attach_file",
                   form=f"{_FORMS}.FileForm"),
        CaseAction("next_visit", _("Next visit"), f"{_SERVICES}.plan_next_visit",
                   form=f"{_FORMS}.NextVisitForm"),
        CaseAction("cancel_day", _("Cancel this day's visits"), f"{_SERVICES}.cancel_day",
                   form=f"{_FORMS}.CancelDayForm",
                   available=f"{_SERVICES}.cancel_day_available", dangerous=True),
    ),
    detail_sections=(
        DetailSection("ticket", _("Ticket"), "queues/desk/sections/ticket.html",
                      get_context=f"{_STAFF}.ticket_section", order=10),
        DetailSection("files", _("Files"), "queues/desk/sections/files.html",
                      get_context=f"{_STAFF}.files_section", order=20),
        DetailSection("comments", _("Comments"), "queues/desk/sections/comments.html",
                      order=30),
        DetailSection("history", _("History"), "queues/desk/sections/history.html",
                      get_context=f"{_STAFF}.history_section", order=40),
    ),
    figures=f"{_STAFF}.today_figures",
    scope=f"{_STAFF}.scope",
    # the addressee's specialists work at the desk too, not only its moderators
    staff=f"{_STAFF}.is_desk_staff",
    list_default=f"{_STAFF}.list_default",
)


class QueuesConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "addons.queues"
    label = "queues"
    intakes = (Intake(key="queues", title=_("Booking a visit"),
                      form="addons.queues.intake.BookingIntakeForm",
                      file="addons.queues.intake.file", order=30),)
    verbose_name = _("Electronic queue")
    status_lookup = (StatusLookup("queues", _("Tickets"), r"TK-?\d{1,12}",
                                  "addons.queues.status.find", digits="number",
                                  prefix="TK", order=30),)
    description = _("Book a visit: schedules, free times, tickets with QR code and PDF.")
    default_enabled = True
    urls = "addons.queues.urls"
    url_prefix = "queues/"
    api_urls = "addons.queues.api_urls"
    placements = ("queues.QueuePlacement",)
    timeline = (TimelineSource("tickets", _("Queue tickets and receptions"),
                               "addons.queues.timeline.entries",
                               "addons.queues.timeline.contacts", order=30),)
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
    casework = (TICKETS,)
    # every step of a ticket, for the management figures (addons/queues/service_events.py)
    service_events = (
        ServiceEvents(
            "queues.ticket", _("Queue tickets"),
            kinds=(events.BOOKED, events.EXTENDED, events.CANCELLED, events.ARRIVED,
                   events.SERVED, events.NO_SHOW),
            public=True,
            url="addons.queues.service_events.admin_url",
            labels="addons.queues.service_events.labels",
            term=_("appointment time"),
            order=30,
        ),
    )
    figures = (
        FigureDefinition(
            "queues.capacity_use", _("Use of capacity"),
            definition=_("Places booked in the period (a visit of a service lasting two "
                         "slots takes two) as a share of the places the queues offered in "
                         "it: their opening hours, breaks, days off and reception dates "
                         "times the places per slot, as the queues are set up now. "
                         "Cancelled visits free their places; served and missed ones keep "
                         "them. No data when nothing was offered."),
            compute="addons.queues.figures.capacity_use",
            record_type="queues.ticket",
            unit="%",
            order=30,
        ),
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
        """Queues are made by the staff for their addressees; the "Desk" group that gives
        specialists the admin is made here (idempotent) and every specialist put in it."""
        from .staff import sync_desk_members

        sync_desk_members()

    def ready(self):
        super().ready()
        from . import signals  # noqa: F401  (specialists join the "Desk" group)

    def personal_data(self, user) -> dict:
        from .services import personal_data

        return personal_data(user)

    def anonymise(self, user) -> None:
        from .services import anonymise_citizen

        anonymise_citizen(user)
