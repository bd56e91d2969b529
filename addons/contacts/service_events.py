"""The service events of the contact center's calls and visits (record type
``contacts.call``, not public), written by the service functions of ``services`` in the
transaction of the change, one INSERT each and nothing looked up.

- ``received``: an incoming call the phone system announced (CTI ``newCall``; an answer
  or hang-up of a call never announced creates it too), ``channel`` "phone", at the
  ring; a call or visit an operator logs by hand (an incoming one), with its channel;
- ``answered``: an operator picked the call up, ``value`` the seconds from the ring to the
  answer (a call logged by hand was answered, its time is unknown: no value);
- ``abandoned``: the caller hung up (or the phone system gave up) before any answer,
  ``status`` the phone system's cause;
- ``closed``: the operator's wrap-up, ``status`` "first_contact" when resolved at first
  contact, else the wrap-up code's title (``category`` its id); written again only when
  the outcome changes.

Not counted: outbound calls (the center's own work, not a citizen's demand) and the
automatic status line's calls (a caller it transfers to the operators reaches them as a
new call of the phone system). The contact center works for the whole town: its events
carry no addressee.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from addons.core import events

RECORD_TYPE = "contacts.call"
#: the automatic status line's calls (``voice.CALL_ID_PREFIX``)
STATUS_LINE_PREFIX = "voice:"


def counted(interaction) -> bool:
    """An incoming call or visit a citizen made to the contact center."""
    return (interaction.direction == "in"
            and not (interaction.call_id or "").startswith(STATUS_LINE_PREFIX))


def record(interaction, kind: str, **fields):
    """One event of ``interaction``: one INSERT (nothing for one not ``counted``)."""
    if not counted(interaction):
        return None
    fields.setdefault("channel", interaction.channel)
    return events.record(RECORD_TYPE, interaction.pk, kind, site=interaction.site_id,
                         reference=str(interaction.pk), public=False, **fields)


def received(interaction):
    return record(interaction, events.RECEIVED, at=interaction.started_at)


def answered(interaction, *, value=...):
    """``value``: the seconds from ring to answer, computed unless given (None: unknown)."""
    if value is ...:
        value = max((interaction.answered_at - interaction.started_at).total_seconds(), 0.0)
    return record(interaction, events.ANSWERED,
                  at=interaction.answered_at or interaction.started_at,
                  actor=interaction.operator_id, value=value)


def abandoned(interaction):
    return record(interaction, events.ABANDONED, at=interaction.ended_at,
                  status=interaction.cause or "abandoned")


def outcome(interaction) -> tuple:
    """What a wrap-up says: (wrap-up code id, resolved at first contact)."""
    return (interaction.wrap_up_id, bool(interaction.resolved_first_contact))


def closed(interaction, actor=None):
    wrap_up = interaction.wrap_up if interaction.wrap_up_id else None
    if interaction.resolved_first_contact:
        status = "first_contact"
    else:
        status = wrap_up.title[:40] if wrap_up is not None else "wrapped_up"
    return record(interaction, events.CLOSED, at=timezone.now(), actor=actor,
                  category=str(interaction.wrap_up_id or ""), status=status)


def admin_url(record_id) -> str:
    try:
        return reverse("contacts-admin:interaction", args=[record_id])
    except NoReverseMatch:
        return ""


def labels(site) -> dict:
    """Channels, and the wrap-up codes of ``site`` (the categories of closed calls)."""
    from .models import Channel, WrapUpCode

    codes = WrapUpCode.objects.filter(site=site).values_list("pk", "title")
    return {"channel": {code: str(label) for code, label in Channel.choices},
            "category": {str(pk): title for pk, title in codes}}
