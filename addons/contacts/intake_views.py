"""Filing on a caller's behalf: /admin/contacts/file/?person=<id>[&interaction=<id>].

The screen lists the intakes (``AddonConfig.intakes``) of the add-ons enabled on the town,
each a form prefilled from the person; the operator chooses how the citizen came (phone,
visit, e-mail) and files. The add-on's own ``file`` function numbers, routes and
acknowledges the record; this screen adds the record to the interaction, and tells the
operator the reference, the status PIN and how the citizen was sent them (e-mail through
the add-on's acknowledgement, else an SMS where the platform has an SMS back-end).

Only the contact center's staff (``contacts.use_console``) use it; a person or an
interaction of another town is not found (404)."""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from wagtail.models import Site

from addons.accounts.models import Person
from addons.core import registry
from addons.core.activation import is_enabled
from addons.core.intake import Source

from .models import Interaction

logger = logging.getLogger(__name__)

PERMISSION = "contacts.use_console"
#: the ways an operator takes a record in, in the order the form offers them
OPERATOR_SOURCES = (Source.PHONE, Source.WALK_IN, Source.EMAIL)
#: an interaction's channel -> the source a record filed during it gets by default
CHANNEL_SOURCE = {"phone": Source.PHONE, "walk_in": Source.WALK_IN, "email": Source.EMAIL}


def may_use_console(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and (
        user.is_superuser or user.has_perm(PERMISSION)))


class SourceForm(forms.Form):
    """How the citizen came: the sources the intake accepts."""

    source = forms.ChoiceField(label=_("The citizen came by"))

    def __init__(self, *args, sources=OPERATOR_SOURCES, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Source.choices)
        self.fields["source"].choices = [
            (str(value), labels.get(value, value)) for value in sources if value in labels]


@dataclass
class Entry:
    """One intake on the screen: its declaration, its form and what the law rules out."""

    addon: object
    intake: object
    form: forms.Form
    source_form: SourceForm
    #: [(source label, reason)] of the sources the site's law does not allow
    restrictions: list = field(default_factory=list)
    #: free times and other hints the form offers (``form.free_times()``)
    hints: list = field(default_factory=list)
    #: whether the form offers free times (shown once the operator chose a day)
    offers_times: bool = False

    @property
    def key(self):
        return self.intake.key


# --- what the screen is about ------------------------------------------------------------


def _site(request):
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    return site


def _pk(value):
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


def _person(request, site):
    raw = request.POST.get("person") or request.GET.get("person")
    if not raw:
        return None
    pk = _pk(raw)
    person = Person.objects.filter(pk=pk, site=site).first() if pk else None
    seen = set()
    while person is not None and person.merged_into_id and person.pk not in seen:
        seen.add(person.pk)  # a merged person: the one it was merged into
        person = person.merged_into
    if person is None or person.site_id != site.pk:
        raise Http404
    return person


def _interaction(request, site):
    raw = request.POST.get("interaction") or request.GET.get("interaction")
    if not raw:
        return None
    pk = _pk(raw)
    interaction = Interaction.objects.filter(pk=pk, site=site).first() if pk else None
    if interaction is None:
        raise Http404
    return interaction


def available_intakes(site):
    """``[(addon, Intake)]`` of the add-ons enabled on ``site``."""
    return [(addon, intake) for addon, intake in registry.intakes()
            if is_enabled(addon.label, site)]


def _make_form(form_class, data, *, site, person, prefix):
    kwargs = {"site": site, "prefix": prefix}
    if "person" in inspect.signature(form_class.__init__).parameters:
        kwargs["person"] = person  # the form prefills the caller's details
    return form_class(data, **kwargs)


def _restrictions(site, intake, sources) -> list:
    if not intake.allowed:
        return []
    check = import_string(intake.allowed)
    labels = dict(Source.choices)
    found = []
    for source in sources:
        ok, reason = check(site, source)
        if not ok:
            found.append((labels.get(source, source), reason))
    return found


def _entries(request, site, person, interaction, chosen):
    default = CHANNEL_SOURCE.get(getattr(interaction, "channel", ""), Source.PHONE)
    entries = []
    for addon, intake in available_intakes(site):
        bound = request.method == "POST" and chosen == intake.key
        data = request.POST if bound else None
        sources = [value for value in OPERATOR_SOURCES if value in intake.sources]
        form = _make_form(import_string(intake.form), data, site=site, person=person,
                          prefix=intake.key)
        source_form = SourceForm(data, sources=sources, prefix=f"{intake.key}-how",
                                 initial={"source": default if default in sources else
                                          (sources[0] if sources else "")})
        entry = Entry(addon=addon, intake=intake, form=form, source_form=source_form,
                      restrictions=_restrictions(site, intake, sources))
        free_times = getattr(form, "free_times", None)
        entry.offers_times = callable(free_times)
        if bound and entry.offers_times:
            entry.hints = free_times()
        entries.append(entry)
    return entries


# --- filing --------------------------------------------------------------------------------


