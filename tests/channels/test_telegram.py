"""The Telegram adapter against a local server playing the Bot API: the secret token on every
delivery, each kind of update read, what is sent and how refusals come back, files fetched
through getFile, the webhook registered with our secret."""

import json

import pytest

from addons.channels.adapters.base import (
    MAX_DOWNLOAD,
    Button,
    DownloadError,
    Outgoing,
    WebhookError,
)
from addons.channels.adapters.telegram import ALLOWED_UPDATES, TelegramAdapter
from addons.channels.models import Channel, Conversation, Inbound, Message
from tests.conftest import add_town

TOKEN = "123456:AAE-test_token"
CITIZEN = {"id": 7001, "is_bot": False, "first_name": "Олена", "last_name": "Ковальчук",
           "language_code": "uk"}
CHAT = {"id": 7001, "type": "private", "first_name": "Олена"}


def bot_of(site, server):
    return Channel.objects.create(site=site, platform="telegram", name="Місто", token=TOKEN,
                                  api_base=server.url)


@pytest.fixture
def bot(site, platform_server):
    return bot_of(site, platform_server)


def update(update_id=100, **message):
    return {"update_id": update_id,
            "message": {"message_id": 55, "from": CITIZEN, "chat": CHAT, "date": 1765100000,
                        **message}}


def deliver(client, channel, body, secret=None, **extra):
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    if secret is None:
        secret = channel.secret
    if secret:
        extra["HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"] = secret
    return client.post(channel.webhook_path(), raw, content_type="application/json", **extra)


def parse(channel, body):
    return TelegramAdapter(channel).parse(json.dumps(body, ensure_ascii=False).encode())


def one(channel, body):
    events = parse(channel, body)
    assert len(events) == 1
    return events[0]


# -- the webhook --------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_delivery_with_the_secret_is_stored_with_its_text_intact(client, bot):
    text = "Яма на вулиці Городоцькій, ї є; și pe strada Florilor: ț ș"
    response = deliver(client, bot, update(text=text))
    assert response.status_code == 200
    row = Inbound.objects.get()
    assert (row.channel, row.external_id, row.chat_id) == (bot, "100", "7001")
    assert row.event["text"] == text and row.event["kind"] == "text"


@pytest.mark.django_db
@pytest.mark.parametrize("secret", ["", "wrong-secret", "x" * 43])
def test_a_wrong_or_missing_secret_is_403_and_nothing_stored(client, bot, secret):
    response = deliver(client, bot, update(text="привіт"), secret=secret)
    assert response.status_code == 403
    assert Inbound.objects.count() == 0


@pytest.mark.django_db
def test_a_channel_without_a_secret_takes_nothing(client, bot):
    bot.secret = ""
    bot.save()
    response = deliver(client, bot, update(text="привіт"), secret="")
    assert response.status_code == 403
    assert Inbound.objects.count() == 0


@pytest.mark.django_db
def test_a_repeated_delivery_creates_nothing_new(client, bot):
    for _ in range(3):
        assert deliver(client, bot, update(update_id=42, text="яма")).status_code == 200
    assert deliver(client, bot, update(update_id=43, text="ще яма")).status_code == 200
    assert sorted(Inbound.objects.values_list("external_id", flat=True)) == ["42", "43"]


@pytest.mark.django_db
def test_noise_is_answered_and_not_stored(client, bot):
    body = {"update_id": 9, "channel_post": {"message_id": 1, "chat": {"id": -100}}}
    assert deliver(client, bot, body).status_code == 200
    assert deliver(client, bot, b"not json").status_code == 200
    assert Inbound.objects.count() == 0


@pytest.mark.django_db
def test_a_channel_of_town_2_answers_on_its_own_host_only(client, site, platform_server):
    town = add_town("town2.example.org")
    channel = bot_of(town, platform_server)
    assert deliver(client, channel, update(text="a")).status_code == 404
    assert Inbound.objects.count() == 0
    response = deliver(client, channel, update(text="a"), HTTP_HOST="town2.example.org")
    assert response.status_code == 200
    assert Inbound.objects.get().channel == channel
    # and town 1's bot is not found on town 2's host
    assert deliver(client, bot_of(site, platform_server), update(update_id=2, text="b"),
                   HTTP_HOST="town2.example.org").status_code == 404


# -- reading updates ----------------------------------------------------------------------

@pytest.mark.django_db
def test_text_and_who_wrote(bot):
    event = one(bot, update(text="Не горить ліхтар"))
    assert (event.kind, event.text, event.external_id) == ("text", "Не горить ліхтар", "100")
    assert (event.chat_id, event.user_id, event.language) == ("7001", "7001", "uk")
    assert event.name == "Олена Ковальчук" and event.at == 1765100000


