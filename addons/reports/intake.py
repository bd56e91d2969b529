"""Filing a problem report on a caller's behalf (``AddonConfig.intakes``): the form an
operator fills in while the citizen is on the phone or at the desk, and the function that
files it through :func:`addons.reports.services.submit_report` (numbering, routing, the
resolution term, the acknowledgement to the citizen)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from addons.accounts.persons import contact_details
from addons.core.geo import Point

from . import services
from .geocoding import geocode
from .models import DESCRIPTION_MAX_LENGTH, ReportCategory


class ReportIntakeForm(forms.Form):
    """What the operator asks: the category, what is wrong and where (an address the
    street register knows, or a point), and the caller's name and contacts."""

    category = forms.ModelChoiceField(label=_("Category"), queryset=ReportCategory.objects.none())
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}),
        max_length=DESCRIPTION_MAX_LENGTH,
    )
    address = forms.CharField(
        label=_("Address"), max_length=300, required=False,
        help_text=_("A street and house number of the city; or give the point below."),
    )
    lat = forms.FloatField(label=_("Latitude"), required=False)
    lng = forms.FloatField(label=_("Longitude"), required=False)
    reporter_name = forms.CharField(label=_("Caller's name"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Caller's e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Caller's phone"), max_length=32, required=False)
    is_public = forms.BooleanField(
        label=_("Show on the public map"), required=False, initial=True,
        help_text=_("The caller's name is never shown."),
    )

    def __init__(self, *args, site, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site
        self.person = person
        categories = [
            category for category in ReportCategory.objects.filter(site=site, is_active=True)
            .select_related("parent").order_by("sort_order", "name")
            if not category.is_group
        ]
        self.fields["category"].queryset = ReportCategory.objects.filter(
            pk__in=[category.pk for category in categories]).order_by("sort_order", "name")
        self.fields["category"].label_from_instance = lambda category: category.label()
        if person is not None and not self.is_bound:
            details = contact_details(person)
            self.initial.setdefault("reporter_name", details["name"])
            self.initial.setdefault("contact_email", details["email"])
            self.initial.setdefault("contact_phone", details["phone"])

    def clean(self):
        data = super().clean()
        lat, lng = data.get("lat"), data.get("lng")
        if (lat is None) != (lng is None):
            raise ValidationError(_("Give both the latitude and the longitude, or neither."))
        data["point"] = None
        if lat is not None:
            data["point"] = Point(lat, lng)
        elif (data.get("address") or "").strip():
            found = geocode(data["address"], self.site)
            if found is None:
                self.add_error("address", _(
                    "This address is not in the city's street register: check the street's "
                    "name or give the point."))
            else:
                data["point"] = Point(found.lat, found.lng)
                data["address"] = data["address"].strip() or found.address
        elif "address" not in self.errors:
            self.add_error("address", _("Give the address of the problem or its point."))
        return data


def file(site, data, *, person=None, source, entered_by):
    """File the report; ValidationError per field (the form shows it)."""
    details = contact_details(person)
    report = services.submit_report(
        site=site,
        category=data["category"],
        point=data.get("point"),
        description=data["description"],
        reporter=details["user"],
        is_public=data.get("is_public", True),
        address=data.get("address") or "",
        contact_email=data.get("contact_email") or "",
        contact_phone=data.get("contact_phone") or "",
        reporter_name=data.get("reporter_name") or "",
        source=source,
        entered_by=entered_by,
    )
    report.reference = report.tracking_number
    return report