def _apply_errors(form, error: ValidationError) -> None:
    """The add-on's errors on the fields they name, the rest above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _reference(record) -> str:
    for name in ("reference", "tracking_number", "number"):
        value = getattr(record, name, "")
        if value:
            return str(value)
    return str(record.pk)


def _record_url(record) -> str:
    get_admin_url = getattr(record, "get_admin_url", None)
    if callable(get_admin_url):
        try:
            return get_admin_url() or ""
        except Exception:  # a record without an admin screen
            return ""
    from addons.core.casework.access import desk_url

    return desk_url(record)


def _email_of(record) -> str:
    """The address the add-on's acknowledgement went to: the citizen's account's when the
    record is theirs, else the e-mail typed on the form."""
    for name in ("reporter", "author", "citizen"):
        user = getattr(record, name, None) if hasattr(record, f"{name}_id") else None
        if user is not None and getattr(user, "email", ""):
            return user.email
    for name in ("contact_email", "applicant_email"):
        value = getattr(record, name, "")
        if value:
            return value
    return ""


def _phone_of(record, person) -> str:
    for name in ("contact_phone", "applicant_phone"):
        value = getattr(record, name, "")
        if value:
            return value
    if person is not None:
        identity = (person.identities.filter(kind="phone", valid=True)
                    .order_by("verified_at").first())
        if identity is not None:
            return identity.value
    return ""


def send_sms(site, to: str, text: str) -> bool:
    """Send ``text`` to ``to`` through the platform's SMS back-end
    (``addons.accounts.sms``, the class ``CIVICDESK_SMS_BACKEND`` names); False when it
    could not be sent (the operator is then asked to tell the citizen)."""
    from addons.accounts.sms import SmsError
    from addons.accounts.sms import send_sms as deliver

    try:
        deliver(to, text)
    except SmsError:
        logger.exception("SMS to %s not sent", to)
        return False
    return True


def _tell_citizen(site, record, person, title) -> tuple[str, str]:
    """How the citizen got the reference: ("email", address), ("sms", number) or
    ("", "") when the operator must tell it."""
    email = _email_of(record)
    if email:
        return "email", email
    phone = _phone_of(record, person)
    if phone:
        text = gettext("%(title)s %(reference)s is registered. Status PIN: %(pin)s.") % {
            "title": title, "reference": _reference(record),
            "pin": getattr(record, "status_pin", "") or "-"}
        if send_sms(site, phone, text):
            return "sms", phone
    return "", ""


def _add_to_interaction(interaction, key, record, person) -> None:
    locked = Interaction.objects.select_for_update().get(pk=interaction.pk)
    records = list(locked.records or [])
    records.append({"source": key, "reference": _reference(record),
                    "url": _record_url(record)})
    locked.records = records
    update = ["records", "updated_at"]
    if locked.person_id is None and person is not None:
        locked.person = person
        update.append("person")
    locked.save(update_fields=update)


def _file(request, site, person, interaction, entry):
    """File ``entry``'s form; the record, or None with the errors on the forms."""
    form, source_form = entry.form, entry.source_form
    if not (form.is_valid() & source_form.is_valid()):
        return None
    source = source_form.cleaned_data["source"]
    if entry.intake.allowed:
        ok, reason = import_string(entry.intake.allowed)(site, source)
        if not ok:
            source_form.add_error("source", reason)
            return None
    file_function = import_string(entry.intake.file)
    try:
        with transaction.atomic():
            record = file_function(site, form.cleaned_data, person=person, source=source,
                                   entered_by=request.user)
            if interaction is not None:
                _add_to_interaction(interaction, entry.key, record, person)
    except ValidationError as error:
        _apply_errors(form, error)
        return None
    return record


def _done_message(site, record, person, title) -> str:
    how, where = _tell_citizen(site, record, person, title)
    text = gettext("Filed: %(title)s %(reference)s, status PIN %(pin)s.") % {
        "title": title, "reference": _reference(record),
        "pin": getattr(record, "status_pin", "") or "-"}
    if how == "email":
        return text + " " + gettext("The citizen was sent the reference by e-mail to "
                                    "%(address)s.") % {"address": where}
    if how == "sms":
        return text + " " + gettext("The citizen was sent the reference by SMS to "
                                    "%(number)s.") % {"number": where}
    return text + " " + gettext("Tell the citizen the reference and the PIN: they have no "
                                "e-mail to send it to.")


def _here(person, interaction) -> str:
    query = {}
    if person is not None:
        query["person"] = person.pk
    if interaction is not None:
        query["interaction"] = interaction.pk
    url = reverse("contacts-admin:file")
    return f"{url}?{urlencode(query)}" if query else url


@never_cache
def file_for_caller(request):
    """The intakes of the town for the person, and filing one of them."""
    if not may_use_console(request.user):
        raise PermissionDenied
    site = _site(request)
    person = _person(request, site)
    interaction = _interaction(request, site)
    chosen = request.POST.get("intake", "") if request.method == "POST" else ""
    entries = _entries(request, site, person, interaction, chosen)
    if request.method == "POST":
        entry = next((item for item in entries if item.key == chosen), None)
        if entry is None:
            raise Http404
        record = _file(request, site, person, interaction, entry)
        if record is not None:
            messages.success(request, _done_message(site, record, person,
                                                    str(entry.intake.title)))
            return redirect(_here(person, interaction))
    identities = list(person.identities.order_by("kind", "pk")) if person is not None else []
    return render(request, "contacts/intake.html", {
        "site": site, "person": person, "identities": identities,
        "interaction": interaction, "entries": entries, "chosen": chosen,
    })
