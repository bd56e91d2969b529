"""A local SMTP sink (aiosmtpd) that counts what each address received, by Message-ID.
Used by the worker-kill tests and by tests/perf/mailings_bench.py."""

from __future__ import annotations

import collections
import socket
import threading
import time
from email.parser import BytesHeaderParser


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CountingSink:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages = 0
        self.by_address: collections.Counter = collections.Counter()
        self.ids_by_address: dict[str, collections.Counter] = collections.defaultdict(
            collections.Counter)
        self.last_at = 0.0  # time.perf_counter() of the last message
        self.last_headers = None  # the last message's headers, for checks

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        headers = BytesHeaderParser().parsebytes(envelope.content)
        with self.lock:
            self.messages += 1
            self.last_at = time.perf_counter()
            self.last_headers = headers
            for address in envelope.rcpt_tos:
                address = address.lower()
                self.by_address[address] += 1
                self.ids_by_address[address][headers.get("Message-ID", "")] += 1
        return "250 OK"

    def tally(self, expected) -> dict:
        """``missing``: expected addresses that got nothing; ``duplicates``: extra different
        messages an address got (two Message-IDs); ``resent``: extra copies of one message
        (same Message-ID, shown once by a mail client)."""
        with self.lock:
            expected = {e.lower() for e in expected}
            missing = len(expected - set(self.by_address))
            duplicates = sum(len(ids) - 1 for ids in self.ids_by_address.values())
            resent = sum(n - 1 for ids in self.ids_by_address.values() for n in ids.values())
            return {"received": self.messages, "missing": missing, "duplicates": duplicates,
                    "resent": resent, "unexpected": len(set(self.by_address) - expected)}


class Server:
    """``with Server() as sink:`` runs a CountingSink on a free local port."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.sink = CountingSink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
