import re

import pytest
from django.core import mail
from django.urls import reverse

from addons.bulletins import services
from addons.bulletins.models import Subscription

from .conftest import make_subscription

SUBSCRIBE = reverse("bulletins:subscribe")


def test_citizen_subscribes_to_a_filter_at_once(client, citizen, committee, roads):
    client.force_login(citizen)
    form = client.get(SUBSCRIBE, {"addressee": committee.pk, "subtree": "on",
                                  "category": "news", "tags": "roads"})
    assert form.status_code == 200
    assert "Executive committee and subordinate addressees" in form.content.decode()
    response = client.post(SUBSCRIBE, {"addressee": committee.pk, "subtree": "on",
                                       "category": "news", "tags": "roads",
                                       "frequency": "daily"})
    assert response.status_code == 302 and response.url == reverse("bulletins:subscriptions")
    subscription = Subscription.objects.get()
    assert subscription.user == citizen and subscription.email == citizen.email
    assert subscription.confirmed_at is not None and subscription.frequency == "daily"
    assert (subscription.addressee, subscription.include_subtree, subscription.category,
            subscription.tags, subscription.addressee_path) == (
        committee, True, "news", "roads", committee.path)
    assert mail.outbox == []  # a confirmed account address needs no second opt-in


def test_same_filter_twice_is_one_subscription(site, citizen, roads):
    spec = services.DigestFilter(addressee=roads)
    first = services.subscribe(site, spec, "daily", user=citizen)
    second = services.subscribe(site, spec, "weekly", user=citizen)
    assert first.pk == second.pk and Subscription.objects.get().frequency == "weekly"


def test_visitor_double_opt_in(client, roads, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SUBSCRIBE, {"addressee": roads.pk, "frequency": "weekly",
                                           "email": "Visitor@Example.org"})
    assert response.status_code == 200
    assert "We have sent a link to visitor@example.org" in response.content.decode()
    subscription = Subscription.objects.get()
    assert subscription.confirmed_at is None and subscription.user is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["visitor@example.org"]
    link = re.search(r"https?://\S+/bulletins/confirm/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[-1] if "testserver" in link else link
    # a mail scanner following the link confirms nothing
    page = client.get(path)
    assert page.status_code == 200 and "Confirm the subscription" in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None
    assert client.post(path).status_code == 200
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None


def test_malformed_email_is_refused_and_the_form_keeps_the_input(client, roads):
    response = client.post(SUBSCRIBE, {"addressee": roads.pk, "tags": "roads, snow",
                                       "q": "closure", "frequency": "weekly",
                                       "email": "olena@@example"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a valid email address." in body
    form = response.context["form"]
    assert form["email"].value() == "olena@@example"
    assert form["tags"].value() == "roads, snow" and form["q"].value() == "closure"
    assert form["frequency"].value() == "weekly"
    assert Subscription.objects.count() == 0 and mail.outbox == []


def test_email_with_spaces_inside_is_refused_by_the_service(site, roads):
    with pytest.raises(services.SubscriptionError) as caught:
        services.subscribe(site, services.DigestFilter(addressee=roads), "daily",
                           email="olena kovalenko@example.org")
    assert caught.value.field_name == "email"
    assert Subscription.objects.count() == 0


@pytest.mark.parametrize("token", ["forged", "MQ:1tXYZ:abcdefghijklmnopqrstuv"])
def test_forged_confirmation_link_confirms_nothing(client, site, token):
    subscription = make_subscription(site, confirmed=False)
    response = client.post(reverse("bulletins:confirm", args=[token]))
    assert response.status_code == 400
    assert "This confirmation link is not valid" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None


def test_cabinet_lists_changes_and_ends_own_subscriptions(client, site, citizen, make_user,
                                                         roads):
    mine = make_subscription(site, citizen.email, user=citizen, addressee=roads)
    other = make_subscription(site, "taras@example.org", user=make_user("taras"),
                              addressee=roads, query="secret words")
    client.force_login(citizen)
    cabinet = client.get(reverse("accounts:cabinet")).content.decode()
    assert "Roads department" in cabinet and "secret words" not in cabinet
    listing = client.get(reverse("bulletins:subscriptions")).content.decode()
    assert "Roads department" in listing and "secret words" not in listing
    assert client.post(reverse("bulletins:change", args=[mine.pk]),
                       {"frequency": "immediate"}).status_code == 302
    mine.refresh_from_db()
    assert mine.frequency == "immediate"
    # someone else's subscription does not exist for this citizen
    assert client.post(reverse("bulletins:end", args=[other.pk])).status_code == 404
    assert client.post(reverse("bulletins:end", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.ended_at is not None and other.ended_at is None


def test_subscriptions_page_needs_a_login(client, site):
    response = client.get(reverse("bulletins:subscriptions"))
    assert response.status_code == 302 and "login" in response.url


def test_personal_data_and_anonymise(site, citizen, roads):
    from django.apps import apps

    make_subscription(site, citizen.email, user=citizen, addressee=roads)
    config = apps.get_app_config("bulletins")
    data = config.personal_data(citizen)
    assert data["subscriptions"][0]["filter"] == "Roads department"
    config.anonymise(citizen)
    assert Subscription.objects.count() == 0


def test_a_visitor_cannot_send_confirmations_in_bulk(client, roads,
                                                    django_capture_on_commit_callbacks):
    from addons.bulletins import views

    limit = int(views.SUBSCRIBE_RATE.split("/")[0])
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(limit):
            assert client.post(SUBSCRIBE, {"addressee": roads.pk, "frequency": "daily",
                                           "email": f"v{n}@example.org"}).status_code == 200
        response = client.post(SUBSCRIBE, {"addressee": roads.pk, "frequency": "daily",
                                           "email": "one-too-many@example.org"})
    assert response.status_code == 429
    assert "several subscriptions in a short time" in response.content.decode()
    assert response.context["form"]["email"].value() == "one-too-many@example.org"
    assert len(mail.outbox) == limit
    assert not Subscription.objects.filter(email="one-too-many@example.org").exists()
