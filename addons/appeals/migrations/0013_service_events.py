"""The service events of the appeals filed before appeals wrote them, built from each
appeal's row and its history (``AppealEvent``), with the escalations the reminder job
recorded (``AppealReminder``). Appeals that have events already are left alone: running it
again writes nothing. Going back removes the appeals' events.

The history action "reopened" (staff take an answered appeal in hand again) is new here too.
"""

from django.db import migrations, models

RECORD_TYPE = "appeals.appeal"
BATCH = 2000

OPEN = {"submitted", "registered", "forwarded", "in_progress", "extended"}
#: history actions that end an appeal
CLOSING = {"returned", "left", "refused", "closed", "resolved"}
ESCALATION_POINTS = ("overdue-head", "overdue-leadership")


def _category(appeal) -> str:
    if appeal.procedure == "info_request":
        return "info_request"
    return appeal.appeal_type or ""


def _date(value):
    from datetime import date

    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def appeal_events(appeal, history, reminders, paths) -> list[dict]:
    """The fields of ``appeal``'s events (``addons.core.events.row``), in the order of its
    life. ``history``: its ``AppealEvent`` rows in order; ``reminders``: its escalation
    points ``(point, sent_at)``; ``paths``: tree paths of addressee pages by id."""
    from addons.core import events

    forwards = [item for item in history if item.action == "forwarded"]
    state = {
        "addressee": (forwards[0].data or {}).get("from", appeal.addressee_id) if forwards
        else appeal.addressee_id,
        "due": appeal.original_due_date or appeal.due_date,
        "status": next((item.from_status for item in history if item.from_status),
                       appeal.status),
    }
    rows = []

    def add(kind, at, actor=None, value=None):
        rows.append(events.row(
            RECORD_TYPE, appeal.pk, kind, site=appeal.site_id, at=at,
            addressee=state["addressee"], addressee_path=paths.get(state["addressee"], ""),
            reference=appeal.reference, category=_category(appeal), channel=appeal.source,
            actor=actor, public=False, due=state["due"], value=value, status=state["status"],
        ))

    filed = next((item for item in history if item.action == "filed"), None)
    add(events.RECEIVED, appeal.received_at,
        filed.actor_id if filed else (appeal.author_id or appeal.entered_by_id))
    answered = closed = rated = False
    first_forward = True
    for item in history:
        data = item.data or {}
        if item.to_status:
            state["status"] = item.to_status
        action, at, actor = item.action, item.created_at, item.actor_id
        if action in ("registered", "started"):
            add(events.STATUS_CHANGED, at, actor)
        elif action == "forwarded":
            previous = data.get("from")
            state["addressee"] = data.get("to", state["addressee"])
            routed = first_forward and previous != appeal.requested_addressee_id
            add(events.ROUTED if routed else events.FORWARDED, at, actor)
            first_forward = False
        elif action == "extended":
            state["due"] = _date(data.get("until")) or state["due"]
            add(events.EXTENDED, at, actor)
        elif action == "urgent":
            state["due"] = _date(data.get("until")) or state["due"]
            add(events.STATUS_CHANGED, at, actor)
        elif action == "replied":
            if not answered:
                add(events.FIRST_REPLY, at, actor)
                add(events.RESOLVED, at, actor)
            elif item.from_status in OPEN:
                add(events.RESOLVED, at, actor)
            answered = True
        elif action == "reopened":
            add(events.REOPENED, at, actor)
        elif action in CLOSING:
            add(events.CLOSED, at, actor)
            closed = True
        elif action == "rated":
            add(events.RATED, at, actor, value=data.get("rating"))
            rated = True
    # what the row knows and the history does not say (appeals older than their history)
    state["status"] = appeal.status
    state["addressee"] = appeal.addressee_id
    if not answered and appeal.answered_at:
        add(events.FIRST_REPLY, appeal.answered_at)
        add(events.RESOLVED, appeal.answered_at)
    if not closed and appeal.closed_at and appeal.status not in OPEN:
        add(events.CLOSED, appeal.closed_at)
    if not rated and appeal.rating and appeal.rated_at:
        add(events.RATED, appeal.rated_at, value=appeal.rating)
    if appeal.assignee_id and appeal.assigned_at:
        add(events.ASSIGNED, appeal.assigned_at)
    for _point, sent_at in reminders:
        add(events.ESCALATED, sent_at)
    rows.sort(key=lambda row: row["at"])
    return rows


