"""Notifications on chats: one ``NotificationTransport`` per platform (``ChannelsConfig``).

A notification reaches a person on a platform when they have a conversation there with an
enabled channel of their town that is not blocked (a conversation taken over by staff is
still told). Before anything is sent, the platform's rules (``RULES``, keyed on
``Channel.platform``) say whether and how it may be:

- Telegram and the site chat: any time (a rate limit's ``retry_after`` is honoured);
- WhatsApp: free text within 24 hours of the citizen's last message; later only an approved
  template in the notification's language (``options["templates"][language] = {"name": ...,
  "params": [...]}``, each param a key of the notification's context, or ``subject``,
  ``body``, ``url``, ``reference``); with none, the next channel;
- Messenger: within 24 hours of the citizen's last message, else the next channel;
- Viber: a message that answers no citizen message of the last 24 hours is started by the
  bot and paid: only where ``options["paid_messages"]`` is true, and at most
  ``options["monthly_cap"]`` of them a month (counted from the paid messages sent this
  month on that channel), else the next channel.

Only a send the rules allow goes to the adapter (``outbound.say``). A notification carrying
``feedback_reference`` in its context (a report marked resolved) gets the buttons
``fb:confirm:<ref>``, ``fb:reopen:<ref>`` and ``fb:rate:<1-5>:<ref>`` on a platform with
buttons, a short instruction elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from addons.core.addon import TransportResult
from addons.core.notifications import absolute_link, message_text

from .adapters import adapter_class
from .adapters.base import Button, Outgoing
from .models import Conversation, Message

#: how long after the citizen's last message WhatsApp, Messenger and Viber take free messages
WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Permit:
    """What a platform's rules allow now: ``allowed``, or ``reason``; ``template``: the
    approved template to send instead of free text; ``paid``: a bot-initiated paid message."""

    allowed: bool
    reason: str = ""
    template: dict | None = None
    paid: bool = False


def within_window(conversation: Conversation, now) -> bool:
    """Whether the citizen wrote in the last 24 hours."""
    last = conversation.last_inbound_at
    return last is not None and now - last < WINDOW


def any_time(conversation, notification, now) -> Permit:
    return Permit(True)


def whatsapp(conversation, notification, now) -> Permit:
    if within_window(conversation, now):
        return Permit(True)
    templates = (conversation.channel.options or {}).get("templates") or {}
    language = notification.language or conversation.language
    template = templates.get(language) if isinstance(templates, dict) else None
    if isinstance(template, dict) and template.get("name"):
        return Permit(True, template=template)
    return Permit(False, f"outside WhatsApp's 24-hour window, no approved template in "
                         f"{language or 'this language'}")


def messenger(conversation, notification, now) -> Permit:
    if within_window(conversation, now):
        return Permit(True)
    return Permit(False, "outside Messenger's 24-hour window")


def paid_this_month(channel, now) -> int:
    """The bot-initiated (paid) messages sent on ``channel`` since the month began."""
    start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return Message.objects.filter(
        conversation__channel=channel, direction=Message.Direction.OUTBOUND,
        status=Message.Status.SENT, created_at__gte=start, payload__paid=True).count()


def viber(conversation, notification, now) -> Permit:
    if within_window(conversation, now):
        return Permit(True)
    options = conversation.channel.options or {}
    if options.get("paid_messages") is not True:
        return Permit(False, "Viber's bot-initiated messages are not enabled")
    cap = options.get("monthly_cap")
    if cap is not None and paid_this_month(conversation.channel, now) >= int(cap):
        return Permit(False, "Viber's monthly cap of paid messages is reached")
    return Permit(True, paid=True)


RULES = {"telegram": any_time, "webchat": any_time, "whatsapp": whatsapp,
         "messenger": messenger, "viber": viber}


def permit(conversation: Conversation, notification, now=None) -> Permit:
    """What the rules of the conversation's platform allow for ``notification`` now."""
    rule = RULES.get(conversation.channel.platform)
    if rule is None:
        return Permit(False, f"no rules for {conversation.channel.platform}")
    return rule(conversation, notification, now or timezone.now())


