"""The answers lose the keyed digest of their author."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [("surveys", "0003_separate_participations")]

    operations = [
        migrations.RemoveConstraint(
            model_name="response",
            name="surveys_one_per_respondent",
        ),
        migrations.RemoveField(
            model_name="response",
            name="respondent_key",
        ),
        migrations.AlterModelOptions(
            name="response",
            options={"ordering": ["-submitted_on"], "verbose_name": "answer",
                     "verbose_name_plural": "answers"},
        ),
        migrations.AddIndex(
            model_name="response",
            index=models.Index(fields=["survey", "submitted_on"],
                               name="surveys_res_survey__03aa43_idx"),
        ),
        migrations.AlterField(
            model_name="survey",
            name="anonymous",
            field=models.BooleanField(default=True, help_text="Store no link between an answer and a person: who answered is kept apart from what was answered, and only the date of an answer is kept, not its time.", verbose_name="anonymous"),  # noqa: E501
        ),
        migrations.AlterField(
            model_name="survey",
            name="audience",
            field=models.CharField(choices=[("anyone", "Anyone (one answer per browser)"), ("citizens", "Logged-in citizens (one answer per citizen)"), ("link", "Holders of a one-time link")], default="citizens", help_text="\"Anyone\" suits opinion polls: answers are limited per browser, address and network, and bursts are marked suspicious, but a determined person can still answer more than once. For binding decisions and votes that matter, use logged-in citizens or one-time links.", max_length=20, verbose_name="who may answer"),  # noqa: E501
        ),
    ]

