import itertools
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone, translation

from addons.core import calendars
from addons.core.models import SiteProfile
from addons.queues.models import Queue, QueueField, QueueService, WeeklySchedule

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
