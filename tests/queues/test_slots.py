from datetime import date, time, timedelta

from addons.queues import services
from addons.queues.models import ExceptionKind, QueueService, ScheduleException, WeeklySchedule

from .conftest import at, working_day


def starts(queue, service, day):
    return [s.astimezone(services.queue_timezone(queue)).strftime("%H:%M")
            for s, _e, _f in services.free_slots(queue, service, day)]


def test_weekly_schedule_with_break(queue, service, day):
    assert starts(queue, service, day) == ["09:00", "09:30", "10:00", "10:30", "11:30",
                                          "12:00", "12:30"]
    start, end, free = services.free_slots(queue, service, day)[0]
    assert end - start == timedelta(minutes=30) and free == 1


def test_service_of_two_slots_does_not_cross_break(queue, day):
    long = QueueService.objects.create(queue=queue, name="Long", duration_slots=2)
    assert starts(queue, long, day) == ["09:00", "09:30", "10:00", "11:30", "12:00"]


def test_capacity_and_taken(queue, service, day, citizen):
    queue.capacity = 3
    queue.save()
    services.book(queue, service, citizen, at(day, 9))
    slots = services.free_slots(queue, service, day)
    assert slots[0][2] == 2 and slots[1][2] == 3


def test_valid_from_until(queue, service, day):
    WeeklySchedule.objects.filter(queue=queue).update(valid_until=day - timedelta(days=1))
    assert services.free_slots(queue, service, day) == []


def test_whole_day_exceptions(queue, service, day):
    for kind in (ExceptionKind.CLOSED, ExceptionKind.VACATION, ExceptionKind.SICK_LEAVE):
        exception = ScheduleException.objects.create(queue=queue, date=day, kind=kind)
        assert services.free_slots(queue, service, day) == []
        exception.delete()
    assert services.free_slots(queue, service, day)


def test_partial_closure_and_extra_hours(queue, service, day):
    ScheduleException.objects.create(queue=queue, date=day, kind=ExceptionKind.SICK_LEAVE,
                                     start=time(9), end=time(10))
    ScheduleException.objects.create(queue=queue, date=day, kind=ExceptionKind.EXTRA,
                                     start=time(15), end=time(16))
    assert starts(queue, service, day) == ["10:00", "10:30", "11:30", "12:00", "12:30",
                                          "15:00", "15:30"]


def _next_christmas(queue):
    today = services.local_today(queue)
    christmas = date(today.year, 12, 25)
    return christmas if christmas > today + timedelta(days=1) else date(today.year + 1, 12, 25)


def test_public_holiday_of_the_sites_jurisdiction_is_closed(queue, service):
    queue.horizon_days = 400
    queue.save()
    christmas = _next_christmas(queue)
    assert services.free_slots(queue, service, christmas) == []
    assert services.free_slots(queue, service, christmas - timedelta(days=2))
    queue.holidays_closed = False
    queue.save()
    assert services.free_slots(queue, service, christmas)


def test_extra_hours_open_a_holiday(queue, service):
    queue.horizon_days = 400
    queue.save()
    christmas = _next_christmas(queue)
    ScheduleException.objects.create(queue=queue, date=christmas, kind=ExceptionKind.EXTRA,
                                     start=time(10), end=time(11))
    assert starts(queue, service, christmas) == ["10:00", "10:30"]


def test_horizon_and_notice(queue, service):
    assert services.free_slots(queue, service, working_day(queue.horizon_days + 1)) == []
    past = services.local_today(queue) - timedelta(days=1)
    assert services.free_slots(queue, service, past) == []
    today = services.free_slots(queue, service, services.local_today(queue))
    assert all(s >= services.earliest_start(queue) for s, _e, _f in today)


def test_free_days_constant_queries(queue, service, django_assert_max_num_queries, citizen):
    today = services.local_today(queue)
    services.book(queue, service, citizen, at(working_day(), 9))
    with django_assert_max_num_queries(5):
        days = services.free_days(queue, service, today, today + timedelta(days=60))
    assert len(days) >= 50
    assert all(count > 0 for _d, count in days)
    assert days[-1][0] <= services.last_bookable_day(queue)


def test_full_day_not_in_free_days(queue, service, day, make_citizen):
    queue.max_active_tickets = 10
    queue.save()
    for start, _end, _free in services.free_slots(queue, service, day):
        services.book(queue, service, make_citizen(), start)
    days = dict(services.free_days(queue, service, day, day + timedelta(days=1)))
    assert day not in days and day + timedelta(days=1) in days
