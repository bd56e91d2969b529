"""Sending to a citizen on a conversation's channel, and recording what was sent."""

from __future__ import annotations

from .adapters import get_adapter
from .adapters.base import Outgoing
from .models import Conversation, Message


def say(conversation: Conversation, message: Outgoing, *, sent_by=None) -> Message:
    """Send ``message`` to the conversation's chat and record it (sent or failed). A
    platform that says the citizen blocked the bot marks the conversation ``blocked``."""
    result = get_adapter(conversation.channel).send(conversation.chat_id, message)
    row = Message.objects.create(
        conversation=conversation, direction=Message.Direction.OUTBOUND, kind="text",
        text=message.text,
        payload={"buttons": [[b.label, b.data] for b in message.buttons],
                 "ask_location": message.ask_location, "ask_contact": message.ask_contact,
                 "template": message.template, "retry_after": result.retry_after},
        external_id=result.external_id,
        status=Message.Status.SENT if result.ok else Message.Status.FAILED,
        error=result.error, sent_by=sent_by)
    if result.blocked and not conversation.blocked:
        conversation.blocked = True
        conversation.save(update_fields=["blocked", "updated_at"])
    return row
