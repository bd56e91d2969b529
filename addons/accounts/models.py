from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

MAX_LOGIN_LENGTH = 254


class CitizenManager(UserManager):
    def get_by_natural_key(self, username):
        # Citizens sign in with their email; staff may also use a username. One person's
        # username may equal another's email (an address changed since): the email wins.
        user = self.find_by_login(username)
        if user is None:
            raise self.model.DoesNotExist
        return user

    def find_by_login(self, login):
        """The user whose email, else whose username, is ``login`` (case-insensitive).

        A login longer than any e-mail address (254 characters) names nobody: it is not
        looked up, so no login form of the site (the cabinet's, the admin's, Wagtail's
        private-page login) sends it to the database."""
        if not login or len(login) > MAX_LOGIN_LENGTH:
            return None
        matches = list(
            self.filter(models.Q(username__iexact=login) | models.Q(email__iexact=login))[:4]
        )
        folded = login.casefold()
        for test in (
            lambda user: user.email.casefold() == folded,
            lambda user: user.username == login,
            lambda user: user.username.casefold() == folded,
        ):
            for user in matches:
                if test(user):
                    return user
        return matches[0] if matches else None


class User(AbstractUser):
    """A citizen or a member of staff.

    The profile holds what appeals law asks of an applicant: full name, postal address
    (place of residence), and for electronic appeals an email; a phone helps staff call back.
    """

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(
        _("full name"), max_length=200, blank=True,
        help_text=_("Surname, first name and patronymic (if any), as in your documents."),
    )
    postal_address = models.TextField(
        _("postal address"), blank=True,
        help_text=_("Place of residence: street, house, flat, town, postal code."),
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True,
        help_text=_("The language of the emails we send you."),
    )
    email_confirmed = models.BooleanField(_("email confirmed"), default=False)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    data_processing_consent_at = models.DateTimeField(
        _("consent to personal data processing given at"), null=True, blank=True, editable=False
    )

    objects = CitizenManager()

    REQUIRED_FIELDS = ["email"]

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.full_name or self.get_full_name() or self.email or self.username

    #: the profile fields appeals law requires of an applicant
    REQUIRED_PROFILE_FIELDS = ("full_name", "postal_address", "email")

    @property
    def missing_profile_fields(self) -> list[str]:
        return [name for name in self.REQUIRED_PROFILE_FIELDS if not getattr(self, name)]

    @property
    def is_profile_complete(self) -> bool:
        return not self.missing_profile_fields


# -- the citizen record ---------------------------------------------------------------------


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    ACCOUNT = "account", _("Cabinet account")
    TELEGRAM = "telegram", _("Telegram")
    VIBER = "viber", _("Viber")
    WHATSAPP = "whatsapp", _("WhatsApp")
    MESSENGER = "messenger", _("Messenger")
    WEBCHAT = "webchat", _("Site chat")


class Verification(models.TextChoices):
    LOGIN = "login", _("Signed in to the cabinet")
    EMAIL_LINK = "email_link", _("Confirmed by an e-mail link")
    SMS_CODE = "sms_code", _("Confirmed by a code sent by SMS")
    OPERATOR = "operator", _("Checked by an operator")
    CHANNEL = "channel", _("Confirmed by the messaging platform")


class Person(models.Model):
    """One citizen as a town knows them, whatever the channel: the identities that are
    verified join them; an unverified one stays on its own person and is offered to
    operators as a possible match (``addons.accounts.persons``)."""

    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE,
                             related_name="persons", verbose_name=_("site"))
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES,
                                blank=True)
    note = models.TextField(_("note for operators"), blank=True)
    #: the notification transport the citizen chose ("telegram", "email", "sms"); empty: the
    #: default chain (the chats they have, then e-mail, then SMS where the town enables it)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=20, blank=True,
        help_text=_("Where notifications go first; the others are tried when it cannot "
                    "reach the person."))
    #: set when this person was merged into another (the merge can be undone)
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="merged_persons",
                                    verbose_name=_("merged into"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [models.Index(fields=["site", "full_name"], name="person_site_name")]

    def __str__(self):
        return self.full_name or str(_("Person %(number)s") % {"number": self.pk})


class Identity(models.Model):
    """An e-mail, a phone (E.164), a cabinet account (the user's id) or a chat id of a
    person. ``value`` is the normalised form compared across records; ``raw`` what was
    typed. A phone that cannot be parsed keeps ``valid`` False and is never matched."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identities",
                               verbose_name=_("person"))
    site = models.ForeignKey("wagtailcore.Site", on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("site"))
    kind = models.CharField(_("kind"), max_length=16, choices=IdentityKind.choices)
    value = models.CharField(_("value"), max_length=254)
    raw = models.CharField(_("as given"), max_length=254, blank=True)
    valid = models.BooleanField(_("valid"), default=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_how = models.CharField(_("verified by"), max_length=16,
                                    choices=Verification.choices, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("verified by operator"))
    #: what the operator who verified it checked ("called back", "passport at the desk")
    verification_note = models.CharField(_("how it was checked"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [
            # a verified identity belongs to one person of a town
            models.UniqueConstraint(fields=["site", "kind", "value"],
                                    condition=models.Q(verified_at__isnull=False),
                                    name="identity_verified_once_per_site"),
            models.UniqueConstraint(fields=["person", "kind", "value"],
                                    name="identity_once_per_person"),
        ]
        indexes = [models.Index(fields=["site", "kind", "value"], name="identity_lookup")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.raw or self.value}"

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class PhoneCode(models.Model):
    """A code sent by SMS to confirm a phone identity: only its keyed hash is kept; it
    expires after 10 minutes and is locked after 5 wrong tries
    (``addons.accounts.verification``)."""

    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="codes",
                                 verbose_name=_("identity"))
    code_hash = models.CharField(_("code hash"), max_length=128, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("phone confirmation code")
        verbose_name_plural = _("phone confirmation codes")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.identity_id} {self.created_at:%Y-%m-%d %H:%M}"


class PersonMerge(models.Model):
    """An audited merge of ``merged`` into ``survivor``: what each field was before and which
    identities moved, so that staff can undo it within 30 days."""

    survivor = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="merges",
                                 verbose_name=_("surviving person"))
    merged = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("merged person"))
    chosen = models.JSONField(_("values chosen"), default=dict, blank=True)
    before = models.JSONField(_("values before"), default=dict, blank=True)
    moved_identities = models.JSONField(_("identities moved"), default=list, blank=True)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, related_name="+", verbose_name=_("merged by"))
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("undone by"))
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        verbose_name = _("merge of persons")
        verbose_name_plural = _("merges of persons")
        ordering = ["-merged_at"]

    def __str__(self):
        return f"{self.merged_id} -> {self.survivor_id}"


class PersonAccess(models.Model):
    """Every opening of a person's record by staff (who, when, what they opened)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="accesses",
                               verbose_name=_("person"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             related_name="+", verbose_name=_("opened by"))
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    what = models.CharField(_("what"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("opening of a person's record")
        verbose_name_plural = _("openings of persons' records")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.person_id} {self.at:%Y-%m-%d %H:%M}"


@register_setting(icon="mail")
class NotificationChannelSettings(BaseSiteSetting):
    """How a town may reach its citizens besides e-mail and their chats."""

    sms_notifications = models.BooleanField(
        _("notify by SMS"), default=False,
        help_text=_("Send notifications by SMS to a confirmed phone number when the citizen "
                    "chose SMS or no chat and no e-mail reaches them. Each message is paid."))

    class Meta:
        verbose_name = _("citizen notifications")
