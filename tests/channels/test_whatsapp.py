"""WhatsApp Business Cloud API: the handshake, signatures on the raw bytes, each kind of
message, sending (text, buttons, lists, templates, location requests) and its refusals,
media downloads, against the local platform server."""

import json

import pytest

from addons.channels.adapters import get_adapter
from addons.channels.adapters.base import MAX_DOWNLOAD, Button, DownloadError, Outgoing
from addons.channels.adapters.meta import WINDOW
from addons.channels.adapters.whatsapp import WhatsAppAdapter
from addons.channels.models import Channel, Conversation, Inbound, Message
from tests.conftest import add_town

from . import meta_delivery as meta

NUMBER_ID = "106540352242922"
CITIZEN = "380671234567"


def make_channel(site, api_base="", **fields):
    fields = {"account_id": NUMBER_ID, "token": "wa-system-token", **fields}
    return meta.channel(site, "whatsapp", api_base, **fields)


@pytest.fixture
def channel(db, site, platform_server):
    return make_channel(site, platform_server.url)


@pytest.fixture
def adapter(channel):
    return get_adapter(channel)


def message(kind, content=None, *, wamid="wamid.HBgMMzgwNjcxMjM0NTY3FQIAEhgg1", sender=CITIZEN,
            **more):
    data = {"from": sender, "id": wamid, "timestamp": "1733580000", "type": kind, **more}
    if content is not None:
        data[kind] = content
    return data


def delivery(*messages, number_id=NUMBER_ID, statuses=(), name="Олена Коваль"):
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "380441234567", "phone_number_id": number_id},
             "contacts": [{"profile": {"name": name}, "wa_id": CITIZEN}]}
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"field": "messages",
                                                            "value": value}]}]}


def text(body=meta.NATIVE_TEXT, **more):
    return message("text", {"body": body}, **more)


# -- the handshake and the signature

def test_handshake_echoes_the_challenge_to_the_right_verify_token(client, channel):
    response = meta.subscribe(client, channel)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"1158201444"


@pytest.mark.parametrize("token, mode", [("wrong", "subscribe"), ("", "subscribe"),
                                         (meta.VERIFY_TOKEN, "unsubscribe")])
def test_handshake_refuses_a_wrong_verify_token_or_mode(client, channel, token, mode):
    response = meta.subscribe(client, channel, token=token, mode=mode)
    assert response.status_code == 403
    assert b"1158201444" not in response.content


def test_handshake_of_a_channel_without_verify_token_is_refused(client, site):
    channel = make_channel(site, verify_token="")
    assert meta.subscribe(client, channel, token="").status_code == 403


def test_only_a_signature_over_the_raw_bytes_passes(client, channel):
    meta.check_signatures(client, channel, delivery(text()))
    stored = Inbound.objects.get()
    assert stored.event["text"] == meta.NATIVE_TEXT
    assert stored.event["name"] == "Олена Коваль"


def test_a_channel_without_app_secret_takes_nothing(client, site):
    channel = make_channel(site, secret="")
    body = meta.raw(delivery(text()))
    assert meta.deliver(client, channel, body, signed=meta.signature(body, "")).status_code == 403
    assert not Inbound.objects.exists()


def test_a_repeated_delivery_creates_nothing_new(client, channel):
    for _ in range(3):
        assert meta.deliver(client, channel, delivery(text())).status_code == 200
    assert Inbound.objects.count() == 1


def test_several_messages_in_one_delivery_are_several_events(client, channel):
    payload = delivery(text("перше", wamid="wamid.1"), text("друге", wamid="wamid.2"),
                       message("image", {"id": "1479537139650973", "mime_type": "image/jpeg"},
                               wamid="wamid.3"))
    assert meta.deliver(client, channel, payload).status_code == 200
    assert sorted(Inbound.objects.values_list("external_id", flat=True)) == [
        "wamid.1", "wamid.2", "wamid.3"]


def test_unreadable_json_is_answered_and_stores_nothing(client, channel):
    assert meta.deliver(client, channel, b'{"object": "whatsapp_business_acc').status_code == 200
    assert not Inbound.objects.exists()


def test_a_channel_of_another_town_is_404_on_this_towns_host(client, db, site, platform_server):
    town = add_town("town2.example.org")
    channel = make_channel(town, platform_server.url)
    assert meta.deliver(client, channel, delivery(text())).status_code == 404
    assert meta.subscribe(client, channel).status_code == 404
    assert not Inbound.objects.exists()
    response = meta.deliver(client, channel, delivery(text()), HTTP_HOST="town2.example.org")
    assert response.status_code == 200
    assert Inbound.objects.get().channel == channel


