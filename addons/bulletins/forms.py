"""The e-digest's filter form and the subscribe form (one form from any digest filter and
from an addressee page: the filter travels in hidden fields)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from addons.addressees.picker import AddresseePickerField
from addons.core.forms import BoundedDateField

from .models import Category, Frequency
from .services import DigestFilter, search_words, tag_slugs


class DigestFilterForm(forms.Form):
    #: the catalog's picker: top-level addressees, a typed name or ``?addressee=<id>``
    addressee = AddresseePickerField(label=_("Addressee"), empty_label=_("All addressees"))
    subtree = forms.BooleanField(label=_("with subordinate addressees"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("All categories")), *Category.choices])
    date_from = BoundedDateField(label=_("Published from"), required=False)
    date_to = BoundedDateField(label=_("Published until"), required=False)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=200,
                           help_text=_("Separated by commas."))
    q = forms.CharField(label=_("Words"), required=False, max_length=200)

    def __init__(self, *args, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.fields["addressee"].set_site(site)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def to_filter(self) -> DigestFilter:
        """The valid part of the filter (an invalid field is left out, never guessed)."""
        from addons.addressees.models import AddresseePage

        data = self.cleaned_data if self.is_bound else {}
        addressee = None
        if data.get("addressee"):
            addressee = AddresseePage.objects.filter(pk=data["addressee"]).first()
        return DigestFilter(
            addressee=addressee, include_subtree=bool(data.get("subtree")),
            category=data.get("category") or "", date_from=data.get("date_from"),
            date_to=data.get("date_to"), tags=tag_slugs(data.get("tags") or ""),
            query=search_words(data.get("q") or ""),
        )


class SubscribeForm(DigestFilterForm):
    frequency = forms.ChoiceField(label=_("How often"), choices=Frequency.choices,
                                  initial=Frequency.DAILY, widget=forms.RadioSelect)
    email = forms.EmailField(
        label=_("Your email"), required=False, max_length=254,
        error_messages={"invalid": _("Enter a valid email address.")},
        help_text=_("We send a link to confirm it before the first bulletin."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # a saved search follows what comes: dates do not belong in it
        del self.fields["date_from"], self.fields["date_to"]
        if user is not None and user.is_authenticated:
            del self.fields["email"]
        else:
            self.fields["email"].required = True
        self.order_fields(["email", "frequency"])

    def clean(self):
        return forms.Form.clean(self)
