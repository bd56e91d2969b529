"""A specialist whose user account is set on an addressee page joins the "Desk" group (the
admin, the queue desk) and leaves it when no addressee names them any longer."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from addons.addressees.models import Specialist


@receiver(pre_save, sender=Specialist)
def remember_previous_user(sender, instance, **kwargs):
    instance._queues_previous_user_id = (
        Specialist.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first()
        if instance.pk else None
    )


@receiver(post_save, sender=Specialist)
def specialist_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from django.contrib.auth import get_user_model

    from .staff import sync_desk_member

    previous = getattr(instance, "_queues_previous_user_id", None)
    if previous and previous != instance.user_id:
        sync_desk_member(get_user_model().objects.filter(pk=previous).first())
    if instance.user_id:
        sync_desk_member(instance.user)


@receiver(post_delete, sender=Specialist)
def specialist_deleted(sender, instance, **kwargs):
    from django.contrib.auth import get_user_model

    from .staff import sync_desk_member

    if instance.user_id:
        sync_desk_member(get_user_model().objects.filter(pk=instance.user_id).first())


# --- the cached receptions list and feed (receptions.py) ------------------------------------


def _receptions_changed(sender, raw=False, **kwargs):
    if raw:
        return
    from .receptions import changed

    changed()


def _connect_receptions() -> None:
    from wagtail.models import Site
    from wagtail.signals import page_published, page_unpublished

    from addons.addressees.models import AddresseeGroup, AddresseePage
    from addons.core.models import SiteProfile

    from .models import Queue, QueueService, ReceptionRule, ScheduleException

    for model in (ScheduleException, ReceptionRule, Queue, QueueService, SiteProfile, Site,
                  AddresseePage, AddresseeGroup):
        uid = f"queues.receptions.{model._meta.label_lower}"
        post_save.connect(_receptions_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_receptions_changed, sender=model, dispatch_uid=f"{uid}.delete")
    for signal in (page_published, page_unpublished):
        signal.connect(_receptions_changed, sender=AddresseePage,
                       dispatch_uid=f"queues.receptions.{signal is page_published}")


_connect_receptions()


def _calendar_changed(sender, raw=False, **kwargs):
    """A queue, a service, a field, weekly hours or an exception changed: the booking
    pages' queue and calendars are read afresh (``services.free_days``, views)."""
    from .services import CALENDAR_VERSION

    CALENDAR_VERSION.bump()


def _connect_calendar() -> None:
    from .models import (
        Queue,
        QueueField,
        QueueService,
        ScheduleException,
        Slot,
        WeeklySchedule,
    )

    for model in (Queue, QueueService, QueueField, WeeklySchedule, ScheduleException, Slot):
        post_save.connect(_calendar_changed, sender=model,
                          dispatch_uid=f"queues_calendar_saved_{model.__name__}")
        post_delete.connect(_calendar_changed, sender=model,
                            dispatch_uid=f"queues_calendar_deleted_{model.__name__}")


_connect_calendar()
