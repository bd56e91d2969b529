from datetime import timedelta

from django.utils import timezone

from addons.bulletins.models import Bulletin, Subscription

from .conftest import make_bulletin, make_subscription


def test_bulletin_copies_site_and_addressee_path(site, roads):
    bulletin = make_bulletin(roads)
    assert bulletin.site_id == site.pk
    assert bulletin.addressee_path == roads.path


def test_public_hides_drafts_expired_and_future(site, roads):
    shown = make_bulletin(roads, "Shown")
    make_bulletin(roads, "Draft", live=False)
    make_bulletin(roads, "Expired", expire_at=timezone.now() - timedelta(minutes=1))
    make_bulletin(roads, "Not yet").__class__.objects.filter(title="Not yet").update(
        first_published_at=None, live=False)
    assert list(Bulletin.objects.public(site)) == [shown]


def test_moving_an_addressee_carries_paths(site, catalog, committee, roads, parks):
    bulletin = make_bulletin(roads)
    subscription = make_subscription(site, addressee=roads, include_subtree=True)
    roads.refresh_from_db()
    roads.move(parks, pos="last-child")
    roads.refresh_from_db()
    bulletin.refresh_from_db()
    subscription.refresh_from_db()
    assert roads.path.startswith(parks.path)
    assert bulletin.addressee_path == roads.path
    assert subscription.addressee_path == roads.path


def test_confirmed_excludes_pending_and_ended(site):
    running = make_subscription(site, "a@example.org")
    make_subscription(site, "b@example.org", confirmed=False)
    make_subscription(site, "c@example.org", ended_at=timezone.now())
    assert list(Subscription.objects.confirmed()) == [running]
