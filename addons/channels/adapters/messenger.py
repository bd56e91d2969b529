"""Messenger Platform (Meta's Graph API; handshake and signature in ``meta``).

``Channel.token`` is the page access token, ``Channel.account_id`` the page id (messages
go out through ``POST {api_base}/{account_id}/messages``, else ``/me/messages``; deliveries
for another page of the same app are left alone). A citizen's ``chat_id`` and ``user_id``
are their page-scoped id (PSID). Messenger gives no language.

Receiving: text, quick replies and postbacks (``button``), photos (their CDN URLs are the
references ``download`` takes), locations, audio (``voice``), files and videos
(``file``), stickers and the like button (``sticker``), edits (``edited``, one event per
edit), the phone number quick reply (``contact``: the number of the citizen's own profile),
and the ``ref`` of an ``m.me/<page>?ref=...`` link (``start``: links the chat to an
account). Echoes of the page's own messages, deliveries, reads and reactions give none.

Sending: text (2,000 characters), up to 13 quick replies (titles cut at 20 characters), a
phone number quick reply for ``ask_contact``. Messenger dropped the location quick reply, so
``ask_location`` is the text only (the citizen types the address). Templates are WhatsApp's:
Messenger sends the text. Outside the 24-hour window the refusal is ``Sent.error ==
meta.WINDOW``."""

from __future__ import annotations

import hashlib
import json
import re

from .base import DownloadError, InboundEvent, Outgoing, Sent, fetch_bytes
from .meta import MetaAdapter, as_dict, as_list, seconds, web_url

MAX_QUICK_REPLIES = 13
QUICK_REPLY_TITLE = 20
TEXT_LIMIT = 2000

#: what an attachment's type says the event is
KIND_OF_ATTACHMENT = {"audio": "voice", "file": "file", "video": "file"}
#: the answer to a phone number quick reply: the number, also posted as the text
PHONE = re.compile(r"\+?[\d\s().-]{7,24}")


class MessengerAdapter(MetaAdapter):
    platform = "messenger"
    capabilities = frozenset({"buttons", "photos", "contact"})
    window_codes = frozenset({2018278})  # code 10, subcode 2018278
    blocked_codes = frozenset({551, 1545041})  # "this person isn't available right now"

    # -- receiving

    def parse(self, body: bytes) -> list[InboundEvent]:
        data = json.loads(body)
        if not isinstance(data, dict) or data.get("object") != "page":
            return []
        page = self.channel.account_id
        events = []
        for entry in as_list(data.get("entry")):
            if page and entry.get("id") and str(entry["id"]) != page:
                continue
            for item in as_list(entry.get("messaging")):
                sender = str(as_dict(item.get("sender")).get("id") or "")
                if not sender or sender == str(entry.get("id") or page or ""):
                    continue
                event = self.event(item, sender)
                if event is not None:
                    event.at = seconds(item.get("timestamp"), 1000)
                    events.append(event)
        return events

    def event(self, item: dict, sender: str) -> InboundEvent | None:
        if "message" in item:
            return self.message(as_dict(item["message"]), sender)
        if "message_edit" in item:
            edit = as_dict(item["message_edit"])
            if not edit.get("mid"):
                return None
            return InboundEvent(external_id=f"{edit['mid']}:edit:{edit.get('num_edit', '')}",
                                chat_id=sender, user_id=sender, kind="edited",
                                text=str(edit.get("text") or ""))
        if "postback" in item:
            postback = as_dict(item["postback"])
            ref = as_dict(postback.get("referral")).get("ref")
            payload = str(postback.get("payload") or "")
            external_id = postback.get("mid") or stable_id(item, sender, payload)
            if ref:  # "Get Started" pressed on an m.me link with a ref
                return InboundEvent(external_id=str(external_id), chat_id=sender,
                                    user_id=sender, kind="start", start=str(ref))
            return InboundEvent(external_id=str(external_id), chat_id=sender, user_id=sender,
                                kind="button", button=payload,
                                text=str(postback.get("title") or ""))
        if "referral" in item:  # an m.me link opened in a conversation that already exists
            ref = str(as_dict(item["referral"]).get("ref") or "")
            if not ref:
                return None
            return InboundEvent(external_id=stable_id(item, sender, ref), chat_id=sender,
                                user_id=sender, kind="start", start=ref)
        return None  # delivery, read, reaction, opt-in: nothing the citizen said

    def message(self, message: dict, sender: str) -> InboundEvent | None:
        if message.get("is_echo") or not message.get("mid"):
            return None
        event = InboundEvent(external_id=str(message["mid"]), chat_id=sender, user_id=sender,
                             text=str(message.get("text") or ""))
        quick = as_dict(message.get("quick_reply"))
        payload = str(quick.get("payload") or "")
        attachments = as_list(message.get("attachments"))
        kinds = [str(a.get("type") or "") for a in attachments]
        if payload and payload == event.text and PHONE.fullmatch(payload):
            event.kind, event.contact_phone, event.contact_user_id = "contact", payload, sender
        elif payload:
            event.kind, event.button = "button", payload
        elif message.get("sticker_id"):
            event.kind = "sticker"
        elif "image" in kinds:
            event.kind = "photo"
            event.photos = tuple(str(as_dict(a.get("payload")).get("url"))
                                 for a in attachments if a.get("type") == "image"
                                 and as_dict(a.get("payload")).get("url"))
        elif "location" in kinds:
            point = as_dict(as_dict(attachments[kinds.index("location")].get("payload"))
                            .get("coordinates"))
            try:
                event.lat, event.lng = float(point["lat"]), float(point["long"])
                event.kind = "location"
            except (KeyError, TypeError, ValueError):
                event.kind = "unsupported"
        elif attachments:
            event.kind = next((KIND_OF_ATTACHMENT[k] for k in kinds if k in KIND_OF_ATTACHMENT),
                              "unsupported")
        elif not event.text:
            event.kind = "unsupported"
        if event.kind == "unsupported":
            event.extra = {"type": ",".join(kinds)}
        return event

    # -- sending

    def send(self, chat_id: str, message: Outgoing) -> Sent:
        content = {"text": message.text[:TEXT_LIMIT]}
        replies = [{"content_type": "text", "title": b.label[:QUICK_REPLY_TITLE],
                    "payload": b.data} for b in message.buttons]
        if message.ask_contact:
            replies.insert(0, {"content_type": "user_phone_number"})
        if replies:
            content["quick_replies"] = replies[:MAX_QUICK_REPLIES]
        payload = {"recipient": {"id": chat_id}, "messaging_type": "RESPONSE",
                   "message": content}
        return self.post(self.graph_url(self.channel.account_id or "me", "messages"), payload)

    def message_id(self, data: dict) -> str:
        return str(data.get("message_id") or "")

    # -- files

    def download(self, ref: str) -> bytes:
        """A photo's CDN URL (signed by Meta, no token needed) -> its bytes."""
        if not ref:
            raise DownloadError("no address")
        return fetch_bytes(web_url(ref))


def stable_id(item: dict, sender: str, payload: str) -> str:
    """An id for an event Messenger gives none: the same delivery repeated gets the same."""
    seed = f"{sender}:{item.get('timestamp', '')}:{payload}".encode()
    return "hash:" + hashlib.sha256(seed).hexdigest()[:40]
