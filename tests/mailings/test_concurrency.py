"""On PostgreSQL: concurrent workers never share a delivery, and a worker killed with
SIGKILL in the middle of a campaign is resumed by another with nobody skipped and nobody
getting two different messages."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from addons.mailings import sending, services
from addons.mailings.models import Campaign, CampaignStatus, Delivery, DeliveryStatus

from .conftest import make_campaign, make_list, make_template
from .sink import Server

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.postgres,
]

ROOT = Path(__file__).resolve().parents[2]
COUNT = 600


@pytest.fixture
def big_campaign(site, profile, settings, monkeypatch):
    monkeypatch.setattr(sending, "enqueue", lambda pk: None)  # workers are started here
    settings.CIVICDESK_MAILINGS_RATE = 0
    settings.CIVICDESK_MAILINGS_BATCH = 25
    emails = [f"resident{n:04d}@example.org" for n in range(COUNT)]
    campaign = make_campaign(site, make_template(site), make_list(site, emails))
    services.start_campaign(campaign)
    return campaign, emails


def smtp_settings(settings, port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


def test_concurrent_workers_send_everyone_exactly_once(big_campaign, settings):
    campaign, emails = big_campaign
    with Server() as server:
        smtp_settings(settings, server.port)
        barrier = threading.Barrier(4)
        errors = []

        def worker():
            try:
                barrier.wait()
                sending.run_campaign(campaign.pk, seconds=120, requeue=False)
            except Exception as error:  # noqa: BLE001
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        tally = server.sink.tally(emails)
    assert errors == []
    assert tally["missing"] == 0 and tally["duplicates"] == 0 and tally["resent"] == 0
    assert tally["received"] == COUNT
    assert Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENT).count() == COUNT
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT


def _worker(campaign_id, port, lease):
    env = {**os.environ, "MAILINGS_SMTP_PORT": str(port), "MAILINGS_LEASE": str(lease),
           "MAILINGS_BATCH": "25", "DJANGO_SETTINGS_MODULE": "civicdesk.settings.test",
           "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
               **{k: connection.settings_dict[k] or "" for k in ("USER", "HOST", "PORT",
                                                                 "NAME")}),
           "PYTHONPATH": f"{ROOT / 'site'}:{ROOT}"}
    if connection.settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    return subprocess.Popen([sys.executable, "-m", "tests.mailings.worker", str(campaign_id)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_worker_killed_mid_campaign_is_resumed_without_gap_or_double(big_campaign):
    campaign, emails = big_campaign
    lease = 2.0
    with Server() as server:
        first = _worker(campaign.pk, server.port, lease)
        deadline = time.monotonic() + 60
        while server.sink.messages < COUNT // 3 + 7 and time.monotonic() < deadline:
            assert first.poll() is None, first.stderr.read().decode()[-2000:]
            time.sleep(0.005)
        first.send_signal(signal.SIGKILL)
        first.wait()
        at_kill = server.sink.messages
        assert 0 < at_kill < COUNT
        assert Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENDING).exists()
        time.sleep(lease + 0.5)  # the killed worker's lease runs out
        second = _worker(campaign.pk, server.port, lease)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err.decode()[-2000:]
        tally = server.sink.tally(emails)
    assert tally["missing"] == 0
    assert tally["duplicates"] == 0  # nobody got two different messages
    # the one message in flight at the kill may go out again, with the same Message-ID
    assert tally["resent"] <= 1
    assert tally["unexpected"] == 0
    assert Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.SENT).count() == COUNT
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT
