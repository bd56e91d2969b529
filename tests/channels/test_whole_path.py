"""The whole path on every platform, through signed webhook requests and the local platform
server: a citizen writes about a pothole with a photo, shares the location and confirms; the
report is filed with its tracking number; the roads department changes its status at the
desk and the change reaches that chat; after "resolved" the citizen's rating and
confirmation, pressed on the buttons, are recorded on the report."""

from __future__ import annotations

import io
import itertools
import json
import time

import pytest
from PIL import Image

from addons.channels.adapters.base import signature_hex
from addons.channels.models import Channel, Conversation
from addons.reports.models import Report, ReportPhoto
from tests.reports.conftest import (  # noqa: F401  (fixtures)
    CENTRE,
    addressee,
    catalog,
    city_hall,
    make_user,
    moderator,
    profile,
    reports_site,
    water,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TOKEN = "123456:whole-path-token"
SECRET = "whole-path-secret"
DESK = "/admin/casework/reports/"
DESCRIPTION = "Велика яма на дорозі, пробив колесо"


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


class Citizen:
    """One citizen in one chat of ``platform``: writes, sends a photo and the location,
    presses buttons, and reads what the bot sent back through the platform server."""

    ids = itertools.count(1000)

    def __init__(self, platform, client, channel, server):
        self.platform, self.client, self.channel, self.server = platform, client, channel, server
        self.user = "7701"
        self.tracking = {}  # Viber: button data -> the tracking data of the message offering it
        server.route("*", r"/file/", (200, jpeg()))          # Telegram's file URLs
        server.route("*", r"/media/photo\.jpg$", (200, jpeg()))  # the others' photo URLs
        server.route("*", r"/getFile$", (200, {"ok": True, "result": {
            "file_id": "F1", "file_path": "photos/p.jpg", "file_size": 900}}))
        server.route("GET", r"/M1$", (200, {"url": f"{server.url}/media/photo.jpg",
                                             "file_size": 900, "mime_type": "image/jpeg"}))
        server.route("*", r"/messages$", lambda r: (200, {
            "messages": [{"id": f"wamid.out{next(self.ids)}"}],
            "message_id": f"m.out{next(self.ids)}", "recipient_id": self.user}))
        server.route("*", r"/sendMessage$", lambda r: (200, {
            "ok": True, "result": {"message_id": next(self.ids)}}))
        server.route("*", r"/send_message$", lambda r: (200, {
            "status": 0, "status_message": "ok", "message_token": next(self.ids)}))

    # -- what the bot sent ------------------------------------------------------------------
    def replies(self) -> list[tuple[str, list[str]]]:
        """(text, button data) of every message sent to this chat, in order."""
        found = []
        for request in self.server.requests:
            data = request.json or {}
            if self.platform == "telegram" and request.path.endswith("/sendMessage"):
                markup = data.get("reply_markup") or {}
                buttons = [b.get("callback_data", "") for row in markup.get("inline_keyboard", [])
                           for b in row]
                found.append((data.get("text", ""), buttons))
            elif self.platform == "viber" and request.path.endswith("/send_message"):
                buttons = [b.get("ActionBody", "") for b in
                           (data.get("keyboard") or {}).get("Buttons", [])
                           if b.get("ActionType") == "reply"]
                found.append((data.get("text", ""), buttons))
                self.tracking.update(dict.fromkeys(buttons, data.get("tracking_data", "")))
            elif self.platform == "whatsapp" and request.path.endswith("/messages"):
                interactive = data.get("interactive") or {}
                action = interactive.get("action") or {}
                buttons = [b["reply"]["id"] for b in action.get("buttons", [])]
                buttons += [row["id"] for section in action.get("sections", [])
                            for row in section.get("rows", [])]
                text = (data.get("text") or {}).get("body") or \
                    (interactive.get("body") or {}).get("text", "")
                found.append((text, buttons))
            elif self.platform == "messenger" and request.path.endswith("/messages"):
                message = data.get("message") or {}
                buttons = [q.get("payload", "") for q in message.get("quick_replies", [])
                           if q.get("content_type") == "text"]
                found.append((message.get("text", ""), buttons))
        return found

    def last_buttons(self) -> list[str]:
        replies = self.replies()
        return replies[-1][1] if replies else []

    # -- what the citizen does --------------------------------------------------------------
    def _post(self, payload):
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {}
        if self.platform == "telegram":
            headers["HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"] = SECRET
        elif self.platform == "viber":
            headers["HTTP_X_VIBER_CONTENT_SIGNATURE"] = signature_hex(TOKEN, body)
        else:
            headers["HTTP_X_HUB_SIGNATURE_256"] = "sha256=" + signature_hex(SECRET, body)
        response = self.client.post(self.channel.webhook_path(), body,
                                    content_type="application/json", **headers)
        assert response.status_code == 200, response.content

    def _message(self, **content):
        n = next(self.ids)
        if self.platform == "telegram":
            message = {"message_id": n, "date": int(time.time()),
                       "chat": {"id": int(self.user), "type": "private"},
                       "from": {"id": int(self.user), "first_name": "Olena",
                                "language_code": "uk"}}
            if "text" in content:
                message["text"] = content["text"]
            if "photo" in content:
                message["photo"] = [{"file_id": "F1", "file_unique_id": "U1", "width": 64,
                                     "height": 48, "file_size": 900}]
                message["caption"] = content.get("caption", "")
            if "location" in content:
                lat, lng = content["location"]
                message["location"] = {"latitude": lat, "longitude": lng}
            if "button" in content:
                return self._post({"update_id": n, "callback_query": {
                    "id": str(n), "from": message["from"], "data": content["button"],
                    "message": {"message_id": n - 1, "chat": message["chat"],
                                "date": int(time.time())}}})
            return self._post({"update_id": n, "message": message})
        if self.platform == "viber":
            if "button" in content:
                self.replies()
                body = {"type": "text", "text": content["button"],
                        "tracking_data": self.tracking.get(content["button"], "")}
            elif "photo" in content:
                body = {"type": "picture", "media": f"{self.server.url}/media/photo.jpg",
                        "text": content.get("caption", "")}
            elif "location" in content:
                lat, lng = content["location"]
                body = {"type": "location", "location": {"lat": lat, "lon": lng}}
            else:
                body = {"type": "text", "text": content["text"]}
            return self._post({"event": "message", "timestamp": int(time.time() * 1000),
                               "message_token": n, "sender": {
                                   "id": self.user, "name": "Olena", "language": "uk"},
                               "message": body})
        if self.platform == "whatsapp":
            message = {"from": self.user, "id": f"wamid.in{n}", "timestamp": str(int(time.time()))}
            if "button" in content:
                message.update(type="interactive", interactive={
                    "type": "button_reply", "button_reply": {"id": content["button"],
                                                             "title": "x"}})
            elif "photo" in content:
                message.update(type="image", image={"id": "M1", "mime_type": "image/jpeg",
                                                    "caption": content.get("caption", "")})
            elif "location" in content:
                lat, lng = content["location"]
                message.update(type="location", location={"latitude": lat, "longitude": lng})
            else:
                message.update(type="text", text={"body": content["text"]})
            return self._post({"object": "whatsapp_business_account", "entry": [{
                "id": "WABA", "changes": [{"field": "messages", "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"phone_number_id": self.channel.account_id},
                    "contacts": [{"profile": {"name": "Olena"}, "wa_id": self.user}],
                    "messages": [message]}}]}]})
        message = {"mid": f"m.in{n}"}
        if "button" in content:
            message.update(text="x", quick_reply={"payload": content["button"]})
        elif "photo" in content:
            message.update(text=content.get("caption", ""), attachments=[{
                "type": "image", "payload": {"url": f"{self.server.url}/media/photo.jpg"}}])
        elif "location" in content:
            lat, lng = content["location"]
            message["attachments"] = [{"type": "location", "payload": {
                "coordinates": {"lat": lat, "long": lng}}}]
        else:
            message["text"] = content["text"]
        return self._post({"object": "page", "entry": [{
            "id": self.channel.account_id, "time": int(time.time() * 1000), "messaging": [{
                "sender": {"id": self.user}, "recipient": {"id": self.channel.account_id},
                "timestamp": int(time.time() * 1000), "message": message}]}]})

    def write(self, text):
        self._message(text=text)

    def photo(self, caption=""):
        self._message(photo=True, caption=caption)

    def location(self, lat, lng):
        self._message(location=(lat, lng))

    def press(self, data):
        assert data in self.last_buttons() or data.startswith("fb:"), (data, self.replies()[-1])
        self._message(button=data)