# -- each kind of message

def parse_one(adapter, msg):
    events = adapter.parse(meta.raw(delivery(msg)))
    assert len(events) == 1
    return events[0]


def test_text(adapter):
    event = parse_one(adapter, text("Groapă pe strada Florilor"))
    assert (event.kind, event.text, event.chat_id, event.user_id) == (
        "text", "Groapă pe strada Florilor", CITIZEN, CITIZEN)
    assert event.external_id == "wamid.HBgMMzgwNjcxMjM0NTY3FQIAEhgg1"
    assert event.name == "Олена Коваль"
    assert event.language == ""
    assert event.at == 1733580000.0


def test_image_with_caption(adapter):
    event = parse_one(adapter, message("image", {
        "caption": "Яма", "mime_type": "image/jpeg", "sha256": "aGVsbG8=",
        "id": "1479537139650973"}))
    assert (event.kind, event.photos, event.text) == ("photo", ("1479537139650973",), "Яма")


def test_location(adapter):
    event = parse_one(adapter, message("location", {
        "latitude": 49.8397, "longitude": 24.0297, "name": "Ринок", "address": "пл. Ринок, 1"}))
    assert (event.kind, event.lat, event.lng) == ("location", 49.8397, 24.0297)
    assert event.text == "Ринок пл. Ринок, 1"


def test_location_without_coordinates_is_unsupported(adapter):
    assert parse_one(adapter, message("location", {"name": "?"})).kind == "unsupported"


@pytest.mark.parametrize("reply", ["button_reply", "list_reply"])
def test_pressed_reply_button_or_list_row(adapter, reply):
    event = parse_one(adapter, message("interactive", {
        "type": reply, reply: {"id": "cat:roads", "title": "Дороги"}}))
    assert (event.kind, event.button, event.text) == ("button", "cat:roads", "Дороги")


def test_template_quick_reply_button(adapter):
    event = parse_one(adapter, message("button", {"payload": "fb:confirm:R-2026-00042",
                                                  "text": "Так, виконано"}))
    assert (event.kind, event.button) == ("button", "fb:confirm:R-2026-00042")


def test_shared_contact_card(adapter):
    event = parse_one(adapter, message("contacts", None, contacts=[{
        "name": {"formatted_name": "Олена Коваль", "first_name": "Олена"},
        "phones": [{"phone": "+380 67 123 4567", "wa_id": CITIZEN, "type": "CELL"}]}]))
    assert (event.kind, event.contact_phone, event.contact_user_id) == (
        "contact", "+380 67 123 4567", CITIZEN)
    assert event.contact_user_id == event.user_id  # the citizen's own card


@pytest.mark.parametrize("kind, content, expected", [
    ("sticker", {"id": "55", "animated": False, "mime_type": "image/webp"}, "sticker"),
    ("audio", {"id": "56", "voice": True, "mime_type": "audio/ogg; codecs=opus"}, "voice"),
    ("document", {"id": "57", "filename": "act.pdf", "mime_type": "application/pdf"}, "file"),
    ("video", {"id": "58", "mime_type": "video/mp4"}, "file"),
    ("order", {"catalog_id": "1"}, "unsupported"),
])
def test_kinds_the_dialogue_answers_politely(adapter, kind, content, expected):
    assert parse_one(adapter, message(kind, content)).kind == expected


def test_a_type_the_cloud_api_does_not_support(adapter):
    event = parse_one(adapter, message("unsupported", None, errors=[{
        "code": 131051, "title": "Message type unknown"}]))
    assert event.kind == "unsupported"
    assert event.extra == {"type": "unsupported"}


def test_statuses_reactions_and_other_numbers_give_no_events(adapter):
    statuses = [{"id": "wamid.out1", "status": status, "timestamp": "1733580001",
                 "recipient_id": CITIZEN} for status in ("sent", "delivered", "read")]
    statuses.append({"id": "wamid.out2", "status": "failed", "recipient_id": CITIZEN,
                     "errors": [{"code": 131047, "title": "Re-engagement message"}]})
    assert adapter.parse(meta.raw(delivery(statuses=statuses))) == []
    reaction = message("reaction", {"message_id": "wamid.out1", "emoji": "👍"})
    assert adapter.parse(meta.raw(delivery(reaction))) == []
    assert adapter.parse(meta.raw(delivery(text(), number_id="999"))) == []
    assert adapter.parse(meta.raw({"object": "page", "entry": []})) == []
    assert adapter.parse(meta.raw({"object": "whatsapp_business_account", "entry": "x"})) == []
    assert adapter.parse(meta.raw([1, 2])) == []
    with pytest.raises(ValueError):
        adapter.parse(b"\xff{")