@pytest.mark.django_db
def test_language_tag_keeps_its_language(bot):
    body = update(text="x")
    body["message"]["from"] = {**CITIZEN, "language_code": "ro-MD"}
    assert one(bot, body).language == "ro"


@pytest.mark.django_db
def test_photo_gives_the_largest_size_and_the_caption(bot):
    sizes = [{"file_id": "small", "file_size": 1200, "width": 90, "height": 67},
             {"file_id": "large", "file_size": 98000, "width": 1280, "height": 960},
             {"file_id": "medium", "file_size": 21000, "width": 320, "height": 240}]
    event = one(bot, update(photo=sizes, caption="Сміття біля будинку 15"))
    assert (event.kind, event.photos, event.text) == ("photo", ("large",),
                                                      "Сміття біля будинку 15")


@pytest.mark.django_db
def test_an_image_sent_as_a_file_is_a_photo_another_file_is_not(bot):
    image = {"file_id": "doc-jpg", "file_name": "IMG_1.jpg", "mime_type": "image/jpeg"}
    event = one(bot, update(document=image))
    assert (event.kind, event.photos) == ("photo", ("doc-jpg",))
    pdf = {"file_id": "doc-pdf", "file_name": "скарга.pdf", "mime_type": "application/pdf"}
    event = one(bot, update(document=pdf, caption="ось"))
    assert (event.kind, event.photos, event.text) == ("file", (), "ось")
    assert one(bot, update(video={"file_id": "v", "duration": 3})).kind == "file"


@pytest.mark.django_db
def test_location_and_venue(bot):
    event = one(bot, update(location={"latitude": 49.8397, "longitude": 24.0297}))
    assert (event.kind, event.lat, event.lng) == ("location", 49.8397, 24.0297)
    venue = {"location": {"latitude": 47.0105, "longitude": 28.8638}, "title": "Piața",
             "address": "str. Florilor 15"}
    event = one(bot, update(venue=venue, location=venue["location"]))
    assert (event.kind, event.lat, event.lng) == ("location", 47.0105, 28.8638)


@pytest.mark.django_db
def test_contact_own_and_someone_elses(bot):
    own = one(bot, update(contact={"phone_number": "+380671234567", "first_name": "Олена",
                                   "user_id": 7001}))
    assert (own.kind, own.contact_phone, own.contact_user_id) == ("contact", "+380671234567",
                                                                  "7001")
    assert own.contact_user_id == own.user_id
    other = one(bot, update(contact={"phone_number": "+40721000000", "first_name": "Ion"}))
    assert (other.contact_phone, other.contact_user_id) == ("+40721000000", "")


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "kind"), [
    ("sticker", "sticker"), ("voice", "voice"), ("audio", "voice"), ("video_note", "voice"),
    ("poll", "unsupported"), ("dice", "unsupported"),
])
def test_what_is_not_text_says_what_it_is(bot, field, kind):
    event = one(bot, update(**{field: {"file_id": "f1", "emoji": "👍", "duration": 2}}))
    assert event.kind == kind and event.photos == ()


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "payload"), [
    ("/start", ""), ("/start eyJwIjo0Mn0.sig-1", "eyJwIjo0Mn0.sig-1"),
    ("/start@CityBot abc_DEF", "abc_DEF"),
])
def test_start_with_and_without_a_deep_link(bot, text, payload):
    event = one(bot, update(text=text))
    assert (event.kind, event.start, event.text) == ("start", payload, "")


@pytest.mark.django_db
def test_another_command_stays_text(bot):
    assert one(bot, update(text="/help")).kind == "text"


@pytest.mark.django_db
def test_an_edited_message(bot):
    body = {"update_id": 101, "edited_message": {
        "message_id": 55, "from": CITIZEN, "chat": CHAT, "date": 1765100000,
        "edit_date": 1765100100, "text": "Яма на Городоцькій, 15"}}
    event = one(bot, body)
    assert (event.kind, event.text, event.external_id) == ("edited", "Яма на Городоцькій, 15",
                                                           "101")


@pytest.mark.django_db
def test_a_pressed_button(bot):
    body = {"update_id": 102, "callback_query": {
        "id": "4382bfdwdsb323b2d9", "from": CITIZEN, "chat_instance": "-1",
        "message": {"message_id": 56, "chat": CHAT, "date": 1765100200, "text": "?"},
        "data": "fb:rate:5:UA-2026-000123"}}
    event = one(bot, body)
    assert (event.kind, event.button, event.chat_id) == ("button", "fb:rate:5:UA-2026-000123",
                                                         "7001")
    assert event.extra["callback_query_id"] == "4382bfdwdsb323b2d9"


