"""Viber REST bot API: a bot of a town.

Every call carries the bot token in ``X-Viber-Auth-Token``; every delivery is signed:
``X-Viber-Content-Signature`` is the HMAC-SHA256 (hex) of the raw body with the bot token
(not with ``Channel.secret``). Viber answers HTTP 200 with a ``status`` in the body (0: done).

Two things differ from Telegram, for the dialogue to know:

- a keyboard button sends its ``ActionBody`` back as a text message; the message that offers
  buttons carries their data in ``tracking_data``, which Viber returns with the citizen's
  next message, so a text equal to one of them is read as ``kind="button"``;
- a citizen who opens the chat without having written yet (``conversation_started`` with
  ``extra={"subscribed": False}``) cannot be sent messages (status 6, "not subscribed") until
  they write; ``unsubscribed`` is ``kind="unsupported"`` with ``extra={"blocked": True}``."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from .base import (
    Adapter,
    DownloadError,
    InboundEvent,
    Outgoing,
    Sent,
    WebhookError,
    call_json_with_headers,
    fetch_bytes,
    in_language,
    primary_language,
    same,
    signature_hex,
)

#: the callbacks asked for at set_webhook (messages, subscriptions come anyway)
EVENT_TYPES = ("conversation_started", "subscribed", "unsubscribed", "failed")
#: callbacks with nothing for the dialogue
IGNORED = {"webhook", "delivered", "seen", "failed", "client_status", "action"}
#: statuses that say the citizen cannot be reached on Viber (receiver not registered, not
#: subscribed, no suitable device)
UNREACHABLE = {5, 6, 11}
#: "too many requests"
TOO_MANY = 12
#: Viber's longest text and sender name
MAX_TEXT = 7000
MAX_SENDER_NAME = 28


class ViberAdapter(Adapter):
    platform = "viber"
    capabilities = frozenset({"buttons", "location", "photos", "contact"})
    default_api_base = "https://chatapi.viber.com/pa"

    def call(self, method: str, payload: dict):
        return call_json_with_headers("POST", f"{self.api_base}/{method}", payload,
                                      headers={"X-Viber-Auth-Token": self.channel.token})

    def verify(self, request, body: bytes) -> bool:
        if not self.channel.token:
            return False
        return same(request.headers.get("X-Viber-Content-Signature"),
                    signature_hex(self.channel.token, body))

    # -- deliveries -------------------------------------------------------------------------

    def parse(self, body: bytes) -> list[InboundEvent]:
        """One callback -> at most one event: ``message`` (text, picture as a photo by its
        media URL, location, contact, sticker, file/video as "file"),
        ``conversation_started`` ("start", ``start`` = the deep link's context),
        ``subscribed`` ("start"), ``unsubscribed`` ("unsupported", blocked); receipts and
        the webhook check give none."""
        data = json.loads(body.decode("utf-8"))
        if not isinstance(data, dict):
            return []
        kind = data.get("event")
        if kind == "message":
            return [self._message_event(data)]
        if kind in ("conversation_started", "subscribed"):
            event = self._event(data, data.get("user") or {})
            event.kind = "start"
            if kind == "conversation_started":
                event.start = str(data.get("context") or "")
                event.extra = {"subscribed": bool(data.get("subscribed"))}
            else:
                event.extra = {"subscribed": True}
            return [event]
        if kind == "unsubscribed":
            event = self._event(data, {"id": data.get("user_id")})
            event.kind, event.extra = "unsupported", {"blocked": True}
            return [event]
        return []  # webhook, delivered, seen, failed and anything new

    @staticmethod
    def _event(data: dict, user: dict) -> InboundEvent:
        user_id = str(user.get("id") or "")
        token = data.get("message_token")
        timestamp = data.get("timestamp")
        external_id = (str(token) if token is not None
                       else f"{data.get('event')}:{user_id}:{timestamp}")
        return InboundEvent(
            external_id=external_id, chat_id=user_id, user_id=user_id,
            name=str(user.get("name") or ""), language=primary_language(user.get("language")),
            at=timestamp / 1000 if isinstance(timestamp, int | float) else None)

    def _message_event(self, data: dict) -> InboundEvent:
        event = self._event(data, data.get("sender") or {})
        message = data.get("message") or {}
        kind = message.get("type")
        text = message.get("text") or ""
        if kind == "text":
            if text in offered_buttons(message.get("tracking_data")):
                event.kind, event.button = "button", text
            else:
                event.text = text
        elif kind == "picture" and message.get("media"):
            event.kind, event.photos, event.text = "photo", (message["media"],), text
        elif kind == "location" and message.get("location"):
            event.kind = "location"
            event.lat = message["location"].get("lat")
            event.lng = message["location"].get("lon")
        elif kind == "contact" and message.get("contact"):
            event.kind = "contact"
            event.contact_phone = message["contact"].get("phone_number") or ""
        elif kind == "sticker":
            event.kind = "sticker"
        elif kind in ("file", "video"):
            event.kind, event.text = "file", text
        elif kind == "url":
            event.text = message.get("media") or text
        else:
            event.kind = "unsupported"
        return event

    # -- sending ----------------------------------------------------------------------------

    def sender_name(self) -> str:
        site = self.channel.site
        name = self.channel.name or site.site_name or site.hostname
        return name[:MAX_SENDER_NAME]

    def send(self, chat_id: str, message: Outgoing) -> Sent:
        """``send_message`` of a text, with a keyboard for buttons (``reply``: the data comes
        back as the citizen's message), the location picker and the phone sharing button."""
        payload = {"receiver": chat_id, "type": "text", "text": message.text[:MAX_TEXT],
                   "sender": {"name": self.sender_name()}}
        buttons = [{"ActionType": "reply", "ActionBody": button.data, "Text": button.label,
                    "Silent": True} for button in message.buttons]
        with in_language(message.language):
            if message.ask_location:
                buttons.append({"ActionType": "location-picker", "ActionBody": "location",
                                "Text": _("Send my location")})
            if message.ask_contact:
                buttons.append({"ActionType": "share-phone", "ActionBody": "phone",
                                "Text": _("Send my phone number")})
        if buttons:
            payload["keyboard"] = {"Type": "keyboard", "DefaultHeight": False,
                                   "Buttons": buttons}
        if message.buttons:
            payload["tracking_data"] = json.dumps(
                {"buttons": [button.data for button in message.buttons]})
        if message.ask_location or message.ask_contact:
            payload["min_api_version"] = 3  # the picker and the phone sharing need level 3
        status, data, headers = self.call("send_message", payload)
        if status == 0:
            return Sent(ok=False, error=data.get("error") or "network error")
        if status == 429:
            return Sent(ok=False, error="too many requests",
                        retry_after=retry_after_of(headers))
        code = data.get("status")
        if status == 200 and code == 0:
            return Sent(ok=True, external_id=str(data.get("message_token") or ""))
        error = str(data.get("status_message") or f"HTTP {status}")
        if code in UNREACHABLE:
            return Sent(ok=False, error=error, blocked=True)
        if code == TOO_MANY:
            return Sent(ok=False, error=error, retry_after=1.0)
        return Sent(ok=False, error=error)

    # -- files and set-up -------------------------------------------------------------------

    def download(self, ref: str) -> bytes:
        """A picture by its media URL (Viber's own storage), at most ``MAX_DOWNLOAD``."""
        if not ref.startswith(("https://", "http://")):
            raise DownloadError("not a web address")
        return fetch_bytes(ref)

    def register_webhook(self, url: str) -> str:
        """``set_webhook``: Viber checks the URL at once with a signed ``webhook`` callback,
        so the channel must be reachable there. Its status message, or WebhookError."""
        status, data, _headers = self.call("set_webhook", {
            "url": url, "event_types": list(EVENT_TYPES), "send_name": True,
            "send_photo": False})
        if status != 200 or data.get("status") != 0:
            raise WebhookError(str(data.get("status_message") or data.get("error")
                                   or f"HTTP {status}"))
        return str(data.get("status_message") or "ok")


def offered_buttons(tracking_data) -> list[str]:
    """The button data our last message offered (its ``tracking_data``, returned by Viber)."""
    try:
        offered = json.loads(tracking_data or "{}").get("buttons") or []
    except (ValueError, AttributeError):
        return []
    return [str(item) for item in offered] if isinstance(offered, list) else []


def retry_after_of(headers) -> float:
    """Seconds to wait from a ``Retry-After`` header (1 when absent or unreadable)."""
    value = headers.get("Retry-After") if headers else None
    try:
        return max(float(value), 1.0) if value else 1.0
    except ValueError:
        return 1.0
