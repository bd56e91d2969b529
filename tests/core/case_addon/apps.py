"""The case add-on: one assignable record type with two actions (one bulk) and a detail
section, declared the way a module declares its casework."""

from django.utils.translation import gettext_lazy as _

from addons.core.addon import AddonConfig
from addons.core.casework import CaseAction, Casework, DetailSection


class CaseAddonConfig(AddonConfig):
    default = True  # AddonConfig is imported here too: name the default
    name = "tests.core.case_addon"
    label = "case_addon"
    verbose_name = _("Cases")
    description = _("Test cases worked on at the casework desk.")
    casework = (
        Casework(
            key="cases",
            model="case_addon.Case",
            title=_("Cases"),
            icon="folder-open-inverse",
            reference_field="reference",
            due_field="due_date",
            open="tests.core.case_addon.services.open_q",
            escalated="tests.core.case_addon.services.escalated_q",
            category_field="category",
            district_field="district",
            list_display=("reference", "title", "addressee", "category", "status", "assignee",
                          "due_date"),
            list_filter=("status", "category", "addressee"),
            search_fields=("reference", "title"),
            list_export=("reference", "title", "status", "due_date"),
            actions=(
                CaseAction("close", _("Close"), service="tests.core.case_addon.services.close",
                           form="tests.core.case_addon.services.CloseForm", bulk=True,
                           available="tests.core.case_addon.services.is_open"),
                CaseAction("reply", _("Reply"), service="tests.core.case_addon.services.reply",
                           form="tests.core.case_addon.services.ReplyForm"),
                CaseAction("archive", _("Archive"),
                           service="tests.core.case_addon.services.archive", dangerous=True),
            ),
            detail_sections=(
                DetailSection("notes", _("Internal notes"), "case_addon/notes.html",
                              get_context="tests.core.case_addon.services.notes_context",
                              order=20),
                DetailSection("summary", _("Summary"), "case_addon/summary.html", order=10),
            ),
        ),
    )
