"""The site's own chat: the widget served by the site posts the citizen's messages to the
site and reads the answers from the conversation's outbound messages. Nothing leaves the
site, so ``send`` only has to say the message is there to be read."""

from .base import Adapter, Sent


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
