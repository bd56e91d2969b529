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
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from addons.core.casework.desk import work_site

from .inbox import (
    hand_back_by,
    may_use_inbox,
    opened,
    reply,
    take_over_by,
    visible_conversations,
)
from .models import Conversation, Message

PAGE_SIZE = 50


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


@inbox_staff
def conversation(request, pk):
    item = _conversation(request, pk)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sent = reply(item, form.cleaned_data["text"], request.user)
        if sent.status == Message.Status.SENT:
            messages.success(request, _("The reply was sent."))
            return redirect("channels-admin:conversation", item.pk)
        # the typed reply stays in the form, with the platform's reason
        form.add_error(None, _("The reply could not be sent: %(reason)s")
                       % {"reason": sent.error or _("the platform gave no reason")})
    elif request.method == "GET":
        opened(item, request.user)
    history = item.messages.select_related("sent_by").order_by("created_at", "pk")
    return render(request, "channels/admin/conversation.html", {
        "conversation": item, "history": history, "form": form,
        "addressee_id": (item.draft or {}).get("addressee_id")})


@require_POST
@inbox_staff
def take_over(request, pk):
    item = _conversation(request, pk)
    take_over_by(item, request.user)
    messages.success(request, _("You answer this conversation now; the assistant is silent."))
    return redirect("channels-admin:conversation", item.pk)


@require_POST
@inbox_staff
def hand_back(request, pk):
    item = _conversation(request, pk)
    hand_back_by(item, request.user)
    messages.success(request, _("The assistant answers this conversation again."))
    return redirect("channels-admin:conversation", item.pk)
