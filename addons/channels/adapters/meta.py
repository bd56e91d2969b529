"""What WhatsApp and Messenger share: both are Meta's Graph API.

- The subscription handshake: Meta GETs the webhook with ``hub.mode=subscribe``,
  ``hub.verify_token`` and ``hub.challenge``; the challenge is echoed when the verify token
  is the channel's, else 403.
- Every delivery is signed: ``X-Hub-Signature-256: sha256=<hex>``, the HMAC-SHA256 of the
  raw body with the app secret (``Channel.secret``).
- Calls carry ``Authorization: Bearer <Channel.token>``; refusals come as
  ``{"error": {"code", "error_subcode", "message"}}`` and are turned into :class:`Sent`:
  a rate limit gives ``retry_after``, a closed 24-hour window ``error == WINDOW``, a citizen
  who cannot be reached ``blocked``."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from django.http import HttpResponse, HttpResponseForbidden

from .base import Adapter, DownloadError, Sent, call_json, same, signature_hex

GRAPH_API = "https://graph.facebook.com/v21.0"

#: ``Sent.error`` when the platform refuses free text because the citizen's last message is
#: more than 24 hours old: the transports send an approved template or try the next channel
WINDOW = "window"

#: the Graph API's throttling codes (application, user, page, call volume) and the Cloud
#: API's (the number's throughput, the business account's, one customer's pair rate)
RATE_LIMITED = frozenset({4, 17, 32, 613, 80007, 130429, 131056})

#: seconds to wait after a rate limit that names no ``Retry-After``
DEFAULT_RETRY_AFTER = 1.0


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value) -> list:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def seconds(value, per_second: int = 1) -> float | None:
    """A platform's time as Unix seconds (WhatsApp gives seconds as text, Messenger ms)."""
    try:
        return float(value) / per_second
    except (TypeError, ValueError):
        return None


def web_url(url: str) -> str:
    """``url`` when it is http(s) (a ``file:`` URL would read the server's own disk)."""
    if urlsplit(str(url)).scheme not in ("http", "https"):
        raise DownloadError("not a web address")
    return url


class MetaAdapter(Adapter):
    default_api_base = GRAPH_API
    #: error codes or subcodes meaning the 24-hour window is closed
    window_codes: frozenset = frozenset()
    #: error codes or subcodes meaning the citizen cannot be reached on this channel
    blocked_codes: frozenset = frozenset()

    def handshake(self, request):
        query = request.GET
        if query.get("hub.mode") == "subscribe" and same(query.get("hub.verify_token"),
                                                         self.channel.verify_token):
            return HttpResponse(query.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden()

    def verify(self, request, body: bytes) -> bool:
        if not self.channel.secret:
            return False
        scheme, _, given = (request.headers.get("X-Hub-Signature-256") or "").partition("=")
        if scheme != "sha256" or not given:
            return False
        return same(given.lower(), signature_hex(self.channel.secret, body))

    def register_webhook(self, url: str) -> str:
        raise NotImplementedError(
            "Meta takes the callback URL and the verify token in the app's dashboard.")

    @property
    def authorization(self) -> dict:
        return {"Authorization": f"Bearer {self.channel.token}"}

    def graph_url(self, *parts: str) -> str:
        return "/".join([self.api_base, *(quote(str(part), safe="") for part in parts)])

    def post(self, url: str, payload: dict) -> Sent:
        """Send ``payload`` and say how it went; ``message_id`` finds the platform's id in
        the answer."""
        received = {}
        status, data = call_json("POST", url, payload, headers=self.authorization,
                                 answer_headers=received)
        data = as_dict(data)
        if 200 <= status < 300 and "error" not in data:
            return Sent(ok=True, external_id=self.message_id(data))
        return self.refusal(status, data, received)

    def message_id(self, data: dict) -> str:  # pragma: no cover - every adapter
        raise NotImplementedError

    def refusal(self, status: int, data: dict, headers: dict) -> Sent:
        error = as_dict(data.get("error"))
        codes = {error.get("code"), error.get("error_subcode")} - {None}
        message = str(error.get("message") or data.get("error") or f"HTTP {status}")
        if status == 429 or codes & RATE_LIMITED:
            return Sent(ok=False, error=message, retry_after=retry_after(headers))
        if codes & self.window_codes:
            return Sent(ok=False, error=WINDOW)
        if codes & self.blocked_codes:
            return Sent(ok=False, error=message, blocked=True)
        return Sent(ok=False, error=message)


def retry_after(headers: dict) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(float(value), 0.0)
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER
