from django.db import migrations


def forwards(apps, schema_editor):
    from addons.accounts.backfill import migrate_records

    migrate_records(apps, "appeals", "Appeal",
                    site="site_id", name="applicant_name",
                    email="applicant_email", phone="applicant_phone", user="author_id")


class Migration(migrations.Migration):
    """The contacts typed on existing records become persons (running again makes none)."""

    dependencies = [
        ("appeals", "0011_intake_source_and_pin"),
        ("accounts", "0003_persons"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