# -- sending

def sent_json(platform_server):
    requests = platform_server.sent(f"/{NUMBER_ID}/messages", "POST")
    assert requests, "nothing was sent"
    assert requests[-1].headers["authorization"] == "Bearer wa-system-token"
    return requests[-1].json


def test_send_text(adapter, platform_server):
    platform_server.route("POST", "/messages$", (200, {
        "messaging_product": "whatsapp", "contacts": [{"input": CITIZEN, "wa_id": CITIZEN}],
        "messages": [{"id": "wamid.out.1"}]}))
    result = adapter.send(CITIZEN, Outgoing(text="Звернення R-2026-00042 прийнято."))
    assert result.ok and result.external_id == "wamid.out.1"
    data = sent_json(platform_server)
    assert data["messaging_product"] == "whatsapp"
    assert (data["to"], data["type"]) == (CITIZEN, "text")
    assert data["text"]["body"] == "Звернення R-2026-00042 прийнято."


def test_send_three_reply_buttons_with_titles_cut_at_20(adapter, platform_server):
    buttons = (Button("Дороги і тротуари міста", "cat:roads"), Button("Освітлення", "cat:light"),
               Button("Інше", "cat:other"))
    adapter.send(CITIZEN, Outgoing(text="Що сталося?", buttons=buttons))
    interactive = sent_json(platform_server)["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"] == {"text": "Що сталося?"}
    assert interactive["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "cat:roads", "title": "Дороги і тротуари мі"}},
        {"type": "reply", "reply": {"id": "cat:light", "title": "Освітлення"}},
        {"type": "reply", "reply": {"id": "cat:other", "title": "Інше"}}]


def test_more_than_three_buttons_become_a_list_of_at_most_ten_rows(adapter, platform_server):
    buttons = tuple(Button(f"Категорія номер {n} довга назва", f"cat:{n}") for n in range(12))
    adapter.send(CITIZEN, Outgoing(text="Оберіть категорію", buttons=buttons))
    interactive = sent_json(platform_server)["interactive"]
    assert interactive["type"] == "list"
    assert 0 < len(interactive["action"]["button"]) <= 20
    rows = interactive["action"]["sections"][0]["rows"]
    assert len(rows) == 10
    assert rows[0]["id"] == "cat:0"
    assert rows[0]["title"] == "Категорія номер 0 довга назва"[:24]
    assert all(len(row["title"]) <= 24 for row in rows)
    assert rows[0]["description"] == "Категорія номер 0 довга назва"


def test_four_buttons_are_a_list(adapter, platform_server):
    buttons = tuple(Button(str(n), f"fb:rate:{n}:R-1") for n in range(1, 5))
    adapter.send(CITIZEN, Outgoing(text="Оцініть", buttons=buttons))
    assert sent_json(platform_server)["interactive"]["type"] == "list"


def test_send_template_with_body_parameters(adapter, platform_server):
    adapter.send(CITIZEN, Outgoing(text="ignored", template="report_status", language="uk",
                                   template_params=("R-2026-00042", "виконано")))
    data = sent_json(platform_server)
    assert data["type"] == "template"
    assert data["template"] == {
        "name": "report_status", "language": {"code": "uk"},
        "components": [{"type": "body", "parameters": [
            {"type": "text", "text": "R-2026-00042"}, {"type": "text", "text": "виконано"}]}]}


def test_ask_location_is_a_location_request(adapter, platform_server):
    adapter.send(CITIZEN, Outgoing(text="Де це?", ask_location=True,
                                   buttons=(Button("Пропустити", "skip"),)))
    interactive = sent_json(platform_server)["interactive"]
    assert interactive == {"type": "location_request_message", "body": {"text": "Де це?"},
                           "action": {"name": "send_location"}}


def test_location_request_can_be_turned_off_for_a_channel(site, platform_server):
    adapter = get_adapter(make_channel(site, platform_server.url,
                                       options={"location_request": False}))
    adapter.send(CITIZEN, Outgoing(text="Напишіть адресу", ask_location=True))
    assert sent_json(platform_server)["type"] == "text"


def test_ask_contact_is_plain_text(adapter, platform_server):
    adapter.send(CITIZEN, Outgoing(text="Ваш номер?", ask_contact=True))
    assert sent_json(platform_server)["type"] == "text"


def graph_error(code, message="refused", status=400, headers=None):
    answer = {"error": {"message": message, "type": "OAuthException", "code": code,
                        "fbtrace_id": "AbCdEf"}}
    return (status, answer, headers) if headers else (status, answer)


