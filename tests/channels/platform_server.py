"""A real HTTP server on 127.0.0.1 that plays a chat platform's API in tests: it records every
request it is sent (method, path, query, headers, raw body, JSON) and answers by the routes a
test gives it, else ``200 {"ok": true}``. Adapters talk to it through the channel's
``api_base`` exactly as they talk to the platform."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    json: object = None
    extra: dict = field(default_factory=dict)


class PlatformServer:
    def __init__(self):
        self.requests: list[Recorded] = []
        self.routes: list[tuple[str, re.Pattern, object]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    data = json.loads(body.decode()) if body else None
                except (ValueError, UnicodeDecodeError):
                    data = None
                recorded = Recorded(self.command, parts.path, parse_qs(parts.query),
                                    {k.lower(): v for k, v in self.headers.items()}, body, data)
                with server._lock:
                    server.requests.append(recorded)
                status, payload, headers = server._answer(recorded)
                raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                content_type = ("application/octet-stream" if isinstance(payload, bytes)
                                else "application/json")
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *args):  # quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, pattern: str, answer) -> None:
        """Answer requests whose path matches ``pattern`` (a regular expression, searched):
        ``answer`` is ``(status, payload[, headers])`` or a function of the Recorded request
        returning one. Later routes win."""
        self.routes.insert(0, (method.upper(), re.compile(pattern), answer))

    def _answer(self, recorded: Recorded):
        for method, pattern, answer in self.routes:
            if method in (recorded.method, "*") and pattern.search(recorded.path):
                result = answer(recorded) if callable(answer) else answer
                status, payload, *rest = result
                return status, payload, rest[0] if rest else {}
        return 200, {"ok": True}, {}

    def sent(self, path_part: str = "", method: str | None = None) -> list[Recorded]:
        """The recorded requests whose path contains ``path_part``."""
        with self._lock:
            return [r for r in self.requests
                    if path_part in r.path and (method is None or r.method == method)]

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
