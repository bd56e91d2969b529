"""The Viber adapter against a local server playing the REST bot API: the signature on the
raw bytes, each callback read, what is sent and the statuses Viber answers with, pictures
fetched, the webhook registered."""

import json

import pytest

from addons.channels.adapters.base import (
    MAX_DOWNLOAD,
    Button,
    DownloadError,
    Outgoing,
    WebhookError,
    signature_hex,
)
from addons.channels.adapters.viber import EVENT_TYPES, ViberAdapter
from addons.channels.models import Channel, Conversation, Inbound
from tests.conftest import add_town

TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f"
SENDER = {"id": "01234567890A=", "name": "Ion Popescu", "avatar": "https://x/a.jpg",
          "country": "MD", "language": "ro-MD", "api_version": 10}


def bot_of(site, server, **fields):
    fields = {"name": "Primăria", "token": TOKEN, "api_base": server.url, **fields}
    return Channel.objects.create(site=site, platform="viber", **fields)


@pytest.fixture
def bot(site, platform_server):
    return bot_of(site, platform_server)


def message(token=5001, **content):
    return {"event": "message", "timestamp": 1765100000123, "chat_hostname": "SN-1",
            "message_token": token, "sender": SENDER, "message": content, "silent": False}


def raw(body) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode()


def deliver(client, channel, body, signature=None, **extra):
    data = body if isinstance(body, bytes) else raw(body)
    if signature is None:
        signature = signature_hex(channel.token, data)
    if signature:
        extra["HTTP_X_VIBER_CONTENT_SIGNATURE"] = signature
    return client.post(channel.webhook_path(), data, content_type="application/json", **extra)


def parse(channel, body):
    return ViberAdapter(channel).parse(raw(body))


def one(channel, body):
    events = parse(channel, body)
    assert len(events) == 1
    return events[0]


# -- the webhook --------------------------------------------------------------------------

TEXT = "Groapă mare pe strada Florilor, lângă nr. 15: ț ș ă î â; яма на Городоцькій ї є"


@pytest.mark.django_db
def test_a_signature_on_the_raw_bytes_verifies(client, bot):
    body = raw(message(type="text", text=TEXT))
    assert "ț".encode() in body and "ї".encode() in body  # sent as UTF-8, not escaped
    response = deliver(client, bot, body, signature=signature_hex(TOKEN, body))
    assert response.status_code == 200
    row = Inbound.objects.get()
    assert (row.external_id, row.chat_id, row.event["text"]) == ("5001", SENDER["id"], TEXT)


@pytest.mark.django_db
def test_a_signature_on_re_encoded_text_does_not(client, bot):
    payload = message(type="text", text=TEXT)
    escaped = json.dumps(payload, ensure_ascii=True).encode()
    assert escaped != raw(payload) and json.loads(escaped) == payload
    response = deliver(client, bot, raw(payload), signature=signature_hex(TOKEN, escaped))
    assert response.status_code == 403
    assert Inbound.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("signature", [
    "", "0" * 64, signature_hex("another-bot-token", raw(message(type="text", text="x")))])
def test_a_wrong_or_missing_signature_is_403_and_nothing_stored(client, bot, signature):
    body = raw(message(type="text", text="x"))
    assert deliver(client, bot, body, signature=signature).status_code == 403
    assert Inbound.objects.count() == 0


@pytest.mark.django_db
def test_the_channel_secret_is_not_what_viber_signs_with(client, bot):
    body = raw(message(type="text", text="x"))
    assert deliver(client, bot, body, signature=signature_hex(bot.secret, body)).status_code \
        == 403
    assert Inbound.objects.count() == 0


@pytest.mark.django_db
def test_a_channel_without_a_token_takes_nothing(client, bot):
    bot.token = ""
    bot.save()
    body = raw(message(type="text", text="x"))
    assert deliver(client, bot, body, signature=signature_hex("", body)).status_code == 403
    assert Inbound.objects.count() == 0


@pytest.mark.django_db
def test_a_repeated_delivery_creates_nothing_new(client, bot):
    for _ in range(3):
        assert deliver(client, bot, message(token=77, type="text", text="a")).status_code == 200
    assert deliver(client, bot, message(token=78, type="text", text="b")).status_code == 200
    assert sorted(Inbound.objects.values_list("external_id", flat=True)) == ["77", "78"]


