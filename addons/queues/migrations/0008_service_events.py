"""The service events of the tickets that already exist (``addons/queues/service_events.py``
writes them from now on).

Each ticket gets "booked" (its creation; due its start; channel its source), then the
desk's marks and cancellations read from the audit log (``queues.arrived``,
``queues.served``, ``queues.no_show``, ``queues.cancel``) at their logged times, "served"
with the seconds from the later of its start and the arrival logged before it. A ticket
whose status has no logged step gets the step its status says, at its last change.
Moves were never logged: the booked event carries the ticket's present start.

Tickets that have events already are left alone, so running it again writes nothing.
Batched: 2,000 tickets and their log entries at a time. Going back deletes the tickets'
events."""

from django.db import migrations

from addons.core import events

RECORD_TYPE = "queues.ticket"
BATCH = 2000
LOGGED = {"queues.arrived": "arrived", "queues.served": "served",
          "queues.no_show": "no_show", "queues.cancel": "cancelled"}


def _waited(start, arrived, served):
    begin = max(start, arrived) if arrived is not None else start
    return max((served - begin).total_seconds(), 0.0)


def _ticket_events(ticket, logs, row):
    """The events of one ticket (a dict of its values) from its log entries, in time
    order."""
    common = {"site": ticket["queue__site_id"], "addressee": ticket["queue__addressee_id"],
              "addressee_path": ticket["queue__addressee__path"] or "",
              "reference": f"TK-{ticket['pk']:06d}",
              "category": str(ticket["service_id"] or ""), "channel": ticket["source"] or "",
              "public": True}
    found = [row(RECORD_TYPE, ticket["pk"], "booked", at=ticket["created"],
                 due=ticket["start"], actor=ticket["entered_by_id"] or ticket["citizen_id"],
                 status="booked", **common)]
    arrived, kinds = None, set()
    for action, timestamp, user_id in logs:
        kind = LOGGED[action]
        kinds.add(kind)
        value = None
        if kind == "arrived":
            arrived = timestamp
        elif kind == "served":
            value = _waited(ticket["start"], arrived, timestamp)
        found.append(row(RECORD_TYPE, ticket["pk"], kind, at=timestamp, actor=user_id,
                         value=value, status=kind, **common))
    status = ticket["status"]
    if status != "booked" and status not in kinds:
        value = _waited(ticket["start"], arrived, ticket["updated"]) if status == "served" \
            else None
        found.append(row(RECORD_TYPE, ticket["pk"], status, at=ticket["updated"],
                         value=value, status=status, **common))
    return found


def forwards(apps, schema_editor):
    from addons.core.events import row

    Ticket = apps.get_model("queues", "Ticket")
    ServiceEvent = apps.get_model("core", "ServiceEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("wagtailcore", "ModelLogEntry")
    content_type = ContentType.objects.filter(app_label="queues", model="ticket").first()
    done = set(ServiceEvent.objects.filter(record_type=RECORD_TYPE)
               .values_list("record_id", flat=True).distinct().iterator())
    fields = ("pk", "queue__site_id", "queue__addressee_id", "queue__addressee__path",
              "service_id", "source", "created", "updated", "start", "status",
              "entered_by_id", "citizen_id")
    batch = []

    def flush():
        logs = {}
        if content_type is not None:
            entries = (LogEntry.objects
                       .filter(content_type=content_type, action__in=list(LOGGED),
                               object_id__in=[str(ticket["pk"]) for ticket in batch])
                       .order_by("timestamp", "pk")
                       .values_list("object_id", "action", "timestamp", "user_id"))
            for object_id, action, timestamp, user_id in entries:
                logs.setdefault(int(object_id), []).append((action, timestamp, user_id))
        rows = []
        for ticket in batch:
            rows.extend(_ticket_events(ticket, logs.get(ticket["pk"], []), row))
        ServiceEvent.objects.bulk_create([ServiceEvent(**values) for values in rows],
                                         batch_size=BATCH)
        batch.clear()

    for ticket in Ticket.objects.order_by("pk").values(*fields).iterator(chunk_size=BATCH):
        if ticket["pk"] in done:
            continue
        batch.append(ticket)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()


class Migration(migrations.Migration):
    dependencies = [
        ("queues", "0007_persons_from_tickets"),
        ("core", "0014_service_events"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, events.removal(RECORD_TYPE))]
