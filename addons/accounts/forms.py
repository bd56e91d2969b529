import re

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
    SetPasswordMixin,
)
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from . import services, throttle

User = get_user_model()

_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+\Z")


def validate_phone(value: str) -> None:
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE_CHARS.match(value) or not 7 <= digits <= 15:
        raise ValidationError(
            _("Enter a phone number of 7 to 15 digits, e.g. +380 44 123 45 67."),
            code="invalid_phone",
        )


def _model_field(name: str, **kwargs):
    return User._meta.get_field(name).formfield(**kwargs)


def _email_field(**kwargs):
    return forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        **kwargs,
    )


class PlainPasswordHelpMixin:
    """Password rules as one plain sentence: Django's HTML list does not fit in a help
    paragraph."""

    new_password_field = "password1"

    def _plain_password_help(self):
        field = self.fields.get(self.new_password_field)
        if field is not None:
            field.help_text = " ".join(password_validation.password_validators_help_texts())


class CitizenSetPasswordForm(PlainPasswordHelpMixin, SetPasswordForm):
    new_password_field = "new_password1"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain_password_help()


class CitizenPasswordChangeForm(PlainPasswordHelpMixin, PasswordChangeForm):
    new_password_field = "new_password1"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain_password_help()


class ProfileFieldsMixin:
    """Fields a citizen fills both at registration and in the profile."""

    def _setup_profile_fields(self):
        self.fields["full_name"].widget.attrs.setdefault("autocomplete", "name")
        self.fields["postal_address"].widget = forms.Textarea(
            attrs={"rows": 3, "autocomplete": "street-address"}
        )
        self.fields["phone"].widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
        self.fields["phone"].validators.append(validate_phone)
        self.fields["phone"].help_text = _("Optional: staff may call you back about a request.")


