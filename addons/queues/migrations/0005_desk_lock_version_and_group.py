"""The desk moves into the admin: a version number on tickets for the desk's conflict check,
and the "Desk" group that gives specialists access to the admin (and nothing else)."""

from django.db import migrations, models

DESK_GROUP = "Desk"


def create_desk_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=DESK_GROUP)
    access = Permission.objects.filter(content_type__app_label="wagtailadmin",
                                       codename="access_admin").first()
    if access is not None:
        group.permissions.add(access)


class Migration(migrations.Migration):

    dependencies = [
        ("queues", "0004_place_address_and_reception_question"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="lock_version",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        # the group is left in place when going back: people may have been added to it
        migrations.RunPython(create_desk_group, migrations.RunPython.noop),
    ]
