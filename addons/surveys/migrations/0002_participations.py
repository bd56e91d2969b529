"""Who answered is kept apart from what was answered.

Each answer's keyed digest of its citizen or browser becomes a ``Participation`` row (in a
random order, with a random id and no time) that says nothing about which answer it
belongs to; the digest leaves the answers. Answers keep their date; those of anonymous
surveys lose the time of day and the link to the one-time link that gave them."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import addons.surveys.models


class Migration(migrations.Migration):

    dependencies = [
        ("addressees", "0001_initial"),
        ("surveys", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Participation",
            fields=[
                ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True,
                                        serialize=False)),
                ("scope", models.PositiveIntegerField(default=0)),
                ("participant_key", models.CharField(editable=False, max_length=64)),
                ("survey", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                             related_name="participations",
                                             to="surveys.survey")),
            ],
        ),
        migrations.AddConstraint(
            model_name="participation",
            constraint=models.UniqueConstraint(fields=("survey", "scope", "participant_key"),
                                               name="surveys_one_per_participant"),
        ),
        migrations.AddField(
            model_name="response",
            name="submitted_on",
            field=models.DateField(default=addons.surveys.models.local_today),
        ),
        migrations.AddField(
            model_name="response",
            name="suspicious",
            field=models.BooleanField(default=False),
        ),
        migrations.RemoveIndex(
            model_name="response",
            name="surveys_res_survey__1681e4_idx",
        ),
        migrations.AlterField(
            model_name="response",
            name="submitted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