def conversations(person, platform: str):
    """``person``'s conversations on ``platform`` that can be written to: an enabled channel
    of their town, not blocked; the chat they wrote in last first. A conversation belongs
    to the person by its link or by their verified chat identity."""
    from addons.accounts.models import Identity

    user_ids = Identity.objects.filter(person=person, kind=platform,
                                       verified_at__isnull=False).values("value")
    return (Conversation.objects
            .filter(Q(person=person) | Q(person__merged_into=person) | Q(user_id__in=user_ids),
                    channel__platform=platform, channel__enabled=True,
                    channel__site_id=person.site_id, blocked=False)
            .select_related("channel")
            .order_by("-last_inbound_at", "-pk"))


def reaches(notification, person, channel) -> bool:
    """Whether ``person`` has a conversation on the platform ``channel`` that can be
    written to, on a town where the add-on is enabled (the platform's time rules are
    applied when sending)."""
    from addons.core.activation import is_enabled

    if person is None or not is_enabled("channels", site=person.site):
        return False
    return conversations(person, channel).exists()


def _template_params(template: dict, notification) -> tuple[str, ...]:
    context = notification.context or {}
    known = {"subject": notification.subject, "body": notification.body,
             "url": absolute_link(notification),
             "reference": str(context.get("feedback_reference") or
                              context.get("tracking_number") or "")}
    return tuple(str(known[name] if name in known else context.get(name, ""))
                 for name in template.get("params") or ())


def _feedback(notification, capabilities) -> tuple[tuple[Button, ...], str]:
    """The buttons of a "resolved" notification, or the instruction where there are none."""
    reference = (notification.context or {}).get("feedback_reference")
    if not reference:
        return (), ""
    with translation.override(notification.language or None):
        if "buttons" not in capabilities:
            return (), _("Is the problem solved? Confirm it, say it is not, or rate the work "
                         "from 1 to 5 at the link above.")
        buttons = [Button(_("Solved"), f"fb:confirm:{reference}"),
                   Button(_("Not solved"), f"fb:reopen:{reference}")]
        buttons += [Button("★" * mark, f"fb:rate:{mark}:{reference}") for mark in range(1, 6)]
    return tuple(buttons), ""


def outgoing(conversation: Conversation, notification, allowed: Permit) -> Outgoing:
    """The message carrying ``notification`` on the conversation's platform."""
    text = message_text(notification)
    language = notification.language or conversation.language
    if allowed.template:
        return Outgoing(text=text, template=allowed.template["name"],
                        template_params=_template_params(allowed.template, notification),
                        language=language)
    adapter = adapter_class(conversation.channel.platform)
    buttons, instruction = _feedback(notification, getattr(adapter, "capabilities", ()))
    if instruction:
        text = f"{text}\n\n{instruction}"
    return Outgoing(text=text, buttons=buttons, language=language)


def send(notification, person, channel) -> TransportResult:
    """Carry ``notification`` to ``person`` on the platform ``channel``, if its rules allow
    it now. A rate limit is tried again after the time the platform asked; a blocked bot
    (the conversation is marked) or any other refusal passes to the next channel."""
    from .outbound import say

    now = timezone.now()
    reasons = []
    for conversation in conversations(person, channel):
        allowed = permit(conversation, notification, now)
        if not allowed.allowed:
            reasons.append(allowed.reason)
            continue
        message = say(conversation, outgoing(conversation, notification, allowed))
        message.payload = {**message.payload, "notification": notification.pk,
                           "paid": allowed.paid}
        message.save(update_fields=["payload"])
        if message.status == Message.Status.SENT:
            return TransportResult(True, message.external_id)
        retry_after = message.payload.get("retry_after")
        if retry_after is not None:
            return TransportResult(False, message.error or "rate limited",
                                   retry_after=float(retry_after))
        conversation.refresh_from_db(fields=["blocked"])
        reasons.append("the citizen blocked the bot" if conversation.blocked
                       else message.error or "refused")
    return TransportResult(False, "; ".join(reasons) or "no conversation to write to")
