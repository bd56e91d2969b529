"""What the notification-transport tests share.

``StandInAdapter`` stands in, in these tests only, for the platform adapters written
separately (Telegram, Viber, WhatsApp, Messenger): it talks HTTP to the local platform server
(``POST <api_base>/send``) and reads its answer the way the adapter contract says (2xx: sent;
403: the citizen blocked the bot; 429: ``retry_after`` seconds). ``TextOnlyAdapter`` is the
same without buttons. The platform-specific wire formats are tested with the real adapters.

``chat_person`` makes a citizen known only by a chat: a person, their verified chat identity
and a conversation with a channel of their town."""

from __future__ import annotations

from django.utils import timezone

from addons.accounts.models import Identity, Person, Verification
from addons.channels.adapters.base import Adapter, Sent, call_json
from addons.channels.models import Channel, Conversation


class StandInAdapter(Adapter):
    capabilities = frozenset({"buttons"})

    def send(self, chat_id, message) -> Sent:
        status, data = call_json("POST", f"{self.api_base}/send", {
            "chat_id": chat_id, "text": message.text,
            "buttons": [[button.label, button.data] for button in message.buttons],
            "template": message.template, "params": list(message.template_params),
            "language": message.language})
        if 200 <= status < 300:
            return Sent(ok=True, external_id=str(data.get("id", "")))
        if status == 403:
            return Sent(ok=False, error="blocked", blocked=True)
        if status == 429:
            return Sent(ok=False, error="too many requests",
                        retry_after=float(data.get("retry_after", 1)))
        return Sent(ok=False, error=f"HTTP {status}")


class TextOnlyAdapter(StandInAdapter):
    capabilities = frozenset()


def use_standin(monkeypatch, *platforms, adapter="StandInAdapter"):
    """The platforms' adapters played by the stand-in for this test."""
    from addons.channels import adapters

    for platform in platforms:
        monkeypatch.setitem(adapters.ADAPTERS, platform,
                            f"tests.channels.standin_adapter.{adapter}")


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
