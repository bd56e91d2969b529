from django.db import models
from wagtail.models import Site

from addons.core.casework.models import Assignable


class CaseCategory(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Case(Assignable):
    STATUS_CHOICES = [("new", "New"), ("in_progress", "In progress"), ("closed", "Closed")]

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    addressee = models.ForeignKey("addressees.AddresseePage", on_delete=models.CASCADE,
                                  related_name="+")
    reference = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default="new")
    due_date = models.DateField(null=True, blank=True)
    category = models.ForeignKey(CaseCategory, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    district = models.CharField(max_length=50, blank=True)
    escalated = models.BooleanField(default=False)
    #: confidential: shown only to staff who may work on the case
    note = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.reference} {self.title}"
