"""What every record filed with the city keeps about how it came in.

``Source``: the way a record reached the city (the web form, a phone call taken by an
operator, a visit, an e-mail, a chat, the API). ``new_pin()``: the digits printed on a
receipt and sent in the acknowledgement, with which a caller who is not recognised by their
number proves the record is theirs (the status line)."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

#: digits of a status PIN
PIN_LENGTH = 6


class Source(models.TextChoices):
    WEB = "web", _("Website")
    PHONE = "phone", _("Phone call")
    WALK_IN = "walk_in", _("Visit in person")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    POST = "post", _("Letter")
    API = "api", _("API")


def new_pin() -> str:
    """A random PIN of ``PIN_LENGTH`` digits (never starting with 0: read aloud as typed)."""
    return str(secrets.randbelow(9 * 10 ** (PIN_LENGTH - 1)) + 10 ** (PIN_LENGTH - 1))
