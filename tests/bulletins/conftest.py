import itertools
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.bulletins.models import Bulletin, Category, Subscription

_counter = itertools.count()


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Messages are checked in English, in requests and in direct service calls."""
    from django.core.cache import cache

    cache.clear()
    settings.LANGUAGE_CODE = "en"
    client.cookies["civicdesk_language"] = "en"
    with translation.override("en"):
        yield client


@pytest.fixture
def catalog(home):
    return home.add_child(instance=AddresseeCatalogPage(title="Addressees", slug="addressees"))


@pytest.fixture
def committee(catalog):
    return catalog.add_child(instance=AddresseePage(title="Executive committee",
                                                    slug="committee"))


@pytest.fixture
def roads(committee):
    return committee.add_child(instance=AddresseePage(title="Roads department", slug="roads"))


@pytest.fixture
def parks(catalog):
    return catalog.add_child(instance=AddresseePage(title="Parks enterprise", slug="parks"))


def make_bulletin(addressee, title="Road works on Main Street", *, category=Category.NEWS,
                  tags=(), published=None, body="<p>The street is closed.</p>", **extra):
    extra.setdefault("live", True)
    bulletin = Bulletin(addressee=addressee, title=title, category=category, body=body,
                        first_published_at=published or timezone.now(), **extra)
    bulletin.save()
    if tags:
        bulletin.tags.add(*tags)
        bulletin.save()
    return bulletin


@pytest.fixture
def make_user(django_user_model):
    def make(name=None, *, moderates=(), **extra):
        name = name or f"user{next(_counter)}"
        extra.setdefault("email", f"{name}@example.org")
        extra.setdefault("email_confirmed", True)
        extra.setdefault("full_name", name.title())
        user = django_user_model.objects.create_user(username=name, password="pw-12345-long",
                                                     **extra)
        for page in moderates:
            page.refresh_from_db()
            user.groups.add(page.moderators)
        return user

    return make


@pytest.fixture
def citizen(make_user):
    return make_user("olena")


def make_subscription(site, email="reader@example.org", *, frequency="daily", user=None,
                      confirmed=True, **fields):
    return Subscription.objects.create(
        site=site, email=email, user=user, frequency=frequency,
        confirmed_at=timezone.now() - timedelta(days=30) if confirmed else None,
        addressee_path=fields["addressee"].path if fields.get("addressee") else "", **fields)
