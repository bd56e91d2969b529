"""The webhook's common path, whatever the platform: unknown platforms and channels of
another town are 404, and the site chat takes nothing through the generic webhook."""

import pytest

from addons.channels.models import Channel, Inbound
from tests.conftest import add_town

pytestmark = pytest.mark.django_db


def test_unknown_platform_is_404(client, site):
    channel = Channel.objects.create(site=site, platform="webchat")
    assert client.post(f"/channels/icq/{channel.key}/", b"{}",
                       content_type="application/json").status_code == 404


def test_unknown_key_is_404(client, site):
    Channel.objects.create(site=site, platform="webchat")
    assert client.post("/channels/webchat/nope/", b"{}",
                       content_type="application/json").status_code == 404


def test_channel_of_another_town_is_404(client, site):
    town = add_town("town2.example.org")
    channel = Channel.objects.create(site=town, platform="webchat")
    response = client.post(channel.webhook_path(), b"{}", content_type="application/json")
    assert response.status_code == 404


def test_site_chat_refuses_the_generic_webhook(client, site):
    channel = Channel.objects.create(site=site, platform="webchat")
    response = client.post(channel.webhook_path(), b'{"x": 1}', content_type="application/json")
    assert response.status_code == 403
    assert not Inbound.objects.exists()
