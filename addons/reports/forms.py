"""Citizen forms: reporting, co-signing, following, feedback; the staff status form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import DESCRIPTION_MAX_LENGTH, ReportCategory, ReportReplyTemplate, ReportStatus
from .photos import process_photos


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(PhotosField, self).clean(item, initial) for item in files if item]


def category_choices(site, lang=None):
    """Grouped choices from the category tree: [(group label, [(code, label), ...]), ...]."""
    items = list(ReportCategory.objects.filter(site=site, is_active=True)
                 .order_by("sort_order", "code"))
    groups = [c for c in items if c.is_group]
    choices = [("", _("Choose a category"))]
    for group in groups:
        children = [(c.code, c.label(lang)) for c in items if c.parent_id == group.pk]
        if children:
            choices.append((group.label(lang), children))
    loose = [(c.code, c.label(lang)) for c in items if not c.is_group and c.parent_id is None]
    choices.extend(loose)
    return choices


class ReportForm(forms.Form):
    """The reporting form. Files are checked and re-encoded in ``clean_photos``."""

    category = forms.ChoiceField(label=_("Category"), required=False)
    description = forms.CharField(
        label=_("Description"), max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": DESCRIPTION_MAX_LENGTH}),
        help_text=_("Plain text, up to 4,000 characters."),
        error_messages={"required": _("Describe the problem.")},
    )
    address = forms.CharField(
        label=_("Address or landmark"), required=False, max_length=300,
        help_text=_("E.g. \"Садова 15\". Used to find the place when it is not marked on "
                    "the map."),
    )
    lat = forms.FloatField(label=_("Latitude"), required=False,
                           widget=forms.NumberInput(attrs={"step": "any"}))
    lng = forms.FloatField(label=_("Longitude"), required=False,
                           widget=forms.NumberInput(attrs={"step": "any"}))
    photos = PhotosField(
        label=_("Photos"), required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
        help_text=_("Up to 5 photos. Location data is removed before they are stored."),
    )
    use_photo_location = forms.BooleanField(
        label=_("If I do not mark the place, use the location stored in my photo"),
        required=False, initial=True,
    )
    is_public = forms.BooleanField(
        label=_("Show my report publicly (on the map and in the list)"), required=False,
        initial=True,
    )
    reporter_name = forms.CharField(label=_("Your name"), required=False, max_length=200)
    show_name = forms.BooleanField(label=_("Show my name on the public report"), required=False)
    contact_email = forms.EmailField(
        label=_("Email for updates"), required=False,
        help_text=_("Optional: we write to you when the report changes."),
    )
    contact_phone = forms.CharField(label=_("Phone"), required=False, max_length=32)
    #: set once the citizen has seen the nearby reports
    duplicates_seen = forms.BooleanField(required=False, widget=forms.HiddenInput)
    #: the photos already checked in an earlier step (kept on the server for a while)
    photos_token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    #: a honeypot: people do not see it, robots fill it
    website = forms.CharField(
        label=_("Leave this field empty"), required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, site=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.user = user
        self.processed_photos = []
        self.fields["category"].choices = category_choices(site)
        if user is not None and user.is_authenticated:
            for name in ("contact_email", "reporter_name"):
                del self.fields[name]

    def clean_category(self):
        code = self.cleaned_data.get("category")
        if not code:
            return None
        return ReportCategory.objects.filter(site=self.site, code=code, is_active=True).first()

    def clean_description(self):
        return (self.cleaned_data.get("description") or "").strip()

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(
                _("Your report looks automated and was not sent. Leave the last field empty."),
                code="honeypot",
            )
        return ""

    def clean_photos(self):
        """Check the uploaded files: their headers first (pixels per photo and in all, with
        nothing decoded yet), then each is decoded and re-encoded once. The result is kept
        on the server under ``photos_token`` so that the next step (after the nearby reports
        were shown) uses it without the files being sent and decoded again."""
        files = self.cleaned_data.get("photos") or []
        if not files:
            return files
        self.processed_photos = process_photos(files, self.site)
        return files

    def clean_photos_token(self):
        """Photos of an earlier step: used when no new files come with this one."""
        from .photos import load_checked

        token = (self.cleaned_data.get("photos_token") or "").strip()
        if not token or self.processed_photos:
            return ""
        stored = load_checked(token, self.site)
        if stored is None:
            self.add_error("photos", _("The photos you attached earlier are no longer kept. "
                                       "Please attach them again."))
            return ""
        self.processed_photos = stored
        return token

    def keep_photos(self) -> str:
        """Keep the checked photos on the server for the next step; their token ("" when
        there are none)."""
        from .photos import store_checked

        token = self.cleaned_data.get("photos_token") if hasattr(self, "cleaned_data") else ""
        if token or not self.processed_photos:
            return token or ""
        return store_checked(self.processed_photos, self.site)

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lng") is None):
            self.add_error("lat", _("Give both latitude and longitude, or neither."))
        return data

    def photo_gps(self):
        for photo in self.processed_photos:
            if photo.gps:
                return photo.gps
        return None


class FollowForm(forms.Form):
    """Co-sign or follow without an account: an email address."""

    email = forms.EmailField(label=_("Your email"), required=False)
    website = forms.CharField(
        label=_("Leave this field empty"), required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class RatingForm(forms.Form):
    CHOICES = [(str(n), str(n)) for n in range(1, 6)]
    speed = forms.TypedChoiceField(label=_("Speed"), choices=CHOICES, coerce=int,
                                   widget=forms.RadioSelect)
    quality = forms.TypedChoiceField(label=_("Quality"), choices=CHOICES, coerce=int,
                                     widget=forms.RadioSelect)


class ReopenForm(forms.Form):
    note = forms.CharField(label=_("What is still wrong?"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class QuestionnaireForm(forms.Form):
    fixed = forms.TypedChoiceField(
        label=_("Has the problem been fixed?"), coerce=lambda v: v == "yes",
        choices=[("yes", _("Yes, it is fixed")), ("no", _("No, it is still there"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


# --- staff actions on the casework desk ---------------------------------------------------
#
# Each form takes ``record=`` (the report; None for a selection of the list) and ``user=``;
# its cleaned data goes to the service of the same action (services.staff_*).


class StaffActionForm(forms.Form):
    def __init__(self, *args, record=None, user=None, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.record = record
        self.user = user
        self.site = record.site if record is not None else site


def reply_templates(site):
    from django.db.models import Q

    condition = Q(site__isnull=True)
    if site is not None:
        condition |= Q(site_id=site.pk)
    return ReportReplyTemplate.objects.filter(condition).select_related("status")


class StaffStatusForm(StaffActionForm):
    status = forms.ModelChoiceField(
        label=_("New status"), queryset=ReportStatus.objects.all(),
        empty_label=_("Choose a status"),
    )
    template = forms.ModelChoiceField(
        label=_("Reply template"), required=False, queryset=ReportReplyTemplate.objects.none(),
        empty_label=_("None"),
        help_text=_("Its text is used when the public note is left empty."),
    )
    public_note = forms.CharField(
        label=_("Public note (the reporter and followers are told)"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
    )
    internal_note = forms.CharField(
        label=_("Internal note (staff only)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=4000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = reply_templates(self.site)

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if self.record is not None and status is not None \
                and status.pk == self.record.status_id:
            self.add_error("status", _("The report already has this status."))
        return cleaned


class ReplyForm(StaffActionForm):
    public_note = forms.CharField(
        label=_("Answer (the reporter and followers are told)"),
        widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
        error_messages={"required": _("Write the answer.")},
    )
    internal_note = forms.CharField(
        label=_("Internal note (staff only)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=4000,
    )


class ForwardForm(StaffActionForm):
    addressee = forms.ModelChoiceField(
        label=_("Responsible addressee"), queryset=None, empty_label=_("Choose an addressee"),
    )
    public_note = forms.CharField(
        label=_("Public note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        from wagtail.models import Site

        from addons.addressees.models import AddresseePage

        super().__init__(*args, **kwargs)
        pages = AddresseePage.objects.live().only("pk", "title", "path", "depth")
        if self.site is not None:
            # only the addressees of the report's own site are offered (and accepted)
            pages = pages.filter(path__startswith=self.site.root_page.path)
            if self.record is not None and self.record.addressee_id:
                pages = pages.exclude(pk=self.record.addressee_id)
            self.fields["addressee"].queryset = pages.order_by("title", "pk")
            return
        # a selection of the list: the addressees of the towns the user works in (the
        # service refuses, report by report, an addressee of another report's town)
        from addons.core.permissions import moderated_addressee_ids

        from .casework import sees_everything

        if sees_everything(self.user):
            roots = [site.root_page.path for site in Site.objects.select_related("root_page")]
        else:
            own = AddresseePage.objects.filter(pk__in=moderated_addressee_ids(self.user))
            roots = [site.root_page.path for site in Site.objects.select_related("root_page")
                     if any(page.path.startswith(site.root_page.path) for page in own)]
        condition = models.Q(pk__in=[])
        for root in roots:
            condition |= models.Q(path__startswith=root)
        self.fields["addressee"].queryset = pages.filter(condition).order_by("title", "pk")


class StaffCategoryForm(StaffActionForm):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ReportCategory.objects.none(),
        empty_label=_("Choose a category"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.site is not None:
            queryset = ReportCategory.objects.filter(
                site_id=self.site.pk, is_active=True, parent__isnull=False
            ).select_related("parent")
            if self.record is not None:
                queryset = queryset.exclude(pk=self.record.category_id)
            self.fields["category"].queryset = queryset


class MergeForm(StaffActionForm):
    original = forms.CharField(label=_("Tracking number of the original report"),
                               max_length=32)
    public_note = forms.CharField(
        label=_("Public note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000, help_text=_('Empty: "Merged into <number>."'),
    )

    def clean_original(self):
        """The original: a report of this site that the user handles. A report outside the
        user's scope gets the same answer as one that does not exist (numbers are easy to
        guess; the answer must not tell which exist)."""
        from .models import Report
        from .services import may_change

        number = self.cleaned_data["original"].strip().upper()
        original = None
        if self.site is not None:
            original = Report.objects.filter(
                site_id=self.site.pk, tracking_number__iexact=number).first()
        if original is None or (self.user is not None and not may_change(self.user, original)):
            raise ValidationError(_("No report of this site that you handle has this "
                                    "tracking number."))
        return original


class PrivateForm(StaffActionForm):
    internal_note = forms.CharField(
        label=_("Reason (staff only)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
    )


class ModerateForm(StaffActionForm):
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}),
        max_length=DESCRIPTION_MAX_LENGTH,
    )
    hide_reporter_name = forms.BooleanField(label=_("Hide the reporter's name"),
                                            required=False)
    is_hidden = forms.BooleanField(label=_("Hide the whole report from the public"),
                                   required=False)
    internal_note = forms.CharField(
        label=_("Reason (staff only)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        report = self.record
        if report is not None and not self.is_bound:
            self.initial.update({
                "description": report.description,
                "hide_reporter_name": report.hide_reporter_name,
                "is_hidden": report.is_hidden,
            })


class PhotoChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return _("Photo %(number)s") % {"number": obj.sort_order + 1}


class PhotosForm(StaffActionForm):
    hidden_photos = PhotoChoiceField(
        label=_("Hidden photos"), required=False, queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Checked photos are shown to staff only; unchecked ones to everyone who "
                    "sees the report."),
    )
    internal_note = forms.CharField(
        label=_("Reason (staff only)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        from .models import ReportPhoto

        super().__init__(*args, **kwargs)
        report = self.record
        self.fields["hidden_photos"].queryset = (
            report.photos.all() if report is not None else ReportPhoto.objects.none())
        if report is not None and not self.is_bound:
            self.initial["hidden_photos"] = [p.pk for p in report.photos.all() if p.is_hidden]
