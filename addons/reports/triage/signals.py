"""The classifier learns from staff corrections (connected in the add-on's ``ready``)."""

from django.dispatch import receiver

from addons.reports.signals import category_corrected


@receiver(category_corrected, dispatch_uid="reports.triage.category_corrected")
def learn_from_correction(sender, report, **kwargs):
    from . import note_correction

    note_correction(report)