def make_channel(site, platform, server):
    fields = {"telegram": {"secret": SECRET, "token": TOKEN},
              "viber": {"token": TOKEN},
              "whatsapp": {"secret": SECRET, "token": TOKEN, "account_id": "PN1"},
              "messenger": {"secret": SECRET, "token": TOKEN, "account_id": "PAGE1"}}[platform]
    return Channel.objects.create(site=site, platform=platform, name="Місто", api_base=server.url,
                                  **fields)


def file_a_report(citizen, *, point=(CENTRE.lat + 0.001, CENTRE.lng + 0.001)) -> Report:
    """Walk the dialogue the way a citizen does, whatever it asks in which order; the new
    report."""
    reports = Report.objects.filter(site_id=citizen.channel.site_id, source="chat")
    before = set(reports.values_list("pk", flat=True))
    citizen.photo(caption=DESCRIPTION)
    for _step in range(12):
        if reports.exclude(pk__in=before).exists():
            break
        buttons = citizen.last_buttons()
        category = [b for b in buttons if b.startswith("cat:") and b != "cat:other"]
        if category:
            citizen.press(category[0])
        elif "photos:done" in buttons:
            citizen.press("photos:done")
        elif "co:new" in buttons:
            citizen.press("co:new")
        elif "anon:no" in buttons:
            citizen.press("anon:no")
        elif "send" in buttons:
            citizen.press("send")
        else:  # the place is asked (a location, or the street in words)
            citizen.location(*point)
    return reports.exclude(pk__in=before).get()


