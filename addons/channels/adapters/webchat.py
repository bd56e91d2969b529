"""The site's own chat: the widget served by the site posts the citizen's messages to the
site (``webchat_views``) and reads the answers from the conversation's outbound messages.
Nothing leaves the site, so ``send`` only has to say the message is there to be read.

Photos are uploaded to us: :meth:`WebChatAdapter.keep_photo` writes one into the private
storage under the channel's own folder and gives the reference an event carries;
:meth:`WebChatAdapter.download` reads it back (only references of this channel, at most
``MAX_DOWNLOAD`` bytes)."""

from __future__ import annotations

import re
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import storages

from .base import MAX_DOWNLOAD, Adapter, DownloadError, Sent

#: the first bytes of the photo formats the widget accepts, with the extension kept
PHOTO_MAGIC = (
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


def photo_extension(head: bytes) -> str | None:
    """The extension of a photo by its first bytes (JPEG, PNG, GIF, WebP), else None."""
    for magic, extension in PHOTO_MAGIC:
        if head.startswith(magic):
            return extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


class WebChatAdapter(Adapter):
    platform = "webchat"
    capabilities = frozenset({"buttons", "location", "photos"})

    def verify(self, request, body: bytes) -> bool:
        # The widget's own views check the visitor's chat token and CSRF; the generic
        # webhook takes nothing for the site chat.
        return False

    def parse(self, body: bytes):
        return []

    def send(self, chat_id, message) -> Sent:
        return Sent(ok=True)

    # -- photos ------------------------------------------------------------------------

    @property
    def folder(self) -> str:
        return f"channels/webchat/{self.channel.pk}"

    def keep_photo(self, data: bytes, extension: str) -> str:
        """Store an uploaded photo privately; the reference :meth:`download` reads."""
        name = f"{self.folder}/{uuid.uuid4().hex}.{extension}"
        return storages["private"].save(name, ContentFile(data))

    def download(self, ref: str) -> bytes:
        # only this channel's folder, only names keep_photo gives (the storage may add a
        # suffix to a name taken)
        name = r"[0-9a-f]{32}(?:_[A-Za-z0-9]+)?\.(?:jpg|png|gif|webp)"
        if not re.fullmatch(f"{re.escape(self.folder)}/{name}", ref or ""):
            raise DownloadError("not a photo of this chat")
        storage = storages["private"]
        try:
            if storage.size(ref) > MAX_DOWNLOAD:
                raise DownloadError("too large")
            with storage.open(ref, "rb") as stored:
                data = stored.read(MAX_DOWNLOAD + 1)
        except (FileNotFoundError, OSError) as error:
            raise DownloadError("missing") from error
        if len(data) > MAX_DOWNLOAD:
            raise DownloadError("too large")
        return data
