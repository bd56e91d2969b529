from django.db import migrations


def forwards(apps, schema_editor):
    from addons.accounts.backfill import migrate_records

    migrate_records(apps, "queues", "Ticket",
                    site="queue__site_id", name="contact_name",
                    email="contact_email", phone="contact_phone", user="citizen_id")


class Migration(migrations.Migration):
    """The contacts typed on existing records become persons (running again makes none)."""

    dependencies = [
        ("queues", "0006_intake_source_and_pin"),
        ("accounts", "0003_persons"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
