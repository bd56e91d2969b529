"""Forms of the mailings admin: the list's audience, the CSV import, the schedule."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .models import ListKind


def clean_recipient_list(recipient_list) -> None:
    """Model rule: a dynamic list names a declared segment and one of its values."""
    from . import services

    if recipient_list.kind == ListKind.DYNAMIC:
        segments = services.segments()
        if recipient_list.segment not in segments:
            raise ValidationError({"segment": _("Choose a segment.")})
        if segments[recipient_list.segment].choices and recipient_list.site_id:
            values = dict(services.segment_value_choices(recipient_list.site,
                                                         recipient_list.segment))
            if recipient_list.segment_value not in values:
                raise ValidationError({"segment_value": _("Choose a value of the segment.")})
    else:
        recipient_list.segment = ""
        recipient_list.segment_value = ""


class RecipientListForm(WagtailAdminModelForm):
    """One select lists every segment's values (grouped): no script needed."""

    audience = forms.ChoiceField(label=_("Segment"), required=False, choices=())

    def __init__(self, *args, **kwargs):
        from wagtail.models import Site

        from . import services

        super().__init__(*args, **kwargs)
        groups = [("", _("— for a static list: nobody, import members from CSV —"))]
        sites = [self.instance.site] if self.instance.site_id else list(Site.objects.all())
        for key, title in services.segment_choices():
            values = []
            for site in sites:
                for value, label in services.segment_value_choices(site, key):
                    prefix = f"{site.site_name or site.hostname}: " if len(sites) > 1 else ""
                    values.append((f"{key}|{value}", f"{prefix}{label}"))
            if not services.segments()[key].choices:
                values.append((f"{key}|", str(title)))
            groups.append((str(title), values))
        self.fields["audience"].choices = groups
        if self.instance.segment:
            self.initial["audience"] = f"{self.instance.segment}|{self.instance.segment_value}"
        for name in ("segment", "segment_value"):
            if name in self.fields:
                self.fields[name].widget = forms.HiddenInput()
                self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        audience = cleaned.get("audience") or ""
        segment, _sep, value = audience.partition("|")
        cleaned["segment"], cleaned["segment_value"] = segment, value
        self.instance.segment, self.instance.segment_value = segment, value
        if cleaned.get("kind") == ListKind.DYNAMIC and not segment:
            self.add_error("audience", _("A dynamic list needs a segment."))
        if cleaned.get("kind") == ListKind.STATIC and segment:
            self.add_error("audience", _("A static list has no segment: choose the first "
                                         "line, or make the list dynamic."))
        return cleaned


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("The first line names the columns: email (required), name, language "
                    "(uk, ro, bg, en). Comma or semicolon separated, UTF-8 or Windows-1251."),
    )
    skip_broken = forms.BooleanField(
        label=_("Import the good rows even if some rows are broken"), required=False,
        help_text=_("Otherwise a file with a broken row imports nothing."),
    )


class ScheduleForm(forms.Form):
    """When to send a campaign, read in the campaign's site's time zone."""

    when = forms.DateTimeField(
        label=_("Send at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                       format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("In the site's time zone."),
    )

    def __init__(self, *args, record=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.record, self.user = record, user

    def full_clean(self):
        from .services import site_time_zone

        if self.record is None:
            return super().full_clean()
        with timezone.override(site_time_zone(self.record.site)):
            return super().full_clean()

    def clean_when(self):
        when = self.cleaned_data["when"]
        if when <= timezone.now():
            raise ValidationError(_("Choose a time in the future."))
        return when
