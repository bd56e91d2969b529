"""What every casework screen shares: the site being worked on, who may use a desk, the
record in scope, the lock that catches two people changing a record at once."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from wagtail.models import Site

from .. import registry, staffing
from ..activation import is_enabled
from ..addon import _call
from ..permissions import ADDRESSEE_MODEL, moderated_addressee_ids, moderators_of_any
from . import queries

_SITE_ATTR = "_civicdesk_work_site"


def person_name(user) -> str:
    """A person as staff know them: the full name, else the user name."""
    if user is None:
        return ""
    full = getattr(user, "get_full_name", lambda: "")() or getattr(user, "full_name", "")
    return full or user.get_username()


def declaration_for(record_or_model):
    """The ``Casework`` declared for a record's model (None when there is none)."""
    model = record_or_model if isinstance(record_or_model, type) else type(record_or_model)
    label = model._meta.label_lower
    for _addon, declaration in registry.casework():
        if declaration.model.lower() == label:
            return declaration
    return None


def addon_of(declaration):
    for addon, item in registry.casework():
        if item.key == declaration.key:
            return addon
    return None


def _user_site_ids(user) -> list[int]:
    """The sites whose addressees ``user`` moderates, in a stable order."""
    ids = moderated_addressee_ids(user)
    if not ids:
        return []
    paths = list(apps.get_model(ADDRESSEE_MODEL).objects.filter(pk__in=ids)
                 .values_list("path", flat=True))
    result = []
    for site in Site.objects.select_related("root_page").order_by("pk"):
        root = site.root_page.path
        if any(path.startswith(root) for path in paths):
            result.append(site.pk)
    return result


def work_site(request):
    """The site being worked on: the request's site when the user works there (or on every
    site), else the single site the user works on (the admin may be served on one host for
    every town)."""
    cached = getattr(request, _SITE_ATTR, None)
    if cached is not None:
        return cached
    site = Site.find_for_request(request)
    user = request.user
    if not (user.is_superuser or _model_wide(user)):
        site_ids = _user_site_ids(user)
        if site_ids and (site is None or site.pk not in site_ids):
            site = Site.objects.get(pk=site_ids[0])
    setattr(request, _SITE_ATTR, site)
    return site


def _model_wide(user) -> bool:
    return any(queries.sees_everything(user, declaration)
               for _addon, declaration in registry.casework())


def is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_use_desk(user, declaration) -> bool:
    """Whether ``user`` works on records of this kind at all (the menu, the list). With
    the declaration's own ``scope``: whether that scope gives the user any record."""
    if not is_active_user(user):
        return False
    if declaration.scope and queries.scope(declaration, user, None).exists():
        return True
    if not declaration.scope and queries.sees_everything(user, declaration):
        return True
    # an addressee's staff have a desk of its records, even while it is empty
    if declaration.addressee_field and moderated_addressee_ids(user):
        return True
    # records with nobody at work reach the office, the administrators and the delegates
    if declaration.addressee_field and _reached_as_fallback(user):
        return True
    return bool(declaration.staff and _call(declaration.staff, user))


def _reached_as_fallback(user) -> bool:
    """Whether records with nobody at work reach ``user`` (the office, the administrators,
    today's delegates). The same for every kind of record: asked once per user object, i.e.
    once per request for ``request.user`` (the admin menu asks it for every desk)."""
    cached = getattr(user, "_casework_reached_as_fallback", None)
    if cached is None:
        cached = staffing.in_fallback_group(user) or staffing.stands_in(user)
        user._casework_reached_as_fallback = cached
    return cached


def desk_enabled(request, declaration) -> bool:
    """Whether the declaring add-on is on for the site being worked on."""
    addon = addon_of(declaration)
    if addon is None:
        return True
    site = work_site(request)
    return is_enabled(addon.label, site=site) if site is not None else is_enabled(
        addon.label, request=request)


def scoped(declaration, user, site):
    return queries.scope(declaration, user, site)


def record_or_404(declaration, user, site, pk, *, for_update=False):
    """The record ``pk`` if ``user`` works on it on ``site``; 404 otherwise (its existence
    is not revealed)."""
    queryset = scoped(declaration, user, site)
    if for_update:
        # the record's own row only: a scope may join nullable relations (a ticket's citizen)
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def in_scope(declaration, user, record) -> bool:
    """Whether ``user`` may work on ``record`` (its addressee, or model-wide permission)."""
    if not is_active_user(user):
        return False
    if declaration.scope:  # the add-on's own rule of who works on what
        return queries.scope(declaration, user, record_site(declaration, record)).filter(
            pk=record.pk).exists()
    if queries.sees_everything(user, declaration):
        return True
    addressee_id = getattr(record, f"{declaration.addressee_field}_id", None)
    return addressee_id in queries.work_addressee_ids(user, record_site(declaration, record))


