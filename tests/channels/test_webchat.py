"""The site's own chat: start, send (text, photo, location, button), poll; a retried send
creates nothing new; photos come back through the adapter; floods, other towns and
missing CSRF tokens are refused."""

import io

import pytest
from django.test import Client
from PIL import Image

from addons.channels.adapters import get_adapter
from addons.channels.adapters.base import DownloadError
from addons.channels.models import Channel, Conversation, Inbound, Message
from addons.channels.webchat_views import COOKIE
from tests.conftest import add_town

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(site):
    return Channel.objects.create(site=site, platform="webchat", name="Site chat")


@pytest.fixture
def visitor(client):
    client.cookies["civicdesk_language"] = "en"
    return client


def url(channel, action):
    return f"/channels/chat/{channel.key}/{action}/"


def start(client, channel):
    response = client.get(url(channel, "start"))
    assert response.status_code == 200
    return response.json()


def post(client, channel, data, **extra):
    return client.post(url(channel, "send"), data, **extra)


def png(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_start_gives_a_token_in_a_cookie_and_the_csrf_token(visitor, chat):
    data = start(visitor, chat)
    cookie = visitor.cookies[COOKIE]
    assert len(cookie.value) >= 32 and cookie["httponly"]
    assert cookie["path"] == f"/channels/chat/{chat.key}/"
    assert data["csrf"] and data["messages"] == []
    # a visitor who comes back keeps their token
    start(visitor, chat)
    assert visitor.cookies[COOKIE].value == cookie.value


def test_send_text_goes_through_the_dialogue_and_is_read_by_poll(
        visitor, chat, django_capture_on_commit_callbacks):
    start(visitor, chat)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(visitor, chat, {"message_id": "m-0000001", "text": "Яма на Florilor"})
    assert response.status_code == 202
    token = visitor.cookies[COOKIE].value
    conversation = Conversation.objects.get(channel=chat)
    assert conversation.chat_id == token and conversation.user_id == token
    assert conversation.site == chat.site
    inbound = conversation.messages.get(direction=Message.Direction.INBOUND)
    assert inbound.text == "Яма на Florilor" and inbound.kind == "text"
    answers = visitor.get(url(chat, "poll"), {"after": 0}).json()["messages"]
    assert answers and all(a["direction"] == "out" and a["text"] for a in answers)
    after = answers[-1]["id"]
    assert visitor.get(url(chat, "poll"), {"after": after}).json()["messages"] == []
    # the history comes back with a new start (both ways)
    history = start(visitor, chat)["messages"]
    assert [m["direction"] for m in history][:2] == ["in", "out"]


def test_a_retried_send_creates_nothing_new(visitor, chat, django_capture_on_commit_callbacks):
    start(visitor, chat)
    data = {"message_id": "retry-0001", "text": "Broken lamp"}
    with django_capture_on_commit_callbacks(execute=True):
        assert post(visitor, chat, data).status_code == 202
        again = post(visitor, chat, data)
    assert again.status_code == 200 and again.json()["duplicate"]
    assert Inbound.objects.filter(channel=chat).count() == 1
    assert Message.objects.filter(direction="in").count() == 1


def test_two_visitors_may_use_the_same_message_id(chat, django_capture_on_commit_callbacks):
    first, second = Client(), Client()
    for client in (first, second):
        start(client, chat)
        assert post(client, chat, {"message_id": "same-id-01", "text": "Hi"}).status_code == 202
    assert Inbound.objects.filter(channel=chat).count() == 2


def test_photo_upload_is_read_back_by_the_adapter(visitor, chat, private_storage,
                                                  django_capture_on_commit_callbacks):
    start(visitor, chat)
    data = png()
    upload = io.BytesIO(data)
    upload.name = "pothole.png"
    with django_capture_on_commit_callbacks(execute=True):
        response = post(visitor, chat, {"message_id": "photo-0001", "text": "Here",
                                        "photo": upload})
    assert response.status_code == 202
    event = Inbound.objects.get(channel=chat).event
    assert event["kind"] == "photo" and len(event["photos"]) == 1
    adapter = get_adapter(chat)
    assert adapter.download(event["photos"][0]) == data
    # only this channel's photos, never a path of one's choosing
    other = Channel.objects.create(site=chat.site, platform="webchat")
    for ref in (event["photos"][0].replace(f"/{chat.pk}/", f"/{other.pk}/"),
                "../../etc/passwd", f"channels/webchat/{chat.pk}/../secret.png", ""):
        with pytest.raises(DownloadError):
            adapter.download(ref)
    with pytest.raises(DownloadError):
        get_adapter(other).download(event["photos"][0])


def test_too_large_photo_is_refused_politely(visitor, chat, private_storage, settings):
    settings.CIVICDESK_CHANNELS_WEBCHAT_MAX_PHOTO = 2048
    start(visitor, chat)
    upload = io.BytesIO(png() + b"\0" * 4096)
    upload.name = "big.png"
    response = post(visitor, chat, {"message_id": "big-00001", "photo": upload})
    assert response.status_code == 413
    assert "too large" in response.json()["error"] and "2.0" in response.json()["error"]
    assert not Inbound.objects.exists()
    assert not list(private_storage.rglob("*.png"))


def test_a_file_that_is_not_a_photo_is_refused(visitor, chat, private_storage):
    start(visitor, chat)
    upload = io.BytesIO(b"%PDF-1.4 not a photo")
    upload.name = "photo.jpg"
    response = post(visitor, chat, {"message_id": "pdf-00001", "photo": upload})
    assert response.status_code == 400 and "Only photos" in response.json()["error"]
    assert not Inbound.objects.exists()


def test_location_and_button(visitor, chat):
    start(visitor, chat)
    assert post(visitor, chat, {"message_id": "loc-00001", "lat": "46.48",
                                "lng": "30.73"}).status_code == 202
    assert post(visitor, chat, {"message_id": "btn-00001", "button": "fb:rate:5:R-1",
                                "text": "5"}).status_code == 202
    events = {row.external_id.split(":")[1]: row.event for row in Inbound.objects.all()}
    assert events["loc-00001"]["kind"] == "location"
    assert (events["loc-00001"]["lat"], events["loc-00001"]["lng"]) == (46.48, 30.73)
    assert events["btn-00001"]["kind"] == "button"
    assert events["btn-00001"]["button"] == "fb:rate:5:R-1"


@pytest.mark.parametrize("data", [
    {"message_id": "bad-loc-01", "lat": "91", "lng": "30"},
    {"message_id": "bad-loc-02", "lat": "north", "lng": "30"},
    {"message_id": "bad-loc-03", "lat": "46.4", "lng": ""},
    {"message_id": "x", "text": "too short an id"},
    {"message_id": "bad id with spaces", "text": "Hi"},
    {"message_id": "empty-0001"},
])
def test_unreadable_sends_are_refused(visitor, chat, data):
    start(visitor, chat)
    response = post(visitor, chat, data)
    assert response.status_code == 400 and response.json()["error"]
    assert not Inbound.objects.exists()


def test_send_without_a_started_chat_is_refused(visitor, chat):
    response = post(visitor, chat, {"message_id": "nochat-01", "text": "Hi"})
    assert response.status_code == 403
    assert not Inbound.objects.exists()


def test_a_flood_gets_one_polite_answer(visitor, chat, settings,
                                        django_capture_on_commit_callbacks):
    settings.CIVICDESK_CHANNELS_WEBCHAT_RATE = "3/m"
    start(visitor, chat)
    with django_capture_on_commit_callbacks(execute=True):
        codes = [post(visitor, chat, {"message_id": f"flood-{i:04}", "text": f"{i}"}).status_code
                 for i in range(6)]
    assert codes == [202, 202, 202, 429, 429, 429]
    assert Inbound.objects.count() == 3
    polite = Message.objects.filter(direction="out", text__contains="very fast")
    assert polite.count() == 1
    refused = post(visitor, chat, {"message_id": "flood-9999", "text": "again"})
    assert "very fast" in refused.json()["error"]
    # another visitor is not held back by this one's flood
    other = Client()
    start(other, chat)
    assert post(other, chat, {"message_id": "calm-0001", "text": "Hi"}).status_code == 202


def test_the_polite_answer_is_translated(client, chat, settings,
                                         django_capture_on_commit_callbacks):
    settings.CIVICDESK_CHANNELS_WEBCHAT_RATE = "1/m"
    client.cookies["civicdesk_language"] = "uk"
    start(client, chat)
    post(client, chat, {"message_id": "uk-000001", "text": "Привіт"})
    refused = post(client, chat, {"message_id": "uk-000002", "text": "Привіт"})
    assert refused.status_code == 429
    assert "very fast" not in refused.json()["error"] and refused.json()["error"]


def test_another_towns_channel_and_unknown_keys_are_404(visitor, chat):
    town = add_town("town2.example.org")
    theirs = Channel.objects.create(site=town, platform="webchat")
    off = Channel.objects.create(site=chat.site, platform="webchat", enabled=False)
    telegram = Channel.objects.create(site=chat.site, platform="telegram")
    for channel in (theirs, off, telegram):
        assert visitor.get(url(channel, "start")).status_code == 404
        assert visitor.get(url(channel, "poll")).status_code == 404
        assert post(visitor, channel, {"message_id": "x-000001", "text": "Hi"}).status_code == 404
    assert visitor.get("/channels/chat/nope/start/").status_code == 404
    # the other town's own visitors reach it
    other = Client(HTTP_HOST="town2.example.org")
    assert other.get(url(theirs, "start")).status_code == 200


def test_a_conversation_is_not_read_with_another_visitors_cookie(
        chat, django_capture_on_commit_callbacks):
    first, second = Client(), Client()
    start(first, chat)
    with django_capture_on_commit_callbacks(execute=True):
        post(first, chat, {"message_id": "mine-0001", "text": "Private"})
    start(second, chat)
    assert second.get(url(chat, "poll")).json()["messages"] == []
    assert start(second, chat)["messages"] == []


def test_csrf_is_required(chat):
    client = Client(enforce_csrf_checks=True)
    data = start(client, chat)
    refused = post(client, chat, {"message_id": "csrf-0001", "text": "Hi"})
    assert refused.status_code == 403
    assert not Inbound.objects.exists()
    accepted = post(client, chat, {"message_id": "csrf-0002", "text": "Hi"},
                    HTTP_X_CSRFTOKEN=data["csrf"])
    assert accepted.status_code == 202


def test_poll_refuses_an_unreadable_id(visitor, chat):
    start(visitor, chat)
    assert visitor.get(url(chat, "poll"), {"after": "x"}).status_code == 400


def test_the_chat_button_is_on_public_pages_of_a_site_with_a_chat(visitor, site):
    assert b"chat-widget" not in visitor.get("/").content
    chat = Channel.objects.create(site=site, platform="webchat")
    page = visitor.get("/").content.decode()
    assert f'data-chat-start="/channels/chat/{chat.key}/start/"' in page
    # without JavaScript, a link to the report form; nothing of the visitor's own
    assert 'class="chat-launcher" href="/reports/new/"' in page
    assert "channels/chat.js" in page and "<script>" not in page
    assert Client().get("/").content.decode().count("chat-widget") == 1
    chat.enabled = False
    chat.save()
    assert b"chat-widget" not in visitor.get("/").content


def test_no_chat_button_for_another_towns_chat_or_when_the_addon_is_off(visitor, site):
    from addons.core.activation import disable

    town = add_town("town2.example.org")
    Channel.objects.create(site=town, platform="webchat")
    assert b"chat-widget" not in visitor.get("/").content
    assert b"chat-widget" in Client(HTTP_HOST="town2.example.org").get("/").content
    disable(town, "channels")
    assert b"chat-widget" not in Client(HTTP_HOST="town2.example.org").get("/").content


def test_pages_with_the_chat_button_are_shared_from_the_page_cache(site, settings, chat):
    settings.CIVICDESK_PAGE_CACHE_SECONDS = 60
    Client().get("/")  # the settings rows made on first use
    first, second = Client(), Client()
    kept = first.get("/")
    shared = second.get("/")
    assert kept["X-Page-Cache"] == "miss" and shared["X-Page-Cache"] == "hit"
    assert b"chat-widget" in shared.content
    # a visitor who started a chat still gets the shared page (the chat cookie is only
    # sent to the chat's own URLs)
    start(first, chat)
    assert first.cookies[COOKIE]["path"].startswith("/channels/chat/")