@pytest.mark.django_db
def test_blocking_the_bot_says_blocked_other_member_changes_say_nothing(bot):
    change = {"chat": CHAT, "from": CITIZEN, "date": 1765100300,
              "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True}},
              "new_chat_member": {"status": "kicked", "user": {"id": 1, "is_bot": True}}}
    event = one(bot, {"update_id": 103, "my_chat_member": change})
    assert (event.kind, event.extra, event.chat_id) == ("unsupported", {"blocked": True},
                                                        "7001")
    change = {**change, "new_chat_member": {"status": "member", "user": {"id": 1}}}
    assert parse(bot, {"update_id": 104, "my_chat_member": change}) == []


@pytest.mark.django_db
def test_group_chats_are_ignored(bot):
    body = update(text="всім привіт")
    body["message"]["chat"] = {"id": -1001, "type": "supergroup", "title": "Двір"}
    assert parse(bot, body) == []


# -- sending ------------------------------------------------------------------------------

def sent_json(server, method):
    requests = server.sent(f"/bot{TOKEN}/{method}")
    return [r.json for r in requests]


@pytest.mark.django_db
def test_send_text_and_buttons(bot, platform_server):
    platform_server.route("POST", "sendMessage", (200, {"ok": True, "result": {
        "message_id": 777, "chat": CHAT, "date": 1}}))
    result = TelegramAdapter(bot).send("7001", Outgoing(
        text="Оберіть категорію", buttons=(Button("Ями на дорогах", "cat:12"),
                                           Button("Освітлення", "cat:14"))))
    assert result.ok and result.external_id == "777"
    [payload] = sent_json(platform_server, "sendMessage")
    assert payload["chat_id"] == "7001" and payload["text"] == "Оберіть категорію"
    assert payload["reply_markup"] == {"inline_keyboard": [
        [{"text": "Ями на дорогах", "callback_data": "cat:12"}],
        [{"text": "Освітлення", "callback_data": "cat:14"}]]}


@pytest.mark.django_db
def test_ask_location_and_contact_as_a_one_time_keyboard(bot, platform_server):
    TelegramAdapter(bot).send("7001", Outgoing(text="Де це?", ask_location=True,
                                               ask_contact=True, language="uk"))
    [payload] = sent_json(platform_server, "sendMessage")
    markup = payload["reply_markup"]
    assert markup["one_time_keyboard"] is True
    [[location], [contact]] = markup["keyboard"]
    assert location["request_location"] is True and contact["request_contact"] is True
    assert location["text"] == "Надіслати моє місцезнаходження"


@pytest.mark.django_db
def test_asking_the_location_with_buttons_sends_the_buttons_next(bot, platform_server):
    TelegramAdapter(bot).send("7001", Outgoing(text="Де це?", ask_location=True,
                                               buttons=(Button("Пропустити", "skip"),)))
    first, second = sent_json(platform_server, "sendMessage")
    assert first["text"] == "Де це?" and "keyboard" in first["reply_markup"]
    assert second["reply_markup"] == {"inline_keyboard": [[{"text": "Пропустити",
                                                            "callback_data": "skip"}]]}


@pytest.mark.django_db
def test_a_rate_limit_gives_retry_after(bot, platform_server):
    platform_server.route("POST", "sendMessage", (429, {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 17",
        "parameters": {"retry_after": 17}}))
    result = TelegramAdapter(bot).send("7001", Outgoing(text="x"))
    assert not result.ok and result.retry_after == 17 and not result.blocked


@pytest.mark.django_db
@pytest.mark.parametrize("description", ["Forbidden: bot was blocked by the user",
                                         "Forbidden: user is deactivated"])
def test_a_blocked_bot_says_blocked(bot, platform_server, description):
    platform_server.route("POST", "sendMessage", (403, {
        "ok": False, "error_code": 403, "description": description}))
    result = TelegramAdapter(bot).send("7001", Outgoing(text="x"))
    assert not result.ok and result.blocked and result.error == description


@pytest.mark.django_db
def test_another_refusal_gives_its_description(bot, platform_server):
    platform_server.route("POST", "sendMessage", (400, {
        "ok": False, "error_code": 400, "description": "Bad Request: chat not found"}))
    result = TelegramAdapter(bot).send("7001", Outgoing(text="x"))
    assert (result.ok, result.blocked, result.retry_after) == (False, False, None)
    assert result.error == "Bad Request: chat not found"