def reference(declaration, record) -> str:
    value = getattr(record, declaration.reference_field, None)
    return str(value if value not in (None, "") else record.pk)


def _follow(record, path: str):
    """``record``'s value at a field path ("addressee", or "queue__site" across a relation)."""
    value = record
    for name in path.split("__"):
        value = getattr(value, name, None)
        if value is None:
            return None
    return value


def addressee_of(declaration, record):
    return _follow(record, declaration.addressee_field)


def record_site(declaration, record):
    if declaration.site_field:
        return _follow(record, declaration.site_field)
    addressee = addressee_of(declaration, record)
    return addressee.get_site() if addressee is not None else None


def candidate_assignees(declaration, user, site):
    """People a record of ``site`` in ``user``'s scope may be given to: the moderators of
    the addressees ``user`` works on there, and the people already assigned in that scope."""
    User = get_user_model()
    addressees = apps.get_model(ADDRESSEE_MODEL).objects.all()
    if site is not None:
        addressees = addressees.filter(path__startswith=site.root_page.path)
    if not queries.sees_everything(user, declaration):
        addressees = addressees.filter(pk__in=moderated_addressee_ids(user))
    ids = set(moderators_of_any(addressees.values_list("pk", flat=True))
              .values_list("pk", flat=True))
    if declaration.assignable:
        ids.update(scoped(declaration, user, site).filter(queries.open_q(declaration))
                   .exclude(assignee=None).order_by()
                   .values_list("assignee_id", flat=True).distinct())
    return User.objects.filter(pk__in=ids, is_active=True).order_by("pk")


def available(action, record, user) -> bool:
    return not action.available or bool(_call(action.available, record, user))


def actions_for(declaration, record, user):
    return [action for action in declaration.actions if available(action, record, user)]


def action_for(declaration, key):
    for action in declaration.actions:
        if action.key == key:
            return action
    return None


def form_class(action):
    if not action.form:
        from django import forms

        class NoFields(forms.Form):
            def __init__(self, *args, record=None, user=None, **kwargs):
                super().__init__(*args, **kwargs)

        return NoFields
    from django.utils.module_loading import import_string

    return import_string(action.form) if isinstance(action.form, str) else action.form


def has_lock(model) -> bool:
    return any(field.name == "lock_version" for field in model._meta.concrete_fields)


def last_change(record):
    """``(name, time)`` of the latest audit-log entry of ``record`` (None when none)."""
    from wagtail.models import ModelLogEntry

    entry = (ModelLogEntry.objects.for_instance(record).select_related("user")
             .order_by("-timestamp", "-pk").first())
    if entry is None:
        return None
    if entry.user_id and entry.user is not None:
        return person_name(entry.user), entry.timestamp
    return entry.user_display_name or _("the system"), entry.timestamp


class StaleRecord(ValidationError):
    """The form was loaded before someone else changed the record."""


def check_lock(record, posted) -> None:
    """Raise :class:`StaleRecord` when ``posted`` (the form's lock_version) is not the
    record's current one."""
    if not has_lock(type(record)):
        return
    try:
        posted = int(posted)
    except (TypeError, ValueError):
        posted = -1
    if posted == record.lock_version:
        return
    change = last_change(record)
    if change is None:
        message = _("This record was changed by someone else since you opened it: reload to "
                    "see the change.")
    else:
        name, when = change
        message = _("Changed by %(name)s at %(time)s: reload to see the change.") % {
            "name": name,
            "time": formats.date_format(timezone.localtime(when), "DATETIME_FORMAT"),
        }
    raise StaleRecord(message, code="stale")


def bump(record) -> None:
    """Raise the record's lock version (in the transaction of the change)."""
    if not has_lock(type(record)):
        return
    from django.db.models import F

    type(record)._default_manager.filter(pk=record.pk).update(
        lock_version=F("lock_version") + 1)
    record.lock_version = (record.lock_version or 0) + 1


def open_records(declaration):
    from .queries import model_of, open_q

    return model_of(declaration)._default_manager.filter(open_q(declaration))


def no_q():
    return Q(pk__in=[])


def call(function, *args, **kwargs):
    """``function`` (a callable or its dotted path) called with keyword arguments too."""
    if isinstance(function, str):
        from django.utils.module_loading import import_string

        function = import_string(function)
    return function(*args, **kwargs)
