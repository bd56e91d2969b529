"""The service events of existing chat conversations (``addons/channels/service_events.py``
writes them from now on).

Each conversation: "received" at its start with its platform; "answered" at the first reply
staff sent (the seconds from the citizen's last message before it); "closed" at the first
time staff handed it back to the assistant (the audit log's ``channels.hand_back``). Reports
filed through a chat before this were not marked in the conversation: those conversations
get no "closed". The conversations' drafts are marked as the live code marks them, so the
next staff reply or hand-back writes no second event.

Conversations that have events already are left alone, so running it again writes nothing.
Batched by 2,000 conversations. Going back deletes the chats' events and the marks."""

from django.db import migrations

RECORD_TYPE = "channels.chat"
MARKS = "service_events"
BATCH = 2000


def _first_answers(Message, ids):
    """{conversation id: (reply time, staff id, seconds waited)} of the first staff reply."""
    rows = (Message.objects.filter(conversation_id__in=ids)
            .filter(direction="in") | Message.objects.filter(
                conversation_id__in=ids, direction="out", sent_by__isnull=False,
                status="sent"))
    last_in, found = {}, {}
    for conversation_id, direction, sent_by_id, created_at in (
            rows.order_by("conversation_id", "created_at", "pk")
            .values_list("conversation_id", "direction", "sent_by_id", "created_at")):
        if conversation_id in found:
            continue
        if direction == "in":
            last_in[conversation_id] = created_at
        else:
            found[conversation_id] = (created_at, sent_by_id, last_in.get(conversation_id))
    return found


def forwards(apps, schema_editor):
    from addons.core.events import row

    Conversation = apps.get_model("channels", "Conversation")
    Message = apps.get_model("channels", "Message")
    ServiceEvent = apps.get_model("core", "ServiceEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("wagtailcore", "ModelLogEntry")
    content_type = ContentType.objects.filter(app_label="channels",
                                              model="conversation").first()
    done = set(ServiceEvent.objects.filter(record_type=RECORD_TYPE)
               .values_list("record_id", flat=True).distinct().iterator())

    def flush(batch):
        ids = [conversation.pk for conversation in batch]
        answers = _first_answers(Message, ids)
        handed_back = {}
        if content_type is not None:
            for object_id, timestamp, user_id in (
                    LogEntry.objects.filter(content_type=content_type,
                                            action="channels.hand_back",
                                            object_id__in=[str(pk) for pk in ids])
                    .order_by("timestamp", "pk")
                    .values_list("object_id", "timestamp", "user_id")):
                handed_back.setdefault(int(object_id), (timestamp, user_id))
        rows, marked = [], []
        for conversation in batch:
            common = {"site": conversation.site_id, "reference": str(conversation.pk),
                      "channel": conversation.channel.platform, "public": False}
            rows.append(row(RECORD_TYPE, conversation.pk, "received",
                            at=conversation.created_at, **common))
            marks = {}
            if conversation.pk in answers:
                at, staff_id, since = answers[conversation.pk]
                since = since or conversation.created_at
                rows.append(row(RECORD_TYPE, conversation.pk, "answered", at=at,
                                actor=staff_id,
                                value=max((at - since).total_seconds(), 0.0), **common))
                marks["answered"] = at.isoformat()
            if conversation.pk in handed_back:
                at, user_id = handed_back[conversation.pk]
                rows.append(row(RECORD_TYPE, conversation.pk, "closed", at=at,
                                actor=user_id, status="handed_back", **common))
                marks["closed"] = at.isoformat()
            if marks:
                draft = conversation.draft if isinstance(conversation.draft, dict) else {}
                draft[MARKS] = {**draft.get(MARKS, {}), **marks}
                conversation.draft = draft
                marked.append(conversation)
        ServiceEvent.objects.bulk_create([ServiceEvent(**values) for values in rows],
                                         batch_size=BATCH)
        Conversation.objects.bulk_update(marked, ["draft"], batch_size=BATCH)

    batch = []
    for conversation in (Conversation.objects.select_related("channel").order_by("pk")
                         .iterator(chunk_size=BATCH)):
        if conversation.pk in done:
            continue
        batch.append(conversation)
        if len(batch) >= BATCH:
            flush(batch)
            batch = []
    if batch:
        flush(batch)


def backwards(apps, schema_editor):
    Conversation = apps.get_model("channels", "Conversation")
    apps.get_model("core", "ServiceEvent").objects.filter(record_type=RECORD_TYPE).delete()
    marked = []
    for conversation in Conversation.objects.filter(draft__has_key=MARKS).iterator(
            chunk_size=BATCH):
        conversation.draft.pop(MARKS, None)
        marked.append(conversation)
        if len(marked) >= BATCH:
            Conversation.objects.bulk_update(marked, ["draft"])
            marked = []
    Conversation.objects.bulk_update(marked, ["draft"])


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0001_initial"),
        ("core", "0014_service_events"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
