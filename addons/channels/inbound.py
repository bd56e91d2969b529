"""From a checked delivery to the dialogue: each event is stored once (``Inbound``, unique
per platform id), the webhook answers, and django-q2 runs :func:`process`, which finds or
opens the conversation, records the message and hands it to the dialogue."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import service_events
from .adapters.base import InboundEvent
from .models import Conversation, Inbound, Message

logger = logging.getLogger(__name__)


def store(channel, events: list[InboundEvent]) -> list[int]:
    """Store the events not seen before and queue their work once the transaction commits.
    Returns the ids of the new rows (a repeated delivery gives none)."""
    created = []
    for event in events:
        if not event.external_id or not event.chat_id:
            continue
        try:
            with transaction.atomic():
                row = Inbound.objects.create(channel=channel, external_id=event.external_id,
                                             chat_id=event.chat_id, event=event.to_json())
        except IntegrityError:
            continue
        created.append(row.pk)
    for pk in created:
        transaction.on_commit(lambda pk=pk: enqueue(pk))
    return created


def enqueue(pk: int) -> None:
    from django_q.tasks import async_task

    async_task("addons.channels.inbound.process", pk, task_name=f"channels-inbound-{pk}")


def conversation_for(channel, event: InboundEvent) -> Conversation:
    conversation, created = Conversation.objects.get_or_create(
        channel=channel, chat_id=event.chat_id,
        defaults={"site_id": channel.site_id, "user_id": event.user_id,
                  "display_name": event.name[:200]})
    if created:
        service_events.received(conversation, channel.platform)
    return conversation


def process(pk: int) -> str:
    """Do the work of one stored event (idempotent: a row already done is skipped)."""
    from . import dialogue

    with transaction.atomic():
        row = (Inbound.objects.select_for_update().select_related("channel")
               .filter(pk=pk).first())
        if row is None or row.state == Inbound.State.DONE:
            return "skipped"
        event = InboundEvent.from_json(row.event)
        conversation = conversation_for(row.channel, event)
        now = timezone.now()
        Message.objects.create(conversation=conversation, direction=Message.Direction.INBOUND,
                               kind=event.kind, text=event.text[:4000],
                               payload=row.event, external_id=event.external_id)
        conversation.last_inbound_at = now
        if conversation.blocked:
            conversation.blocked = False  # they wrote again: the bot is not blocked any more
        conversation.save(update_fields=["last_inbound_at", "blocked", "updated_at"])
        row.state, row.done_at = Inbound.State.DONE, now
        row.save(update_fields=["state", "done_at"])
    try:
        dialogue.handle(conversation, event)
    except Exception as error:  # the delivery is kept; staff see the failure
        logger.exception("Channels: the dialogue failed on delivery %s.", pk)
        Inbound.objects.filter(pk=pk).update(state=Inbound.State.FAILED, error=str(error))
        return "failed"
    return "done"
