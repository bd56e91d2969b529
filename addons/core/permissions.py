"""Who may handle an addressee's records.

Every addressee page has a staff group (its moderators). The group holds the django-guardian
object permission ``addressees.moderate_addressee`` on that page; its members see and handle
the records that belong to the addressee (feedback, appeals, reports...) and nothing else.

An add-on whose model points at an addressee names that field in ``addressee_field`` and
registers :class:`AddresseeScopedPermissionPolicy` for it::

    register_permission_policy(Appeal, AddresseeScopedPermissionPolicy(Appeal))

and builds its admin viewset from :class:`ScopedIndexViewMixin` and
:class:`ScopedObjectViewMixin` so lists are filtered and other addressees' objects answer 403.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import Http404
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model
from wagtail.permission_policies import ModelPermissionPolicy

#: the page model of addressees, named rather than imported: core imports no add-on
ADDRESSEE_MODEL = "addressees.AddresseePage"
MODERATE_CODENAME = "moderate_addressee"
MODERATE_PERMISSION = f"addressees.{MODERATE_CODENAME}"

_CACHE_ATTR = "_civicdesk_moderated_addressee_ids"


def _addressee_model():
    from django.apps import apps

    return apps.get_model(ADDRESSEE_MODEL)


def _permission_filter(prefix: str = "") -> Q:
    return Q(**{
        f"{prefix}permission__codename": MODERATE_CODENAME,
        f"{prefix}permission__content_type__app_label": "addressees",
    })


def _is_active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def moderated_addressee_ids(user) -> set[int]:
    """Ids of the addressee pages ``user`` moderates: through a group's (or their own)
    guardian permission ``addressees.moderate_addressee``. Superusers: every addressee.
    Cached on the user object for the rest of the request."""
    if not _is_active(user):
        return set()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        ids = set(_addressee_model().objects.values_list("pk", flat=True))
    else:
        content_type = ContentType.objects.get_for_model(_addressee_model())
        through_groups = get_group_obj_perms_model().objects.filter(
            _permission_filter(), content_type=content_type, group__user=user
        ).values_list("object_pk", flat=True)
        own = get_user_obj_perms_model().objects.filter(
            _permission_filter(), content_type=content_type, user=user
        ).values_list("object_pk", flat=True)
        ids = {int(pk) for pk in through_groups.union(own) if str(pk).isdigit()}
    setattr(user, _CACHE_ATTR, ids)
    return ids


def can_moderate(user, addressee) -> bool:
    """Whether ``user`` moderates ``addressee`` (a page or its id)."""
    if not _is_active(user):
        return False
    if user.is_superuser:
        return True
    pk = getattr(addressee, "pk", addressee)
    return pk in moderated_addressee_ids(user)


def handles(user, addressee, site=None) -> bool:
    """Whether ``user`` works on the records of ``addressee`` (a page or its id): they
    moderate it, or core's staffing rule routes its records to them (the addressee has
    nobody at work: the staff above it, the reception office, the administrators, a
    delegate). ``site``: the addressee's site when the caller knows it."""
    if can_moderate(user, addressee):
        return True
    if not _is_active(user) or addressee is None:
        return False
    from .staffing import handled_addressee_ids, site_of

    pk = getattr(addressee, "pk", addressee)
    site = site or site_of(addressee)
    return pk in handled_addressee_ids(user, site)


def moderators_of(addressee) -> QuerySet:
    """Active users who moderate ``addressee`` (through a group or their own permission)."""
    content_type = ContentType.objects.get_for_model(_addressee_model())
    object_pk = str(getattr(addressee, "pk", addressee))
    groups = get_group_obj_perms_model().objects.filter(
        _permission_filter(), content_type=content_type, object_pk=object_pk
    ).values("group_id")
    users = get_user_obj_perms_model().objects.filter(
        _permission_filter(), content_type=content_type, object_pk=object_pk
    ).values("user_id")
    return get_user_model().objects.filter(
        Q(groups__in=groups) | Q(pk__in=users), is_active=True
    ).distinct()


def moderators_of_any(addressee_ids) -> QuerySet:
    """Active users who moderate at least one of ``addressee_ids`` (one query)."""
    content_type = ContentType.objects.get_for_model(_addressee_model())
    object_pks = [str(pk) for pk in addressee_ids]
    groups = get_group_obj_perms_model().objects.filter(
        _permission_filter(), content_type=content_type, object_pk__in=object_pks
    ).values("group_id")
    users = get_user_obj_perms_model().objects.filter(
        _permission_filter(), content_type=content_type, object_pk__in=object_pks
    ).values("user_id")
    return get_user_model().objects.filter(
        Q(groups__in=groups) | Q(pk__in=users), is_active=True
    ).distinct()


