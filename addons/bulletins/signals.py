"""Signal receivers: a published bulletin goes to immediate subscribers; a moved addressee
page carries its bulletins' and subscriptions' copied tree paths along."""

from __future__ import annotations

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver
from wagtail.signals import post_page_move, pre_page_move, published

from .models import Bulletin, Subscription


@receiver(published, sender=Bulletin)
def bulletin_published(sender, instance, **kwargs):
    from .delivery import enqueue_immediate

    enqueue_immediate(instance)


#: page id -> its tree path before a move in progress (treebeard rewrites the paths)
_moving: dict[int, str] = {}


@receiver(pre_page_move)
def remember_path(sender, instance, **kwargs):
    _moving[instance.pk] = instance.path


@receiver(post_page_move)
def carry_paths(sender, instance, **kwargs):
    from wagtail.models import Page

    old_path = _moving.pop(instance.pk, None)
    new_path = Page.objects.filter(pk=instance.pk).values_list("path", flat=True).first()
    if not old_path or not new_path or new_path == old_path:
        return
    for model in (Bulletin, Subscription):
        model.objects.filter(addressee_path__startswith=old_path).update(
            addressee_path=Concat(Value(new_path), Substr("addressee_path", len(old_path) + 1)))
