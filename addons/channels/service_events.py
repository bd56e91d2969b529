"""The service events of chat conversations (record type ``channels.chat``, not public),
one INSERT each and nothing looked up.

The record is the conversation (one citizen's chat with one channel):

- ``received``: the conversation's first message (the conversation is opened),
  ``channel`` the platform (telegram, viber, whatsapp, messenger, webchat);
- ``answered``: the first reply a member of staff sent (the assistant answers every
  message within a second, so its replies say nothing of the service), ``value`` the
  seconds from the moment the citizen asked for a person (the dialogue's "operator"
  choice), else from the citizen's last message before the reply;
- ``closed``: the conversation's business ended the first time: the dialogue filed the
  citizen's report (``status`` "filed") or staff handed the conversation back to the
  assistant (``status`` "handed_back").

"First" is kept in the conversation's ``draft`` (``draft["service_events"]``), saved with
the conversation's own change. Conversations carry no addressee: the contact center answers
them for the whole town.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from addons.core import events

RECORD_TYPE = "channels.chat"
MARKS = "service_events"
#: when the citizen asked for a person (set by the dialogue's "operator" choice)
ASKED = "staff_asked_at"


def _marks(conversation) -> dict:
    if not isinstance(conversation.draft, dict):
        conversation.draft = {}
    return conversation.draft.setdefault(MARKS, {})


def record(conversation, kind: str, *, platform: str, **fields):
    return events.record(RECORD_TYPE, conversation.pk, kind, site=conversation.site_id,
                         reference=str(conversation.pk), channel=platform, public=False,
                         **fields)


def received(conversation, platform: str):
    return record(conversation, events.RECEIVED, platform=platform,
                  at=conversation.created_at or timezone.now())


def asked_for_staff(conversation, now=None) -> None:
    """The citizen asked for a person: the wait for the first answer starts (kept in the
    draft the dialogue saves)."""
    if not isinstance(conversation.draft, dict):
        conversation.draft = {}
    conversation.draft.setdefault(ASKED, (now or timezone.now()).isoformat())


def waiting_since(conversation):
    asked = (conversation.draft or {}).get(ASKED) if isinstance(conversation.draft,
                                                               dict) else None
    if asked:
        try:
            return datetime.fromisoformat(asked)
        except ValueError:
            pass
    return conversation.last_inbound_at or conversation.created_at


def answered(conversation, user, platform: str) -> bool:
    """The first staff reply of ``conversation``: write "answered" and mark the draft.
    True when written (the caller saves ``draft``)."""
    marks = _marks(conversation)
    if marks.get("answered"):
        return False
    now = timezone.now()
    since = waiting_since(conversation)
    value = max((now - since).total_seconds(), 0.0) if since else None
    record(conversation, events.ANSWERED, platform=platform, at=now, actor=user, value=value)
    marks["answered"] = now.isoformat()
    conversation.draft.pop(ASKED, None)
    return True


def closed(conversation, status: str, platform: str, actor=None) -> bool:
    """The first end of the conversation's business: write "closed" and mark the draft.
    True when written (the caller saves ``draft``)."""
    marks = _marks(conversation)
    if marks.get("closed"):
        return False
    now = timezone.now()
    record(conversation, events.CLOSED, platform=platform, at=now, actor=actor, status=status)
    marks["closed"] = now.isoformat()
    return True


def admin_url(record_id) -> str:
    try:
        return reverse("channels-admin:conversation", args=[record_id])
    except NoReverseMatch:
        return ""


def labels(site) -> dict:
    from .models import Platform

    return {"channel": {code: str(label) for code, label in Platform.choices}}
