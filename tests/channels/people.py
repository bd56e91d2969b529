"""What the notification-transport tests share: ``chat_person`` makes a citizen known only by
a chat (a person, their verified chat identity and a conversation with a channel of their
town); ``add_identity`` gives them another identity."""

from __future__ import annotations

from django.utils import timezone

from addons.accounts.models import Identity, Person, Verification
from addons.channels.models import Channel, Conversation


def chat_person(site, platform="webchat", *, chat_id="chat-1", api_base="", options=None,
                last_inbound_at=None, name="Ivan", **person_fields):
    """``(person, conversation)`` of a citizen who wrote to ``platform`` on ``site``."""
    channel = Channel.objects.filter(site=site, platform=platform).first() or \
        Channel.objects.create(site=site, platform=platform, api_base=api_base,
                               options=options or {})
    person = Person.objects.create(site=site, full_name=name, **person_fields)
    Identity.objects.create(person=person, site=site, kind=platform, value=chat_id,
                            verified_at=timezone.now(), verified_how=Verification.CHANNEL)
    conversation = Conversation.objects.create(
        channel=channel, site=site, chat_id=chat_id, user_id=chat_id, person=person,
        language=person.language or "en",
        last_inbound_at=last_inbound_at if last_inbound_at is not None else timezone.now())
    return person, conversation


def add_identity(person, kind, value, *, verified=True):
    return Identity.objects.create(person=person, site=person.site, kind=kind, value=value,
                                   verified_at=timezone.now() if verified else None,
                                   verified_how=Verification.OPERATOR if verified else "")
