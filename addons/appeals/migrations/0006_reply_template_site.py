"""Reply templates belong to a municipality: a template written for an addressee takes the
addressee's site; general templates stay offered in every municipality until an
administrator gives them one."""

import django.db.models.deletion
from django.db import migrations, models


def sites_from_addressees(apps, schema_editor):
    ReplyTemplate = apps.get_model("appeals", "ReplyTemplate")
    Site = apps.get_model("wagtailcore", "Site")
    Page = apps.get_model("wagtailcore", "Page")
    roots = [
        (path, site_id)
        for site_id, path in Site.objects.values_list("pk", "root_page__path")
        if path
    ]
    roots.sort(key=lambda item: len(item[0]), reverse=True)  # the deepest root first
    for template in ReplyTemplate.objects.filter(addressee__isnull=False, site__isnull=True):
        path = Page.objects.filter(pk=template.addressee_id).values_list("path", flat=True).first()
        for root, site_id in roots:
            if path and path.startswith(root):
                ReplyTemplate.objects.filter(pk=template.pk).update(site_id=site_id)
                break


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0005_applied_terms'),
        ('wagtailcore', '0098_apitoken'),
    ]

    operations = [
        migrations.AddField(
            model_name='replytemplate',
            name='site',
            field=models.ForeignKey(blank=True, help_text='The municipality whose staff may use it. Leave empty to offer it in every municipality of the installation.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='wagtailcore.site', verbose_name='municipality'),
        ),
        migrations.RunPython(sites_from_addressees, migrations.RunPython.noop),
    ]
