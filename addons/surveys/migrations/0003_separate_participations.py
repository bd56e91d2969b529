"""Who answered is kept apart from what was answered.

Each answer's keyed digest of its citizen or browser becomes a ``Participation`` row (in a
random order, with a random id and no time) that says nothing about which answer it
belongs to; the digest leaves the answers. Answers keep their date; those of anonymous
surveys lose the time of day and the link to the one-time link that gave them."""

import random
import uuid

from django.db import migrations
from django.utils import timezone


def separate(apps, schema_editor):
    Response = apps.get_model("surveys", "Response")
    Participation = apps.get_model("surveys", "Participation")
    marks = list(Response.objects.exclude(respondent_key="")
                 .values_list("survey_id", "scope", "respondent_key").distinct())
    random.SystemRandom().shuffle(marks)
    Participation.objects.bulk_create(
        [Participation(id=uuid.uuid4(), survey_id=survey, scope=scope, participant_key=key)
         for survey, scope, key in marks], batch_size=1000, ignore_conflicts=True)
    for response in Response.objects.select_related("survey").only(
            "pk", "submitted_at", "survey__anonymous").iterator(chunk_size=2000):
        day = timezone.localdate(response.submitted_at) if response.submitted_at else None
        changes = {"submitted_on": day or timezone.localdate(), "respondent_key": ""}
        if response.survey.anonymous:
            changes.update(submitted_at=None, invitation=None)
        Response.objects.filter(pk=response.pk).update(**changes)


class Migration(migrations.Migration):

    dependencies = [("surveys", "0002_participations")]

    operations = [
        migrations.RunPython(separate, migrations.RunPython.noop),
    ]
