"""The contract every chat platform's adapter keeps.

An adapter is built for one :class:`~addons.channels.models.Channel` and:

- ``verify(request, body)``: checks the delivery's signature or secret on the raw bytes,
  before anything is parsed, in constant time;
- ``handshake(request)``: answers a platform's GET subscription check (Meta's
  ``hub.challenge``), or None where there is none;
- ``parse(body)``: the platform's JSON -> a list of :class:`InboundEvent` (one delivery may
  carry several; receipts and other noise give none);
- ``acknowledge(events)``: the HTTP answer the platform expects;
- ``send(chat_id, message)``: an :class:`Outgoing` -> :class:`Sent`, never raising for the
  platform's refusals (a blocked bot, a rate limit with ``retry_after``);
- ``download(ref)``: the bytes of a photo the citizen sent (Telegram's ``file_id``, a
  WhatsApp media id, a URL), at most ``MAX_DOWNLOAD`` bytes, else :class:`DownloadError`;
- ``register_webhook(url)``: tells the platform where to deliver, where its API allows
  (else ``NotImplementedError``).

``capabilities`` says what the platform offers: ``buttons``, ``location``, ``photos``,
``contact``. Every URL is built on ``api_base`` (the channel's, else the platform's), so a
self-hosted Bot API server, a proxy or the tests' local platform server can stand in."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field, fields

from django.http import HttpResponse

#: the largest file downloaded from a platform (the photo pipeline refuses larger ones too)
MAX_DOWNLOAD = 12 * 1024 * 1024
#: seconds to wait for a platform's API
TIMEOUT = 10


class DownloadError(Exception):
    """A file could not be fetched (missing, too large, the platform refused)."""


class WebhookError(Exception):
    """The platform refused to register the webhook (its own words in the message)."""


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Outgoing:
    """A message to a citizen: text, buttons to press, a request to share the location or
    the phone contact. ``template``/``template_params``: a pre-approved template (WhatsApp
    outside its 24-hour window), in ``language``."""

    text: str
    buttons: tuple[Button, ...] = ()
    ask_location: bool = False
    ask_contact: bool = False
    template: str = ""
    template_params: tuple[str, ...] = ()
    language: str = ""


@dataclass(frozen=True)
class Sent:
    """What the platform said to a send: ``ok`` with its message id, or the reason; a rate
    limit gives ``retry_after`` seconds; ``blocked`` means the citizen cannot be reached on
    this channel any more (the bot was blocked, the user deleted): try the next channel."""

    ok: bool
    external_id: str = ""
    error: str = ""
    retry_after: float | None = None
    blocked: bool = False


#: what an InboundEvent's ``kind`` may be
KINDS = ("text", "photo", "location", "contact", "button", "start", "edited", "sticker",
         "voice", "file", "unsupported")


@dataclass
class InboundEvent:
    """One thing a citizen did in a chat, whatever the platform.

    ``external_id``: the platform's id of the delivery (unique per channel); ``chat_id``:
    where to answer; ``user_id``: who wrote (Telegram's ``from.id``); ``kind``: one of
    :data:`KINDS`; ``text`` (a photo's caption too); ``language``: the platform's
    ``language_code``; ``lat``/``lng``: a shared location; ``photos``: the platform's
    references to download; ``contact_phone``/``contact_user_id``: a shared contact (it is the
    citizen's own only when ``contact_user_id == user_id``); ``button``: the data of a
    pressed button; ``start``: a deep link's payload (``/start <token>``, Viber's
    ``context``); ``at``: the platform's time (Unix seconds)."""

    external_id: str
    chat_id: str
    kind: str = "text"
    text: str = ""
    user_id: str = ""
    name: str = ""
    language: str = ""
    lat: float | None = None
    lng: float | None = None
    photos: tuple[str, ...] = ()
    contact_phone: str = ""
    contact_user_id: str = ""
    button: str = ""
    start: str = ""
    at: float | None = None
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        data = asdict(self)
        data["photos"] = list(self.photos)
        return data

    @classmethod
    def from_json(cls, data: dict) -> InboundEvent:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["photos"] = tuple(values.get("photos") or ())
        return cls(**values)


def signature_hex(secret: str | bytes, body: bytes) -> str:
    """HMAC-SHA256 of the raw body, as hex."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def same(given: str | None, expected: str) -> bool:
    """Constant-time comparison; an empty expected value never matches."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(str(given).encode(), expected.encode())


def call_json(method: str, url: str, payload=None, *, headers=None, timeout=TIMEOUT,
              answer_headers: dict | None = None):
    """``(status, data)`` of a JSON API call; network failures give ``(0, {"error": ...})``;
    an answer that is not JSON gives ``(status, {})``. ``answer_headers``, when given, is
    filled with the answer's headers (a ``Retry-After``)."""
    status, data, received = call_json_with_headers(method, url, payload, headers=headers,
                                                    timeout=timeout)
    if answer_headers is not None and received:
        answer_headers.update(received.items())
    return status, data


def call_json_with_headers(method: str, url: str, payload=None, *, headers=None,
                           timeout=TIMEOUT):
    """:func:`call_json` and the answer's headers (``Retry-After`` of a rate limit)."""
    body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, method=method, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            status, raw, answer_headers = answer.status, answer.read(), answer.headers
    except urllib.error.HTTPError as error:
        status, raw, answer_headers = error.code, error.read(), error.headers
    except (urllib.error.URLError, OSError) as error:
        return 0, {"error": str(error)}, {}
    try:
        return status, json.loads(raw.decode() or "{}"), answer_headers
    except (ValueError, UnicodeDecodeError):
        return status, {}, answer_headers


def primary_language(code: str | None) -> str:
    """The language part of a platform's language tag: "uk-UA" -> "uk"."""
    return (code or "").replace("_", "-").split("-")[0].strip().lower()[:8]


def in_language(language: str):
    """A context in ``language`` (an Outgoing's), or the active one when it says none."""
    from contextlib import nullcontext

    from django.utils import translation

    return translation.override(language) if language else nullcontext()


def fetch_bytes(url: str, *, headers=None, limit: int = MAX_DOWNLOAD,
                timeout=TIMEOUT) -> bytes:
    """The body at ``url``, refusing more than ``limit`` bytes (DownloadError)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            length = answer.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise DownloadError("too large")
            data = answer.read(limit + 1)
    except urllib.error.HTTPError as error:
        raise DownloadError(f"HTTP {error.code}") from error
    except (urllib.error.URLError, OSError) as error:
        raise DownloadError(str(error)) from error
    if len(data) > limit:
        raise DownloadError("too large")
    return data


class Adapter:
    platform = ""
    capabilities: frozenset = frozenset()
    #: the platform's own API
    default_api_base = ""

    def __init__(self, channel):
        self.channel = channel

    @property
    def api_base(self) -> str:
        return (self.channel.api_base or self.default_api_base).rstrip("/")

    def verify(self, request, body: bytes) -> bool:  # pragma: no cover - every adapter
        raise NotImplementedError

    def handshake(self, request) -> HttpResponse | None:
        return None

    def parse(self, body: bytes) -> list[InboundEvent]:  # pragma: no cover
        raise NotImplementedError

    def acknowledge(self, events: list[InboundEvent]) -> HttpResponse:
        return HttpResponse("ok", content_type="text/plain")

    def send(self, chat_id: str, message: Outgoing) -> Sent:  # pragma: no cover
        raise NotImplementedError

    def download(self, ref: str) -> bytes:  # pragma: no cover
        raise DownloadError("this platform sends no files")

    def register_webhook(self, url: str) -> str:
        raise NotImplementedError