@pytest.mark.django_db
def test_an_unreachable_api_is_an_error_not_an_exception(bot, platform_server):
    bot.api_base = platform_server.url
    platform_server.stop()
    result = TelegramAdapter(bot).send("7001", Outgoing(text="x"))
    assert not result.ok and result.error and not result.blocked


@pytest.mark.django_db
def test_answer_button(bot, platform_server):
    event = one(bot, {"update_id": 5, "callback_query": {
        "id": "cbq-1", "from": CITIZEN, "message": {"message_id": 1, "chat": CHAT},
        "data": "fb:confirm:UA-1"}})
    assert TelegramAdapter(bot).answer_button(event)
    assert sent_json(platform_server, "answerCallbackQuery") == [{"callback_query_id": "cbq-1"}]
    # a text message has nothing to acknowledge
    assert not TelegramAdapter(bot).answer_button(one(bot, update(text="x")))


# -- files --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_download_through_get_file(bot, platform_server):
    platform_server.route("POST", "getFile", (200, {"ok": True, "result": {
        "file_id": "large", "file_unique_id": "u", "file_size": 11,
        "file_path": "photos/file_3.jpg"}}))
    platform_server.route("GET", "/file/", (200, b"\xff\xd8jpegbytes"))
    assert TelegramAdapter(bot).download("large") == b"\xff\xd8jpegbytes"
    assert sent_json(platform_server, "getFile") == [{"file_id": "large"}]
    [fetched] = platform_server.sent("/file/", method="GET")
    assert fetched.path == f"/file/bot{TOKEN}/photos/file_3.jpg"


@pytest.mark.django_db
def test_a_file_said_too_large_is_not_fetched(bot, platform_server):
    platform_server.route("POST", "getFile", (200, {"ok": True, "result": {
        "file_id": "big", "file_size": MAX_DOWNLOAD + 1, "file_path": "photos/big.jpg"}}))
    with pytest.raises(DownloadError, match="too large"):
        TelegramAdapter(bot).download("big")
    assert platform_server.sent("/file/") == []


@pytest.mark.django_db
def test_a_file_larger_than_said_is_refused(bot, platform_server):
    platform_server.route("POST", "getFile", (200, {"ok": True, "result": {
        "file_id": "liar", "file_size": 10, "file_path": "photos/liar.jpg"}}))
    platform_server.route("GET", "/file/", (200, b"\0" * (MAX_DOWNLOAD + 1)))
    with pytest.raises(DownloadError, match="too large"):
        TelegramAdapter(bot).download("liar")


@pytest.mark.django_db
def test_an_unknown_file_is_a_download_error(bot, platform_server):
    platform_server.route("POST", "getFile", (400, {
        "ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}))
    with pytest.raises(DownloadError, match="invalid file_id"):
        TelegramAdapter(bot).download("nope")


# -- the webhook's registration -----------------------------------------------------------

@pytest.mark.django_db
def test_register_webhook_sends_our_secret(bot, platform_server):
    platform_server.route("POST", "setWebhook", (200, {
        "ok": True, "result": True, "description": "Webhook was set"}))
    url = "https://city.example.org" + bot.webhook_path()
    assert TelegramAdapter(bot).register_webhook(url) == "Webhook was set"
    [payload] = sent_json(platform_server, "setWebhook")
    assert payload == {"url": url, "secret_token": bot.secret,
                       "allowed_updates": list(ALLOWED_UPDATES)}


@pytest.mark.django_db
def test_a_refused_webhook_is_an_error(bot, platform_server):
    platform_server.route("POST", "setWebhook", (400, {
        "ok": False, "error_code": 400,
        "description": "Bad Request: bad webhook: HTTPS url must be provided for webhook"}))
    with pytest.raises(WebhookError, match="HTTPS url must be provided"):
        TelegramAdapter(bot).register_webhook("http://city.example.org/x/")


# -- the whole path -----------------------------------------------------------------------

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_message_is_answered_in_its_chat(client, site, platform_server):
    channel = bot_of(site, platform_server)
    assert deliver(client, channel, update(update_id=900, text="Яма на дорозі")).status_code \
        == 200
    answers = sent_json(platform_server, "sendMessage")
    assert answers and all(p["chat_id"] == "7001" and p["text"] for p in answers)
    conversation = Conversation.objects.get(channel=channel)
    assert (conversation.chat_id, conversation.user_id) == ("7001", "7001")
    directions = list(conversation.messages.values_list("direction", flat=True))
    assert directions == [Message.Direction.INBOUND] + [Message.Direction.OUTBOUND] * len(
        answers)
    assert Inbound.objects.get().state == Inbound.State.DONE
