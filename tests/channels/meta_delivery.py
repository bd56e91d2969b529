"""Deliveries as Meta makes them (WhatsApp, Messenger): the raw JSON bytes signed with the
app secret in ``X-Hub-Signature-256``, posted to a channel's webhook."""

from __future__ import annotations

import json

from addons.channels.adapters.base import signature_hex

APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "civicdesk-verify-3f9a"


def channel(site, platform, api_base="", **fields):
    """A WhatsApp or Messenger channel signed with :data:`APP_SECRET`."""
    from addons.channels.models import Channel

    values = {"secret": APP_SECRET, "verify_token": VERIFY_TOKEN, "api_base": api_base,
              **fields}
    return Channel.objects.create(site=site, platform=platform, **values)


def raw(payload) -> bytes:
    """The bytes Meta sends: UTF-8, letters as they are (not ``\\u`` escapes)."""
    return payload if isinstance(payload, bytes) else json.dumps(
        payload, ensure_ascii=False).encode()


def signature(body: bytes, secret: str = APP_SECRET) -> str:
    return f"sha256={signature_hex(secret, body)}"


def deliver(client, channel, payload, *, signed: str | None = "right", **extra):
    """POST ``payload`` to the channel's webhook; ``signed``: "right", None (no header) or
    the header's value itself."""
    body = raw(payload)
    if signed == "right":
        extra["HTTP_X_HUB_SIGNATURE_256"] = signature(body)
    elif signed is not None:
        extra["HTTP_X_HUB_SIGNATURE_256"] = signed
    return client.post(channel.webhook_path(), body, content_type="application/json", **extra)


def subscribe(client, channel, token=VERIFY_TOKEN, mode="subscribe", challenge="1158201444"):
    """Meta's subscription check (GET with ``hub.*``)."""
    return client.get(channel.webhook_path(), {"hub.mode": mode, "hub.verify_token": token,
                                               "hub.challenge": challenge})


#: a report written in Ukrainian, Russian-mixed and Romanian with its diacritics
NATIVE_TEXT = ("Яма на вулиці Городоцькій, біля №15 — ямка; "
               "groapă mare pe strada Florilor, ș ț ă î â")


def check_signatures(client, channel, payload):
    """A signature over the raw bytes passes; a signature over the same JSON re-encoded with
    ``\\u`` escapes does not, nor a missing, wrong, other-algorithm or malformed one."""
    from addons.channels.models import Inbound

    body = raw(payload)
    reencoded = json.dumps(json.loads(body)).encode()
    assert reencoded != body
    for bad in (None, signature(reencoded), signature(body, "another-secret"),
                "sha1=" + signature(body)[7:], signature(body)[7:], "sha256=", "sha256=zz"):
        assert deliver(client, channel, body, signed=bad).status_code == 403, bad
    assert not Inbound.objects.exists()
    assert deliver(client, channel, body).status_code == 200
    assert Inbound.objects.filter(channel=channel).count() == 1
