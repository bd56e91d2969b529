"""Telegram Bot API: a bot of a town.

Deliveries come to the webhook set by :meth:`TelegramAdapter.register_webhook` with our
``secret_token`` (the channel's ``secret``); Telegram sends it back in the
``X-Telegram-Bot-Api-Secret-Token`` header of every request, which is all it offers to prove
a request is its own. Methods are called at ``{api_base}/bot{token}/{method}`` and files
fetched at ``{api_base}/file/bot{token}/{file_path}``; ``api_base`` may name a self-hosted
Bot API server.

What a citizen does becomes an :class:`InboundEvent` (see :meth:`TelegramAdapter.parse`);
two cases need the dialogue's attention:

- a pressed inline button (``kind="button"``) leaves a spinner on the citizen's screen until
  :meth:`TelegramAdapter.answer_button` acknowledges it;
- the citizen blocking the bot arrives as ``my_chat_member`` with the status "kicked": an
  event ``kind="unsupported"`` with ``extra={"blocked": True}``, so the conversation can be
  marked blocked (nothing is to be sent back: Telegram would refuse it)."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from .base import (
    MAX_DOWNLOAD,
    Adapter,
    DownloadError,
    InboundEvent,
    Outgoing,
    Sent,
    WebhookError,
    call_json,
    fetch_bytes,
    in_language,
    primary_language,
    same,
)

#: the updates the webhook asks for (the rest is of no use to a town's bot)
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
#: Telegram's longest message text
MAX_TEXT = 4096
#: documents taken as photos (sent "as a file", uncompressed)
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


class TelegramAdapter(Adapter):
    platform = "telegram"
    capabilities = frozenset({"buttons", "location", "photos", "contact"})
    default_api_base = "https://api.telegram.org"

    # -- requests ---------------------------------------------------------------------------

    def method_url(self, method: str) -> str:
        return f"{self.api_base}/bot{self.channel.token}/{method}"

    def call(self, method: str, payload: dict) -> tuple[int, dict]:
        return call_json("POST", self.method_url(method), payload)

    def verify(self, request, body: bytes) -> bool:
        return same(request.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                    self.channel.secret)

    # -- deliveries -------------------------------------------------------------------------

    def parse(self, body: bytes) -> list[InboundEvent]:
        """One update -> at most one event. ``message``: text, photo (the largest size's
        ``file_id``, the caption as text; an image sent as a file too), location (a venue's
        too), contact, sticker, voice/audio/video note ("voice"), other document/video
        ("file"), ``/start <payload>`` ("start"); ``edited_message`` ("edited");
        ``callback_query`` ("button"); ``my_chat_member`` "kicked" ("unsupported",
        blocked). Chats other than private ones (groups the bot was added to) are ignored."""
        update = json.loads(body.decode("utf-8"))
        if not isinstance(update, dict) or "update_id" not in update:
            return []
        update_id = str(update["update_id"])
        if isinstance(update.get("message"), dict):
            event = self._message_event(update_id, update["message"])
        elif isinstance(update.get("edited_message"), dict):
            event = self._message_event(update_id, update["edited_message"])
            if event is not None:
                event.kind = "edited"
        elif isinstance(update.get("callback_query"), dict):
            event = self._button_event(update_id, update["callback_query"])
        elif isinstance(update.get("my_chat_member"), dict):
            event = self._member_event(update_id, update["my_chat_member"])
        else:
            event = None
        return [event] if event is not None else []

    def _base_event(self, update_id: str, chat: dict, sender: dict, date) -> InboundEvent:
        name = " ".join(part for part in (sender.get("first_name"), sender.get("last_name"))
                        if part)
        chat_id = chat.get("id", sender.get("id"))
        return InboundEvent(
            external_id=update_id,
            chat_id="" if chat_id is None else str(chat_id),
            user_id=str(sender["id"]) if sender.get("id") is not None else "",
            name=name, language=primary_language(sender.get("language_code")),
            at=float(date) if isinstance(date, int | float) else None)

    @staticmethod
    def _private(chat: dict) -> bool:
        return chat.get("type", "private") == "private"

    def _message_event(self, update_id: str, message: dict) -> InboundEvent | None:
        chat = message.get("chat") or {}
        if not self._private(chat):
            return None
        event = self._base_event(update_id, chat, message.get("from") or {},
                                 message.get("date"))
        event.extra = {"message_id": message.get("message_id")}
        text = message.get("text")
        document = message.get("document") or {}
        if isinstance(text, str):
            command, _space, payload = text.strip().partition(" ")
            if command == "/start" or command.startswith("/start@"):
                event.kind, event.start = "start", payload.strip()
            else:
                event.text = text
        elif message.get("photo"):
            largest = max(message["photo"],
                          key=lambda size: (size.get("file_size") or 0,
                                            (size.get("width") or 0) * (size.get("height") or 0)))
            event.kind, event.photos = "photo", (largest["file_id"],)
        elif document.get("mime_type") in PHOTO_TYPES and document.get("file_id"):
            event.kind, event.photos = "photo", (document["file_id"],)
        elif message.get("location") or (message.get("venue") or {}).get("location"):
            place = message.get("location") or message["venue"]["location"]
            event.kind = "location"
            event.lat, event.lng = place.get("latitude"), place.get("longitude")
        elif message.get("contact"):
            contact = message["contact"]
            event.kind = "contact"
            event.contact_phone = contact.get("phone_number") or ""
            if contact.get("user_id") is not None:
                event.contact_user_id = str(contact["user_id"])
        elif message.get("sticker"):
            event.kind = "sticker"
            event.extra["emoji"] = message["sticker"].get("emoji") or ""
        elif any(message.get(key) for key in ("voice", "audio", "video_note")):
            event.kind = "voice"
        elif document or message.get("video"):
            event.kind = "file"
        else:
            event.kind = "unsupported"
        if event.kind != "text" and message.get("caption"):
            event.text = message["caption"]
        return event

    def _button_event(self, update_id: str, query: dict) -> InboundEvent | None:
        message = query.get("message") or {}
        chat = message.get("chat") or {}
        if not self._private(chat):
            return None
        event = self._base_event(update_id, chat, query.get("from") or {}, message.get("date"))
        event.kind, event.button = "button", str(query.get("data") or "")
        event.extra = {"callback_query_id": str(query.get("id") or ""),
                       "message_id": message.get("message_id")}
        return event

    def _member_event(self, update_id: str, change: dict) -> InboundEvent | None:
        chat = change.get("chat") or {}
        status = (change.get("new_chat_member") or {}).get("status")
        if status != "kicked" or not self._private(chat):
            return None
        event = self._base_event(update_id, chat, change.get("from") or {}, change.get("date"))
        event.kind, event.extra = "unsupported", {"blocked": True}
        return event

    def answer_button(self, event: InboundEvent, text: str = "") -> bool:
        """Acknowledge a pressed inline button (Telegram shows a spinner until then); the
        dialogue calls it when it handles a ``kind="button"`` event. ``text``: a short
        notice shown on top of the chat. True when Telegram took it."""
        query_id = (event.extra or {}).get("callback_query_id")
        if not query_id:
            return False
        payload = {"callback_query_id": query_id}
        if text:
            payload["text"] = text[:200]
        status, data = self.call("answerCallbackQuery", payload)
        return status == 200 and bool(data.get("ok"))

    # -- sending ----------------------------------------------------------------------------

    def send(self, chat_id: str, message: Outgoing) -> Sent:
        """``sendMessage``. Buttons are an inline keyboard (one per row, the data as
        ``callback_data``); a request for the location or the contact is a one-time reply
        keyboard. Telegram takes one keyboard per message, so a message with both sends the
        buttons in a second message."""
        with in_language(message.language):
            asks = self._request_keyboard(message)
            follow_up = _("Or choose:")
        inline = self._inline_keyboard(message)
        first = self._send_text(chat_id, message.text, asks or inline)
        if first.ok and asks and inline:
            self._send_text(chat_id, follow_up, inline)
        return first

    def _send_text(self, chat_id: str, text: str, markup: dict | None) -> Sent:
        payload = {"chat_id": chat_id, "text": text[:MAX_TEXT]}
        if markup:
            payload["reply_markup"] = markup
        status, data = self.call("sendMessage", payload)
        if status == 200 and data.get("ok"):
            return Sent(ok=True, external_id=str((data.get("result") or {}).get("message_id",
                                                                                "")))
        return self._refusal(status, data)

    @staticmethod
    def _refusal(status: int, data: dict) -> Sent:
        if status == 0:
            return Sent(ok=False, error=data.get("error") or "network error")
        description = str(data.get("description") or f"HTTP {status}")
        if status == 429:
            retry_after = (data.get("parameters") or {}).get("retry_after")
            return Sent(ok=False, error=description,
                        retry_after=float(retry_after) if retry_after is not None else 1.0)
        if status == 403:  # the bot was blocked by the user, the user is deactivated
            return Sent(ok=False, error=description, blocked=True)
        return Sent(ok=False, error=description)

    @staticmethod
    def _inline_keyboard(message: Outgoing) -> dict | None:
        if not message.buttons:
            return None
        return {"inline_keyboard": [[{"text": button.label, "callback_data": button.data}]
                                    for button in message.buttons]}

    @staticmethod
    def _request_keyboard(message: Outgoing) -> dict | None:
        rows = []
        if message.ask_location:
            rows.append([{"text": _("Send my location"), "request_location": True}])
        if message.ask_contact:
            rows.append([{"text": _("Send my phone number"), "request_contact": True}])
        if not rows:
            return None
        return {"keyboard": rows, "one_time_keyboard": True, "resize_keyboard": True}

    # -- files and set-up -------------------------------------------------------------------

    def download(self, ref: str) -> bytes:
        """The bytes of a file by its ``file_id``: ``getFile`` gives its path (and size,
        refused above ``MAX_DOWNLOAD`` before anything is fetched), then the file URL."""
        status, data = self.call("getFile", {"file_id": ref})
        if status != 200 or not data.get("ok"):
            raise DownloadError(str(data.get("description") or data.get("error")
                                    or f"HTTP {status}"))
        found = data.get("result") or {}
        if (found.get("file_size") or 0) > MAX_DOWNLOAD:
            raise DownloadError("too large")
        path = found.get("file_path")
        if not path:
            raise DownloadError("no file path")
        return fetch_bytes(f"{self.api_base}/file/bot{self.channel.token}/{path.lstrip('/')}")

    def register_webhook(self, url: str) -> str:
        """``setWebhook`` with our ``secret_token`` and the updates we read; Telegram's own
        description of the result, or :class:`WebhookError`."""
        status, data = self.call("setWebhook", {
            "url": url, "secret_token": self.channel.secret,
            "allowed_updates": list(ALLOWED_UPDATES)})
        if status != 200 or not data.get("ok"):
            raise WebhookError(str(data.get("description") or data.get("error")
                                   or f"HTTP {status}"))
        return str(data.get("description") or "Webhook was set")
