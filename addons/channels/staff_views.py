"""The staff inbox of the chats, in the Wagtail admin (/admin/channels/, namespace
``channels-admin``): the conversations of the town worked on, those waiting for staff, and
a conversation's page with its history, a reply form, "take over" and "hand back to the
assistant".

Chats are confidential. The contact center's staff (``contacts.use_console``) and
superusers see every conversation of their town; other staff see those they took over
(``staff_owner``) and those the dialogue handed to an addressee whose records reach them
(``Conversation.draft["addressee_id"]``, core's staffing rule). Anyone else gets an empty
list, and 404 on a conversation. Each opening is logged in Wagtail's audit log
(``channels.open``) and, when the chat is linked to a citizen record, in that person's log
of openings (``PersonAccess``)."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from wagtail.log_actions import log

from addons.core.casework.desk import work_site

from .adapters.base import Outgoing
from .models import Conversation, Message
from .outbound import say

CONSOLE_PERMISSION = "contacts.use_console"
PAGE_SIZE = 50
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


def inbox_staff(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_use_inbox(request.user):
            raise PermissionDenied
        request.channels_site = work_site(request)
        if request.channels_site is None:
            raise Http404
        return never_cache(view)(request, *args, **kwargs)

    return wrapper


def _conversation(request, pk) -> Conversation:
    return get_object_or_404(
        visible_conversations(request.user, request.channels_site)
        .select_related("channel", "person", "staff_owner"), pk=pk)


class ReplyForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Reply"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 4}))


@inbox_staff
def conversations(request):
    waiting = request.GET.get("waiting") == "1"
    rows = visible_conversations(request.user, request.channels_site).select_related(
        "channel", "staff_owner")
    if waiting:
        rows = rows.filter(with_staff=True)
    page = Paginator(rows.order_by("-updated_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("p"))
    return render(request, "channels/admin/conversations.html", {
        "page": page, "waiting": waiting,
        "elided_page_range": page.paginator.get_elided_page_range(page.number)})


def _log(conversation, action, user, **data):
    log(conversation, action, user=user, title=str(conversation),
        data={"conversation": conversation.pk, **data})


@inbox_staff
def conversation(request, pk):
    item = _conversation(request, pk)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sent = say(item, Outgoing(text=form.cleaned_data["text"]), sent_by=request.user)
        _log(item, "channels.reply", request.user, message=sent.pk)
        if sent.status == Message.Status.SENT:
            messages.success(request, _("The reply was sent."))
            return redirect("channels-admin:conversation", item.pk)
        # the typed reply stays in the form, with the platform's reason
        form.add_error(None, _("The reply could not be sent: %(reason)s")
                       % {"reason": sent.error or _("the platform gave no reason")})
    elif request.method == "GET":
        _log(item, "channels.open", request.user)
        if item.person_id:
            from addons.accounts.models import PersonAccess

            PersonAccess.objects.create(person=item.person, user=request.user, what="chat")
    history = item.messages.select_related("sent_by").order_by("created_at", "pk")
    return render(request, "channels/admin/conversation.html", {
        "conversation": item, "history": history, "form": form,
        "addressee_id": (item.draft or {}).get("addressee_id")})


@require_POST
@inbox_staff
def take_over(request, pk):
    item = _conversation(request, pk)
    item.with_staff, item.staff_owner = True, request.user
    item.save(update_fields=["with_staff", "staff_owner", "updated_at"])
    _log(item, "channels.take_over", request.user)
    messages.success(request, _("You answer this conversation now; the assistant is silent."))
    return redirect("channels-admin:conversation", item.pk)


@require_POST
@inbox_staff
def hand_back(request, pk):
    item = _conversation(request, pk)
    item.with_staff = False
    item.save(update_fields=["with_staff", "updated_at"])
    _log(item, "channels.hand_back", request.user)
    messages.success(request, _("The assistant answers this conversation again."))
    return redirect("channels-admin:conversation", item.pk)
