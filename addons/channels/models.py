"""The chat channels of a town and the conversations held in them.

``Channel``: one bot or number of a town on one platform (its secrets, the API's base URL).
``Inbound``: one event a platform delivered (a message, a button pressed), stored once per
platform id: a delivery the platform repeats finds its row and creates nothing new.
``Conversation``: one chat of one citizen with one channel (their language, where the
dialogue stands, the report being drafted, whether staff took over).
``Message``: what was said, both ways, as the conversation's history for staff.

Chats are confidential: only the contact center's staff and the staff of the addressee that
took the conversation over see them."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram")
    VIBER = "viber", _("Viber")
    WHATSAPP = "whatsapp", _("WhatsApp")
    MESSENGER = "messenger", _("Messenger")
    WEBCHAT = "webchat", _("Site chat")


def new_key() -> str:
    """The public part of a channel's webhook URL (not a secret: the signature is). It never
    begins with "-", which a command line would read as an option (``channels webhook``)."""
    key = secrets.token_urlsafe(12)
    while key.startswith("-"):
        key = secrets.token_urlsafe(12)
    return key


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Channel(models.Model):
    """One bot (Telegram, Viber), page (Messenger), business number (WhatsApp) or the site
    chat of a town. The webhook URL is ``/channels/<platform>/<key>/``.

    ``token``: what the platform gave to call its API (the bot token, the page or system user
    access token); ``secret``: what signs its deliveries (Telegram's ``secret_token`` we
    choose, the Meta app secret; Viber signs with the bot token); ``verify_token``: the word
    of Meta's subscription handshake; ``account_id``: WhatsApp's phone number id, the
    Messenger page id; ``api_base``: the API's base URL (a self-hosted Telegram Bot API
    server, a proxy), "" for the platform's own; ``options``: what a platform needs besides
    (approved WhatsApp templates per language, Viber's paid messages and monthly cap)."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("site"))
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    name = models.CharField(_("name"), max_length=120, blank=True,
                            help_text=_("The bot's or page's name, as citizens see it."))
    key = models.CharField(_("URL key"), max_length=40, unique=True, default=new_key)
    token = models.CharField(_("access token"), max_length=500, blank=True)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True,
                              default=new_secret)
    verify_token = models.CharField(_("verify token"), max_length=200, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    api_base = models.URLField(_("API base URL"), max_length=300, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("chat channel")
        verbose_name_plural = _("chat channels")
        ordering = ["site_id", "platform", "pk"]

    def __str__(self):
        return f"{self.get_platform_display()}: {self.name or self.key}"

    def webhook_path(self) -> str:
        from django.urls import reverse

        return reverse("channels:webhook", args=[self.platform, self.key])


class Inbound(models.Model):
    """One event delivered by a platform, stored when its signature was checked and before
    the work is done (on django-q2). ``external_id`` is the platform's own id of the event
    (Telegram's ``update_id``, WhatsApp's ``wamid``, Messenger's ``mid``, Viber's
    ``message_token``): unique per channel, so a repeated delivery creates nothing."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="inbound",
                                verbose_name=_("channel"))
    external_id = models.CharField(_("platform id"), max_length=200)
    chat_id = models.CharField(_("chat"), max_length=200)
    event = models.JSONField(_("event"), default=dict)  # the parsed InboundEvent
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.QUEUED)
    error = models.TextField(_("error"), blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"],
                                               name="channels_inbound_once")]

    def __str__(self):
        return f"{self.channel_id}:{self.external_id}"


class Conversation(models.Model):
    """One citizen's chat with one channel. ``state`` is where the dialogue stands,
    ``draft`` what it collected so far (the text, the offered categories, the place, the
    photos' file ids), ``person`` the citizen record the chat identity belongs to."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE,
                                related_name="conversations", verbose_name=_("channel"))
    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("site"))
    chat_id = models.CharField(_("chat"), max_length=200)
    user_id = models.CharField(_("platform user"), max_length=200, blank=True)
    display_name = models.CharField(_("name in the chat"), max_length=200, blank=True)
    person = models.ForeignKey("accounts.Person", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="conversations",
                               verbose_name=_("person"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    state = models.CharField(_("state"), max_length=40, default="new")
    draft = models.JSONField(_("draft"), default=dict, blank=True)
    #: staff took it over ("operator"): the dialogue stays silent until they hand it back
    with_staff = models.BooleanField(_("with staff"), default=False)
    staff_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("staff owner"))
    #: the citizen blocked the bot (the platform refuses to deliver): the next channel is used
    blocked = models.BooleanField(_("bot blocked"), default=False)
    last_inbound_at = models.DateTimeField(_("last message from the citizen"), null=True,
                                           blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["channel", "chat_id"],
                                               name="channels_conversation_once")]

    def __str__(self):
        return f"{self.channel.get_platform_display()} {self.display_name or self.chat_id}"


class Message(models.Model):
    """One message of a conversation, either way. Outbound rows record whether the platform
    took it (``external_id``) or why not (``error``)."""

    class Direction(models.TextChoices):
        INBOUND = "in", _("From the citizen")
        OUTBOUND = "out", _("To the citizen")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="messages", verbose_name=_("conversation"))
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=20, default="text")
    text = models.TextField(_("text"), blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)
    external_id = models.CharField(_("platform id"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.RECEIVED)
    error = models.TextField(_("error"), blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="+",
                                verbose_name=_("sent by"))
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.text[:60] or self.kind