@pytest.mark.parametrize("answer, retry_after", [
    ((429, {"error": {"message": "Too many", "code": 4}}, {"Retry-After": "7"}), 7.0),
    (graph_error(130429), 1.0),
    (graph_error(131056), 1.0),
])
def test_rate_limits_give_retry_after(adapter, platform_server, answer, retry_after):
    platform_server.route("POST", "/messages$", answer)
    result = adapter.send(CITIZEN, Outgoing(text="x"))
    assert not result.ok and result.retry_after == retry_after and not result.blocked


def test_outside_the_24_hour_window_says_window(adapter, platform_server):
    platform_server.route("POST", "/messages$", graph_error(131047))
    result = adapter.send(CITIZEN, Outgoing(text="x"))
    assert (result.ok, result.error, result.blocked, result.retry_after) == (
        False, WINDOW, False, None)


def test_an_undeliverable_number_is_blocked(adapter, platform_server):
    platform_server.route("POST", "/messages$", graph_error(131026))
    result = adapter.send(CITIZEN, Outgoing(text="x"))
    assert not result.ok and result.blocked


def test_other_refusals_give_their_message(adapter, platform_server):
    platform_server.route("POST", "/messages$", graph_error(131051, "Unsupported message type"))
    result = adapter.send(CITIZEN, Outgoing(text="x"))
    assert (result.ok, result.blocked, result.error) == (False, False,
                                                         "Unsupported message type")


def test_an_unreachable_api_is_a_failed_send(site):
    adapter = get_adapter(make_channel(site, "http://127.0.0.1:9"))
    result = adapter.send(CITIZEN, Outgoing(text="x"))
    assert not result.ok and result.error


def test_webhooks_are_set_in_metas_dashboard(adapter):
    with pytest.raises(NotImplementedError):
        adapter.register_webhook("https://example.org/channels/whatsapp/k/")


# -- media

def test_download_asks_the_media_url_then_fetches_it_with_the_token(adapter, platform_server):
    photo = b"\xff\xd8\xff\xe0 jpeg bytes"
    platform_server.route("GET", "^/1479537139650973$", (200, {
        "messaging_product": "whatsapp", "url": f"{platform_server.url}/whatsapp_media/abc",
        "mime_type": "image/jpeg", "file_size": len(photo), "id": "1479537139650973"}))
    platform_server.route("GET", "^/whatsapp_media/abc$", (200, photo))
    assert adapter.download("1479537139650973") == photo
    requests = platform_server.sent(method="GET")
    assert [r.path for r in requests] == ["/1479537139650973", "/whatsapp_media/abc"]
    assert all(r.headers["authorization"] == "Bearer wa-system-token" for r in requests)


def test_download_refuses_a_file_too_large_before_fetching_it(adapter, platform_server):
    platform_server.route("GET", "^/77$", (200, {
        "url": f"{platform_server.url}/whatsapp_media/big", "file_size": MAX_DOWNLOAD + 1}))
    with pytest.raises(DownloadError):
        adapter.download("77")
    assert not platform_server.sent("/whatsapp_media/")


@pytest.mark.parametrize("answer", [(404, {"error": {"code": 100}}), (200, {"id": "78"}),
                                    (200, ["not", "an", "object"]),
                                    (200, {"url": "file:///etc/passwd"})])
def test_download_refuses_a_missing_media_or_a_url_not_on_the_web(adapter, platform_server,
                                                                   answer):
    platform_server.route("GET", "^/78$", answer)
    with pytest.raises(DownloadError):
        adapter.download("78")


def test_the_adapter_of_a_whatsapp_channel(channel):
    assert isinstance(get_adapter(channel), WhatsAppAdapter)
    assert get_adapter(Channel(platform="whatsapp")).api_base.startswith(
        "https://graph.facebook.com/")


# -- the whole path

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_signed_message_is_answered_to_its_sender(client, site, platform_server):
    channel = make_channel(site, platform_server.url)
    platform_server.route("POST", "/messages$", (200, {"messages": [{"id": "wamid.answer"}]}))
    assert meta.deliver(client, channel, delivery(text())).status_code == 200
    sent = platform_server.sent(f"/{NUMBER_ID}/messages", "POST")
    assert sent and [json.loads(r.body)["to"] for r in sent] == [CITIZEN] * len(sent)
    conversation = Conversation.objects.get(channel=channel)
    assert (conversation.chat_id, conversation.display_name) == (CITIZEN, "Олена Коваль")
    assert list(conversation.messages.values_list("direction", "external_id")) == [
        (Message.Direction.INBOUND, "wamid.HBgMMzgwNjcxMjM0NTY3FQIAEhgg1")] + [
        (Message.Direction.OUTBOUND, "wamid.answer")] * len(sent)
