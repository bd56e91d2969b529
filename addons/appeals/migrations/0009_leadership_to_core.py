"""The municipality's leadership moves to core's staffing setting (one setting for every
module). Appeals' choice wins over the one of problem reports (whose migration fills the
core setting only when it is still empty)."""

from django.db import migrations


def leadership_to_core(apps, schema_editor):
    AppealsSettings = apps.get_model("appeals", "AppealsSettings")
    StaffingSettings = apps.get_model("core", "StaffingSettings")
    for row in AppealsSettings.objects.exclude(leadership=None):
        StaffingSettings.objects.update_or_create(
            site_id=row.site_id, defaults={"leadership_id": row.leadership_id})


def leadership_back(apps, schema_editor):
    AppealsSettings = apps.get_model("appeals", "AppealsSettings")
    StaffingSettings = apps.get_model("core", "StaffingSettings")
    for row in StaffingSettings.objects.exclude(leadership=None):
        AppealsSettings.objects.filter(site_id=row.site_id).update(
            leadership_id=row.leadership_id)


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0008_content_translations"),
        ("core", "0010_staffing_settings"),
    ]

    operations = [
        migrations.RunPython(leadership_to_core, leadership_back),
        migrations.RemoveField(
            model_name="appealssettings",
            name="leadership",
        ),
    ]