@pytest.mark.django_db
@pytest.mark.parametrize("event", ["webhook", "delivered", "seen", "failed"])
def test_receipts_and_the_webhook_check_are_answered_not_stored(client, bot, event):
    body = {"event": event, "timestamp": 1765100000000, "message_token": 1,
            "user_id": SENDER["id"], "chat_hostname": "SN-1"}
    assert deliver(client, bot, body).status_code == 200
    assert Inbound.objects.count() == 0


@pytest.mark.django_db
def test_a_channel_of_town_2_answers_on_its_own_host_only(client, site, platform_server):
    town = add_town("town2.example.org")
    channel = bot_of(town, platform_server)
    assert deliver(client, channel, message(type="text", text="a")).status_code == 404
    assert Inbound.objects.count() == 0
    response = deliver(client, channel, message(type="text", text="a"),
                       HTTP_HOST="town2.example.org")
    assert response.status_code == 200
    assert Inbound.objects.get().channel == channel


# -- reading callbacks --------------------------------------------------------------------

@pytest.mark.django_db
def test_text_and_who_wrote(bot):
    event = one(bot, message(type="text", text="Nu arde becul", tracking_data="step-2"))
    assert (event.kind, event.text, event.external_id) == ("text", "Nu arde becul", "5001")
    assert (event.chat_id, event.user_id, event.name) == (SENDER["id"], SENDER["id"],
                                                          "Ion Popescu")
    assert event.language == "ro" and event.at == pytest.approx(1765100000.123)


@pytest.mark.django_db
def test_picture_is_a_photo_by_its_url_with_the_caption(bot):
    event = one(bot, message(type="picture", text="Gunoi lângă bloc",
                             media="https://dl-media.viber.com/1/share/2/long/bots/x.jpg",
                             thumbnail="https://dl-media.viber.com/t.jpg",
                             file_name="x.jpg", size=95000))
    assert event.kind == "photo" and event.text == "Gunoi lângă bloc"
    assert event.photos == ("https://dl-media.viber.com/1/share/2/long/bots/x.jpg",)


@pytest.mark.django_db
def test_location_contact_sticker_file(bot):
    event = one(bot, message(type="location", location={"lat": 47.0105, "lon": 28.8638}))
    assert (event.kind, event.lat, event.lng) == ("location", 47.0105, 28.8638)
    event = one(bot, message(type="contact", contact={"name": "Ion",
                                                      "phone_number": "+37369123456"}))
    assert (event.kind, event.contact_phone, event.contact_user_id) == ("contact",
                                                                        "+37369123456", "")
    assert one(bot, message(type="sticker", sticker_id=46105)).kind == "sticker"
    for kind in ("file", "video"):
        event = one(bot, message(type=kind, media="https://dl-media.viber.com/f",
                                 file_name="act.pdf", size=1000))
        assert (event.kind, event.photos) == ("file", ())
    assert one(bot, message(type="rich_media")).kind == "unsupported"


@pytest.mark.django_db
def test_a_button_comes_back_as_text_in_the_tracking_data_offered(bot):
    tracking = json.dumps({"buttons": ["fb:rate:5:UA-1", "fb:reopen:UA-1"]})
    event = one(bot, message(type="text", text="fb:rate:5:UA-1", tracking_data=tracking))
    assert (event.kind, event.button, event.text) == ("button", "fb:rate:5:UA-1", "")
    # a text that no button offered stays text, whatever it looks like
    event = one(bot, message(type="text", text="fb:confirm:UA-9", tracking_data=tracking))
    assert (event.kind, event.text) == ("text", "fb:confirm:UA-9")
    assert one(bot, message(type="text", text="fb:rate:5:UA-1")).kind == "text"


@pytest.mark.django_db
def test_conversation_started_with_a_deep_link(bot):
    body = {"event": "conversation_started", "timestamp": 1765100000000,
            "message_token": 4912661846655238145, "type": "open",
            "context": "eyJwIjo0Mn0.sig-1",
            "user": {"id": "01234567890A=", "name": "Олена", "language": "uk-UA",
                     "country": "UA", "api_version": 10},
            "subscribed": False}
    event = one(bot, body)
    assert (event.kind, event.start, event.language) == ("start", "eyJwIjo0Mn0.sig-1", "uk")
    assert (event.external_id, event.chat_id) == ("4912661846655238145", "01234567890A=")
    assert event.extra == {"subscribed": False}


