"""The service events of the calls and visits already recorded
(``addons/contacts/service_events.py`` writes them from now on).

From each incoming interaction (outbound ones and the status line's calls are not counted):
"received" at its start with its channel; a phone call "answered" at ``answered_at`` (the
seconds from the ring), or "abandoned" when it ended unanswered, or — logged by hand —
"answered" without a time; "closed" at its last change when it was wrapped up (a summary,
a wrap-up code or resolved at first contact), status "first_contact" or the wrap-up
code's title.

Interactions that have events already are left alone, so running it again writes nothing.
Batched by 2,000. Going back deletes the calls' events."""

from django.db import migrations

from addons.core import events

RECORD_TYPE = "contacts.call"
BATCH = 2000


def _interaction_events(item, row):
    common = {"site": item["site_id"], "reference": str(item["pk"]),
              "channel": item["channel"], "public": False}
    found = [row(RECORD_TYPE, item["pk"], "received", at=item["started_at"], **common)]
    if item["channel"] == "phone":
        if item["answered_at"] is not None:
            value = max((item["answered_at"] - item["started_at"]).total_seconds(), 0.0)
            found.append(row(RECORD_TYPE, item["pk"], "answered", at=item["answered_at"],
                             actor=item["operator_id"], value=value, **common))
        elif item["call_id"] and item["ended_at"] is not None:
            found.append(row(RECORD_TYPE, item["pk"], "abandoned", at=item["ended_at"],
                             status=item["cause"] or "abandoned", **common))
        elif not item["call_id"]:
            found.append(row(RECORD_TYPE, item["pk"], "answered", at=item["started_at"],
                             actor=item["operator_id"], **common))
    if item["summary"] or item["wrap_up_id"] or item["resolved_first_contact"]:
        if item["resolved_first_contact"]:
            status = "first_contact"
        else:
            status = (item["wrap_up__title"] or "wrapped_up")[:40]
        found.append(row(RECORD_TYPE, item["pk"], "closed", at=item["updated_at"],
                         actor=item["operator_id"], status=status,
                         category=str(item["wrap_up_id"] or ""), **common))
    return found


def forwards(apps, schema_editor):
    from addons.core.events import row

    Interaction = apps.get_model("contacts", "Interaction")
    ServiceEvent = apps.get_model("core", "ServiceEvent")
    done = set(ServiceEvent.objects.filter(record_type=RECORD_TYPE)
               .values_list("record_id", flat=True).distinct().iterator())
    fields = ("pk", "site_id", "channel", "call_id", "started_at", "answered_at", "ended_at",
              "cause", "summary", "wrap_up_id", "wrap_up__title", "resolved_first_contact",
              "operator_id", "updated_at")
    rows = (Interaction.objects.filter(direction="in").exclude(call_id__startswith="voice:")
            .order_by("pk").values(*fields))
    pending = []
    for item in rows.iterator(chunk_size=BATCH):
        if item["pk"] in done:
            continue
        pending.extend(ServiceEvent(**values) for values in _interaction_events(item, row))
        if len(pending) >= BATCH:
            ServiceEvent.objects.bulk_create(pending, batch_size=BATCH)
            pending = []
    if pending:
        ServiceEvent.objects.bulk_create(pending, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0002_console"),
        ("core", "0014_service_events"),
    ]

    operations = [migrations.RunPython(forwards, events.removal(RECORD_TYPE))]
