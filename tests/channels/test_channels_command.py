"""``manage.py channels add|list|webhook``: a channel set up for a town from the command line,
its webhook URL printed, listed without its secrets, its webhook registered with Telegram and
Viber (the local platform server plays them)."""

import importlib.util
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from addons.channels.models import Channel
from tests.conftest import add_town

pytestmark = pytest.mark.django_db

TOKEN = "123456:AAE-the-whole-bot-token"


@pytest.fixture(autouse=True)
def _english():
    """The command speaks the active language; these tests read its English."""
    from django.utils import translation

    with translation.override("en"):
        yield


def run(*args):
    out = StringIO()
    call_command("channels", *args, stdout=out)
    return out.getvalue()


def test_add_creates_the_channel_and_prints_its_webhook(site):
    town = add_town("town2.example.org")
    out = run("add", "--site", "Town2.example.org", "--platform", "telegram", "--token", TOKEN,
              "--name", "Місто-бот", "--api-base", "http://127.0.0.1:8081")
    channel = Channel.objects.get()
    assert (channel.site, channel.platform, channel.token, channel.name, channel.api_base) == (
        town, "telegram", TOKEN, "Місто-бот", "http://127.0.0.1:8081")
    assert len(channel.secret) >= 32 and channel.enabled
    assert f"https://town2.example.org/channels/telegram/{channel.key}/" in out
    assert f"channels webhook {channel.key}" in out


def test_add_with_a_secret_and_an_http_url_on_a_port(site):
    site.port = 8000
    site.save()
    out = run("add", "--site", "localhost", "--platform", "viber", "--token", "v-token",
              "--secret", "chosen-secret", "--http")
    channel = Channel.objects.get()
    assert channel.secret == "chosen-secret"
    assert f"http://localhost:8000/channels/viber/{channel.key}/" in out


def test_the_public_address_of_the_site_wins(site):
    from addons.core.models import SiteProfile

    SiteProfile.objects.update_or_create(site=site,
                                         defaults={"public_url": "https://misto.example.ua"})
    out = run("add", "--site", "localhost", "--platform", "telegram", "--token", TOKEN)
    key = Channel.objects.get().key
    assert f"https://misto.example.ua/channels/telegram/{key}/" in out


def test_add_a_meta_channel_prints_its_verify_token(site):
    out = run("add", "--site", "localhost", "--platform", "whatsapp", "--token", "EAAG",
              "--secret", "app-secret", "--account-id", "1234567890")
    channel = Channel.objects.get()
    assert channel.verify_token and channel.verify_token in out
    assert channel.account_id == "1234567890"
    out = run("add", "--site", "localhost", "--platform", "messenger", "--token", "EAAP",
              "--verify-token", "my-word")
    assert Channel.objects.get(platform="messenger").verify_token == "my-word"
    assert "my-word" in out


def test_the_site_chat_needs_no_token(site):
    run("add", "--site", "localhost", "--platform", "webchat")
    assert Channel.objects.get().platform == "webchat"


@pytest.mark.parametrize(("args", "message"), [
    (["--site", "nowhere.example.org", "--platform", "telegram", "--token", TOKEN], "No site"),
    (["--site", "localhost", "--platform", "icq", "--token", TOKEN], "Unknown platform icq"),
    (["--site", "localhost", "--platform", "telegram"], "needs the token"),
    (["--site", "localhost", "--platform", "viber", "--token", "  "], "needs the token"),
    (["--site", "localhost", "--platform", "telegram", "--token", TOKEN,
      "--api-base", "ftp://proxy"], "not a web address"),
    (["--site", "localhost", "--platform", "telegram", "--token", TOKEN,
      "--secret", "has spaces & ümlauts"], "letters, digits"),
])
def test_bad_input_adds_nothing(site, args, message):
    with pytest.raises(CommandError, match=message):
        run("add", *args)
    assert not Channel.objects.exists()


def test_list_shows_channels_without_their_secrets(site):
    town = add_town("town2.example.org")
    mine = Channel.objects.create(site=site, platform="telegram", token=TOKEN, name="Бот")
    theirs = Channel.objects.create(site=town, platform="viber", token="viber-token-123456789",
                                    enabled=False)
    out = run("list")
    for channel in (mine, theirs):
        assert channel.key in out and channel.secret not in out
        assert channel.token not in out
    assert f"https://localhost/channels/telegram/{mine.key}/" in out
    assert "…oken" in out and "disabled" in out
    out = run("list", "--site", "town2.example.org")
    assert theirs.key in out and mine.key not in out


def test_list_bad_site_and_no_channels(site):
    assert "No chat channels." in run("list")
    with pytest.raises(CommandError, match="No site"):
        run("list", "--site", "nowhere.example.org")


def test_webhook_registers_with_telegram(site, platform_server):
    channel = Channel.objects.create(site=site, platform="telegram", token=TOKEN,
                                     api_base=platform_server.url)
    platform_server.route("POST", "setWebhook", (200, {"ok": True, "result": True,
                                                       "description": "Webhook was set"}))
    out = run("webhook", channel.key)
    url = f"https://localhost/channels/telegram/{channel.key}/"
    [request] = platform_server.sent(f"/bot{TOKEN}/setWebhook")
    assert request.json["url"] == url and request.json["secret_token"] == channel.secret
    assert url in out and "Webhook was set" in out


def test_webhook_registers_with_viber(site, platform_server):
    channel = Channel.objects.create(site=site, platform="viber", token="v-token",
                                     api_base=platform_server.url)
    platform_server.route("POST", "set_webhook", (200, {"status": 0, "status_message": "ok"}))
    out = run("webhook", channel.key, "--http")
    url = f"http://localhost/channels/viber/{channel.key}/"
    [request] = platform_server.sent("/set_webhook")
    assert request.json["url"] == url and request.headers["x-viber-auth-token"] == "v-token"
    assert url in out


def test_a_refused_webhook_is_a_command_error(site, platform_server):
    channel = Channel.objects.create(site=site, platform="telegram", token=TOKEN,
                                     api_base=platform_server.url)
    platform_server.route("POST", "setWebhook", (401, {"ok": False, "error_code": 401,
                                                       "description": "Unauthorized"}))
    with pytest.raises(CommandError, match="refused the webhook .*Unauthorized"):
        run("webhook", channel.key)


def test_an_unreachable_platform_is_a_command_error(site, platform_server):
    channel = Channel.objects.create(site=site, platform="viber", token="v-token",
                                     api_base=platform_server.url)
    platform_server.stop()
    with pytest.raises(CommandError, match="refused the webhook"):
        run("webhook", channel.key)


def test_webhook_of_an_unknown_key(site):
    with pytest.raises(CommandError, match="No chat channel has the key nope"):
        run("webhook", "nope")


def test_the_site_chat_needs_no_webhook(site):
    channel = Channel.objects.create(site=site, platform="webchat")
    assert "needs no webhook" in run("webhook", channel.key)


@pytest.mark.skipif(importlib.util.find_spec("addons.channels.adapters.whatsapp") is None,
                    reason="the WhatsApp adapter is not on this branch")
def test_a_meta_webhook_is_pasted_in_its_console(site):
    channel = Channel.objects.create(site=site, platform="whatsapp", token="EAAG",
                                     verify_token="my-word", account_id="1")
    out = run("webhook", channel.key)
    assert f"https://localhost/channels/whatsapp/{channel.key}/" in out and "my-word" in out


def test_a_channels_key_is_never_read_as_an_option():
    from addons.channels.models import new_key

    # one key in 64 would begin with "-" if nothing prevented it
    assert not any(new_key().startswith("-") for _ in range(2000))
