"""Who is staff, which declaration a record belongs to, and who may see a record."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from .. import registry
from ..permissions import can_moderate
from . import queries


def is_staff_member(user) -> bool:
    """Anyone who may open the admin: superusers and holders of ``wagtailadmin.access_admin``
    (every addressee's moderators get it)."""
    return bool(user is not None and user.is_authenticated and user.is_active
                and (user.is_superuser or user.has_perm("wagtailadmin.access_admin")))


def declaration_for_model(model):
    """The ``Casework`` declared for ``model`` (or its concrete parent), or None."""
    model = model._meta.concrete_model
    label = model._meta.label_lower
    for _addon, declaration in registry.casework():
        if declaration.model.lower() == label:
            return declaration
    return None


def declaration_for(record):
    return declaration_for_model(type(record))


def record_site(record):
    """The site a record belongs to: its site field, else its addressee's site."""
    declaration = declaration_for(record)
    site_field = declaration.site_field if declaration else "site"
    if site_field and hasattr(record, f"{site_field}_id"):
        return getattr(record, site_field)
    addressee_field = declaration.addressee_field if declaration else "addressee"
    addressee = getattr(record, addressee_field, None)
    if addressee is not None and hasattr(addressee, "get_site"):
        return addressee.get_site()
    return None


def can_see(user, record) -> bool:
    """Whether ``user`` (staff) may see ``record`` and its internal notes: the record lies in
    the scope of its casework declaration (the desk's rule); for a kind nobody declared,
    superusers, holders of the model's view/change permission and the moderators of the
    record's addressee."""
    if not is_staff_member(user):
        return False
    declaration = declaration_for(record)
    if declaration is not None:
        site = record_site(record)
        return queries.scope(declaration, user, site).filter(pk=record.pk).exists()
    meta = type(record)._meta
    if user.is_superuser or user.has_perm(f"{meta.app_label}.view_{meta.model_name}") \
            or user.has_perm(f"{meta.app_label}.change_{meta.model_name}"):
        return True
    addressee_id = getattr(record, "addressee_id", None)
    return addressee_id is not None and can_moderate(user, addressee_id)


def desk_url(record) -> str:
    """The record's screen on the casework desk ("" when the desk has none)."""
    declaration = declaration_for(record)
    if declaration is None:
        return ""
    for name in ("inspect", "detail", "edit"):
        try:
            return reverse(f"casework_{declaration.key}:{name}", args=[record.pk])
        except NoReverseMatch:
            continue
    return ""


def list_url(key: str, work: str | None = None) -> str:
    """The desk's list of the kind ``key`` filtered by ``?work=`` ("" before the desk exists)."""
    try:
        url = reverse(f"casework_{key}:index")
    except NoReverseMatch:
        return ""
    return f"{url}?work={work}" if work else url
