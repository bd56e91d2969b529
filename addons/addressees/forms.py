from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FeedbackMessage


class FeedbackForm(forms.ModelForm):
    """The feedback form of an addressee page. ``website`` is a trap for robots: people
    never see it (it is hidden and skipped by keyboard and screen readers)."""

    website = forms.CharField(
        label=_("Leave this field empty"), required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = FeedbackMessage
        fields = ["name", "email", "phone", "message"]
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "message": forms.Textarea(attrs={"rows": 6}),
        }
        labels = {"name": _("Your name"), "email": _("Your email"),
                  "phone": _("Phone (optional)"), "message": _("Your message")}
        help_texts = {"email": _("We answer to this address.")}

    prefix = "feedback"

    @staticmethod
    def initial_for(user) -> dict:
        if user is None or not user.is_authenticated:
            return {}
        return {
            "name": getattr(user, "full_name", "") or user.get_full_name(),
            "email": user.email,
            "phone": getattr(user, "phone", ""),
        }

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if len(message) < 5:
            raise forms.ValidationError(_("Please write a little more: the message is too short."))
        if len(message) > 5000:
            raise forms.ValidationError(
                _("The message is too long: use at most %(limit)d characters."),
                params={"limit": 5000},
            )
        return message

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def visible_fields(self):
        return [field for field in super().visible_fields() if field.name != "website"]
