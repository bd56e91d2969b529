"""Problem reports' service events (``addons.core.events``): what management figures count.

``services`` writes them in the transaction of each change of a report, with what it already
holds in hand (the report, its category, addressee and status): one INSERT per event and no
query to look anything up. The declaration on ``ReportsConfig.service_events`` points at
``admin_url`` and ``labels`` here; the data migration 0011 builds the events of the reports
that existed before.

What is written where (``services``):
- ``received`` and ``routed`` — ``submit_report`` (web form, chat, operators, Open311, API);
  channel = ``Report.source``, due = the SLA's ``due_at``.
- ``routed`` (a report without an addressee gets one) or ``forwarded`` (to another
  addressee) — ``assign`` (the desk's "forward", re-routing).
- ``first_reply`` — the first public update by staff: a status change or a public answer
  while the report is still "new".
- ``status_changed`` (``status`` = the new code) — every ``change_status``; beside it
  ``resolved`` (to "resolved"), ``closed`` (to any other closed status: closed, rejected,
  not responsible, duplicate; ``status`` says which) and ``reopened`` (from a closed status
  back to an open one, by the citizen or by staff).
- ``escalated`` (``value`` = the level) — ``escalate_overdue``.
- ``rated`` (``value`` = the mean of the speed and quality ratings) — ``rate``.
"""

from __future__ import annotations

from addons.core import events

RECORD_TYPE = "reports.report"


def is_public(report) -> bool:
    """Events of a private or hidden report are counted but never shown publicly."""
    return bool(report.is_public and not report.is_hidden)


def district_code(district_id) -> str:
    """Districts have no code of their own: their id stands for them."""
    return str(district_id) if district_id else ""


def record(report, kind: str, *, actor=None, at=None, status: str = "", value=None,
           addressee=None):
    """Write one event of ``report``: one INSERT. The addressee (``addressee`` or the
    report's own), category and status must already be loaded (they are wherever the
    services touch them); the district is carried by its id."""
    if addressee is None and report.addressee_id:
        addressee = report.addressee
    return events.record(
        RECORD_TYPE, report.pk, kind, site=report.site_id, at=at, addressee=addressee,
        reference=report.tracking_number, category=report.category.code,
        district=district_code(report.district_id), channel=report.source,
        actor=actor, public=is_public(report), due=report.due_at, value=value, status=status,
    )


# --- the declaration's functions ----------------------------------------------------------


def admin_url(record_id) -> str:
    """The report's screen on the casework desk (which checks its own rights)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("casework_reports:inspect", args=[record_id])
    except NoReverseMatch:
        return ""


def labels(site) -> dict:
    """The codes the events of ``site`` carry, named in the active language."""
    from .models import District, ReportCategory, Source

    categories = ReportCategory.objects.filter(site=site).only("code", "name", "names")
    districts = District.objects.filter(site=site).values_list("pk", "name")
    return {
        "category": {category.code: category.label() for category in categories},
        "district": {district_code(pk): name for pk, name in districts},
        "channel": {value: str(label) for value, label in Source.choices},
    }
