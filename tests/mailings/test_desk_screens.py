"""Campaigns on the generated casework desk: the list for webmasters of the town, send and
cancel through the desk with the audit log, schedule's errors keep what was typed."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from wagtail.models import ModelLogEntry

from addons.mailings import sending, services
from addons.mailings.models import Campaign, CampaignStatus
from tests.conftest import add_town

from .conftest import make_campaign, make_template

pytestmark = pytest.mark.django_db
#: sending and cancelling cannot be undone: the desk asks to confirm
CONFIRM = {"confirm": "on"}
INDEX = "casework_campaigns:index"
EMAILS = ["ana@example.org", "bogdan@example.org"]


def action(campaign, key):
    return reverse("casework_campaigns:action", args=[campaign.pk, key])


@pytest.fixture
def sender(django_user_model):
    user = django_user_model.objects.create_user(username="sender", password="x",
                                                 email="sender@example.org", language="en")
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["access_admin", "view_campaign", "send_campaign"]))
    return user


def test_list_filters_and_record_page(client, site, profile, sender):
    town2 = add_town("town2.example")
    here = make_campaign(site, emails=EMAILS)
    there = make_campaign(town2, template=make_template(town2), emails=EMAILS)
    client.force_login(sender)
    response = client.get(reverse(INDEX), HTTP_HOST="localhost")
    html = response.content.decode()
    assert here.name in html and there.name not in html
    templates = list(response.context["filters"].filters["template"].queryset)
    assert templates == [here.template]
    page = client.get(reverse("casework_campaigns:inspect", args=[here.pk]),
                      HTTP_HOST="localhost").content.decode()
    assert "Water off in Svitlohirsk" in page and "Delivery report" in page
    assert "Send now" in page and action(here, "cancel") not in page
    assert client.get(reverse("casework_campaigns:inspect", args=[there.pk]),
                      HTTP_HOST="localhost").status_code == 404


def test_other_staff_have_no_campaign_desk(client, site, profile, django_user_model):
    make_campaign(site, emails=EMAILS)
    moderator = django_user_model.objects.create_user(username="mod", password="x")
    moderator.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(moderator)
    assert client.get(reverse(INDEX)).status_code in (302, 403)
    assert reverse(INDEX) not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_send_and_cancel_through_the_desk(client, site, profile, sender, monkeypatch):
    monkeypatch.setattr(sending, "enqueue", lambda pk: None)  # no worker yet
    campaign = make_campaign(site, emails=EMAILS)
    client.force_login(sender)
    response = client.post(action(campaign, "send_now"), CONFIRM, follow=True)
    assert "Sending to 2 recipients has started." in response.content.decode()
    response = client.post(action(campaign, "cancel"), CONFIRM, follow=True)
    assert "2 messages will not be sent" in response.content.decode()
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.CANCELLED
    actions = list(ModelLogEntry.objects.filter(object_id=str(campaign.pk))
                   .order_by("pk").values_list("action", "user_id"))
    assert actions == [(services.CAMPAIGN_STARTED, sender.pk),
                       (services.CAMPAIGN_CANCELLED, sender.pk)]
    # finished: nothing to do any more
    response = client.post(action(campaign, "cancel"), CONFIRM)
    assert "not available for this record now" in response.content.decode()


def test_schedule_refusal_keeps_what_was_typed(client, site, profile, sender):
    campaign = make_campaign(site, emails=EMAILS)
    client.force_login(sender)
    response = client.post(action(campaign, "schedule"), {"when": "2001-01-01T10:00"})
    html = response.content.decode()
    assert "Choose a time in the future." in html and 'value="2001-01-01T10:00"' in html
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT
    empty = make_campaign(site)
    response = client.post(action(empty, "send_now"), CONFIRM)
    assert "The list has no one to send to" in response.content.decode()


def test_viewer_without_the_send_permission_cannot_send(client, site, profile,
                                                        django_user_model):
    campaign = make_campaign(site, emails=EMAILS)
    viewer = django_user_model.objects.create_user(username="viewer", password="x",
                                                   language="en")
    viewer.user_permissions.add(*Permission.objects.filter(
        codename__in=["access_admin", "view_campaign"]))
    client.force_login(viewer)
    assert client.get(reverse("casework_campaigns:inspect", args=[campaign.pk])
                      ).status_code == 200
    response = client.post(action(campaign, "send_now"), CONFIRM)
    assert "You may not send mass-mail campaigns." in response.content.decode() or (
        response.status_code in (302, 403))
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT


def test_send_now_without_confirming_sends_nothing(client, site, profile, sender):
    campaign = make_campaign(site, emails=EMAILS)
    client.force_login(sender)
    response = client.post(action(campaign, "send_now"), {})
    assert response.status_code == 200
    assert Campaign.objects.get(pk=campaign.pk).status == CampaignStatus.DRAFT
    assert not ModelLogEntry.objects.filter(action=services.CAMPAIGN_STARTED).exists()
