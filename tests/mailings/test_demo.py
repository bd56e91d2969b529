"""The demo mailings load twice without doubling and send nothing."""

import pytest
from django.core import mail

from addons.mailings.demo import load_demo
from addons.mailings.models import Campaign, Delivery, ListKind, RecipientList

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_sends_nothing(site, profile):
    from addons.queues.models import Queue

    Queue.objects.create(site=site, title="ЦНАП", letter="A")
    assert load_demo(site) == 2
    assert load_demo(site) == 0
    assert Campaign.objects.count() == 2
    dynamic = RecipientList.objects.get(kind=ListKind.DYNAMIC, segment="queues.visitors")
    assert dynamic.segment_value == str(Queue.objects.get().pk)
    assert RecipientList.objects.get(kind=ListKind.STATIC).members.count() == 5
    assert not Delivery.objects.exists() and not mail.outbox
