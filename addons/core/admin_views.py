"""Wagtail admin screens of core: the notification outbox (read-only, superusers)."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from . import registry
from .models import Notification


class SuperuserReadOnlyPermissionPolicy(BasePermissionPolicy):
    """Only active superusers may look; nobody may add, change or delete through the admin
    (the outbox is written by ``notify`` and the delivery task only)."""

    READ_ACTIONS = frozenset({"view"})

    def user_has_permission(self, user, action):
        return bool(
            action in self.READ_ACTIONS
            and user is not None
            and user.is_active
            and user.is_superuser
        )

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        users = get_user_model()._default_manager
        if self.READ_ACTIONS.intersection(actions):
            return users.filter(is_active=True, is_superuser=True)
        return users.none()


def _event_choices():
    known = registry.notification_events()
    events = Notification.objects.order_by("event").values_list("event", flat=True).distinct()
    return [(event, f"{known[event].label} ({event})" if event in known else event)
            for event in events]


def _channel_choices():
    return [(item.key, item.title) for item in registry.transports()]


class NotificationFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("status"), choices=Notification.Status.choices)
    channel = django_filters.ChoiceFilter(label=_("channel"), choices=_channel_choices)
    event = django_filters.ChoiceFilter(label=_("event"), choices=_event_choices)
    recipient = django_filters.CharFilter(
        label=_("recipient"), method="filter_recipient",
        help_text=_("Part of the recipient's name, username or email."),
    )

    class Meta:
        model = Notification
        fields = ["status", "channel", "event", "recipient"]

    def filter_recipient(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(email__icontains=value)
            | Q(recipient__email__icontains=value)
            | Q(recipient__username__icontains=value)
            | Q(recipient__full_name__icontains=value)
        )


class NotificationViewSet(ModelViewSet):
    """The outbox: what was sent to whom, by which channel, what failed and why."""

    model = Notification
    icon = "mail"
    name = "notification_outbox"
    url_prefix = "notification-outbox"
    menu_label = _("Notification outbox")
    add_to_settings_menu = True
    menu_order = 900
    permission_policy = SuperuserReadOnlyPermissionPolicy(Notification)
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["subject", "recipient", "email", "event", "status",
                    Column("channel", label=_("channel"), accessor="get_channel_display"),
                    "attempts", "created_at", "sent_at"]
    filterset_class = NotificationFilterSet
    search_fields = ["subject", "email", "key"]
    search_backend_name = None  # the outbox is not in the search index: plain SQL
    list_per_page = 50
    # Required by ModelViewSet; the add and edit views are never allowed (see the policy).
    form_fields = ["subject"]
    inspect_view_fields = [
        "subject", "body", "recipient", "person", "email", "language", "event", "status",
        "channel", "attempt_log", "attempts", "last_error", "next_attempt_at", "created_at",
        "sent_at", "read_at", "url", "key", "site",
    ]

    def get_queryset(self, request):
        return Notification.objects.select_related("recipient", "site")