@pytest.mark.django_db
def test_subscribed_and_unsubscribed(bot):
    event = one(bot, {"event": "subscribed", "timestamp": 1765100000000,
                      "user": {**SENDER, "language": "bg"}, "message_token": 11})
    assert (event.kind, event.chat_id, event.language) == ("start", SENDER["id"], "bg")
    event = one(bot, {"event": "unsubscribed", "timestamp": 1765100000000,
                      "user_id": SENDER["id"], "message_token": 12})
    assert (event.kind, event.extra, event.chat_id) == ("unsupported", {"blocked": True},
                                                        SENDER["id"])


# -- sending ------------------------------------------------------------------------------

def sent_json(server, method="/send_message"):
    return [r.json for r in server.sent(method)]


@pytest.mark.django_db
def test_send_text_with_buttons(bot, platform_server):
    platform_server.route("POST", "send_message", (200, {
        "status": 0, "status_message": "ok", "message_token": 5741311803571721087,
        "chat_hostname": "SN-1"}))
    result = ViberAdapter(bot).send(SENDER["id"], Outgoing(
        text="Alegeți categoria", buttons=(Button("Gropi", "cat:12"),
                                           Button("Iluminat", "cat:14"))))
    assert result.ok and result.external_id == "5741311803571721087"
    [request] = platform_server.sent("/send_message")
    assert request.headers["x-viber-auth-token"] == TOKEN
    payload = request.json
    assert (payload["receiver"], payload["type"], payload["text"]) == (
        SENDER["id"], "text", "Alegeți categoria")
    assert payload["sender"] == {"name": "Primăria"}
    buttons = payload["keyboard"]["Buttons"]
    assert [(b["ActionType"], b["ActionBody"], b["Text"]) for b in buttons] == [
        ("reply", "cat:12", "Gropi"), ("reply", "cat:14", "Iluminat")]
    assert json.loads(payload["tracking_data"]) == {"buttons": ["cat:12", "cat:14"]}


@pytest.mark.django_db
def test_a_plain_text_has_no_keyboard(bot, platform_server):
    platform_server.route("POST", "send_message", (200, {"status": 0, "message_token": 1}))
    ViberAdapter(bot).send(SENDER["id"], Outgoing(text="Mulțumim"))
    [payload] = sent_json(platform_server)
    assert "keyboard" not in payload and "tracking_data" not in payload


@pytest.mark.django_db
def test_ask_location_and_contact(bot, platform_server):
    platform_server.route("POST", "send_message", (200, {"status": 0, "message_token": 2}))
    ViberAdapter(bot).send(SENDER["id"], Outgoing(text="Unde?", ask_location=True,
                                                  ask_contact=True, language="ro"))
    [payload] = sent_json(platform_server)
    kinds = [b["ActionType"] for b in payload["keyboard"]["Buttons"]]
    assert kinds == ["location-picker", "share-phone"]
    assert payload["min_api_version"] >= 3
    assert payload["keyboard"]["Buttons"][0]["Text"] == "Trimite locația mea"


@pytest.mark.django_db
def test_the_sender_is_the_town_when_the_bot_has_no_name(site, platform_server):
    site.site_name = "Primăria municipiului Chișinău, Republica Moldova"
    site.save()
    channel = bot_of(site, platform_server, name="")
    platform_server.route("POST", "send_message", (200, {"status": 0, "message_token": 3}))
    ViberAdapter(Channel.objects.get(pk=channel.pk)).send(SENDER["id"], Outgoing(text="x"))
    [payload] = sent_json(platform_server)
    assert payload["sender"]["name"] == site.site_name[:28]


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "message"), [
    (6, "receiverNotSubscribed"), (5, "receiverNotRegistered"),
    (11, "receiverNoSuitableDevice")])
def test_a_citizen_out_of_reach_says_blocked(bot, platform_server, status, message):
    platform_server.route("POST", "send_message", (200, {"status": status,
                                                         "status_message": message}))
    result = ViberAdapter(bot).send(SENDER["id"], Outgoing(text="x"))
    assert not result.ok and result.blocked and result.error == message


