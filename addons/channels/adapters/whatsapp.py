"""WhatsApp Business Cloud API (Meta's Graph API; handshake and signature in ``meta``).

``Channel.account_id`` is the business phone number's id: messages go out through
``POST {api_base}/{account_id}/messages``, and deliveries for another number of the same
app are left alone. A citizen's ``chat_id`` and ``user_id`` are their ``wa_id`` (the phone
number in international form, without "+"): WhatsApp always knows the number, so a request
to share the contact is plain text (a contact card the citizen sends back still arrives as a
``contact`` event). WhatsApp gives no language.

Delivery statuses (sent, delivered, read, failed) give no events: an event is something the
citizen did, and a failed status answered by the dialogue would write to a citizen who said
nothing. Reactions and system notices give none either; types we do not take (orders,
polls, ...) are ``unsupported``, so the dialogue can say what is accepted.

Sending: free text, up to three reply buttons (titles cut at 20 characters), more as a list
of at most ten rows (24 characters), a location request, or an approved template
(``Outgoing.template``) outside the 24-hour window, whose refusal is ``Sent.error ==
meta.WINDOW``."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from .base import MAX_DOWNLOAD, DownloadError, InboundEvent, Outgoing, Sent, call_json, fetch_bytes
from .meta import MetaAdapter, as_dict, as_list, seconds, web_url

#: reply buttons one message carries; more become a list
MAX_REPLY_BUTTONS = 3
MAX_LIST_ROWS = 10
BUTTON_TITLE = 20
ROW_TITLE = 24
ROW_DESCRIPTION = 72
TEXT_LIMIT = 4096
INTERACTIVE_TEXT_LIMIT = 1024

#: the message types that say what kind of event they are, whatever their content
KIND_OF_TYPE = {"sticker": "sticker", "audio": "voice", "voice": "voice",
                "document": "file", "video": "file"}
#: message types that are no event at all
IGNORED_TYPES = {"reaction", "system", "request_welcome"}


class WhatsAppAdapter(MetaAdapter):
    platform = "whatsapp"
    capabilities = frozenset({"buttons", "location", "photos", "contact"})
    window_codes = frozenset({131047})
    # 131026: the number cannot receive the message (not on WhatsApp, an old app, terms not
    # accepted). 131051 is not here: it refuses the type of message *we* sent.
    blocked_codes = frozenset({131026})

    # -- receiving

    def parse(self, body: bytes) -> list[InboundEvent]:
        data = json.loads(body)
        if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
            return []
        events = []
        for entry in as_list(data.get("entry")):
            for change in as_list(entry.get("changes")):
                value = as_dict(change.get("value"))
                number = as_dict(value.get("metadata")).get("phone_number_id")
                if self.channel.account_id and number and number != self.channel.account_id:
                    continue
                names = {str(contact.get("wa_id")): as_dict(contact.get("profile")).get("name")
                         for contact in as_list(value.get("contacts"))}
                for message in as_list(value.get("messages")):
                    event = self.event(message, names)
                    if event is not None:
                        events.append(event)
        return events

    def event(self, message: dict, names: dict) -> InboundEvent | None:
        kind = message.get("type") or "unsupported"
        sender = str(message.get("from") or "")
        if kind in IGNORED_TYPES or not sender or not message.get("id"):
            return None
        event = InboundEvent(external_id=str(message["id"]), chat_id=sender, user_id=sender,
                             name=str(names.get(sender) or ""), kind="unsupported",
                             at=seconds(message.get("timestamp")))
        content = as_dict(message.get(kind))
        if kind == "text":
            event.kind, event.text = "text", str(content.get("body") or "")
        elif kind == "image" and content.get("id"):
            event.kind, event.photos = "photo", (str(content["id"]),)
            event.text = str(content.get("caption") or "")
        elif kind == "location":
            try:
                event.lat = float(content["latitude"])
                event.lng = float(content["longitude"])
            except (KeyError, TypeError, ValueError):
                return event
            event.kind = "location"
            event.text = " ".join(str(content.get(part) or "") for part in ("name", "address"))
            event.text = event.text.strip()
        elif kind == "interactive":
            reply = as_dict(content.get("button_reply")) or as_dict(content.get("list_reply"))
            if reply.get("id"):
                event.kind, event.button = "button", str(reply["id"])
                event.text = str(reply.get("title") or "")
        elif kind == "button":  # a template's quick-reply button
            event.kind, event.text = "button", str(content.get("text") or "")
            event.button = str(content.get("payload") or content.get("text") or "")
        elif kind == "contacts":
            cards = as_list(message.get("contacts"))
            phones = as_list(cards[0].get("phones")) if cards else []
            if phones:
                event.kind = "contact"
                event.contact_phone = str(phones[0].get("phone") or phones[0].get("wa_id") or "")
                event.contact_user_id = str(phones[0].get("wa_id") or "")
        elif kind in KIND_OF_TYPE:
            event.kind = KIND_OF_TYPE[kind]
            if kind in ("document", "video"):
                event.text = str(content.get("caption") or "")
        if event.kind == "unsupported":
            event.extra = {"type": str(kind)}
        return event

    # -- sending

    def send(self, chat_id: str, message: Outgoing) -> Sent:
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual",
                   "to": chat_id, **self.content(message)}
        return self.post(self.graph_url(self.channel.account_id, "messages"), payload)

    def message_id(self, data: dict) -> str:
        messages = as_list(data.get("messages"))
        return str(messages[0].get("id") or "") if messages else ""

    def content(self, message: Outgoing) -> dict:
        """The type and body of a message: template, location request, buttons or text."""
        if message.template:
            template = {"name": message.template,
                        "language": {"code": message.language or "en"}}
            if message.template_params:
                template["components"] = [{"type": "body", "parameters": [
                    {"type": "text", "text": str(value)} for value in message.template_params]}]
            return {"type": "template", "template": template}
        body = {"text": message.text[:INTERACTIVE_TEXT_LIMIT]}
        if message.ask_location and self.channel.options.get("location_request", True):
            # The request's own button takes the place of the dialogue's buttons (the citizen
            # can still type what they would have pressed).
            return {"type": "interactive", "interactive": {
                "type": "location_request_message", "body": body,
                "action": {"name": "send_location"}}}
        if message.buttons and len(message.buttons) <= MAX_REPLY_BUTTONS:
            return {"type": "interactive", "interactive": {
                "type": "button", "body": body, "action": {"buttons": [
                    {"type": "reply", "reply": {"id": b.data, "title": b.label[:BUTTON_TITLE]}}
                    for b in message.buttons]}}}
        if message.buttons:
            rows = []
            for button in message.buttons[:MAX_LIST_ROWS]:
                row = {"id": button.data, "title": button.label[:ROW_TITLE]}
                if len(button.label) > ROW_TITLE:
                    row["description"] = button.label[:ROW_DESCRIPTION]
                rows.append(row)
            # Translators: the button that opens a WhatsApp list of choices (20 characters)
            opener = _("Choose")[:BUTTON_TITLE]
            return {"type": "interactive", "interactive": {
                "type": "list", "body": body, "action": {
                    "button": opener, "sections": [{"rows": rows}]}}}
        return {"type": "text", "text": {"body": message.text[:TEXT_LIMIT],
                                         "preview_url": False}}

    # -- files

    def download(self, ref: str) -> bytes:
        """A media id -> its bytes: the Graph API names a short-lived URL, fetched with the
        same token."""
        status, data = call_json("GET", self.graph_url(ref), headers=self.authorization)
        data = as_dict(data)
        if status != 200 or not data.get("url"):
            raise DownloadError(f"media {ref}: HTTP {status}")
        size = data.get("file_size")
        if isinstance(size, int | str) and str(size).isdigit() and int(size) > MAX_DOWNLOAD:
            raise DownloadError("too large")
        return fetch_bytes(web_url(data["url"]), headers=self.authorization)