def _build(apps, appeals: list, ServiceEvent) -> int:
    AppealEvent = apps.get_model("appeals", "AppealEvent")
    AppealReminder = apps.get_model("appeals", "AppealReminder")
    Page = apps.get_model("wagtailcore", "Page")
    ids = [appeal.pk for appeal in appeals]
    done = set(ServiceEvent.objects.filter(record_type=RECORD_TYPE, record_id__in=ids)
               .values_list("record_id", flat=True).distinct())
    appeals = [appeal for appeal in appeals if appeal.pk not in done]
    if not appeals:
        return 0
    ids = [appeal.pk for appeal in appeals]
    history: dict[int, list] = {}
    for item in (AppealEvent.objects.filter(appeal_id__in=ids)
                 .exclude(action__in=("viewed", "note", "commented", "anonymised"))
                 .only("appeal_id", "action", "actor_id", "from_status", "to_status", "data",
                       "created_at")
                 .order_by("appeal_id", "created_at", "pk").iterator()):
        history.setdefault(item.appeal_id, []).append(item)
    reminders: dict[int, list] = {}
    for appeal_id, point, sent_at in (AppealReminder.objects
                                      .filter(appeal_id__in=ids, point__in=ESCALATION_POINTS)
                                      .values_list("appeal_id", "point", "sent_at")):
        reminders.setdefault(appeal_id, []).append((point, sent_at))
    addressee_ids = {appeal.addressee_id for appeal in appeals}
    for items in history.values():
        for item in items:
            if item.action == "forwarded":
                for key in ("from", "to"):
                    if isinstance((item.data or {}).get(key), int):
                        addressee_ids.add(item.data[key])
    paths = dict(Page.objects.filter(id__in=addressee_ids).values_list("id", "path"))
    rows = []
    for appeal in appeals:
        rows.extend(appeal_events(appeal, history.get(appeal.pk, []),
                                  reminders.get(appeal.pk, []), paths))
    ServiceEvent.objects.bulk_create([ServiceEvent(**row) for row in rows], batch_size=BATCH)
    return len(rows)


def build_events(apps, schema_editor=None) -> int:
    """Write the events of every appeal that has none; returns how many were written."""
    Appeal = apps.get_model("appeals", "Appeal")
    ServiceEvent = apps.get_model("core", "ServiceEvent")
    written = 0
    batch = []
    fields = ("id", "site_id", "reference", "addressee_id", "requested_addressee_id",
              "procedure", "appeal_type", "source", "author_id", "entered_by_id", "status",
              "received_at", "original_due_date", "due_date", "answered_at", "closed_at",
              "rating", "rated_at", "assignee_id", "assigned_at")
    for appeal in Appeal.objects.only(*fields).order_by("pk").iterator(chunk_size=BATCH):
        batch.append(appeal)
        if len(batch) >= BATCH:
            written += _build(apps, batch, ServiceEvent)
            batch = []
    if batch:
        written += _build(apps, batch, ServiceEvent)
    return written


def remove_events(apps, schema_editor=None) -> None:
    apps.get_model("core", "ServiceEvent").objects.filter(record_type=RECORD_TYPE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0012_persons_from_appeals"),
        ("core", "0014_service_events"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="appealevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("filed", "Filed"), ("registered", "Registered"),
                    ("forwarded", "Forwarded"), ("started", "Handling started"),
                    ("extended", "Term extended"), ("replied", "Answered"),
                    ("commented", "Comment added"), ("note", "Internal note added"),
                    ("returned", "Returned as incomplete"), ("urgent", "Marked urgent"),
                    ("refused", "Refused"),
                    ("notified", "Applicant informed of the decision"),
                    ("left", "Left without consideration"), ("closed", "Closed"),
                    ("resolved", "Marked resolved by the applicant"),
                    ("reopened", "Taken in hand again after the answer"),
                    ("rated", "Answer rated"), ("viewed", "Viewed by staff"),
                    ("anonymised", "Personal data removed"),
                ],
                max_length=20, verbose_name="action",
            ),
        ),
        migrations.RunPython(build_events, remove_events),
    ]
