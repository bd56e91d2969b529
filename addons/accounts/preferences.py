"""The citizen's preferred notification channel: chosen among the transports that reach
them (``NotificationTransport.can_reach``), kept on their person
(``Person.preferred_channel``); empty means the default chain."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from addons.core import registry


def channel_choices(person) -> list[tuple[str, str]]:
    """``[(key, title)]`` of the transports that reach ``person`` now, in chain order."""
    return [(item.key, str(item.title)) for item in registry.transports()
            if item.can_reach(None, person)]


def set_preferred_channel(person, key: str) -> None:
    """Keep ``key`` as ``person``'s preferred channel ("" for the default chain); a channel
    that does not reach them is refused (ValidationError)."""
    key = (key or "").strip()
    if key and key not in dict(channel_choices(person)):
        raise ValidationError(_("This channel cannot reach you. Choose one of the list."),
                              code="unreachable")
    person.preferred_channel = key
    person.save(update_fields=["preferred_channel", "updated_at"])
