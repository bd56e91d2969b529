import itertools
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone, translation

from addons.addressees.models import AddresseeCatalogPage, AddresseePage, Specialist
from addons.core import calendars
from addons.core.models import SiteProfile
from addons.queues.models import (
    Queue,
    QueueField,
    QueueService,
    Ticket,
    TicketStatus,
    WeeklySchedule,
)

TZ_NAME = "Europe/Bucharest"
_counter = itertools.count()


@pytest.fixture(autouse=True)
def _clean(private_storage):
    """Every test here gets its own private storage and an empty cache."""
    return private_storage


@pytest.fixture(autouse=True)
def _english(client):
    """Messages are checked in English: in requests (the cookie) and in direct service
    calls (whatever language an earlier request left active in this thread)."""
    client.cookies["civicdesk_language"] = "en"
    with translation.override("en"):
        yield client


def make_queue(site, **kwargs):
    profile = SiteProfile.for_site(site)
    profile.jurisdiction = "ro"
    profile.time_zone = TZ_NAME
    profile.save()
    options = {"title": "Civil registry", "slot_minutes": 30, "capacity": 1,
               "min_notice_hours": 1, "horizon_days": 60, "max_active_tickets": 1,
               "no_show_limit": 2, "no_show_block_days": 30, "letter": "A",
               "place": "Str. Ștefan cel Mare 1, room 5"}
    options.update(kwargs)
    queue = Queue.objects.create(site=site, **options)
    for weekday in range(7):
        WeeklySchedule.objects.create(queue=queue, weekday=weekday, start=time(9),
                                      end=time(13), break_start=time(11),
                                      break_end=time(11, 30))
    return queue


@pytest.fixture
def queue(site):
    return make_queue(site)


@pytest.fixture
def service(queue):
    return QueueService.objects.create(queue=queue, name="Birth certificate",
                                       documents="Passport")


@pytest.fixture
def field(queue):
    return QueueField.objects.create(queue=queue, label="Reason", required=True)


@pytest.fixture
def make_citizen(django_user_model):
    def make(**kwargs):
        n = next(_counter)
        options = {"username": f"citizen{n}", "email": f"citizen{n}@example.org",
                   "full_name": "Ștefan Țurcanu", "phone": "+37360000000"}
        options.update(kwargs)
        return django_user_model.objects.create_user(password="pw-12345-long", **options)

    return make


@pytest.fixture
def citizen(make_citizen):
    return make_citizen()


def site_today():
    """Today in the site's time zone (the desk's "today")."""
    from zoneinfo import ZoneInfo

    return timezone.now().astimezone(ZoneInfo(TZ_NAME)).date()


def working_day(offset=3):
    """A local date ``offset`` days ahead that is not a Romanian public holiday."""
    from zoneinfo import ZoneInfo

    day = timezone.now().astimezone(ZoneInfo(TZ_NAME)).date() + timedelta(days=offset)
    while calendars.is_public_holiday(day, "ro"):
        day += timedelta(days=1)
    return day


def at(day, hour, minute=0):
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(TZ_NAME))


@pytest.fixture
def day():
    return working_day()


# --- the desk: an addressee with its staff, and tickets written directly -------------------

_seq = itertools.count(1)


@pytest.fixture
def catalog(home):
    return home.add_child(instance=AddresseeCatalogPage(title="Addressees", slug="addressees"))


@pytest.fixture
def addressee(catalog):
    return catalog.add_child(instance=AddresseePage(title="Civil registry office",
                                                    slug="registry"))


@pytest.fixture
def other_addressee(catalog):
    return catalog.add_child(instance=AddresseePage(title="Parks department", slug="parks"))


@pytest.fixture
def desk_queue(queue, addressee):
    queue.addressee = addressee
    queue.save()
    return queue


def _staff(make_citizen, page=None, **extra):
    user = make_citizen(**extra)
    if page is not None:
        page.refresh_from_db()
        user.groups.add(page.moderators)
    return user


@pytest.fixture
def moderator(make_citizen, addressee):
    return _staff(make_citizen, addressee, full_name="Registry Moderator")


@pytest.fixture
def other_moderator(make_citizen, other_addressee):
    return _staff(make_citizen, other_addressee, full_name="Parks Moderator")


@pytest.fixture
def specialist(make_citizen, addressee):
    user = make_citizen(full_name="Ana Specialist")
    Specialist.objects.create(page=addressee, name="Ana", user=user)
    return user


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="root", email="root@example.org", password="pw-12345-long")


@pytest.fixture
def make_ticket(desk_queue, service, citizen):
    """A ticket written directly (times in the past or today are allowed here)."""

    def make(start=None, status=TicketStatus.BOOKED, owner=None, queue=None):
        queue = queue or desk_queue
        start = start or at(site_today(), 12)
        seq = next(_seq)
        return Ticket.objects.create(
            queue=queue, service=service if queue == desk_queue else None,
            service_name=service.name, citizen=owner or citizen, start=start,
            end=start + timedelta(minutes=queue.slot_minutes),
            day=timezone.localdate(start, timezone=at(site_today(), 0).tzinfo), seq=seq,
            number=f"{queue.letter}-{seq:03d}",
            status=status, answers={"Reason": "Birth of a child"},
        )

    return make


