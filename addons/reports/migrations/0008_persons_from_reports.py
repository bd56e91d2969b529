from django.db import migrations


def forwards(apps, schema_editor):
    from addons.accounts.backfill import migrate_records

    migrate_records(apps, "reports", "Report",
                    site="site_id", name="reporter_name",
                    email="contact_email", phone="contact_phone", user="reporter_id")


class Migration(migrations.Migration):
    """The contacts typed on existing records become persons (running again makes none)."""

    dependencies = [
        ("reports", "0007_intake_source_and_pin"),
        ("accounts", "0003_persons"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
