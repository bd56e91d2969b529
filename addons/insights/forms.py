"""Forms of the figures' admin screens: the period of a dashboard (dates or a preset) and a
target of a figure."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import figures
from .models import Target

PRESETS = (
    ("", _("dates below")),
    ("week", _("last 7 days")),
    ("month", _("last 30 days")),
    ("quarter", _("last 91 days")),
    ("year", _("last 365 days")),
)


class PeriodForm(forms.Form):
    """The period the figures are computed for. Bound to the query string; the engine's
    ``figures.parse_period`` decides the period and refuses one that ends before it starts
    or is longer than the site allows, with its translated message on the end date."""

    preset = forms.ChoiceField(label=_("period"), choices=PRESETS, required=False)
    start = forms.DateField(label=_("from"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("to (inclusive)"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data, site, *, today=None):
        data = {key: data.get(key, "") for key in ("preset", "start", "end")}
        super().__init__(data)
        self.site = site
        self.today = today
        self.period = None

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("preset"):  # a preset ends today, whatever the dates say
            asked = {"preset": cleaned["preset"]}
        else:
            asked = {key: value.isoformat() for key in ("start", "end")
                     if (value := cleaned.get(key))}
        try:
            self.period = figures.parse_period(asked, self.site, today=self.today)
        except ValidationError as error:
            self.add_error("preset" if "preset" in asked else "end", error)
            return cleaned
        # the form shows the dates the figures are computed for
        self.data = {"preset": "", "start": self.period.start.isoformat(),
                     "end": self.period.end.isoformat()}
        return cleaned

    def query(self) -> dict:
        """The period as query parameters (for links keeping it)."""
        if self.period is None:
            return {}
        return {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()}


class TargetForm(WagtailAdminModelForm):
    """A target of a figure for the site worked on (set by the view) or one of its
    addressees. The model's ``clean`` checks the range; its errors land on the fields they
    name (``green``, ``amber``), else above the form."""

    figure = forms.ChoiceField(label=capfirst(_("figure")), choices=())
    record_type = forms.ChoiceField(label=capfirst(_("service")), choices=(), required=False,
                                    help_text=_("Empty: every service the figure applies to."))

    class Meta:
        model = Target
        fields = ["figure", "record_type", "addressee", "green", "amber"]

    def __init__(self, *args, site=None, **kwargs):
        super().__init__(*args, **kwargs)
        from addons.core import registry

        self.site = site
        if site is not None:
            self.instance.site = site
        try:
            catalogue = figures.catalogue(site)
        except NotImplementedError:  # the engine not yet there: the figures the brief names
            catalogue = []
        self.fields["figure"].choices = [("", "---------")] + [
            (item["key"], item["title"]) for item in catalogue]
        self.fields["record_type"].choices = [("", _("every service"))] + [
            (item.record_type, item.title) for _addon, item in registry.service_events()]
        if site is not None:
            from addons.addressees.models import AddresseePage

            self.fields["addressee"] = forms.ModelChoiceField(
                label=capfirst(_("addressee")), required=False,
                queryset=AddresseePage.objects.filter(
                    path__startswith=site.root_page.path).order_by("path"),
                help_text=_("Empty: the whole municipality."))

    def clean(self):
        cleaned = super().clean()
        if self.site is not None:
            rows = Target.objects.filter(
                site=self.site, addressee=cleaned.get("addressee"),
                figure=cleaned.get("figure", ""), record_type=cleaned.get("record_type", ""))
            if self.instance.pk:
                rows = rows.exclude(pk=self.instance.pk)
            if rows.exists():
                raise ValidationError(_("This figure already has a target for this service "
                                        "and addressee."))
        return cleaned