class AddresseeScopedPermissionPolicy(ModelPermissionPolicy):
    """A Wagtail permission policy for a model that belongs to an addressee.

    The model names its addressee foreign key in ``addressee_field`` (default
    ``"addressee"``). Superusers, and staff holding the ordinary model permission for an
    action (say, a city-wide coordinators group), may do it on every instance. Anyone else
    may do ``moderator_actions`` on the instances of the addressees they moderate, and
    nothing more.
    """

    moderator_actions: tuple[str, ...] = ("view", "change")

    @property
    def addressee_field(self) -> str:
        return getattr(self.model, "addressee_field", "addressee")

    def _has_model_permission(self, user, action) -> bool:
        return _is_active(user) and user.has_perm(self._get_permission_name(action))

    def user_has_permission(self, user, action) -> bool:
        if not _is_active(user):
            return False
        if self._has_model_permission(user, action):
            return True
        return action in self.moderator_actions and bool(moderated_addressee_ids(user))

    def user_has_permission_for_instance(self, user, action, instance) -> bool:
        if not _is_active(user):
            return False
        if self._has_model_permission(user, action):
            return True
        if action not in self.moderator_actions:
            return False
        return handles(user, getattr(instance, f"{self.addressee_field}_id"),
                       getattr(instance, "site", None) if hasattr(instance, "site_id") else None)

    def instances_user_has_any_permission_for(self, user, actions: Iterable[str]) -> QuerySet:
        actions = list(actions)
        queryset = self.model._default_manager.all()
        if not _is_active(user):
            return queryset.none()
        if any(self._has_model_permission(user, action) for action in actions):
            return queryset
        if not set(actions) & set(self.moderator_actions):
            return queryset.none()
        return queryset.filter(
            **{f"{self.addressee_field}_id__in": moderated_addressee_ids(user)}
        )

    def _moderators_filter(self, object_pk=None) -> Q:
        content_type = ContentType.objects.get_for_model(_addressee_model())
        extra = {"object_pk": str(object_pk)} if object_pk is not None else {}
        groups = get_group_obj_perms_model().objects.filter(
            _permission_filter(), content_type=content_type, **extra
        ).values("group_id")
        users = get_user_obj_perms_model().objects.filter(
            _permission_filter(), content_type=content_type, **extra
        ).values("user_id")
        return Q(groups__in=groups) | Q(pk__in=users)

    def users_with_any_permission(self, actions):
        actions = list(actions)
        condition = self._get_users_with_any_permission_codenames_filter(
            self._get_permission_codenames(actions)
        )
        if set(actions) & set(self.moderator_actions):
            condition |= self._moderators_filter() & Q(is_active=True)
        return get_user_model().objects.filter(condition).distinct()

    def users_with_any_permission_for_instance(self, actions, instance):
        actions = list(actions)
        condition = self._get_users_with_any_permission_codenames_filter(
            self._get_permission_codenames(actions)
        )
        if set(actions) & set(self.moderator_actions):
            addressee_id = getattr(instance, f"{self.addressee_field}_id")
            condition |= self._moderators_filter(addressee_id) & Q(is_active=True)
        return get_user_model().objects.filter(condition).distinct()


class ScopedIndexViewMixin:
    """For a Wagtail generic IndexView: list only what the policy lets the user see."""

    scoped_actions: tuple[str, ...] = ("view", "change")

    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        allowed = self.permission_policy.instances_user_has_any_permission_for(
            self.request.user, self.scoped_actions
        )
        return queryset.filter(pk__in=allowed.values("pk"))


class ScopedObjectViewMixin:
    """For Wagtail generic edit/inspect/delete views: an object outside the user's scope
    answers 404, as if it did not exist (its existence is not revealed)."""

    #: the user needs one of these actions on the object; the view's own by default
    object_actions: tuple[str, ...] | None = None

    def get_object(self, queryset=None):
        obj = super().get_object(queryset) if queryset is not None else super().get_object()
        actions = self.object_actions or (self.permission_required or "view",)
        if not self.permission_policy.user_has_any_permission_for_instance(
            self.request.user, actions, obj
        ):
            raise Http404
        return obj
