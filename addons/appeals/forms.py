"""Citizen forms: filing an appeal, commenting, rating."""

from __future__ import annotations

import uuid
from datetime import date

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import jurisdictions, uploads
from .models import AnswerFormat, AppealType, FieldType, FormKind, Priority, Procedure


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _accept(allowed_types) -> str:
    return ",".join(ext for ext, kind in uploads.EXTENSIONS.items() if kind in allowed_types)


#: how much of what a visitor typed the session draft keeps (files are never kept): the
#: substance up to DRAFT_TEXT_LIMIT characters, a long answer (text area) up to
#: DRAFT_AREA_LIMIT, any other field up to DRAFT_VALUE_LIMIT (or its own maximum length),
#: and the whole draft, as the session stores it, within DRAFT_MAX_BYTES
DRAFT_TEXT_LIMIT = 10_000
DRAFT_AREA_LIMIT = 5_000
DRAFT_VALUE_LIMIT = 500
DRAFT_MAX_BYTES = 30 * 1024


def stored_size(value) -> int:
    """Bytes ``value`` takes in a session row (signed, compressed JSON)."""
    return len(signing.dumps(value, compress=True))


class AppealFilingForm(forms.Form):
    """The appeal form a citizen fills: the applicant details the site's law requires
    (pre-filled from the profile), the substance, the form's extra fields, files."""

    applicant_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    applicant_address = forms.CharField(
        label=_("Place of residence (postal address)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Where the answer may be sent by post."),
    )
    applicant_email = forms.EmailField(label=_("Email"), required=False)
    applicant_phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    organisation_name = forms.CharField(
        label=_("Name of the organisation"), max_length=300, required=False
    )
    organisation_code = forms.CharField(
        label=_("Registration code of the organisation"), max_length=20, required=False,
        help_text=_("EDRPOU, CUI or EIK/BULSTAT."),
    )
    appeal_type = forms.ChoiceField(label=_("Type of appeal"), required=False, choices=())
    subject = forms.CharField(label=_("Subject"), max_length=300)
    text = forms.CharField(
        label=_("Substance of the appeal"), widget=forms.Textarea(attrs={"rows": 10}),
        max_length=20000,
        help_text=_("Describe the matter, your proposal, statement or complaint, and what "
                    "you ask for."),
    )
    occurred_on = forms.DateField(
        label=_("When did it happen?"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional: the day of the violation you report, if you know it."),
    )
    priority = forms.ChoiceField(
        label=_("Privileged category"), required=False,
        choices=[("", _("None"))] + list(Priority.choices),
        help_text=_("If you belong to a category whose appeals the law has handled first."),
    )
    answer_format = forms.ChoiceField(
        label=_("How do you want the answer?"), choices=AnswerFormat.choices,
        widget=forms.RadioSelect, initial=AnswerFormat.EMAIL,
    )
    # The help text, with the article of the site's law where it has one, is set in
    # __init__ (jurisdictions.confidentiality_help).
    do_not_disclose = forms.BooleanField(
        label=_("Do not disclose my personal data"), required=False,
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, appeal_form, jurisdiction: str, priority_choices=None,
                 offer_save_address=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.appeal_form = appeal_form
        self.jurisdiction = jurisdiction
        self.procedure = getattr(appeal_form, "procedure", Procedure.APPEAL)
        self.is_info_request = self.procedure == Procedure.INFO_REQUEST
        self.checked_files: list[uploads.CheckedFile] = []
        if not self.is_bound and not self.initial.get("submission_token"):
            self.initial["submission_token"] = uuid.uuid4()

        labels = dict(AppealType.choices)
        types = jurisdictions.APPEAL_TYPES.get(jurisdiction, jurisdictions.APPEAL_TYPES["ua"])
        self.fields["appeal_type"].choices = [("", "---------")] + [
            (key, labels[key]) for key in types]
        self.fields["appeal_type"].required = jurisdictions.APPEAL_TYPE_REQUIRED.get(
            jurisdiction, True)
        if self.is_info_request:
            # A request for public information: no type, no privileged category, no
            # confidentiality option of the appeals law; the requester says how the answer
            # is wanted and need not say why the information is asked.
            for name in ("appeal_type", "priority", "do_not_disclose"):
                del self.fields[name]
            self.fields["text"].label = _("Information you ask for")
            self.fields["text"].help_text = _(
                "Describe the information or the documents you ask for, as precisely as you "
                "can. You need not say why you ask.")
            self.fields["applicant_address"].label = _("Postal address")
            self.fields["applicant_address"].help_text = _(
                "Needed when you want the answer by post.")
        else:
            del self.fields["answer_format"]
        if self.is_info_request or jurisdiction not in jurisdictions.SIGNAL_AGE_LIMIT_YEARS:
            del self.fields["occurred_on"]

        if appeal_form.kind != FormKind.LEGAL_ENTITY:
            del self.fields["organisation_name"]
            del self.fields["organisation_code"]
        else:
            self.fields["applicant_name"].label = _("Full name of the representative")
        # Privileged categories are what the site's law (or the site) names: none outside
        # Ukraine unless the site defines its own.
        if priority_choices is None:
            priority_choices = jurisdictions.PRIORITY_CATEGORIES.get(jurisdiction, ())
        labels = dict(Priority.choices)
        offered = [(key, labels[key]) for key in priority_choices if key in labels]
        if "priority" not in self.fields:
            pass
        elif not appeal_form.allow_priority or not offered:
            del self.fields["priority"]
        else:
            self.fields["priority"].choices = [("", _("None"))] + offered
        if "do_not_disclose" in self.fields:
            self.fields["do_not_disclose"].help_text = jurisdictions.confidentiality_help(
                jurisdiction)
        self.required_applicant_fields = ()
        if not appeal_form.allow_anonymous:
            self.required_applicant_fields = jurisdictions.required_fields(
                jurisdiction, appeal_form.kind, self.procedure
            )
            for name in self.required_applicant_fields:
                if name in self.fields:
                    self.fields[name].required = True

        if offer_save_address:
            # The profile has no address: the one typed here counts, and may be kept.
            self.fields["applicant_address"].help_text = _(
                "Your profile has no postal address: type it here.")
            names = list(self.fields)
            self.fields["save_address"] = forms.BooleanField(
                label=_("Save this address to my profile"), required=False)
            position = names.index("applicant_address") + 1
            self.order_fields(names[:position] + ["save_address"] + names[position:])

        order = list(self.fields)
        self.extra_fields = list(appeal_form.fields.all())
        for extra in self.extra_fields:
            self.fields[f"extra_{extra.name}"] = self._extra_field(extra)
        allowed = appeal_form.allowed_types or []
        self.fields["attachments"] = MultipleFileField(
            label=_("Attachments"), required=False,
            widget=MultipleFileInput(attrs={"accept": _accept(allowed)}),
            help_text=_("Up to %(count)s files (%(types)s), %(size)s MB each, %(total)s MB "
                        "together.") % {
                "count": appeal_form.max_files,
                "types": ", ".join(kind.upper() for kind in allowed),
                "size": appeal_form.max_file_size_mb, "total": appeal_form.max_total_size_mb,
            },
        )
        tail = ["answer_format", "priority", "do_not_disclose", "submission_token"]
        self.order_fields(
            [name for name in order if name not in tail]
            + [f"extra_{extra.name}" for extra in self.extra_fields]
            + ["attachments"] + tail
        )

    def _extra_field(self, extra):
        common = {"label": extra.label, "required": extra.required,
                  "help_text": extra.help_text}
        if extra.field_type == FieldType.TEXTAREA:
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
                                   **common)
        if extra.field_type == FieldType.CHOICE:
            choices = [("", "---------")] + [(option, option) for option in extra.option_list]
            return forms.ChoiceField(choices=choices, **common)
        if extra.field_type == FieldType.DATE:
            return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        if extra.field_type == FieldType.FILE:
            allowed = self.appeal_form.allowed_types or []
            return forms.FileField(widget=forms.FileInput(attrs={"accept": _accept(allowed)}),
                                   **common)
        return forms.CharField(max_length=500, **common)

    def clean(self):
        cleaned = super().clean()
        if "address_or_email" in self.required_applicant_fields and not (
            cleaned.get("applicant_address") or cleaned.get("applicant_email")
        ) and not self.has_error("applicant_email"):
            self.add_error("applicant_address", _("Give your postal address or your email."))
        occurred_on = cleaned.get("occurred_on")
        if occurred_on and occurred_on > date.today():
            self.add_error("occurred_on", _("This day is still to come: give a past day."))
        answer_format = cleaned.get("answer_format")
        if answer_format == AnswerFormat.EMAIL and not cleaned.get("applicant_email") \
                and not self.has_error("applicant_email"):
            self.add_error("applicant_email",
                           _("Give your email: you asked for the answer by email."))
        if answer_format == AnswerFormat.POST and not cleaned.get("applicant_address") \
                and not self.has_error("applicant_address"):
            self.add_error("applicant_address",
                           _("Give your postal address: you asked for the answer by post."))
        files = list(cleaned.get("attachments") or [])
        for extra in self.extra_fields:
            if extra.field_type == FieldType.FILE and cleaned.get(f"extra_{extra.name}"):
                files.append(cleaned[f"extra_{extra.name}"])
        if files:
            try:
                self.checked_files = uploads.check_for_form(files, self.appeal_form)
            except ValidationError as error:
                self.add_error("attachments", error)
        return cleaned

    def service_data(self) -> dict:
        """What ``services.file_appeal`` takes."""
        cleaned = self.cleaned_data
        answers = {}
        for extra in self.extra_fields:
            value = cleaned.get(f"extra_{extra.name}")
            if extra.field_type == FieldType.FILE:
                value = getattr(value, "name", "") or ""
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            answers[extra.name] = {"label": extra.label, "value": value or ""}
        data = {
            name: cleaned.get(name) or ""
            for name in ("applicant_name", "applicant_address", "applicant_email",
                         "applicant_phone", "organisation_name", "organisation_code",
                         "appeal_type", "subject", "text", "priority", "answer_format")
        }
        data["do_not_disclose"] = bool(cleaned.get("do_not_disclose"))
        data["occurred_on"] = cleaned.get("occurred_on")
        data["answers"] = answers
        return data

    def _draft_limit(self, name, field) -> int:
        if name == "text":
            return DRAFT_TEXT_LIMIT
        own = getattr(field, "max_length", None)
        if isinstance(field.widget, forms.Textarea):
            return min(own or DRAFT_AREA_LIMIT, DRAFT_AREA_LIMIT)
        return min(own or DRAFT_VALUE_LIMIT, DRAFT_VALUE_LIMIT)

    def draft(self) -> dict:
        """What was typed, for the session: the form's own fields only (files cannot be
        kept), each value and the whole draft bounded, so a visitor cannot fill the
        session store."""
        kept = {}
        for name, field in self.fields.items():
            if isinstance(field, forms.FileField):
                continue
            value = self.data.get(self.add_prefix(name))
            if not isinstance(value, str) or not value:
                continue
            kept[name] = value[: self._draft_limit(name, field)]
        while kept and stored_size(kept) > DRAFT_MAX_BYTES:
            longest = max(kept, key=lambda key: len(kept[key]))
            shorter = kept[longest][: len(kept[longest]) * 3 // 4]
            if shorter:
                kept[longest] = shorter
            else:
                del kept[longest]
        return kept


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args, appeal_form=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.appeal_form = appeal_form
        self.checked_files = []

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if not files:
            return files
        if self.appeal_form is not None:
            self.checked_files = uploads.check_for_form(files, self.appeal_form)
        else:
            self.checked_files = uploads.check_for_staff(files)
        return files


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How do you rate the answer?"), coerce=int,
        choices=[(value, str(value)) for value in range(5, 0, -1)],
        widget=forms.RadioSelect,
        help_text=_("5: very good, 1: very poor."),
    )