@pytest.mark.django_db
def test_another_status_is_an_error(bot, platform_server):
    platform_server.route("POST", "send_message", (200, {"status": 3,
                                                         "status_message": "badData"}))
    result = ViberAdapter(bot).send(SENDER["id"], Outgoing(text="x"))
    assert (result.ok, result.blocked, result.retry_after, result.error) == (
        False, False, None, "badData")


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "wait"), [({"Retry-After": "7"}, 7), ({}, 1),
                                               ({"Retry-After": "soon"}, 1)])
def test_http_429_gives_retry_after(bot, platform_server, headers, wait):
    platform_server.route("POST", "send_message", (429, {}, headers))
    result = ViberAdapter(bot).send(SENDER["id"], Outgoing(text="x"))
    assert not result.ok and result.retry_after == wait and not result.blocked


@pytest.mark.django_db
def test_too_many_requests_status_gives_retry_after(bot, platform_server):
    platform_server.route("POST", "send_message", (200, {"status": 12,
                                                         "status_message": "tooManyRequests"}))
    result = ViberAdapter(bot).send(SENDER["id"], Outgoing(text="x"))
    assert not result.ok and result.retry_after == 1


@pytest.mark.django_db
def test_an_unreachable_api_is_an_error_not_an_exception(bot, platform_server):
    platform_server.stop()
    result = ViberAdapter(bot).send(SENDER["id"], Outgoing(text="x"))
    assert not result.ok and result.error and not result.blocked


# -- files --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_download_a_picture(bot, platform_server):
    platform_server.route("GET", "/media/", (200, b"\xff\xd8picture"))
    assert ViberAdapter(bot).download(platform_server.url + "/media/x.jpg") == b"\xff\xd8picture"


@pytest.mark.django_db
def test_a_picture_too_large_is_refused(bot, platform_server):
    platform_server.route("GET", "/media/", (200, b"\0" * (MAX_DOWNLOAD + 1)))
    with pytest.raises(DownloadError, match="too large"):
        ViberAdapter(bot).download(platform_server.url + "/media/big.jpg")


@pytest.mark.django_db
@pytest.mark.parametrize("ref", ["file:///etc/passwd", "ftp://x/y.jpg", "x.jpg"])
def test_only_web_addresses_are_fetched(bot, ref):
    with pytest.raises(DownloadError):
        ViberAdapter(bot).download(ref)


# -- the webhook's registration -----------------------------------------------------------

@pytest.mark.django_db
def test_register_webhook(bot, platform_server):
    platform_server.route("POST", "set_webhook", (200, {
        "status": 0, "status_message": "ok", "event_types": list(EVENT_TYPES)}))
    url = "https://city.example.org" + bot.webhook_path()
    assert ViberAdapter(bot).register_webhook(url) == "ok"
    [request] = platform_server.sent("/set_webhook")
    assert request.headers["x-viber-auth-token"] == TOKEN
    assert request.json["url"] == url and request.json["send_name"] is True
    assert set(request.json["event_types"]) >= {"conversation_started", "unsubscribed"}


@pytest.mark.django_db
def test_a_refused_webhook_is_an_error(bot, platform_server):
    platform_server.route("POST", "set_webhook", (200, {"status": 1,
                                                        "status_message": "invalidUrl"}))
    with pytest.raises(WebhookError, match="invalidUrl"):
        ViberAdapter(bot).register_webhook("https://city.example.org/x/")


# -- the whole path -----------------------------------------------------------------------

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_message_is_answered_in_its_chat(client, site, platform_server):
    channel = bot_of(site, platform_server)
    platform_server.route("POST", "send_message", (200, {"status": 0, "message_token": 9}))
    response = deliver(client, channel, message(token=900, type="text", text=TEXT))
    assert response.status_code == 200
    answers = sent_json(platform_server)
    assert answers and all(p["receiver"] == SENDER["id"] and p["text"] for p in answers)
    conversation = Conversation.objects.get(channel=channel)
    assert set(conversation.messages.filter(direction="out")
               .values_list("external_id", flat=True)) == {"9"}
    assert conversation.messages.get(direction="in").text == TEXT
