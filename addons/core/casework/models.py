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


def _positive_capacity(value):
    if value is not None and value <= 0:
        raise ValidationError(
            _("The capacity must be a whole number greater than zero."), code="capacity")


def _check_staff(row):
    if row.user_id and row.addressee_id:
        from ..permissions import can_moderate

        if not (can_moderate(row.user, row.addressee_id) or row.user.is_superuser):
            raise ValidationError({"user": _(
                "%(name)s does not work on the records of this addressee: choose someone "
                "from its staff.") % {"name": row.user}})


class AssignmentPolicy(models.Model):
    """How an addressee's new records find a person (one policy per addressee)."""

    class Mode(models.TextChoices):
        MANUAL = "manual", _("Manual: staff take or assign records")
        ROUND_ROBIN = "round_robin", _("Round robin: in turn, one after another")
        LEAST_LOADED = "least_loaded", _("Least loaded: whoever has the fewest open records")
        SKILLS = "skills", _("Skills: only people whose skills cover the record")

    addressee = models.OneToOneField(
        "addressees.AddresseePage", verbose_name=_("addressee"), on_delete=models.CASCADE,
        related_name="assignment_policy",
    )
    mode = models.CharField(_("assignment"), max_length=20, choices=Mode.choices,
                            default=Mode.MANUAL)
    capacity = models.IntegerField(
        _("open records per person"), default=20, validators=[_positive_capacity],
        help_text=_("How many open records one person may hold; a person's own capacity "
                    "may differ."),
    )
    #: the person who got the last record in round robin (the next one goes to the one after)
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assignment policy")
        verbose_name_plural = _("assignment policies")

    def __str__(self):
        return str(self.addressee)

    def clean(self):
        _positive_capacity(self.capacity)


class StaffCapacity(models.Model):
    """A person's own capacity at one addressee (part-time work, a team lead)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff member"),
                             on_delete=models.CASCADE, related_name="+")
    addressee = models.ForeignKey("addressees.AddresseePage", verbose_name=_("addressee"),
                                  on_delete=models.CASCADE, related_name="+")
    capacity = models.IntegerField(_("open records"), validators=[_positive_capacity])

    class Meta:
        verbose_name = _("staff capacity")
        verbose_name_plural = _("staff capacities")
        constraints = [models.UniqueConstraint(fields=["user", "addressee"],
                                               name="core_staffcapacity_unique")]

    def __str__(self):
        return f"{self.user}: {self.capacity}"

    def clean(self):
        _positive_capacity(self.capacity)
        _check_staff(self)


class StaffSkill(models.Model):
    """The categories and districts of one kind of record a person takes at an addressee
    (people without any skill row take everything)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff member"),
                             on_delete=models.CASCADE, related_name="+")
    addressee = models.ForeignKey("addressees.AddresseePage", verbose_name=_("addressee"),
                                  on_delete=models.CASCADE, related_name="+")
    casework = models.CharField(_("kind of record"), max_length=50)
    categories = models.JSONField(_("categories"), default=list, blank=True,
                                  help_text=_("Empty: every category."))
    districts = models.JSONField(_("districts"), default=list, blank=True,
                                 help_text=_("Empty: every district."))

    class Meta:
        verbose_name = _("staff skill")
        verbose_name_plural = _("staff skills")

    def __str__(self):
        return f"{self.user}: {self.casework}"

    def clean(self):
        for name in ("categories", "districts"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(
                    isinstance(item, (int, str)) and not isinstance(item, bool)
                    for item in value):
                raise ValidationError({name: _("Enter a list of ids or names.")})
        _check_staff(self)

    def covers(self, category, district) -> bool:
        def match(values, value):
            if not values:
                return True
            if value is None or value == "":
                return False
            return str(value) in {str(item) for item in values}

        return match(self.categories, category) and match(self.districts, district)
