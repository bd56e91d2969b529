# Tracking numbers are unique within a site: every town counts its reports from
# PR-<year>-000001. Numbers unique on the installation are unique per site too.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='report',
            name='tracking_number',
            field=models.CharField(max_length=32, verbose_name='tracking number'),
        ),
        migrations.AddConstraint(
            model_name='report',
            constraint=models.UniqueConstraint(fields=('site', 'tracking_number'), name='report_unique_tracking_number'),
        ),
    ]
