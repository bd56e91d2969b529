"""Citizen pages that verify an identity: the e-mail link and the phone code."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from wagtail.models import Site

from . import persons, preferences, verification
from .models import Identity, IdentityKind, PhoneCode
from .sms import SmsError

#: the session key of the phone waiting for its code
SESSION_KEY = "civicdesk_phone_identity"
#: a new code for the same phone is sent at most once a minute
RESEND_GAP = timedelta(minutes=1)
#: codes a citizen may have sent within an hour, to all their numbers together
CODES_PER_HOUR = 5


class PhoneForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Phone number"), max_length=32)

    def __init__(self, *args, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site

    def clean_phone(self):
        value, valid = persons.normalize_phone(self.cleaned_data["phone"], self.site)
        if not valid:
            raise forms.ValidationError(
                _("This is not a phone number we can send a code to. Type it with the "
                  "country code, e.g. +380 44 123 4567."), code="invalid")
        return value


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code from the SMS"), max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                         "autocomplete": "one-time-code"}))


@method_decorator(never_cache, name="dispatch")
class ConfirmIdentityView(View):
    """The link in the e-mail: GET shows a button (mail scanners that open links confirm
    nothing), POST confirms."""

    template_name = "accounts/persons/confirm_identity.html"

    def get(self, request, token):
        from django.core import signing

        error = ""
        try:
            signing.loads(token, salt=verification.LINK_SALT,
                          max_age=verification.link_max_age())
        except signing.SignatureExpired:
            error = _("This link has expired. Ask for a new one.")
        except signing.BadSignature:
            error = _("This link is not valid.")
        return render(request, self.template_name, {"error": error, "ask": not error},
                      status=400 if error else 200)

    def post(self, request, token):
        try:
            identity = verification.confirm_email_link(token)
        except verification.VerificationError as refusal:
            return render(request, self.template_name, {"error": " ".join(refusal.messages)},
                          status=400)
        return render(request, self.template_name, {"identity": identity, "done": True})


def _site(request):
    return Site.find_for_request(request) or Site.objects.filter(is_default_site=True).first()


@method_decorator(never_cache, name="dispatch")
class PhoneView(LoginRequiredMixin, View):
    """The cabinet page where a citizen adds a phone and gets a code by SMS."""

    template_name = "accounts/persons/phone.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PhoneForm(site=_site(request))})

    def post(self, request):
        site = _site(request)
        form = PhoneForm(request.POST, site=site)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        person = persons.person_for_user(site, request.user)
        sent = PhoneCode.objects.filter(identity__person=person,
                                        created_at__gt=timezone.now() - timedelta(hours=1))
        if sent.count() >= CODES_PER_HOUR:
            form.add_error(None, _("Too many codes were sent to your numbers. Please try "
                                   "again in an hour."))
            return render(request, self.template_name, {"form": form}, status=429)
        identity, _created = Identity.objects.get_or_create(
            person=person, kind=IdentityKind.PHONE, value=form.cleaned_data["phone"],
            defaults={"site": site, "raw": request.POST.get("phone", "")[:254]})
        if identity.verified:
            messages.info(request, _("This number is already confirmed."))
            return redirect("accounts:cabinet")
        recent = PhoneCode.objects.filter(identity=identity,
                                          created_at__gt=timezone.now() - RESEND_GAP)
        if not recent.exists():
            try:
                verification.send_phone_code(identity)
            except SmsError:
                form.add_error(None, _("The SMS could not be sent. Please try again later."))
                return render(request, self.template_name, {"form": form}, status=503)
        request.session[SESSION_KEY] = identity.pk
        return redirect("accounts:confirm_phone")


@method_decorator(never_cache, name="dispatch")
class ConfirmPhoneView(LoginRequiredMixin, View):
    """The cabinet page where the code from the SMS is typed."""

    template_name = "accounts/persons/confirm_phone.html"

    def _identity(self, request):
        site = _site(request)
        person = persons.person_for_user(site, request.user)
        return Identity.objects.filter(pk=request.session.get(SESSION_KEY), person=person,
                                       kind=IdentityKind.PHONE).first()

    def get(self, request):
        identity = self._identity(request)
        if identity is None:
            return redirect("accounts:phone")
        return render(request, self.template_name, {"form": CodeForm(), "identity": identity})

    def post(self, request):
        identity = self._identity(request)
        if identity is None:
            return redirect("accounts:phone")
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                verification.check_phone_code(identity, form.cleaned_data["code"])
            except verification.VerificationError as refusal:
                form.add_error("code", " ".join(refusal.messages))
            else:
                request.session.pop(SESSION_KEY, None)
                messages.success(request, _("Your phone number %(phone)s is confirmed.")
                                 % {"phone": identity.value})
                return redirect("accounts:cabinet")
        return render(request, self.template_name, {"form": form, "identity": identity},
                      status=400)


class PreferredChannelForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Send my notifications by"), required=False)

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["channel"].choices = [
            ("", _("Automatically: my chats, then e-mail")),
            *preferences.channel_choices(person)]
        self.fields["channel"].initial = person.preferred_channel


def channel_form(request, data=None) -> PreferredChannelForm:
    """The form choosing the signed-in citizen's preferred channel on this town."""
    person = persons.person_for_user(_site(request), request.user)
    return PreferredChannelForm(data, person=person)


@method_decorator(never_cache, name="dispatch")
class PreferredChannelView(LoginRequiredMixin, View):
    """The profile page's small form: where notifications go first."""

    def post(self, request):
        form = channel_form(request, request.POST)
        if form.is_valid():
            try:
                preferences.set_preferred_channel(form.person, form.cleaned_data["channel"])
            except forms.ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Your notification channel is saved."))
        else:
            messages.error(request, _("This channel cannot reach you. Choose one of the "
                                      "list."))
        return redirect("accounts:profile")
