"""Messenger Platform: the handshake, signatures on the raw bytes, each kind of event,
sending (text, quick replies, the phone number request) and its refusals, photo downloads,
against the local platform server."""

import json

import pytest

from addons.channels.adapters import get_adapter
from addons.channels.adapters.base import MAX_DOWNLOAD, Button, DownloadError, Outgoing
from addons.channels.adapters.messenger import MessengerAdapter
from addons.channels.adapters.meta import WINDOW
from addons.channels.models import Conversation, Inbound, Message
from tests.conftest import add_town

from . import meta_delivery as meta

PAGE = "112233445566778"
PSID = "6012345678901234"


def make_channel(site, api_base="", **fields):
    fields = {"account_id": PAGE, "token": "page-access-token", **fields}
    return meta.channel(site, "messenger", api_base, **fields)


@pytest.fixture
def channel(db, site, platform_server):
    return make_channel(site, platform_server.url)


@pytest.fixture
def adapter(channel):
    return get_adapter(channel)


def item(sender=PSID, timestamp=1733580000123, **what):
    return {"sender": {"id": sender}, "recipient": {"id": PAGE}, "timestamp": timestamp, **what}


def message(mid="m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM", **content):
    return item(message={"mid": mid, **content})


def delivery(*items, page=PAGE):
    return {"object": "page", "entry": [{"id": page, "time": 1733580000456,
                                         "messaging": list(items)}]}


# -- the handshake and the signature

def test_handshake_echoes_the_challenge_to_the_right_verify_token(client, channel):
    response = meta.subscribe(client, channel, challenge="CHALLENGE_ACCEPTED")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"CHALLENGE_ACCEPTED"


def test_handshake_refuses_a_wrong_verify_token(client, channel):
    assert meta.subscribe(client, channel, token="guess").status_code == 403


def test_only_a_signature_over_the_raw_bytes_passes(client, channel):
    meta.check_signatures(client, channel, delivery(message(text=meta.NATIVE_TEXT)))
    assert Inbound.objects.get().event["text"] == meta.NATIVE_TEXT


def test_a_repeated_delivery_creates_nothing_new(client, channel):
    for _ in range(2):
        assert meta.deliver(client, channel, delivery(message(text="Яма"))).status_code == 200
    assert Inbound.objects.count() == 1


def test_several_events_in_one_delivery(client, channel):
    payload = delivery(message("m_1", text="перше"), message("m_2", text="друге"),
                       item(read={"watermark": 1733580000000}))
    assert meta.deliver(client, channel, payload).status_code == 200
    assert sorted(Inbound.objects.values_list("external_id", flat=True)) == ["m_1", "m_2"]


def test_a_channel_of_another_town_is_404_on_this_towns_host(client, db, site, platform_server):
    channel = make_channel(add_town("town2.example.org"), platform_server.url)
    assert meta.deliver(client, channel, delivery(message(text="x"))).status_code == 404
    assert meta.subscribe(client, channel).status_code == 404
    assert not Inbound.objects.exists()
    response = meta.deliver(client, channel, delivery(message(text="x")),
                       HTTP_HOST="town2.example.org")
    assert response.status_code == 200
    assert Inbound.objects.get().channel == channel


# -- each kind of event

def parse(adapter, *items, **more):
    return adapter.parse(meta.raw(delivery(*items, **more)))


def parse_one(adapter, *items):
    events = parse(adapter, *items)
    assert len(events) == 1
    return events[0]


def test_text(adapter):
    event = parse_one(adapter, message(text="Groapă pe strada Florilor"))
    assert (event.kind, event.text, event.chat_id, event.user_id, event.external_id) == (
        "text", "Groapă pe strada Florilor", PSID, PSID, "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM")
    assert event.at == 1733580000.123
    assert event.language == ""


def test_quick_reply_is_a_button(adapter):
    event = parse_one(adapter, message(text="Дороги", quick_reply={"payload": "cat:roads"}))
    assert (event.kind, event.button, event.text) == ("button", "cat:roads", "Дороги")


def test_phone_number_quick_reply_is_the_citizens_own_contact(adapter):
    event = parse_one(adapter, message(text="+380671234567",
                                       quick_reply={"payload": "+380671234567"}))
    assert (event.kind, event.contact_phone, event.contact_user_id) == (
        "contact", "+380671234567", PSID)


def test_photos(adapter):
    urls = ["https://scontent.xx.fbcdn.net/v/t1.15752-9/1.jpg?_nc_cat=1&oh=ab",
            "https://scontent.xx.fbcdn.net/v/t1.15752-9/2.jpg?_nc_cat=1&oh=cd"]
    event = parse_one(adapter, message(attachments=[
        {"type": "image", "payload": {"url": url}} for url in urls]))
    assert (event.kind, event.photos) == ("photo", tuple(urls))


