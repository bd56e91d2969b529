"""The service events of the reports that exist already, built from each report's row and
its timeline (``ReportUpdate``): received, routed, forwarded, the first public reply, every
status change with resolved, closed and reopened, escalations and the rating. The same
rules as ``services`` (see ``addons/reports/events.py``). A report that has events already
is left alone, so running it again adds nothing; going back deletes the reports' events."""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

from addons.core import events

RECORD_TYPE = "reports.report"
NEW, RESOLVED = "new", "resolved"
CHUNK = 500
BATCH = 2000


def _first_due(report, category, jurisdiction):
    """The term set when the report was filed (a reopened report's ``due_at`` is a fresh
    one): the category's SLA from ``created_at``."""
    if not report.reopened_count:
        return report.due_at
    if not category.sla_amount:
        return None
    if category.sla_unit == "hours":
        return report.created_at + timedelta(hours=category.sla_amount)
    from addons.core.deadlines import add_working_days

    local = timezone.localtime(report.created_at)
    try:
        last = add_working_days(local.date(), category.sla_amount, jurisdiction)
    except Exception:  # noqa: BLE001 - an unknown calendar: the row's term
        return report.due_at
    return timezone.make_aware(datetime.combine(last, time(23, 59, 59)))


def _events_of(report, updates, *, categories, statuses, paths, jurisdiction):
    """The event rows (``addons.core.events.row``) of one report."""

    category = categories[report.category_id]
    # the first category and addressee: before the first correction / forwarding
    code = category.code
    for update in updates:
        if update.kind == "category" and update.data.get("from"):
            code = update.data["from"]
            break
    addressee_id = report.addressee_id
    for update in updates:
        if update.kind == "assigned":
            addressee_id = update.data.get("from")
            break
    public = bool(report.is_public and not report.is_hidden)
    district = str(report.district_id) if report.district_id else ""
    rows = []

    def add(kind, at, actor=None, **fields):
        rows.append(events.row(
            RECORD_TYPE, report.pk, kind, site=report.site_id, at=at,
            addressee=addressee_id, addressee_path=paths.get(addressee_id, ""),
            reference=report.tracking_number, category=code, district=district,
            channel=report.source, actor=actor, public=public,
            due=fields.pop("due", report.due_at), **fields))

    filer = report.entered_by_id or report.reporter_id
    add(events.RECEIVED, report.created_at, filer,
        due=_first_due(report, category, jurisdiction))
    if addressee_id:
        add(events.ROUTED, report.created_at, filer)
    status = NEW
    rated = False
    for update in updates:
        at, author = update.created_at, update.author_id
        staff = author is not None and author != report.reporter_id
        if update.kind == "category":
            code = update.data.get("to") or code
        elif update.kind == "assigned":
            target = update.data.get("to")
            kind = events.ROUTED if addressee_id is None else events.FORWARDED
            addressee_id = target
            if target:
                add(kind, at, author)
        elif update.kind == "note" and update.is_public and update.public_note and staff:
            if status == NEW:  # a public answer while the report is still new
                add(events.FIRST_REPLY, at, author)
        elif update.kind == "status" and update.status_to_id:
            old = statuses.get(update.status_from_id)
            new = statuses[update.status_to_id]
            status = new.code
            if old is not None and old.code == NEW and staff:
                add(events.FIRST_REPLY, at, author)
            add(events.STATUS_CHANGED, at, author, status=new.code)
            old_open = True if old is None else old.is_open
            if new.code == RESOLVED:
                add(events.RESOLVED, at, author, status=new.code)
            elif old_open and not new.is_open:
                add(events.CLOSED, at, author, status=new.code)
            elif not old_open and new.is_open:
                add(events.REOPENED, at, author, status=new.code)
            elif not new.is_open and old is not None and old.code == RESOLVED:
                add(events.CLOSED, at, author, status=new.code)
        elif update.kind == "escalated":
            add(events.ESCALATED, at, None, value=update.data.get("level"))
        elif update.kind == "rated":
            speed, quality = update.data.get("speed"), update.data.get("quality")
            if speed and quality:
                rated = True
                add(events.RATED, at, author, value=(speed + quality) / 2)
    if not rated and report.rating_speed and report.rating_quality:
        add(events.RATED, report.rated_at or report.updated_at, report.reporter_id,
            value=(report.rating_speed + report.rating_quality) / 2)
    return rows


def build(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    ReportUpdate = apps.get_model("reports", "ReportUpdate")
    ReportCategory = apps.get_model("reports", "ReportCategory")
    ReportStatus = apps.get_model("reports", "ReportStatus")
    ServiceEvent = apps.get_model("core", "ServiceEvent")
    SiteProfile = apps.get_model("core", "SiteProfile")
    Page = apps.get_model("wagtailcore", "Page")

    statuses = {status.pk: status for status in ReportStatus.objects.all()}
    categories = {category.pk: category
                  for category in ReportCategory.objects.only("code", "sla_amount", "sla_unit")}
    jurisdictions = dict(SiteProfile.objects.values_list("site_id", "jurisdiction"))
    paths = {}
    pending = []
    reports = Report.objects.order_by("pk").iterator(chunk_size=CHUNK)
    for chunk in events.chunks(reports, CHUNK):
        ids = [report.pk for report in chunk]
        done = set(ServiceEvent.objects.filter(record_type=RECORD_TYPE, record_id__in=ids)
                   .values_list("record_id", flat=True).distinct())
        chunk = [report for report in chunk if report.pk not in done]
        if not chunk:
            continue
        logs = {}
        for update in ReportUpdate.objects.filter(report_id__in=[r.pk for r in chunk]) \
                .order_by("report_id", "created_at", "pk").iterator(chunk_size=BATCH):
            logs.setdefault(update.report_id, []).append(update)
        wanted = {report.addressee_id for report in chunk}
        for updates in logs.values():
            for update in updates:
                if update.kind == "assigned":
                    wanted |= {update.data.get("from"), update.data.get("to")}
        wanted = {pk for pk in wanted if pk and pk not in paths}
        if wanted:
            paths.update(Page.objects.filter(pk__in=wanted).values_list("pk", "path"))
        for report in chunk:
            pending += [ServiceEvent(**row) for row in _events_of(
                report, logs.get(report.pk, []), categories=categories, statuses=statuses,
                paths=paths, jurisdiction=jurisdictions.get(report.site_id) or "ua")]
        if len(pending) >= BATCH:
            ServiceEvent.objects.bulk_create(pending, batch_size=BATCH)
            pending = []
    if pending:
        ServiceEvent.objects.bulk_create(pending, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0014_service_events"),
        ("reports", "0010_chat"),
    ]

    operations = [migrations.RunPython(build, events.removal(RECORD_TYPE))]
