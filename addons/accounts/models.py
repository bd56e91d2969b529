from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

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