def test_location(adapter):
    event = parse_one(adapter, message(attachments=[{"type": "location", "title": "Pin",
                                                     "payload": {"coordinates": {
                                                         "lat": 47.0105, "long": 28.8638}}}]))
    assert (event.kind, event.lat, event.lng) == ("location", 47.0105, 28.8638)


@pytest.mark.parametrize("content, expected", [
    ({"sticker_id": 369239263222822, "attachments": [
        {"type": "image", "payload": {"url": "https://x/like.png", "sticker_id": 369239263222822}}
    ]}, "sticker"),
    ({"attachments": [{"type": "audio", "payload": {"url": "https://x/a.mp4"}}]}, "voice"),
    ({"attachments": [{"type": "file", "payload": {"url": "https://x/act.pdf"}}]}, "file"),
    ({"attachments": [{"type": "video", "payload": {"url": "https://x/v.mp4"}}]}, "file"),
    ({"attachments": [{"type": "ig_reel", "payload": {"reel_video_id": "1"}}]}, "unsupported"),
    ({"attachments": [{"type": "location", "payload": {}}]}, "unsupported"),
    ({}, "unsupported"),
])
def test_kinds_the_dialogue_answers_politely(adapter, content, expected):
    assert parse_one(adapter, message(**content)).kind == expected


def test_postback_with_and_without_mid(adapter):
    postback = {"title": "Так, виконано", "payload": "fb:confirm:R-2026-00042"}
    event = parse_one(adapter, item(postback={**postback, "mid": "m_postback"}))
    assert (event.kind, event.button, event.external_id) == (
        "button", "fb:confirm:R-2026-00042", "m_postback")
    first = parse_one(adapter, item(postback=postback))
    again = parse_one(adapter, item(postback=postback))
    later = parse_one(adapter, item(postback=postback, timestamp=1733580099000))
    assert first.external_id == again.external_id != later.external_id
    assert first.kind == "button"


def test_a_link_with_a_ref_starts_the_conversation(adapter):
    event = parse_one(adapter, item(referral={"ref": "signed-token", "source": "SHORTLINK",
                                              "type": "OPEN_THREAD"}))
    assert (event.kind, event.start) == ("start", "signed-token")
    event = parse_one(adapter, item(postback={"title": "Get Started", "payload": "GET_STARTED",
                                              "referral": {"ref": "signed-token"}}))
    assert (event.kind, event.start) == ("start", "signed-token")


def test_each_edit_is_an_event(adapter):
    first = parse_one(adapter, item(message_edit={"mid": "m_1", "text": "Яма біля №15",
                                                  "num_edit": 1}))
    second = parse_one(adapter, item(message_edit={"mid": "m_1", "text": "Яма біля №17",
                                                   "num_edit": 2}))
    assert (first.kind, first.text) == ("edited", "Яма біля №15")
    assert first.external_id != second.external_id


def test_echoes_receipts_and_other_pages_give_no_events(adapter):
    assert parse(adapter, message(text="answer", is_echo=True, app_id=1517776481860111)) == []
    assert parse(adapter, item(sender=PAGE, message={"mid": "m_page", "text": "x"})) == []
    assert parse(adapter, item(delivery={"mids": ["m_1"], "watermark": 1733580000000}),
                 item(read={"watermark": 1733580000000}),
                 item(reaction={"mid": "m_1", "action": "react", "emoji": "👍"})) == []
    assert parse(adapter, message(text="x"), page="999") == []
    assert adapter.parse(meta.raw({"object": "instagram", "entry": []})) == []
    assert adapter.parse(meta.raw({"object": "page", "entry": [{"messaging": "x"}]})) == []
    with pytest.raises(ValueError):
        adapter.parse(b"not json")


# -- sending

def sent_json(platform_server, path=f"/{PAGE}/messages"):
    requests = platform_server.sent(path, "POST")
    assert requests, "nothing was sent"
    assert requests[-1].headers["authorization"] == "Bearer page-access-token"
    return requests[-1].json


def test_send_text(adapter, platform_server):
    platform_server.route("POST", "/messages$", (200, {"recipient_id": PSID,
                                                       "message_id": "m_out_1"}))
    result = adapter.send(PSID, Outgoing(text="Звернення R-2026-00042 прийнято."))
    assert result.ok and result.external_id == "m_out_1"
    assert sent_json(platform_server) == {
        "recipient": {"id": PSID}, "messaging_type": "RESPONSE",
        "message": {"text": "Звернення R-2026-00042 прийнято."}}


