"""A campaign worker in its own process, to be killed (SIGKILL) in the middle:
``python -m tests.mailings.worker <campaign id>`` with DJANGO_SETTINGS_MODULE and the
database in the environment, MAILINGS_SMTP_PORT the sink's port, MAILINGS_LEASE the lease
in seconds and MAILINGS_BATCH the batch size."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(campaign_id: int) -> int:
    sys.path[:0] = [str(ROOT / "site"), str(ROOT)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicdesk.settings.test")
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = int(os.environ["MAILINGS_SMTP_PORT"])
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.CIVICDESK_MAILINGS_LEASE_SECONDS = float(os.environ.get("MAILINGS_LEASE", "300"))
    settings.CIVICDESK_MAILINGS_BATCH = int(os.environ.get("MAILINGS_BATCH", "100"))
    settings.CIVICDESK_MAILINGS_RATE = float(os.environ.get("MAILINGS_RATE", "0"))
    from addons.mailings import sending

    sent = sending.run_campaign(campaign_id, seconds=3600, requeue=False)
    print(sent, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
