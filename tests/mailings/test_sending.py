"""The worker: claims are leases, an interrupted worker resumes with no duplicate and no
gap, batches cost a fixed number of queries."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from addons.mailings import sending
from addons.mailings.models import Campaign, CampaignStatus, Delivery, DeliveryStatus

from .conftest import make_campaign

pytestmark = pytest.mark.django_db

EMAILS = [f"resident{n:03d}@example.org" for n in range(50)]


class Killed(BaseException):
    """What a SIGKILL looks like from inside: nothing after it runs (not even except)."""


@pytest.fixture
def campaign(site, profile, monkeypatch, settings):
    settings.CIVICDESK_MAILINGS_BATCH = 10
    settings.CIVICDESK_MAILINGS_RATE = 0
    settings.CIVICDESK_MAILINGS_LEASE_SECONDS = 60
    monkeypatch.setattr(sending, "enqueue", lambda pk: None)  # workers are started by hand
    from addons.mailings import services

    campaign = make_campaign(site, emails=EMAILS)
    services.start_campaign(campaign)
    return campaign


def sent_to():
    return [m.to[0].rsplit("<", 1)[-1].rstrip(">") for m in mail.outbox]


def test_worker_killed_mid_batch_resumes_without_duplicates_or_gaps(campaign, monkeypatch):
    real = EmailBackend.send_messages
    calls = {"n": 0}

    def dying(self, messages):
        calls["n"] += 1
        if calls["n"] == 23:  # in the middle of the third batch
            raise Killed
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", dying)
    with pytest.raises(Killed):
        sending.run_campaign(campaign.pk)
    assert len(mail.outbox) == 22
    leased = Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENDING)
    assert leased.count() == 8  # claimed, not sent: the lease keeps them from others
    # a worker started at once takes only the unclaimed rows
    monkeypatch.setattr(EmailBackend, "send_messages", real)
    sending.run_campaign(campaign.pk)
    assert len(mail.outbox) == 42
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENDING
    # after the lease the killed worker's rows go out too, once
    later = timezone.now() + timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    sending.resume_stalled(now=later)
    sending.run_campaign(campaign.pk)
    assert sorted(sent_to()) == EMAILS  # everyone, nobody twice
    assert Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENT).count() == 50
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT


def test_sent_rows_are_never_claimed_again(campaign):
    sending.run_campaign(campaign.pk)
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.SENDING)
    Delivery.objects.filter(campaign=campaign).update(claimed_at=timezone.now() -
                                                      timedelta(days=1))
    token, batch = sending.claim(campaign.pk, 100, now=timezone.now() + timedelta(days=1))
    assert batch == []
    assert len(mail.outbox) == 50


def test_two_claims_never_share_a_row(campaign):
    first_token, first = sending.claim(campaign.pk, 30)
    second_token, second = sending.claim(campaign.pk, 30)
    assert len(first) == 30 and len(second) == 20
    assert not {d.pk for d in first} & {d.pk for d in second}
    assert sending.claim(campaign.pk, 30)[1] == []


def test_claim_costs_a_fixed_number_of_queries(campaign, django_assert_num_queries):
    # expired leases, then queued ids; the conditional update; read the batch; plus the
    # savepoint and its release (the test runs inside a transaction)
    with django_assert_num_queries(6):
        _token, batch = sending.claim(campaign.pk, 10)
    assert len(batch) == 10


def test_rate_limits_messages_per_second(campaign, settings):
    import time

    Campaign.objects.filter(pk=campaign.pk).update(rate=100)
    started = time.monotonic()
    sending.run_campaign(campaign.pk)
    elapsed = time.monotonic() - started
    assert len(mail.outbox) == 50
    assert elapsed >= 0.45  # 50 messages at 100 per second


def test_task_hands_over_when_its_time_is_up(campaign, monkeypatch):
    queued = []
    monkeypatch.setattr(sending, "enqueue", queued.append)
    sending.run_campaign(campaign.pk, seconds=0)
    assert queued == [campaign.pk]
    assert Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.QUEUED).count() == 50


def test_cancel_also_ends_a_killed_workers_claims(campaign, monkeypatch):
    from addons.mailings import services

    sending.claim(campaign.pk, 10)  # a worker took ten rows and died
    later = timezone.now() + timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert services.cancel_campaign(campaign) == 50
    assert not Delivery.objects.filter(campaign=campaign, status__in=[
        DeliveryStatus.QUEUED, DeliveryStatus.SENDING]).exists()
    assert sending.run_campaign(campaign.pk) == 0 and not mail.outbox
