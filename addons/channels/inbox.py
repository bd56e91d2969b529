"""Who may read the town's chats and what staff do in them, shared by the admin inbox and
anything else that shows or changes a conversation (see ``staff_views``).

Chats are confidential: the contact center's staff (``contacts.use_console``) and superusers
see every conversation of their town; other staff those they took over (``staff_owner``) and
those the dialogue handed to an addressee whose records reach them
(``Conversation.draft["addressee_id"]``, core's staffing rule)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from . import service_events
from .adapters.base import Outgoing
from .models import Conversation, Message
from .outbound import say

CONSOLE_PERMISSION = "contacts.use_console"
#: the audit log's actions of the inbox (registered in wagtail_hooks.py)
LOG_ACTIONS = {
    "channels.open": gettext_lazy("Open chat conversation"),
    "channels.reply": gettext_lazy("Reply in chat conversation"),
    "channels.take_over": gettext_lazy("Take over chat conversation"),
    "channels.hand_back": gettext_lazy("Hand chat conversation back to the assistant"),
}


def sees_every_chat(user) -> bool:
    """The contact center's staff and superusers: every conversation of their town."""
    return bool(user.is_active and (user.is_superuser or user.has_perm(CONSOLE_PERMISSION)))


def visible_conversations(user, site):
    """The conversations of ``site`` that ``user`` may read."""
    rows = Conversation.objects.filter(site=site)
    if sees_every_chat(user):
        return rows
    if not (user.is_active and user.has_perm("wagtailadmin.access_admin")):
        return rows.none()
    from addons.core.staffing import handled_addressee_ids

    handled = handled_addressee_ids(user, site)
    mine = Q(staff_owner=user)
    if handled:
        mine |= Q(draft__addressee_id__in=sorted(handled))
    return rows.filter(mine)


def may_use_inbox(user) -> bool:
    """Shown the menu item: staff who may have chats to answer."""
    return bool(user.is_active and (sees_every_chat(user)
                                    or user.has_perm("wagtailadmin.access_admin")))


def _log(conversation, action, user, **data):
    log(conversation, action, user=user, title=str(conversation),
        data={"conversation": conversation.pk, **data})


def opened(conversation, user) -> None:
    """A member of staff opened the conversation: the audit log, and the person's log of
    openings when the chat is linked to a citizen record."""
    _log(conversation, "channels.open", user)
    if conversation.person_id:
        from addons.accounts.models import PersonAccess

        PersonAccess.objects.create(person=conversation.person, user=user, what="chat")


def reply(conversation, text: str, user) -> Message:
    """Send staff's reply on the conversation's channel, recorded with who sent it; the
    first one sent is the conversation's answer (``service_events.answered``)."""
    with transaction.atomic():
        sent = say(conversation, Outgoing(text=text), sent_by=user)
        _log(conversation, "channels.reply", user, message=sent.pk)
        if sent.status == Message.Status.SENT and service_events.answered(
                conversation, user, conversation.channel.platform):
            conversation.save(update_fields=["draft"])
    return sent


def take_over_by(conversation, user) -> None:
    """``user`` answers the conversation now; the assistant stays silent."""
    conversation.with_staff, conversation.staff_owner = True, user
    conversation.save(update_fields=["with_staff", "staff_owner", "updated_at"])
    _log(conversation, "channels.take_over", user)


def hand_back_by(conversation, user) -> None:
    """The assistant answers the conversation again."""
    with transaction.atomic():
        conversation.with_staff = False
        service_events.closed(conversation, "handed_back", conversation.channel.platform,
                              actor=user)
        conversation.save(update_fields=["with_staff", "draft", "updated_at"])
        _log(conversation, "channels.hand_back", user)
