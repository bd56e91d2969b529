"""The site chat's endpoints, under ``/channels/chat/<key>/`` (the town's enabled site chat;
another town's channel or an unknown key is 404).

- ``start`` (GET): gives the visitor a random chat token in a cookie (HttpOnly, only sent to
  these URLs, so the public pages stay shared from the cache) and the CSRF token, with the
  conversation so far when the visitor comes back;
- ``send`` (POST, CSRF): a text, a photo (multipart), a location or a pressed button,
  stored as an event exactly as the platforms' webhooks do (``inbound.store``); the
  client's own message id makes a retried POST create nothing new. Rate-limited per chat,
  with one polite answer;
- ``poll`` (GET): the answers after a message id, with their buttons.

The conversation's ``chat_id`` and the chat identity's value (kind ``webchat``) are the
token."""

from __future__ import annotations

import hashlib
import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.core import is_ratelimited

from . import inbound
from .adapters.base import MAX_DOWNLOAD, InboundEvent, Outgoing
from .adapters.webchat import WebChatAdapter, photo_extension
from .models import Conversation, Inbound, Message, Platform
from .outbound import say
from .views import channel_of

COOKIE = "civicdesk_chat"
COOKIE_AGE = 30 * 24 * 3600
TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
MAX_TEXT = 4000
#: messages a chat may send (django-ratelimit's rate)
DEFAULT_RATE = "20/m"
#: seconds during which a flooding chat gets one polite answer only
FLOOD_WINDOW = 60


def max_photo() -> int:
    return min(getattr(settings, "CIVICDESK_CHANNELS_WEBCHAT_MAX_PHOTO", MAX_DOWNLOAD),
               MAX_DOWNLOAD)


def _channel(request, key):
    return channel_of(request, Platform.WEBCHAT, key)


def _token(request) -> str:
    token = request.COOKIES.get(COOKIE, "")
    return token if TOKEN.fullmatch(token) else ""


def _refuse(message, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "error": str(message)}, status=status)


def _message_json(message: Message) -> dict:
    return {
        "id": message.pk,
        "direction": message.direction,
        "text": message.text,
        "buttons": [{"label": label, "data": data}
                    for label, data in (message.payload or {}).get("buttons") or []],
        "ask_location": bool((message.payload or {}).get("ask_location")),
        "photo": message.kind == "photo",
    }


def _conversation(channel, token):
    if not token:
        return None
    return Conversation.objects.filter(channel=channel, chat_id=token).first()


@require_GET
@never_cache
def start(request, key):
    channel = _channel(request, key)
    token = _token(request) or secrets.token_urlsafe(32)
    conversation = _conversation(channel, token)
    history = [_message_json(m) for m in conversation.messages.all()] if conversation else []
    response = JsonResponse({"csrf": get_token(request), "messages": history})
    response.set_cookie(COOKIE, token, max_age=COOKIE_AGE, path=f"/channels/chat/{key}/",
                        secure=request.is_secure(), httponly=True, samesite="Lax")
    return response


@require_GET
@never_cache
def poll(request, key):
    channel = _channel(request, key)
    try:
        after = max(int(request.GET.get("after") or 0), 0)
    except ValueError:
        return _refuse(_("The request could not be read."))
    conversation = _conversation(channel, _token(request))
    rows = (conversation.messages.filter(direction=Message.Direction.OUTBOUND, pk__gt=after)
            if conversation else [])
    return JsonResponse({"messages": [_message_json(m) for m in rows]})


def _chat_key(group, request):
    return f"webchat:{_token(request)}"


def _limited(request, channel, token) -> JsonResponse | None:
    """None while the chat may send; else the refusal, with one polite answer in the chat
    for each flood (the next refusals of the same flood say nothing new)."""
    rate = getattr(settings, "CIVICDESK_CHANNELS_WEBCHAT_RATE", DEFAULT_RATE)
    if not is_ratelimited(request, group="channels.webchat", key=_chat_key, rate=rate,
                          method="POST", increment=True):
        return None
    text = _("You are sending messages very fast. Please wait a minute, then write again.")
    if cache.add(f"channels:webchat:flood:{token}", 1, FLOOD_WINDOW):
        # the answer is read by poll, so the conversation must exist (the flood may come
        # before the worker opened it)
        conversation = inbound.conversation_for(
            channel, InboundEvent(external_id="", chat_id=token, user_id=token))
        say(conversation, Outgoing(text=text))
    return _refuse(text, status=429)


def _location(request):
    """``(lat, lng)``, ``(None, None)`` when none was shared; ValueError when unreadable or
    not on Earth."""
    lat, lng = request.POST.get("lat", "").strip(), request.POST.get("lng", "").strip()
    if not lat and not lng:
        return None, None
    lat, lng = float(lat), float(lng)
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValueError("outside the globe")
    return lat, lng


@require_POST
@never_cache
def send(request, key):
    channel = _channel(request, key)
    token = _token(request)
    if not token:
        return _refuse(_("The chat has expired. Please reload the page."), status=403)
    limit = max_photo()
    length = request.META.get("CONTENT_LENGTH") or ""
    if length.isdigit() and int(length) > limit + 64 * 1024:
        # refused before the body is read
        return _refuse(_("The photo is too large: at most %(size)s.")
                       % {"size": filesizeformat(limit)}, status=413)
    refused = _limited(request, channel, token)
    if refused is not None:
        return refused
    message_id = request.POST.get("message_id", "")
    if not MESSAGE_ID.fullmatch(message_id):
        return _refuse(_("The request could not be read."))
    # the client's id, scoped to this chat: a retried POST finds its row
    external_id = f"{hashlib.sha256(token.encode()).hexdigest()[:16]}:{message_id}"
    if Inbound.objects.filter(channel=channel, external_id=external_id).exists():
        return JsonResponse({"ok": True, "duplicate": True})
    try:
        lat, lng = _location(request)
    except ValueError:
        return _refuse(_("The location could not be read."))
    text = request.POST.get("text", "").strip()[:MAX_TEXT]
    button = request.POST.get("button", "").strip()[:64]
    photos = ()
    upload = request.FILES.get("photo")
    if upload is not None:
        if upload.size > limit:
            return _refuse(_("The photo is too large: at most %(size)s.")
                           % {"size": filesizeformat(limit)}, status=413)
        data = upload.read(limit + 1)
        extension = photo_extension(data[:16])
        if extension is None or len(data) > limit:
            return _refuse(_("Only photos can be sent here (JPEG, PNG, GIF or WebP)."))
        photos = (WebChatAdapter(channel).keep_photo(data, extension),)
    if photos:
        kind = "photo"
    elif lat is not None:
        kind = "location"
    elif button:
        kind = "button"
    elif text:
        kind = "text"
    else:
        return _refuse(_("Write a message first."))
    event = InboundEvent(external_id=external_id, chat_id=token, user_id=token, kind=kind,
                         text=text, language=(get_language() or "")[:8], lat=lat, lng=lng,
                         photos=photos, button=button, extra={"message_id": message_id})
    inbound.store(channel, [event])
    return JsonResponse({"ok": True}, status=202)
