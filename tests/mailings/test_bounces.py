"""Bounces from the webhook and from a mailbox; mailed unsubscribes."""

import json
import mailbox
from email.message import EmailMessage

import pytest
from django.core import mail
from django.core.management import call_command

from addons.core import mass_email
from addons.core.models import EmailSuppression
from addons.mailings import services
from addons.mailings.models import Delivery, DeliveryStatus, Unsubscription

from .conftest import make_campaign

pytestmark = pytest.mark.django_db

EMAILS = ["ana@example.org", "bogdan@example.org"]
URL = "/mailings/bounces/"


@pytest.fixture
def sent(site, profile, start):
    campaign = make_campaign(site, emails=EMAILS)
    start(campaign)
    return campaign


def post(client, payload, secret="s3cret"):
    return client.post(URL, json.dumps(payload), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_webhook_records_hard_and_soft_bounces(client, settings, sent):
    settings.CIVICDESK_MAILINGS_WEBHOOK_SECRET = "s3cret"
    delivery = Delivery.objects.get(email="ana@example.org")
    response = post(client, {"events": [
        {"email": "ana@example.org", "type": "hard", "reason": "550 5.1.1 unknown",
         "message_id": delivery.message_id},
        {"email": "bogdan@example.org", "type": "soft", "reason": "452 mailbox full"},
    ]})
    assert response.status_code == 200
    assert response.json() == {"recorded": 2, "errors": []}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.BOUNCED
    assert mass_email.is_suppressed("ana@example.org")
    assert not mass_email.is_suppressed("bogdan@example.org")
    assert services.report(sent)["bounced"] == 1
    # the next campaign skips the hard-bounced address
    mail.outbox.clear()
    from .conftest import make_campaign as again

    campaign = again(sent.site, sent.template, sent.recipient_list)
    services.start_campaign(campaign)
    from addons.mailings import sending

    sending.run_campaign(campaign.pk)
    assert [m.to[0] for m in mail.outbox] == ["Person 1 <bogdan@example.org>"]


def test_webhook_refuses_a_wrong_secret_and_bad_json(client, settings, sent):
    settings.CIVICDESK_MAILINGS_WEBHOOK_SECRET = "s3cret"
    assert post(client, {"email": "ana@example.org"}, secret="guess").status_code == 403
    assert client.post(URL, "{not json", content_type="application/json",
                       HTTP_AUTHORIZATION="Bearer s3cret").status_code == 400
    response = post(client, [{"email": "not an email"}, {"email": "ana@example.org",
                                                         "type": "weird"}])
    assert response.status_code == 400
    assert [e["index"] for e in response.json()["errors"]] == [0, 1]
    assert not EmailSuppression.objects.exists()


def test_webhook_is_off_without_a_secret(client, settings, sent):
    settings.CIVICDESK_MAILINGS_WEBHOOK_SECRET = ""
    assert post(client, {"email": "ana@example.org"}, secret="").status_code == 404


def dsn(recipient, status, original_id):
    """A delivery status notification (RFC 3464) as an MTA sends it."""
    from email import message_from_string

    return message_from_string(f"""From: MAILER-DAEMON@mx.example.org
To: bounces@city.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; {recipient}
Action: failed
Status: {status}
Diagnostic-Code: smtp; {status[0]}50 {status} user unknown

--B
Content-Type: text/rfc822-headers

Message-ID: {original_id}
To: {recipient}
Subject: Water off

--B--
""")


def test_mailbox_reader_records_bounces_and_unsubscribes(tmp_path, sent, settings):
    settings.DEFAULT_FROM_EMAIL = "City <news@city.example>"
    ana = Delivery.objects.get(email="ana@example.org")
    bogdan = Delivery.objects.get(email="bogdan@example.org")
    path = tmp_path / "bounces.mbox"
    box = mailbox.mbox(str(path))
    box.add(dsn("ana@example.org", "5.1.1", ana.message_id))
    box.add(dsn("bogdan@example.org", "4.2.2", bogdan.message_id))
    unsubscribe = EmailMessage()
    unsubscribe["From"] = "bogdan@example.org"
    unsubscribe["To"] = mass_email.unsubscribe_mailto(
        mass_email.unsubscribe_token("mailings", bogdan.pk))
    unsubscribe["Subject"] = "unsubscribe"
    box.add(unsubscribe)
    forged = EmailMessage()
    forged["To"] = "unsubscribe+forged.token@city.example"
    box.add(forged)
    box.flush()
    box.close()
    from io import StringIO

    out = StringIO()
    call_command("read_bounces", mbox=str(path), delete=True, stdout=out)
    assert out.getvalue().strip() == "bounces: 2, unsubscribes: 1, other messages: 1"
    ana.refresh_from_db()
    assert ana.status == DeliveryStatus.BOUNCED
    assert mass_email.is_suppressed("ana@example.org")
    assert EmailSuppression.objects.get(email="bogdan@example.org").soft_bounces == 1
    assert Unsubscription.objects.get().email == "bogdan@example.org"
    assert len(mailbox.mbox(str(path))) == 0


def test_read_bounces_without_a_mailbox_says_so(settings):
    from django.core.management.base import CommandError

    settings.CIVICDESK_MAILINGS_IMAP = None
    with pytest.raises(CommandError):
        call_command("read_bounces")
    with pytest.raises(CommandError):
        call_command("read_bounces", mbox="/nonexistent/box")
