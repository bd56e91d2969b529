"""Campaigns on the casework desk: the declaration, send now / schedule / cancel through the
desk's services (audit log, translated refusals), the detail sections, two towns."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from wagtail.models import ModelLogEntry

from addons.core import registry
from addons.core.casework import queries
from addons.mailings import desk, sending, services
from addons.mailings.forms import ScheduleForm
from addons.mailings.models import CampaignStatus, Delivery
from tests.conftest import add_town

from .conftest import make_campaign

pytestmark = pytest.mark.django_db

EMAILS = ["ana@example.org", "bogdan@example.org"]


def declaration():
    _addon, casework = registry.casework_for("campaigns")
    return casework


@pytest.fixture
def sender(django_user_model):
    user = django_user_model.objects.create_user(username="sender", password="x",
                                                 email="sender@example.org")
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["access_admin", "view_campaign", "send_campaign"]))
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def viewer(django_user_model):
    user = django_user_model.objects.create_user(username="viewer", password="x",
                                                 email="viewer@example.org")
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["access_admin", "view_campaign"]))
    return django_user_model.objects.get(pk=user.pk)


def test_declaration_names_importable_services_forms_and_sections(site, profile):
    casework = declaration()
    assert casework.model == "mailings.Campaign" and not casework.assignable
    assert [a.key for a in casework.actions] == ["send_now", "schedule", "cancel"]
    for action in casework.actions:
        assert callable(import_string(action.service))
        assert callable(import_string(action.available))
        assert action.permission == "send"
    form_class = import_string(casework.actions[1].form)
    assert form_class is ScheduleForm
    model = queries.model_of(casework)
    for name in (*casework.list_display, *casework.list_filter, *casework.list_export):
        if name != "pk":
            model._meta.get_field(name)
    campaign = make_campaign(site, emails=EMAILS)
    html = "".join(
        render_to_string(section.template, import_string(section.get_context)(campaign, None))
        for section in casework.detail_sections)
    assert "Water off in Svitlohirsk" in html and "List-Unsubscribe-Post" in html
    assert "Recipients" in html and "Draft" in html


def test_send_now_through_the_desk_service_logs_the_start(site, profile, sender,
                                                          django_capture_on_commit_callbacks):
    campaign = make_campaign(site, emails=EMAILS)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.send_now(campaign, sender)
    assert result == "Sending to 2 recipients has started."
    assert len(mail.outbox) == 2
    entry = ModelLogEntry.objects.get(action=services.CAMPAIGN_STARTED)
    assert entry.user_id == sender.pk and entry.object_id == str(campaign.pk)
    assert entry.data["deliveries"] == 2
    campaign.refresh_from_db()
    assert not services.can_start(campaign)
    with pytest.raises(ValidationError) as error:
        services.send_now(campaign, sender)
    assert error.value.messages == ["This campaign was already sent or cancelled."]
    assert ModelLogEntry.objects.filter(action=services.CAMPAIGN_STARTED).count() == 1


def test_refusals_are_translated_and_change_nothing(site, profile, sender, viewer):
    empty = make_campaign(site)
    with pytest.raises(ValidationError) as error:
        services.send_now(empty, sender)
    assert "The list has no one to send to" in error.value.messages[0]
    with translation.override("uk"), pytest.raises(ValidationError) as error:
        services.send_now(make_campaign(site, emails=EMAILS), viewer)
    assert error.value.messages == ["Ви не можете надсилати масові розсилки."]
    assert not Delivery.objects.exists()
    assert not ModelLogEntry.objects.filter(action__startswith="mailings.").exists()


def test_schedule_form_reads_the_sites_time_zone_and_the_service_logs(site, profile, sender):
    campaign = make_campaign(site, emails=EMAILS)
    when = (timezone.now() + timedelta(days=2)).astimezone(ZoneInfo("Europe/Kyiv"))
    form = ScheduleForm({"when": when.strftime("%Y-%m-%dT%H:%M")}, record=campaign,
                        user=sender)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["when"] == when.replace(second=0, microsecond=0)
    assert services.schedule(campaign, sender, **form.cleaned_data) == (
        "The campaign is scheduled.")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SCHEDULED
    entry = ModelLogEntry.objects.get(action=services.CAMPAIGN_SCHEDULED)
    assert entry.user_id == sender.pk
    past = ScheduleForm({"when": "2001-01-01T10:00"}, record=campaign, user=sender)
    assert not past.is_valid()
    assert past.errors["when"] == ["Choose a time in the future."]
    with pytest.raises(ValidationError) as error:
        services.schedule(campaign, sender, when=timezone.now() - timedelta(minutes=1))
    assert error.value.message_dict == {"when": ["Choose a time in the future."]}


def test_cancel_through_the_desk_service_logs_it(site, profile, sender, monkeypatch,
                                                 django_capture_on_commit_callbacks):
    monkeypatch.setattr(sending, "enqueue", lambda pk: None)  # no worker yet
    campaign = make_campaign(site, emails=EMAILS)
    assert not services.can_cancel(campaign)
    with django_capture_on_commit_callbacks(execute=True):
        services.send_now(campaign, sender)
    campaign.refresh_from_db()
    assert services.can_cancel(campaign)
    assert services.cancel(campaign, sender) == (
        "The campaign is cancelled: 2 messages will not be sent.")
    entry = ModelLogEntry.objects.get(action=services.CAMPAIGN_CANCELLED)
    assert entry.user_id == sender.pk and entry.data["cancelled"] == 2
    with pytest.raises(ValidationError) as error:
        services.cancel(campaign, sender)
    assert error.value.messages == ["This campaign is already finished."]
    assert not mail.outbox


def test_the_scheduled_job_logs_its_start_without_a_user(site, profile, sender,
                                                         django_capture_on_commit_callbacks):
    campaign = make_campaign(site, emails=EMAILS)
    when = timezone.now() + timedelta(hours=1)
    services.schedule(campaign, sender, when=when)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.start_due(now=when + timedelta(seconds=1)) == 1
    entry = ModelLogEntry.objects.get(action=services.CAMPAIGN_STARTED)
    assert entry.user_id is None


def test_two_towns_scope_by_site_and_permission(site, profile, sender, django_user_model):
    town2 = add_town("town2.example")
    here = make_campaign(site, emails=EMAILS)
    there = make_campaign(town2, emails=EMAILS)
    casework = declaration()
    assert list(queries.scope(casework, sender, site)) == [here]
    assert list(queries.scope(casework, sender, town2)) == [there]
    moderator = django_user_model.objects.create_user(username="mod", password="x")
    moderator.user_permissions.add(Permission.objects.get(codename="access_admin"))
    assert not queries.scope(casework, moderator, site).exists()
    assert queries.scope(casework, sender, site).filter(queries.open_q(casework)).count() == 1


def test_detail_sections_in_the_sites_time_zone(site, profile):
    campaign = make_campaign(site, emails=EMAILS)
    campaign.scheduled_at = timezone.datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("UTC"))
    with translation.override("en"):
        html = render_to_string("mailings/casework/campaign.html",
                                desk.campaign_context(campaign))
    assert "12:00" in html or "noon" in html  # 09:00 UTC is 12:00 in Kyiv in summer
