"""Who may see an appeal, its files, messages and history.

Its author; the moderators of the addressee it is assigned to; the moderators of the
appeals department of its site; superusers. Nobody else, staff included: an appeal holds
personal data (UA Law 393/96 art. 10), so a global model permission does not open it.
"""

from __future__ import annotations

from django.db.models import Q

from addons.core.permissions import AddresseeScopedPermissionPolicy, moderated_addressee_ids

_DEPARTMENT_CACHE = "_civicdesk_appeals_department_sites"


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def department_site_ids(user) -> set[int]:
    """Sites whose appeals department ``user`` moderates (cached on the user object)."""
    if not _active(user):
        return set()
    cached = getattr(user, _DEPARTMENT_CACHE, None)
    if cached is not None:
        return cached
    from .models import AppealsSettings

    ids = moderated_addressee_ids(user)
    sites = set()
    if ids:
        sites = set(
            AppealsSettings.objects.filter(department_id__in=ids).values_list("site_id", flat=True)
        )
    setattr(user, _DEPARTMENT_CACHE, sites)
    return sites


def visibility_filter(user):
    """A Q over Appeal for ``user``; True for everything, None for nothing."""
    if not _active(user):
        return None
    if user.is_superuser:
        return True
    condition = Q(author_id=user.pk)
    addressees = moderated_addressee_ids(user)
    if addressees:
        condition |= Q(addressee_id__in=addressees)
    sites = department_site_ids(user)
    if sites:
        condition |= Q(site_id__in=sites)
    return condition


def is_staff_for(user, appeal) -> bool:
    """Whether ``user`` sees ``appeal`` as staff (handles it), not as its author: its
    addressee's staff, the town's appeals department, and whoever the staffing rule routes
    it to."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    if (appeal.addressee_id in moderated_addressee_ids(user)
            or appeal.site_id in department_site_ids(user)):
        return True
    # routed by the staffing rule: the addressee has nobody at work, the staff above it or
    # the reception office handle it (core's rule; kept for the request)
    from addons.core.staffing import handled_addressee_ids

    return appeal.addressee_id in handled_addressee_ids(user, appeal.site)


def can_view(user, appeal) -> bool:
    """Whether ``user`` may see ``appeal``, its attachments, messages and history."""
    if not _active(user):
        return False
    return appeal.author_id == user.pk or is_staff_for(user, appeal)


def can_handle(user, appeal) -> bool:
    """Whether ``user`` may act on ``appeal`` as staff (register, reply, extend...)."""
    return is_staff_for(user, appeal)


class AppealPermissionPolicy(AddresseeScopedPermissionPolicy):
    """The Wagtail policy for appeals: the rules above, for admin lists and views.

    Register it with ``register_permission_policy(Appeal, AppealPermissionPolicy(Appeal))``.
    """

    moderator_actions = ("view", "change")

    def _has_model_permission(self, user, action) -> bool:
        # Confidential records: only superusers see every appeal.
        return _active(user) and user.is_superuser

    def user_has_permission(self, user, action) -> bool:
        if not _active(user):
            return False
        if user.is_superuser:
            return True
        return action in self.moderator_actions and bool(
            moderated_addressee_ids(user) or department_site_ids(user)
        )

    def user_has_permission_for_instance(self, user, action, instance) -> bool:
        if not _active(user):
            return False
        if user.is_superuser:
            return True
        return action in self.moderator_actions and is_staff_for(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        from .models import Appeal

        if not set(actions) & set(self.moderator_actions) and not (
            _active(user) and user.is_superuser
        ):
            return Appeal.objects.none()
        return staff_queryset(user)


def staff_filter(user):
    """A Q over Appeal of what ``user`` handles as staff; True for all, None for nothing."""
    if not _active(user):
        return None
    if user.is_superuser:
        return True
    condition = None
    addressees = moderated_addressee_ids(user)
    if addressees:
        condition = Q(addressee_id__in=addressees)
    sites = department_site_ids(user)
    if sites:
        condition = Q(site_id__in=sites) if condition is None else condition | Q(site_id__in=sites)
    return condition


def staff_queryset(user):
    """Appeals ``user`` handles as staff (an admin list: their own appeals as a citizen are
    not included)."""
    from .models import Appeal

    return Appeal.objects.handled_by(user)