def change_status(client, moderator, report, code):  # noqa: F811  (the fixture's name)
    from addons.reports.models import ReportStatus

    report.refresh_from_db()
    client.force_login(moderator)
    response = client.post(f"{DESK}{report.pk}/action/status/", {
        "lock_version": report.lock_version, "confirm": "on",
        "status": ReportStatus.objects.get(code=code).pk,
        "public_note": "Бригада виїхала." if code != "resolved" else "Яму залатали.",
        "internal_note": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()


@pytest.mark.parametrize("platform", ["telegram", "viber", "whatsapp", "messenger"])
def test_a_report_by_chat_is_filed_followed_and_rated(
        platform, client, reports_site, moderator, platform_server, private_storage,  # noqa: F811
):
    channel = make_channel(reports_site, platform, platform_server)
    citizen = Citizen(platform, client, channel, platform_server)

    report = file_a_report(citizen)
    assert report.source == "chat" and report.person_id is not None
    assert report.lat == pytest.approx(CENTRE.lat + 0.001)
    assert ReportPhoto.objects.filter(report=report).count() == 1
    assert DESCRIPTION in report.description
    conversation = Conversation.objects.get(channel=channel)
    assert conversation.person_id == report.person_id
    answer = citizen.replies()[-1][0]
    assert report.tracking_number in answer
    assert report.addressee.title in answer

    # the department changes the status at the desk: the chat is told
    told = len(citizen.replies())
    change_status(client, moderator, report, "in_progress")
    news = citizen.replies()[told:]
    assert news and any(report.tracking_number in text for text, _buttons in news), news

    # resolved: the buttons to confirm and rate, pressed by the citizen
    told = len(citizen.replies())
    change_status(client, moderator, report, "resolved")
    news = citizen.replies()[told:]
    offered = [data for _text, buttons in news for data in buttons]
    reference = report.tracking_number
    assert f"fb:confirm:{reference}" in offered and f"fb:rate:5:{reference}" in offered, news
    citizen.press(f"fb:rate:5:{reference}")
    citizen.press(f"fb:confirm:{reference}")
    report.refresh_from_db()
    assert report.rating_quality == 5 and report.confirmed_at is not None
    assert report.status.code == "closed"
