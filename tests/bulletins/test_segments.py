from django.utils import timezone

from addons.bulletins import segments
from addons.core import registry
from addons.core.mass_email import Recipient

from .conftest import make_subscription


def test_segment_is_declared_for_mailings():
    addon, segment = registry.recipient_segments()["bulletins.addressee_subscribers"]
    assert addon.label == "bulletins"
    assert segment.resolve == "addons.bulletins.segments.subscribers"


def test_subscribers_of_an_addressee(site, citizen, committee, roads, parks):
    make_subscription(site, citizen.email, user=citizen, addressee=roads, language="uk")
    make_subscription(site, citizen.email, user=citizen, addressee=roads, category="news")
    make_subscription(site, "above@example.org", addressee=committee, include_subtree=True)
    make_subscription(site, "only-committee@example.org", addressee=committee)
    make_subscription(site, "parks@example.org", addressee=parks)
    make_subscription(site, "pending@example.org", addressee=roads, confirmed=False)
    make_subscription(site, "ended@example.org", addressee=roads, ended_at=timezone.now())
    found = list(segments.subscribers(site, str(roads.pk)))
    assert sorted(found, key=lambda r: r.email) == [
        Recipient(email="above@example.org"),
        Recipient(email=citizen.email, name=citizen.full_name, language="uk",
                  user_id=citizen.pk),
    ]
    assert list(segments.subscribers(site, "not-a-page")) == []


def test_choices_list_the_sites_addressees(site, committee, roads, parks):
    labels = [label.strip() for _value, label in segments.choices(site)]
    assert labels == ["Executive committee", "Roads department", "Parks enterprise"]
