"""The municipality's leadership moves to core's staffing setting (one setting for every
module). The choice made here fills the core setting only where it is still empty: the one
of appeals, when both were set, wins (its migration overwrites)."""

from django.db import migrations


def leadership_to_core(apps, schema_editor):
    ReportsSettings = apps.get_model("reports", "ReportsSettings")
    StaffingSettings = apps.get_model("core", "StaffingSettings")
    for row in ReportsSettings.objects.exclude(leadership=None):
        staffing, _created = StaffingSettings.objects.get_or_create(site_id=row.site_id)
        if staffing.leadership_id is None:
            staffing.leadership_id = row.leadership_id
            staffing.save(update_fields=["leadership"])


def leadership_back(apps, schema_editor):
    ReportsSettings = apps.get_model("reports", "ReportsSettings")
    StaffingSettings = apps.get_model("core", "StaffingSettings")
    for row in StaffingSettings.objects.exclude(leadership=None):
        ReportsSettings.objects.filter(site_id=row.site_id).update(
            leadership_id=row.leadership_id)


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0004_street_line"),
        ("core", "0010_staffing_settings"),
    ]

    operations = [
        migrations.RunPython(leadership_to_core, leadership_back),
        migrations.RemoveField(
            model_name="reportssettings",
            name="leadership",
        ),
    ]
