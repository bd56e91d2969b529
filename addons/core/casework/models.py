"""What every assignable record carries, and the people side of the desk."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Assignable(models.Model):
    """Mixed into a record model that declares ``Casework(assignable=True)``."""

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("watchers"), blank=True, related_name="+",
    )
    #: set while the record waits in its team's queue for automatic assignment
    waiting_since = models.DateTimeField(
        _("waiting for assignment since"), null=True, blank=True, db_index=True
    )
    #: raised by every desk action: a form sent with an older number was made on a stale copy
    lock_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        abstract = True


class StaffAbsence(models.Model):
    """A member of staff away from ``starts`` to ``ends`` (inclusive); their new work and
    notifications go to ``delegate`` meanwhile (see ``addons.core.staffing``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.CASCADE,
        related_name="absences",
    )
    starts = models.DateField(_("away from"))
    ends = models.DateField(_("back after"))
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("delegate"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("Receives new work and notifications during the absence."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts"]
        indexes = [models.Index(fields=["starts", "ends"])]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")

    def __str__(self):
        return f"{self.user}: {self.starts} – {self.ends}"

    def clean(self):
        errors = {}
        if self.starts and self.ends and self.ends < self.starts:
            errors["ends"] = _("The absence cannot end before it starts.")
        if self.delegate_id and self.delegate_id == self.user_id:
            errors["delegate"] = _("Choose someone else: a person cannot stand in for "
                                   "themselves.")
        if errors:
            raise ValidationError(errors)
        if self.delegate_id and self.starts and self.ends:
            from ..staffing import delegation_cycle

            if delegation_cycle(self):
                raise ValidationError({"delegate": _(
                    "This delegate is away at the same time and hands their work back to "
                    "this person: choose someone who is present."
                )})
