"""Attachment files go when their row goes (after the transaction commits)."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import AppealAttachment


@receiver(post_delete, sender=AppealAttachment)
def delete_attachment_file(sender, instance, **kwargs):
    if instance.file and instance.file.name:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name))
