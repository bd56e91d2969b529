"""Co-signatures and follows by e-mail count only once the address has confirmed its link.
Those stored before confirmation existed were never confirmed: they are removed, and the
co-signature counts of their reports are counted again. Follows and co-signatures of
citizens with an account stay."""

from django.db import migrations
from django.db.models import Count, Q


def drop_unconfirmed(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    CoSign = apps.get_model("reports", "CoSign")
    Subscription = apps.get_model("reports", "Subscription")
    Subscription.objects.filter(user__isnull=True).exclude(email="").delete()
    email_only = CoSign.objects.filter(user__isnull=True).exclude(email="")
    touched = set(email_only.values_list("report_id", flat=True))
    email_only.delete()
    counts = (
        Report.objects.filter(pk__in=touched)
        .annotate(n=Count("cosigns", filter=Q(cosigns__isnull=False)))
        .values_list("pk", "n")
    )
    for pk, n in counts:
        Report.objects.filter(pk=pk).update(cosign_count=n)


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_tracking_number_unique_per_site")]

    operations = [migrations.RunPython(drop_unconfirmed, migrations.RunPython.noop)]