class RegistrationForm(PlainPasswordHelpMixin, ProfileFieldsMixin, SetPasswordMixin, forms.Form):
    field_order = [
        "full_name", "email", "password1", "password2", "postal_address", "phone", "consent"
    ]
    email = _email_field(help_text=_("We send a link to this address to confirm it."))
    password1, password2 = SetPasswordMixin.create_password_fields()
    full_name = _model_field("full_name", required=True)
    postal_address = _model_field("postal_address", required=False, max_length=500)
    phone = _model_field("phone", required=False)
    consent = forms.BooleanField(
        label=_("I agree that my personal data are processed to handle my requests."),
        help_text=_(
            "The city hall keeps your data only for its services and deletes them when you "
            "delete your account, except records the law says must be kept."
        ),
        error_messages={
            "required": _("Registration needs your consent to the processing of personal data.")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_profile_fields()
        self._plain_password_help()
        self.fields["postal_address"].help_text = _(
            "Optional now; appeals need it. Street, house, flat, town, postal code."
        )

    def clean_email(self):
        # An address already in use is not reported here: the view answers as for a new
        # one and tells the address's owner (no account enumeration).
        return self.cleaned_data["email"].strip()

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        # check the password against the other fields (similarity to name or email)
        probe = User(
            email=cleaned.get("email", ""),
            username=cleaned.get("email", ""),
            full_name=cleaned.get("full_name", ""),
            # Django's similarity check reads first_name/last_name, not full_name
            first_name=cleaned.get("full_name", ""),
        )
        self.validate_password_for_user(probe)
        return cleaned


class ResendConfirmationForm(forms.Form):
    email = _email_field()


def throttled_message(seconds: int) -> str:
    if seconds >= 120:
        minutes = (seconds + 59) // 60
        return ngettext(
            "Too many failed login attempts. Please wait %(count)d minute and try again.",
            "Too many failed login attempts. Please wait %(count)d minutes and try again.",
            minutes,
        ) % {"count": minutes}
    return ngettext(
        "Too many failed login attempts. Please wait %(count)d second and try again.",
        "Too many failed login attempts. Please wait %(count)d seconds and try again.",
        seconds,
    ) % {"count": seconds}


class ThrottledLoginMixin:
    """Refuses, before any password is checked, a login the throttles slow down
    (``throttle.wait_seconds``): per account across addresses, per address across
    accounts, except from a known device."""

    #: seconds the client must wait (0 unless the last clean() refused)
    throttled_for = 0

    def check_throttle(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password and self.request is not None:
            wait = throttle.wait_seconds(self.request, username)
            if wait:
                self.throttled_for = wait
                raise ValidationError(throttled_message(wait), code="throttled")


def _bound_username(form):
    """AuthenticationForm sets ``max_length`` after construction, without a validator:
    add it, so an over-long login gets the form's error instead of reaching the database."""
    field = form.fields["username"]
    field.max_length = throttle.MAX_LOGIN_LENGTH
    if not any(isinstance(v, MaxLengthValidator) for v in field.validators):
        field.validators.append(MaxLengthValidator(throttle.MAX_LOGIN_LENGTH))
    field.widget.attrs["maxlength"] = throttle.MAX_LOGIN_LENGTH


class AdminLoginForm(ThrottledLoginMixin, WagtailLoginForm):
    """The Wagtail admin's login (``WAGTAILADMIN_USER_LOGIN_FORM``), with the same
    throttles and length limit as the public one."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        _bound_username(self)

    def clean(self):
        self.check_throttle()
        return super().clean()


class CitizenLoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The public login: email or username, and a clear message for an account whose
    email is not confirmed yet."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The email (or username) and password do not match an account. Note that the "
            "password is case-sensitive."
        ),
        "unconfirmed": _(
            "Your email address is not confirmed yet. Open the link we sent you, or ask for "
            "a new one below."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.unconfirmed_email = ""
        field = self.fields["username"]
        field.label = _("Email or username")
        _bound_username(self)
        field.widget.attrs["autocomplete"] = "username"

    def clean(self):
        self.check_throttle()
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            pending = self._awaiting_confirmation(username, password)
            if pending is not None:
                self.unconfirmed_email = pending.email
                raise ValidationError(self.error_messages["unconfirmed"], code="unconfirmed")
        return super().clean()

    def _awaiting_confirmation(self, username, password):
        """The unconfirmed account these credentials open, if any. Not while axes locks
        these credentials out: a right guess must not be told apart from a wrong one."""
        from axes.handlers.proxy import AxesProxyHandler

        if self.request is not None and AxesProxyHandler.is_locked(
            self.request, {settings.AXES_USERNAME_FORM_FIELD: username}
        ):
            return None
        user = User._default_manager.find_by_login(username)
        if services.awaits_confirmation(user) and user.check_password(password):
            return user
        return None


class ProfileForm(ProfileFieldsMixin, forms.Form):
    full_name = _model_field("full_name", required=False)
    postal_address = _model_field("postal_address", required=False, max_length=500)
    phone = _model_field("phone", required=False)
    email = _email_field(
        help_text=_("If you change it, we send a link to the new address; the change takes "
                    "effect once you open it.")
    )
    current_password = forms.CharField(
        label=_("Current password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Needed only to change the email address."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        help_text=_("The language of this site and of the emails we send you."),
    )

    def __init__(self, *args, user, email_change_limited=False, **kwargs):
        self.user = user
        self.email_change_limited = email_change_limited
        kwargs.setdefault(
            "initial",
            {
                "full_name": user.full_name,
                "postal_address": user.postal_address,
                "phone": user.phone,
                "email": user.email,
                "language": user.language,
            },
        )
        super().__init__(*args, **kwargs)
        self._setup_profile_fields()
        note = _("Appeals need this.")
        for name in User.REQUIRED_PROFILE_FIELDS:
            if name in self.fields:
                field = self.fields[name]
                field.help_text = f"{field.help_text} {note}" if field.help_text else note

    def clean_email(self):
        # Whether another account has the address is not said here: the link (or, for a
        # taken address, a notice to its owner) goes to the new address either way.
        email = self.cleaned_data["email"].strip()
        if email.casefold() != self.user.email.casefold() and self.email_change_limited:
            raise ValidationError(
                _("You have asked to change the email address too often. Please try again "
                  "in an hour."),
                code="email_change_limited",
            )
        return email

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email")
        if email and email.casefold() != self.user.email.casefold():
            password = cleaned.get("current_password")
            if not password:
                self.add_error("current_password", ValidationError(
                    _("Enter your current password to change the email address."),
                    code="password_required",
                ))
            elif not self.user.check_password(password):
                self.add_error("current_password", ValidationError(
                    _("The password is not correct."), code="wrong_password"
                ))
        return cleaned


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To make sure it is you."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("The password is not correct."), code="wrong_password")
        return password
