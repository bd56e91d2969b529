"""Upgrading removes the e-mail co-signatures and follows that nobody confirmed."""

import importlib

import pytest
from django.apps import apps as django_apps

from addons.reports.models import CoSign, Report, Subscription

migration = importlib.import_module("addons.reports.migrations.0003_drop_unconfirmed_email_follows")


@pytest.mark.django_db
def test_unconfirmed_email_cosigns_and_follows_are_removed(make_report, other_citizen):
    report = make_report()
    CoSign.objects.create(report=report, email="made-up-1@evil.example")
    CoSign.objects.create(report=report, email="made-up-2@evil.example")
    CoSign.objects.create(report=report, user=other_citizen)
    Subscription.objects.create(report=report, email="outsider@evil.example")
    Subscription.objects.create(report=report, user=other_citizen)
    Report.objects.filter(pk=report.pk).update(cosign_count=3)

    migration.drop_unconfirmed(django_apps, None)

    report.refresh_from_db()
    assert report.cosign_count == 1
    assert not CoSign.objects.filter(report=report, user__isnull=True).exists()
    assert CoSign.objects.filter(report=report, user=other_citizen).exists()
    assert not Subscription.objects.filter(report=report, user__isnull=True).exists()
    assert Subscription.objects.filter(report=report, user=other_citizen).exists()
