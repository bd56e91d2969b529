"""What the addressee catalog does: moderator groups and feedback.

Views, the admin and the demo loader call these functions; the rules live here only.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from guardian.shortcuts import assign_perm
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model
from wagtail.models import GroupPagePermission

from addons.core.permissions import MODERATE_CODENAME, MODERATE_PERMISSION

from .models import AddresseePage, FeedbackMessage

#: Wagtail page permissions a moderators group holds on its addressee's subtree
PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page")
GROUP_NAME_PREFIX = "Moderators: "
FEEDBACK_EVENT = "addressees.feedback"


def moderators_group_name(page) -> str:
    """A unique group name, "Moderators: <title>" (with the page id when taken)."""
    max_length = Group._meta.get_field("name").max_length
    name = f"{GROUP_NAME_PREFIX}{page.title}"[:max_length]
    if not Group.objects.filter(name=name).exists():
        return name
    suffix = f" ({page.pk})"
    return f"{GROUP_NAME_PREFIX}{page.title}"[: max_length - len(suffix)] + suffix


def _granted_group(page) -> Group | None:
    """A group that already holds the moderation permission on ``page``."""
    row = (
        get_group_obj_perms_model().objects.filter(
            content_type=ContentType.objects.get_for_model(AddresseePage),
            object_pk=str(page.pk),
            permission__codename=MODERATE_CODENAME,
        )
        .select_related("group")
        .order_by("pk")
        .first()
    )
    return row.group if row else None


def grant_moderation(group: Group, page) -> None:
    """Give ``group`` what moderating ``page`` needs (idempotent): admin access, Wagtail
    page permissions on the page's subtree, and the guardian permission on the page."""
    admin_access = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    group.permissions.add(admin_access)
    for permission in Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=PAGE_PERMISSIONS
    ):
        GroupPagePermission.objects.get_or_create(group=group, page_id=page.pk,
                                                  permission=permission)
    assign_perm(MODERATE_PERMISSION, group, page)


def ensure_moderators(page) -> Group:
    """The moderators group of ``page``: the one it names, else the one already holding the
    permission, else a new "Moderators: <title>". Grants it moderation of the page."""
    with transaction.atomic():
        group = page.moderators if page.moderators_id else None
        if group is None:
            group = _granted_group(page) or Group.objects.create(
                name=moderators_group_name(page)
            )
            AddresseePage.objects.filter(pk=page.pk).update(moderators=group)
            page.moderators = group
        grant_moderation(group, page)
    return group


def forget_permissions(page_ids) -> int:
    """Delete the guardian permissions that point at deleted addressee pages."""
    content_type = ContentType.objects.get_for_model(AddresseePage)
    object_pks = [str(pk) for pk in page_ids]
    removed = 0
    for model in (get_group_obj_perms_model(), get_user_obj_perms_model()):
        removed += model.objects.filter(
            content_type=content_type, object_pk__in=object_pks
        ).delete()[0]
    return removed


def feedback_admin_url(message: FeedbackMessage) -> str:
    return reverse("addressee_feedback:edit", args=[message.pk])


def submit_feedback(page, *, name: str, email: str, message: str, phone: str = "",
                    author=None, site=None) -> FeedbackMessage:
    """Save a feedback message to ``page`` and notify its moderators (in one transaction:
    the notifications are sent once it commits)."""
    from addons.core.notifications import notify_group

    if not page.feedback_enabled:
        raise ValueError("Feedback is switched off for this addressee.")
    with transaction.atomic():
        feedback = FeedbackMessage.objects.create(
            addressee=page,
            name=name,
            email=email,
            phone=phone,
            message=message,
            author=author if author is not None and author.is_authenticated else None,
        )
        notify_group(
            page.moderators,
            FEEDBACK_EVENT,
            {
                "addressee": page.title,
                "name": name,
                "email": email,
                "phone": phone,
                "message": message,
            },
            site=site,
            url=feedback_admin_url(feedback),
            key=f"{FEEDBACK_EVENT}:{feedback.pk}",
        )
    return feedback
