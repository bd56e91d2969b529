import itertools

import pytest
from django.utils import translation

from addons.core.models import SiteProfile
from addons.mailings.models import (
    Campaign,
    ListKind,
    ListMember,
    MailTemplate,
    MailTemplateVariant,
    RecipientList,
)

_counter = itertools.count()


@pytest.fixture(autouse=True)
def _english(client):
    """Messages are checked in English, in requests and in direct service calls."""
    client.cookies["civicdesk_language"] = "en"
    with translation.override("en"):
        yield client


@pytest.fixture
def profile(site):
    profile = SiteProfile.for_site(site)
    profile.municipality_name = "Svitlohirsk"
    profile.time_zone = "Europe/Kyiv"
    profile.save()
    return profile


def make_template(site, **variants):
    template = MailTemplate.objects.create(site=site, name=f"Template {next(_counter)}",
                                           default_language="en")
    variants = variants or {"en": ("Water off in {municipality}",
                                   "Dear {name},\nwater is off.\nUnsubscribe: {unsubscribe_url}")}
    for language, (subject, body) in variants.items():
        MailTemplateVariant.objects.create(template=template, language=language,
                                           subject=subject, body=body)
    return template


def make_list(site, emails=(), **kwargs):
    recipient_list = RecipientList.objects.create(site=site, name=f"List {next(_counter)}",
                                                  **{"kind": ListKind.STATIC, **kwargs})
    ListMember.objects.bulk_create(
        [ListMember(recipient_list=recipient_list, email=email, name=f"Person {n}")
         for n, email in enumerate(emails)])
    return recipient_list


def make_campaign(site, template=None, recipient_list=None, emails=(), **kwargs):
    return Campaign.objects.create(
        site=site, name=f"Campaign {next(_counter)}",
        template=template or make_template(site),
        recipient_list=recipient_list or make_list(site, emails),
        **kwargs,
    )


@pytest.fixture
def template(site, profile):
    return make_template(site)


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser(
        username="webmaster", email="webmaster@example.org", password="x")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """``services.start_campaign`` with its after-commit hand-over to the (synchronous)
    worker run, as a real commit would."""
    from addons.mailings import services

    def run(campaign, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.start_campaign(campaign, **kwargs)

    return run
