"""Keeping object permissions clean: an addressee that is deleted takes its guardian
permissions with it, in the same transaction (Wagtail's page permissions and the feedback
messages go by foreign key already). Deleting a page deletes its subtree: this runs for
every addressee in it."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import AddresseePage


@receiver(post_delete, sender=AddresseePage, dispatch_uid="addressees_forget_permissions")
def forget_permissions_of_deleted_addressee(sender, instance, **kwargs):
    from .services import forget_permissions

    forget_permissions([instance.pk])
