"""Text messages (SMS) through a pluggable back-end.

``CIVICDESK_SMS_BACKEND`` names the class (default ``addons.accounts.sms.FileBackend``):

- ``FileBackend`` appends each message as one line of JSON (``to``, ``text``, ``sender``,
  ``at``) to ``CIVICDESK_SMS_FILE_PATH`` (default ``var/sms.log``);
- ``ConsoleBackend`` prints it;
- ``HttpBackend`` POSTs JSON ``{"to", "text", "sender"}`` to ``CIVICDESK_SMS_HTTP_URL``
  with ``Authorization: Bearer <CIVICDESK_SMS_HTTP_TOKEN>`` (a provider's gateway, or a
  small bridge in front of one); any answer but 2xx is a failure.

``CIVICDESK_SMS_SENDER`` is the sender name (default "CivicDesk").
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

DEFAULT_BACKEND = "addons.accounts.sms.FileBackend"


class SmsError(Exception):
    """A message could not be handed over to the provider."""


class BaseBackend:
    def send(self, to: str, text: str, sender: str) -> None:  # pragma: no cover
        raise NotImplementedError


class FileBackend(BaseBackend):
    _lock = threading.Lock()

    def __init__(self, path=None):
        self.path = Path(path or getattr(settings, "CIVICDESK_SMS_FILE_PATH", "var/sms.log"))

    def send(self, to, text, sender):
        line = json.dumps({"to": to, "text": text, "sender": sender,
                           "at": timezone.now().isoformat()}, ensure_ascii=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a", encoding="utf-8") as stream:
            stream.write(line + "\n")


class ConsoleBackend(BaseBackend):
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, to, text, sender):
        self.stream.write(f"SMS from {sender} to {to}: {text}\n")
        self.stream.flush()


class HttpBackend(BaseBackend):
    timeout = 10

    def __init__(self, url=None, token=None):
        self.url = url or getattr(settings, "CIVICDESK_SMS_HTTP_URL", "")
        self.token = token if token is not None else getattr(
            settings, "CIVICDESK_SMS_HTTP_TOKEN", "")

    def send(self, to, text, sender):
        if not self.url:
            raise SmsError("CIVICDESK_SMS_HTTP_URL is not set")
        body = json.dumps({"to": to, "text": text, "sender": sender}).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self.token}",
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                status = answer.status
        except urllib.error.HTTPError as error:
            raise SmsError(f"the SMS gateway answered {error.code}") from error
        except (urllib.error.URLError, OSError) as error:
            raise SmsError(f"the SMS gateway could not be reached: {error}") from error
        if not 200 <= status < 300:
            raise SmsError(f"the SMS gateway answered {status}")


def get_backend() -> BaseBackend:
    path = getattr(settings, "CIVICDESK_SMS_BACKEND", "") or DEFAULT_BACKEND
    return import_string(path)()


def send_sms(to: str, text: str) -> None:
    """Send ``text`` to the number ``to`` (E.164); raises SmsError when it fails."""
    sender = getattr(settings, "CIVICDESK_SMS_SENDER", "CivicDesk")
    get_backend().send(to, text, sender)