def test_without_a_page_id_it_sends_as_me(site, platform_server):
    get_adapter(make_channel(site, platform_server.url, account_id="")).send(
        PSID, Outgoing(text="x"))
    assert sent_json(platform_server, "/me/messages")["recipient"] == {"id": PSID}


def test_buttons_are_at_most_13_quick_replies_with_titles_cut_at_20(adapter, platform_server):
    buttons = tuple(Button(f"Варіант відповіді номер {n}", f"cat:{n}") for n in range(15))
    adapter.send(PSID, Outgoing(text="Оберіть", buttons=buttons))
    replies = sent_json(platform_server)["message"]["quick_replies"]
    assert len(replies) == 13
    assert replies[0] == {"content_type": "text", "title": "Варіант відповіді но",
                          "payload": "cat:0"}


def test_ask_contact_is_the_phone_number_quick_reply(adapter, platform_server):
    adapter.send(PSID, Outgoing(text="Ваш номер?", ask_contact=True,
                                buttons=(Button("Ні", "no"),)))
    replies = sent_json(platform_server)["message"]["quick_replies"]
    assert replies == [{"content_type": "user_phone_number"},
                       {"content_type": "text", "title": "Ні", "payload": "no"}]


def test_ask_location_is_text_only(adapter, platform_server):
    adapter.send(PSID, Outgoing(text="Напишіть адресу", ask_location=True))
    assert sent_json(platform_server)["message"] == {"text": "Напишіть адресу"}


def graph_error(code, subcode=None, status=400, headers=None):
    error = {"message": "refused", "type": "OAuthException", "code": code}
    if subcode:
        error["error_subcode"] = subcode
    return (status, {"error": error}, headers or {})


@pytest.mark.parametrize("answer, expected", [
    (graph_error(10, 2018278), {"error": WINDOW, "blocked": False, "retry_after": None}),
    (graph_error(551, 1545041), {"blocked": True, "retry_after": None}),
    (graph_error(100, 1545041), {"blocked": True}),
    (graph_error(613), {"retry_after": 1.0, "blocked": False}),
    (graph_error(4, status=429, headers={"Retry-After": "30"}), {"retry_after": 30.0}),
    (graph_error(190), {"error": "refused", "blocked": False, "retry_after": None}),
])
def test_refusals(adapter, platform_server, answer, expected):
    platform_server.route("POST", "/messages$", answer)
    result = adapter.send(PSID, Outgoing(text="x"))
    assert not result.ok
    assert {name: getattr(result, name) for name in expected} == expected


# -- photos

def test_download_fetches_the_photos_address(adapter, platform_server):
    platform_server.route("GET", "^/cdn/photo.jpg$", (200, b"\xff\xd8 jpeg"))
    assert adapter.download(f"{platform_server.url}/cdn/photo.jpg?oh=ab") == b"\xff\xd8 jpeg"
    assert len(platform_server.sent("/cdn/photo.jpg", "GET")) == 1


def test_download_refuses_a_file_too_large(adapter, platform_server):
    platform_server.route("GET", "^/cdn/big.jpg$", (200, b"x" * (MAX_DOWNLOAD + 1)))
    with pytest.raises(DownloadError):
        adapter.download(f"{platform_server.url}/cdn/big.jpg")


@pytest.mark.parametrize("ref", ["", "file:///etc/passwd"])
def test_download_refuses_what_is_not_a_web_address(adapter, ref):
    with pytest.raises(DownloadError):
        adapter.download(ref)


def test_the_adapter_of_a_messenger_channel(channel):
    assert isinstance(get_adapter(channel), MessengerAdapter)
    assert "location" not in MessengerAdapter.capabilities


# -- the whole path

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_signed_message_is_answered_to_its_sender(client, site, platform_server):
    channel = make_channel(site, platform_server.url)
    platform_server.route("POST", "/messages$", (200, {"recipient_id": PSID,
                                                       "message_id": "m_answer"}))
    response = meta.deliver(client, channel, delivery(message(text=meta.NATIVE_TEXT)))
    assert response.status_code == 200
    sent = platform_server.sent(f"/{PAGE}/messages", "POST")
    assert sent and [json.loads(r.body)["recipient"] for r in sent] == [{"id": PSID}] * len(sent)
    conversation = Conversation.objects.get(channel=channel)
    assert conversation.chat_id == PSID
    assert list(conversation.messages.values_list("direction", "external_id")) == [
        (Message.Direction.INBOUND, "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM")] + [
        (Message.Direction.OUTBOUND, "m_answer")] * len(sent)
