"""What the addressee catalog does: moderator groups, feedback and the feedback desk.

Views, the admin and the demo loader call these functions; the rules live here only.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model
from wagtail.log_actions import log
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
    return reverse("casework_feedback:inspect", args=[message.pk])


def submit_feedback(page, *, name: str, email: str, message: str, phone: str = "",
                    author=None, site=None) -> FeedbackMessage:
    """Save a feedback message to ``page`` and notify whoever handles it (core's staffing
    rule: its moderators present or their delegates, else up the tree, else the reception
    office, else the administrators), in one transaction: sent once it commits."""
    from addons.core.casework.assignment import auto_assign
    from addons.core.notifications import notify_handlers

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
        auto_assign(feedback)
        notify_handlers(
            page,
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


# -- specialists' user accounts --------------------------------------------------------


def _may_choose_any_staff(editor) -> bool:
    """Superusers and administrators (those who manage staff groups)."""
    return editor.is_superuser or editor.has_perm("auth.change_group")


def _site_addressee_ids(page) -> set[int] | None:
    """Ids of the addressees in the tree of ``page``'s site (None: no page, every site)."""
    if page is None:
        return None
    site = page.get_site()
    if site is None:
        return set()
    root_path = site.root_page.path
    return set(AddresseePage.objects.filter(path__startswith=root_path)
               .values_list("pk", flat=True))


def _subtree_ids(ids) -> set[int]:
    paths = list(AddresseePage.objects.filter(pk__in=ids).values_list("path", flat=True))
    if not paths:
        return set()
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    return set(AddresseePage.objects.filter(query).values_list("pk", flat=True))


def _moderators_of_any(ids) -> Q:
    content_type = ContentType.objects.get_for_model(AddresseePage)
    object_pks = [str(pk) for pk in ids]
    groups = get_group_obj_perms_model().objects.filter(
        content_type=content_type, object_pk__in=object_pks,
        permission__codename=MODERATE_CODENAME).values("group_id")
    users = get_user_obj_perms_model().objects.filter(
        content_type=content_type, object_pk__in=object_pks,
        permission__codename=MODERATE_CODENAME).values("user_id")
    return Q(groups__in=groups) | Q(pk__in=users)


def specialist_candidates(editor, page=None):
    """The accounts ``editor`` may name as a specialist's user account (of ``page``).

    Staff only, never a citizen's account: superusers and administrators choose among
    staff accounts (``is_staff``) and the moderators of the addressees of ``page``'s site;
    a moderator chooses among the moderators of the addressees he moderates (with their
    subordinate addressees), in that site."""
    from addons.core.permissions import moderated_addressee_ids

    User = get_user_model()
    if editor is None or not editor.is_authenticated or not editor.is_active:
        return User.objects.none()
    in_site = _site_addressee_ids(page)
    if _may_choose_any_staff(editor):
        if in_site is None:
            scope = Q(is_staff=True) | _moderators_of_any(
                AddresseePage.objects.values_list("pk", flat=True))
        else:
            scope = Q(is_staff=True) | _moderators_of_any(in_site)
    else:
        ids = _subtree_ids(moderated_addressee_ids(editor))
        if in_site is not None:
            ids &= in_site
        if not ids:
            return User.objects.none()
        scope = _moderators_of_any(ids)
    return User.objects.filter(scope, is_active=True).distinct()


def may_choose_specialist(editor, page, user_id) -> bool:
    return specialist_candidates(editor, page).filter(pk=user_id).exists()


# -- the feedback desk: what staff do to a feedback message -----------------------------
# Called by the casework desk (``Casework(key="feedback")`` in apps.py) as
# ``service(message, user, **cleaned_data)``: a refusal is a translated ValidationError,
# every change is written to the audit log.

FEEDBACK_HANDLED = "addressees.feedback_handled"
FEEDBACK_REOPENED = "addressees.feedback_reopened"
FEEDBACK_LOG_ACTIONS = {
    FEEDBACK_HANDLED: gettext_lazy("Feedback message marked handled"),
    FEEDBACK_REOPENED: gettext_lazy("Feedback message reopened"),
}


def feedback_open_q() -> Q:
    """Feedback still to be dealt with: not handled."""
    return Q(handled=False)


def may_handle_feedback(user, message: FeedbackMessage) -> bool:
    """The addressee's moderators (or whoever core's staffing rule routes its messages to),
    superusers and holders of the model's change permission (a city-wide coordinators
    group)."""
    from addons.core.permissions import handles

    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return (user.is_superuser or user.has_perm("addressees.change_feedbackmessage")
            or handles(user, message.addressee_id))


def feedback_is_open(message: FeedbackMessage, user=None) -> bool:
    return not message.handled


def feedback_is_handled(message: FeedbackMessage, user=None) -> bool:
    return message.handled


def _record_closed(record) -> None:
    """Let the team's waiting queue move on once a record is closed."""
    from addons.core.casework.assignment import record_closed

    record_closed(record)


def _set_handled(message: FeedbackMessage, user, handled: bool) -> FeedbackMessage:
    if not may_handle_feedback(user, message):
        raise ValidationError(_("You do not handle the messages of this addressee."))
    with transaction.atomic():
        locked = (FeedbackMessage.objects.select_for_update()
                  .select_related("addressee").get(pk=message.pk))
        if locked.handled == handled:
            raise ValidationError(
                _("This message is already marked handled.") if handled
                else _("This message is not marked handled.")
            )
        changes = {"handled": handled}  # the desk raises lock_version with the action
        if handled:
            changes["waiting_since"] = None
        FeedbackMessage.objects.filter(pk=locked.pk).update(**changes)
        locked.refresh_from_db()
        log(locked, FEEDBACK_HANDLED if handled else FEEDBACK_REOPENED, user=user,
            title=f"{locked.addressee.title} #{locked.pk}",
            data={"feedback": locked.pk, "addressee": locked.addressee_id})
        if handled:
            _record_closed(locked)
    message.__dict__.update({key: getattr(locked, key) for key in
                             ("handled", "lock_version", "waiting_since")})
    return locked


def mark_feedback_handled(message: FeedbackMessage, user, **data) -> str:
    """The message is dealt with: it leaves the open list (and the assignee's work)."""
    _set_handled(message, user, True)
    return _("The message is marked handled.")


def reopen_feedback(message: FeedbackMessage, user, **data) -> str:
    """A message marked handled by mistake goes back to the open list."""
    _set_handled(message, user, False)
    return _("The message is open again.")
