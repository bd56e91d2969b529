"""POST requests.{xml,json}: the key check, the spec's parameters, then
``services.submit_report`` (the same rules as the website's form)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from addons.core.geo import Point

from .. import services
from ..geocoding import geocode
from ..models import Open311ApiKey, ReportCategory, Source

#: ``submit_report``'s error keys -> the spec's parameter names
FIELD_NAMES = {
    "category": "service_code",
    "location": "lat/long",
    "description": "description",
    "photos": "media_url",
}


class SubmissionError(Exception):
    """A refused Open311 call: the HTTP status and the translated descriptions."""

    def __init__(self, *messages: str, status: int = 400):
        super().__init__(*messages)
        self.messages = [str(message) for message in messages]
        self.status = status


class ServiceRequestForm(forms.Form):
    """The spec's POST parameters (``attribute[...]``, ``device_id``, ``account_id`` and
    ``media_url`` are accepted and not used: nothing is fetched from the network)."""

    service_code = forms.CharField(max_length=64)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    long = forms.FloatField(required=False, min_value=-180, max_value=180)
    address_string = forms.CharField(required=False, max_length=300)
    address_id = forms.CharField(required=False, max_length=100)
    email = forms.EmailField(required=False)
    first_name = forms.CharField(required=False, max_length=100)
    last_name = forms.CharField(required=False, max_length=100)
    phone = forms.CharField(required=False, max_length=32)
    description = forms.CharField(required=False, strip=False)
    media_url = forms.CharField(required=False, max_length=2000)

    def clean(self):
        cleaned = super().clean()
        lat, lng = cleaned.get("lat"), cleaned.get("long")
        if (lat is None) != (lng is None) and "lat" not in self.errors \
                and "long" not in self.errors:
            raise ValidationError(_("lat and long must be given together."))
        return cleaned


def check_key(value: str, site) -> Open311ApiKey:
    """The active key ``value`` for ``site``; SubmissionError 403 otherwise."""
    value = (value or "").strip()
    if not value:
        raise SubmissionError(_("api_key is required to post a service request."), status=403)
    key = (
        Open311ApiKey.objects.filter(key=value, is_active=True)
        .filter(Q(site__isnull=True) | Q(site=site))
        .first()
    )
    if key is None:
        raise SubmissionError(_("api_key is not valid."), status=403)
    Open311ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def _form_errors(form) -> list[str]:
    result = []
    for field, messages in form.errors.items():
        for message in messages:
            result.append(message if field == "__all__" else f"{field}: {message}")
    return result


def _location(data, site):
    """(point, address) from lat/long, else from address_string matched to the street
    register; SubmissionError when neither gives a point."""
    address = data.get("address_string") or ""
    if data.get("lat") is not None and data.get("long") is not None:
        return Point(lat=data["lat"], lng=data["long"]), address
    if address.strip():
        found = geocode(address, site)
        if found is None:
            raise SubmissionError(
                _("address_string: no street of the city matches this address.")
            )
        return Point(lat=found.lat, lng=found.lng), found.address
    raise SubmissionError(_("A location is required: lat and long, or address_string."))


def check_rate(request, key: Open311ApiKey) -> None:
    """At most ``CIVICDESK_REPORTS_OPEN311_RATE`` (default 300 an hour) posts per key."""
    from django_ratelimit.core import is_ratelimited

    rate = getattr(settings, "CIVICDESK_REPORTS_OPEN311_RATE", "300/h")
    if rate and is_ratelimited(request, group="reports.open311",
                               key=lambda _group, _request: f"key:{key.pk}", rate=rate,
                               increment=True):
        raise SubmissionError(
            _("Too many requests with this api_key; try again later."), status=429
        )


def submit(request, site):
    """Create a report from the POST of ``request`` for ``site``; SubmissionError if
    refused."""
    params = request.POST
    key = check_key(params.get("api_key", ""), site)
    check_rate(request, key)
    form = ServiceRequestForm(params)
    if not form.is_valid():
        raise SubmissionError(*_form_errors(form))
    data = form.cleaned_data
    category = ReportCategory.objects.filter(site=site, code=data["service_code"]).first()
    if category is None or not category.is_active or category.is_group:
        raise SubmissionError(
            _("service_code %(code)s not found.") % {"code": data["service_code"]}
        )
    point, address = _location(data, site)
    name = " ".join(part for part in (data["first_name"], data["last_name"]) if part).strip()
    try:
        return services.submit_report(
            site=site,
            category=category,
            point=point,
            description=data["description"],
            address=address,
            contact_email=data["email"] or "",
            contact_phone=data["phone"] or "",
            reporter_name=name,
            source=Source.OPEN311,
        )
    except ValidationError as error:
        messages = []
        if hasattr(error, "error_dict"):
            for field, items in error.message_dict.items():
                name = FIELD_NAMES.get(field, field)
                messages.extend(f"{name}: {item}" for item in items)
        else:
            messages.extend(error.messages)
        raise SubmissionError(*messages) from error
