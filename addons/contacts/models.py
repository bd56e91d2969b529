"""The contact center's records: interactions (calls, visits, e-mails), callbacks, wrap-up
codes, reply templates, the phone systems' endpoints and the status line. The citizen record
itself (persons and their identities) is the platform's: ``addons.accounts.models.Person``.

Call records are confidential: only the contact center's staff see them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Visit in person")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class CallState(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Answered")
    ENDED = "ended", _("Ended")


class WrapUpCode(models.Model):
    """How an interaction ended, as a town's contact center counts it ("information given",
    "report filed", "transferred", ...)."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("site"))
    title = models.CharField(_("title"), max_length=120)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("wrap-up code")
        verbose_name_plural = _("wrap-up codes")
        ordering = ["sort_order", "title"]
        constraints = [models.UniqueConstraint(fields=["site", "title"],
                                               name="contacts_wrapup_unique")]

    def __str__(self):
        return self.title


class Interaction(models.Model):
    """One call, visit or e-mail handled by the contact center."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("site"))
    person = models.ForeignKey("accounts.Person", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="interactions",
                               verbose_name=_("person"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices,
                               default=Channel.PHONE)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices,
                                 default=Direction.INBOUND)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+",
                                 verbose_name=_("operator"))
    #: the phone system's call id (unique per site): a repeated event updates this row
    call_id = models.CharField(_("call id"), max_length=120, blank=True)
    from_number = models.CharField(_("from"), max_length=64, blank=True)
    to_number = models.CharField(_("to"), max_length=64, blank=True)
    #: False when the citizen's number could not be read as a phone number (kept as typed)
    number_valid = models.BooleanField(_("number recognised"), default=True)
    state = models.CharField(_("state"), max_length=10, choices=CallState.choices,
                             default=CallState.ENDED)
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    duration = models.DurationField(_("duration"), null=True, blank=True)
    #: the phone system's hang-up cause ("normalClearing", "busy", "cancel", "noAnswer", ...)
    cause = models.CharField(_("cause"), max_length=40, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    wrap_up = models.ForeignKey(WrapUpCode, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("wrap-up code"))
    #: the records the interaction touched: [{"source": key, "reference": ..., "url": ...}]
    records = models.JSONField(_("records touched"), default=list, blank=True)
    resolved_first_contact = models.BooleanField(_("resolved at first contact"),
                                                 default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-started_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["site", "call_id"],
                                               condition=~models.Q(call_id=""),
                                               name="contacts_interaction_call_once")]
        indexes = [models.Index(fields=["site", "-started_at"], name="contacts_inter_recent"),
                   models.Index(fields=["person", "-started_at"], name="contacts_inter_person")]
        permissions = [("use_console", "Can use the contact center console")]

    def __str__(self):
        return f"{self.get_channel_display()} {self.started_at:%Y-%m-%d %H:%M}"


class Callback(models.Model):
    """A promise to call a citizen back: a task with an owner and a due time."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("site"))
    person = models.ForeignKey("accounts.Person", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="callbacks", verbose_name=_("person"))
    interaction = models.ForeignKey(Interaction, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="callbacks",
                                    verbose_name=_("interaction"))
    phone = models.CharField(_("phone"), max_length=64, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                              null=True, blank=True, related_name="+",
                              verbose_name=_("owner"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="+",
                                verbose_name=_("done by"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["done_at", "due_at"]

    def __str__(self):
        return f"{self.phone or self.person_id} {self.due_at:%Y-%m-%d %H:%M}"


class ReplyTemplate(models.Model):
    """A ready answer an operator reads out or sends (per town and language)."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("site"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["sort_order", "title"]

    def __str__(self):
        return self.title


class PhoneEndpoint(models.Model):
    """A town's phone system: the secret token in the URL its call events are sent to
    (Zammad's generic CTI form) and the status line's settings (a TwiML voice webhook)."""

    site = models.OneToOneField("wagtailcore.Site", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("site"))
    #: SHA-256 of the token in the call-events URL (the token itself is shown once)
    cti_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    cti_enabled = models.BooleanField(_("call events accepted"), default=False)
    #: the voice provider's auth token: requests are checked with its signature
    voice_token = models.CharField(_("voice provider's auth token"), max_length=200,
                                   blank=True)
    voice_enabled = models.BooleanField(_("status line on"), default=False)
    #: where 0 transfers the caller (the contact center's number)
    transfer_number = models.CharField(_("contact center number"), max_length=64,
                                       blank=True)
    #: the languages the status line offers, in menu order ("uk,en")
    voice_languages = models.CharField(_("status line languages"), max_length=40,
                                       blank=True)

    class Meta:
        verbose_name = _("phone system")
        verbose_name_plural = _("phone systems")

    def __str__(self):
        return str(self.site)


class PinAttempt(models.Model):
    """A wrong status PIN typed for a reference: three within 15 minutes lock it."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE, related_name="+")
    reference = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)
    from_number = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["site", "reference", "at"],
                                name="contacts_pin_attempts")]

    def __str__(self):
        return f"{self.reference} {self.at:%Y-%m-%d %H:%M}"
