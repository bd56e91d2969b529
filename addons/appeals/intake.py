"""Taking an appeal on a citizen's behalf (``AddonConfig.intakes``): an oral appeal by
phone or at the desk, or a letter by e-mail the operator records, filed through
:func:`addons.appeals.services.file_appeal` (the reference number, the legal term, the
acknowledgement to the applicant).

Whether an oral appeal may be taken depends on the law of the site's jurisdiction
(:func:`allowed`): Ukraine's law on citizens' appeals (393/96, art. 5) and Bulgaria's
Administrative Procedure Code (art. 108-109: proposals and signals may be made orally and
are recorded in a protocol) allow it; Romania's OG 27/2002 knows only written petitions, so
an operator there does not take one by phone, only at the desk as a petition the citizen
signs."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from addons.accounts.persons import contact_details
from addons.addressees.models import AddresseePage

from . import jurisdictions, services
from .models import AppealType

#: the intake sources each law rules out, with the reason the form shows
NOT_ALLOWED = {
    "ro": {
        "phone": _(
            "Under Government Ordinance no. 27/2002 a petition is made in writing: an "
            "appeal cannot be taken by phone. Invite the citizen to write it (on the site, "
            "by e-mail or by post) or to come to the office, where it is typed in and signed."
        ),
    },
}


def allowed(site, source) -> tuple[bool, str]:
    """``(True, "")`` when an appeal may be filed from ``source`` under the law of
    ``site``'s jurisdiction, else ``(False, reason)``."""
    code = jurisdictions.jurisdiction_of(site)
    reason = NOT_ALLOWED.get(code, {}).get(str(source))
    if reason:
        return False, str(reason)
    return True, ""




class AppealIntakeForm(forms.Form):
    """The appeal as the citizen states it: to whom, its type, subject and substance, and
    the applicant's details the site's law requires."""

    addressee = forms.ModelChoiceField(label=_("Addressee"), queryset=AddresseePage.objects.none())
    appeal_type = forms.ChoiceField(label=_("Type of appeal"), required=False, choices=())
    subject = forms.CharField(label=_("Subject"), max_length=300)
    text = forms.CharField(label=_("Substance of the appeal"), max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 8}))
    applicant_name = forms.CharField(label=_("Applicant's full name"), max_length=200,
                                     required=False)
    applicant_address = forms.CharField(
        label=_("Applicant's postal address"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    applicant_email = forms.EmailField(label=_("Applicant's e-mail"), required=False)
    applicant_phone = forms.CharField(label=_("Applicant's phone"), max_length=32,
                                      required=False)
    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, site, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.jurisdiction = jurisdictions.jurisdiction_of(site)
        self.fields["addressee"].queryset = (
            AddresseePage.objects.live().descendant_of(site.root_page).order_by("title"))
        labels = dict(AppealType.choices)
        types = jurisdictions.APPEAL_TYPES.get(self.jurisdiction, jurisdictions.APPEAL_TYPES["ua"])
        self.fields["appeal_type"].choices = [("", "---------")] + [
            (key, labels[key]) for key in types]
        self.fields["appeal_type"].required = jurisdictions.APPEAL_TYPE_REQUIRED.get(
            self.jurisdiction, True)
        if not self.is_bound:
            self.initial.setdefault("submission_token", uuid.uuid4())
            if person is not None:
                details = contact_details(person)
                self.initial.setdefault("applicant_name", details["name"])
                self.initial.setdefault("applicant_address", details["address"])
                self.initial.setdefault("applicant_email", details["email"])
                self.initial.setdefault("applicant_phone", details["phone"])

    def clean(self):
        data = super().clean()
        # the details without which the law does not consider an appeal (an operator does
        # not record an anonymous one)
        reason = jurisdictions.identification_reason(self.jurisdiction)
        for name in jurisdictions.IDENTITY_FIELDS.get(self.jurisdiction,
                                                       jurisdictions.IDENTITY_FIELDS["ua"]):
            if name == "address_or_email":
                if not ((data.get("applicant_address") or "").strip()
                        or (data.get("applicant_email") or "").strip()):
                    self.add_error("applicant_address", reason)
            elif not (data.get(name) or "").strip() and name not in self.errors:
                self.add_error(name, reason)
        return data


def file(site, data, *, person=None, source, entered_by):
    """File the appeal; ValidationError where the law does not allow ``source``."""
    ok, reason = allowed(site, source)
    if not ok:
        raise ValidationError(reason)
    details = contact_details(person)
    service_data = {name: (data.get(name) or "") for name in (
        "applicant_name", "applicant_address", "applicant_email", "applicant_phone",
        "appeal_type", "subject", "text")}
    appeal, _created = services.file_appeal(
        site=site, form=None, addressee=data["addressee"], author=details["user"],
        data=service_data, token=data.get("submission_token"), source=source,
        entered_by=entered_by,
    )
    return appeal
