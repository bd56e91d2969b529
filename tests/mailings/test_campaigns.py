"""Campaigns: materialised once, sent with List-Unsubscribe, reports, bad inputs."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from addons.core import mass_email
from addons.core.models import EmailSuppression
from addons.mailings import sending, services
from addons.mailings.models import (
    Campaign,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    Unsubscription,
)

from .conftest import make_campaign, make_list, make_template

pytestmark = pytest.mark.django_db
#: sending and cancelling cannot be undone: the desk asks to confirm
CONFIRM = {"confirm": "on"}

EMAILS = ["ana@example.org", "bogdan@example.org", "olga@example.org"]


def test_send_now_delivers_once_to_everyone_with_unsubscribe_headers(site, profile, settings,
                                                                     start):
    settings.DEFAULT_FROM_EMAIL = "City <news@city.example>"
    campaign = make_campaign(site, emails=EMAILS + ["ANA@example.org "])
    count = start(campaign)
    assert count == 3
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert sorted(m.to[0].rsplit("<", 1)[-1].strip(">") for m in mail.outbox) == EMAILS
    message = mail.outbox[0]
    delivery = Delivery.objects.get(email="ana@example.org")
    token = mass_email.unsubscribe_token("mailings", delivery.pk)
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<http://localhost/unsubscribe/{token}/>, <mailto:unsubscribe+{token}@city.example>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Message-ID"] == delivery.message_id
    assert message.subject == "Water off in Svitlohirsk"
    assert message.body.startswith("Dear Person ") and "\nwater is off." in message.body
    assert f"http://localhost/unsubscribe/{token}/" in message.body
    assert services.report(campaign) == {"total": 3, "queued": 0, "sent": 3, "failed": 0,
                                         "bounced": 0, "skipped": 0, "cancelled": 0,
                                         "unsubscribed": 0}
    with pytest.raises(services.MailingError, match="already sent"):
        start(campaign)
    assert Delivery.objects.filter(campaign=campaign).count() == 3


def test_each_recipient_gets_their_language(site, profile, start):
    template = make_template(site, en=("Hello", "Hi {name}"), uk=("Вітаємо", "Привіт, {name}"))
    recipient_list = make_list(site)
    recipient_list.members.create(email="u@example.org", name="Оля", language="uk")
    recipient_list.members.create(email="b@example.org", name="Ivo", language="bg")
    start(make_campaign(site, template, recipient_list))
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects == {"Оля <u@example.org>": "Вітаємо", "Ivo <b@example.org>": "Hello"}


def test_campaign_to_an_empty_list_is_refused(site, profile):
    campaign = make_campaign(site)
    with pytest.raises(services.MailingError, match="The list has no one to send to"):
        services.start_campaign(campaign)
    with pytest.raises(services.MailingError, match="The list has no one to send to"):
        services.schedule_campaign(campaign, timezone.now() + timedelta(hours=1))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    assert not Delivery.objects.exists() and not mail.outbox


def test_admin_send_of_empty_list_shows_the_message(staff_client, site, profile):
    campaign = make_campaign(site)
    response = staff_client.post(f"/admin/casework/campaigns/{campaign.pk}/action/send_now/",
                                 CONFIRM, follow=True)
    assert "The list has no one to send to" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_hard_bounced_addresses_are_skipped(site, profile, start):
    mass_email.record_bounce("bogdan@example.org", hard=True, reason="550")
    campaign = make_campaign(site, emails=EMAILS)
    start(campaign)
    assert {m.to[0] for m in mail.outbox} == {"Person 0 <ana@example.org>",
                                             "Person 2 <olga@example.org>"}
    assert Delivery.objects.get(email="bogdan@example.org").status == DeliveryStatus.SKIPPED
    assert services.report(campaign)["skipped"] == 1


def test_schedule_and_start_due(site, profile, django_capture_on_commit_callbacks):
    campaign = make_campaign(site, emails=EMAILS)
    with pytest.raises(services.MailingError, match="future"):
        services.schedule_campaign(campaign, timezone.now() - timedelta(minutes=1))
    when = timezone.now() + timedelta(hours=2)
    services.schedule_campaign(campaign, when)
    assert services.start_due(now=when - timedelta(minutes=1)) == 0
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        assert services.start_due(now=when + timedelta(seconds=1)) == 1
    assert len(mail.outbox) == 3
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT


def test_scheduled_campaign_whose_list_emptied_goes_back_to_draft(site, profile):
    campaign = make_campaign(site, emails=EMAILS)
    services.schedule_campaign(campaign, timezone.now() + timedelta(minutes=5))
    campaign.recipient_list.members.all().delete()
    services.start_due(now=timezone.now() + timedelta(minutes=6))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    assert "no one to send to" in campaign.note


def test_cancel_stops_what_was_not_sent(site, profile, monkeypatch, start):
    monkeypatch.setattr(sending, "enqueue", lambda pk: None)  # no worker yet
    campaign = make_campaign(site, emails=EMAILS)
    start(campaign)
    assert services.cancel_campaign(campaign) == 3
    assert sending.run_campaign(campaign.pk) == 0
    assert not mail.outbox
    assert services.report(campaign)["cancelled"] == 3


def test_one_click_unsubscribe_leaves_the_list(client, site, profile, start):
    campaign = make_campaign(site, emails=EMAILS)
    start(campaign)
    delivery = Delivery.objects.get(email="olga@example.org")
    token = mass_email.unsubscribe_token("mailings", delivery.pk)
    assert client.get(f"/unsubscribe/{token}/").status_code == 200
    assert not Unsubscription.objects.exists()  # GET changes nothing
    response = client.post(f"/unsubscribe/{token}/", "List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert b"no longer receive" in response.content
    assert Unsubscription.objects.get().email == "olga@example.org"
    assert services.report(campaign)["unsubscribed"] == 1
    mail.outbox.clear()
    start(make_campaign(site, campaign.template, campaign.recipient_list))
    assert {m.to[0] for m in mail.outbox} == {"Person 0 <ana@example.org>",
                                             "Person 1 <bogdan@example.org>"}


def test_refused_recipient_is_a_hard_bounce(site, profile, monkeypatch, start):
    import smtplib

    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages

    def refuse(self, messages):
        if "bogdan" in messages[0].to[0]:
            raise smtplib.SMTPRecipientsRefused({"bogdan@example.org": (550, b"no such user")})
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    campaign = make_campaign(site, emails=EMAILS)
    start(campaign)
    assert Delivery.objects.get(email="bogdan@example.org").status == DeliveryStatus.BOUNCED
    assert EmailSuppression.objects.get(email="bogdan@example.org").suppressed
    assert services.report(campaign)["sent"] == 2 and services.report(campaign)["bounced"] == 1


def test_server_down_requeues_and_nothing_is_lost(site, profile, monkeypatch, start):
    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages
    monkeypatch.setattr(EmailBackend, "send_messages",
                        lambda self, messages: (_ for _ in ()).throw(ConnectionRefusedError()))
    campaign = make_campaign(site, emails=EMAILS)
    start(campaign)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.QUEUED}
    monkeypatch.setattr(EmailBackend, "send_messages", real)
    sending.resume_stalled(now=timezone.now() + timedelta(minutes=10))
    assert len(mail.outbox) == 3
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENT


def test_campaign_page_shows_report_and_preview(staff_client, site, profile):
    campaign = make_campaign(site, emails=EMAILS)
    page = f"/admin/casework/campaigns/{campaign.pk}/"
    # the old address of the page leads to the desk
    assert staff_client.get(f"/admin/mailings/campaigns/{campaign.pk}/")["Location"] == page
    response = staff_client.get(page)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Water off in Svitlohirsk" in content and "List-Unsubscribe-Post" in content
    assert "Send now" in content
    response = staff_client.post(f"{page}action/schedule/", {"when": "2001-01-01T10:00"})
    assert "Choose a time in the future." in response.content.decode()
    assert 'value="2001-01-01T10:00"' in response.content.decode()
    staff_client.post(f"{page}action/send_now/", CONFIRM)
    content = staff_client.get(page).content.decode()
    assert "<dd>Sending</dd>" in content and "Send now" not in content
    assert "Cancel the campaign" in content


def test_sending_needs_the_permission(client, site, profile, django_user_model):
    from django.contrib.auth.models import Permission

    campaign = make_campaign(site, emails=EMAILS)
    user = django_user_model.objects.create_user(username="editor", email="e@example.org",
                                                 password="x")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"),
                              Permission.objects.get(codename="view_campaign"))
    client.force_login(user)
    page = f"/admin/casework/campaigns/{campaign.pk}/"
    assert client.get(page).status_code == 200
    client.post(f"{page}action/send_now/", CONFIRM)
    assert not Delivery.objects.exists()
    user.user_permissions.add(Permission.objects.get(codename="send_campaign"))
    user = django_user_model.objects.get(pk=user.pk)
    client.force_login(user)
    client.post(f"{page}action/send_now/", CONFIRM)
    assert Delivery.objects.count() == 3


def test_personal_data_and_anonymise(site, profile, django_user_model, start):
    from django.apps import apps

    from addons.mailings.apps import MailingsConfig

    user = django_user_model.objects.create_user(username="ana", email="ana@example.org",
                                                 password="x")
    campaign = make_campaign(site, emails=EMAILS)
    start(campaign)
    config = apps.get_app_config("mailings")
    assert isinstance(config, MailingsConfig)
    data = config.personal_data(user)
    assert data["lists"] == [campaign.recipient_list.name]
    assert data["mails"][0]["status"] == "sent"
    config.anonymise(user)
    assert not Delivery.objects.filter(email="ana@example.org").exists()
    assert services.report(campaign)["sent"] == 3


def test_unreachable_server_leaves_everything_queued(site, profile, monkeypatch, start):
    from django.core.mail.backends.locmem import EmailBackend

    def down(self):
        raise ConnectionRefusedError("no SMTP server")

    monkeypatch.setattr(EmailBackend, "open", down, raising=False)
    campaign = make_campaign(site, emails=EMAILS)
    start(campaign)
    assert not mail.outbox
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.QUEUED}
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.SENDING
