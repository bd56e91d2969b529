"""The conversation with a citizen (see README)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .adapters.base import InboundEvent, Outgoing
from .outbound import say


def handle(conversation, event: InboundEvent) -> None:
    """Answer one event of a conversation."""
    if conversation.with_staff:
        return
    say(conversation, Outgoing(text=_("This is the city's automated assistant.")))
