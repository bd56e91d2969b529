"""Deputies' receptions: the monthly rule, its prolongation, the public page and feed,
booking a reception, cancelling one date."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil.relativedelta import TH, relativedelta
from django.core.exceptions import ValidationError
from django.urls import reverse

from addons.addressees.models import AddresseeGroup, AddresseePage
from addons.core.models import Notification
from addons.queues import receptions, services
from addons.queues.models import ExceptionKind, QueueService, Ticket, TicketStatus

from .conftest import at, make_queue, working_day

pytestmark = pytest.mark.django_db


RULE = "RRULE:FREQ=MONTHLY;BYDAY=+1TH"
PAGE = "/queues/receptions/"


def first_thursday_from(day: date) -> date:
    """The first "first Thursday of a month" on or after ``day`` (not a RO holiday)."""
    candidate = day + relativedelta(day=1, weekday=TH(+1))
    while candidate < day or not receptions.occurrences(RULE, candidate, candidate, candidate,
                                                        "ro"):
        candidate = (candidate + relativedelta(months=1)).replace(day=1)
        candidate += relativedelta(weekday=TH(+1))
    return candidate


@pytest.fixture
def deputies_group():
    return AddresseeGroup.objects.create(name="District 3", slug="district-3")


def _deputy(catalog, title, slug, group=None):
    page = catalog.add_child(instance=AddresseePage(title=title, slug=slug, kind="deputy"))
    if group is not None:
        page.groups.add(group)
        page.save()
    return page


@pytest.fixture
def deputy(catalog, deputies_group):
    return _deputy(catalog, "Deputy Ion Popescu", "popescu", deputies_group)


@pytest.fixture
def reception_queue(site, deputy):
    queue = make_queue(site, title="Reception of citizens", addressee=deputy,
                       slot_minutes=20, capacity=1, place="City hall, room 12",
                       horizon_days=120)
    queue.schedules.all().delete()  # a deputy receives only on the rule's dates
    QueueService.objects.create(queue=queue, name="Personal reception")
    return queue


@pytest.fixture
def first(reception_queue):
    return first_thursday_from(working_day(3))


@pytest.fixture
def scheduled(reception_queue, first):
    receptions.set_schedule(reception_queue, RULE, first, time(15), time(17))
    return reception_queue


# --- the rule -----------------------------------------------------------------------------


def test_first_thursday_of_each_month():
    days = receptions.occurrences(RULE, date(2027, 2, 1), date(2027, 2, 1), date(2027, 6, 30))
    assert days == [date(2027, 2, 4), date(2027, 3, 4), date(2027, 4, 1), date(2027, 5, 6),
                    date(2027, 6, 3)]
    assert receptions.occurrences("FREQ=MONTHLY;BYDAY=+1TH", date(2027, 2, 1),
                                  date(2027, 3, 1), date(2027, 3, 31)) == [date(2027, 3, 4)]


def test_public_holidays_are_skipped():
    # 7 January 2027 is the first Thursday and a Romanian public holiday (St John)
    days = receptions.occurrences(RULE, date(2027, 1, 1), date(2027, 1, 1), date(2027, 2, 28),
                                  "ro")
    assert days == [date(2027, 2, 4)]


@pytest.mark.parametrize("rule", ["", "hello", "RRULE:FREQ=SOMETIMES", "BYDAY=+1TH",
                                  "FREQ=MONTHLY;BYDAY=+9XX"])
def test_bad_rule_refused(rule, reception_queue):
    with pytest.raises(ValidationError):
        receptions.occurrences(rule, date(2027, 1, 1), date(2027, 1, 1), date(2027, 3, 1))
    with pytest.raises(ValidationError):
        receptions.set_schedule(reception_queue, rule, date(2027, 1, 1), time(15), time(17))
    assert not reception_queue.exceptions.exists()
    assert not reception_queue.reception_rules.exists()


def test_hours_must_be_in_order(reception_queue):
    with pytest.raises(ValidationError):
        receptions.set_schedule(reception_queue, RULE, date(2027, 1, 7), time(17), time(15))


# --- prolongation -------------------------------------------------------------------------


def test_prolonged_over_the_horizon(scheduled, first):
    today = services.local_today(scheduled)
    horizon = today + timedelta(days=scheduled.horizon_days)
    dates = sorted(scheduled.exceptions.filter(kind=ExceptionKind.EXTRA, generated=True)
                   .values_list("date", flat=True))
    expected = receptions.occurrences(RULE, first, today, horizon, "ro")
    assert dates == expected and first in dates
    assert receptions.prolong(scheduled) == 0  # idempotent
    # a month later the horizon has moved: the next reception is written
    later = today + timedelta(days=31)
    added = receptions.prolong(scheduled, today=later)
    new_dates = receptions.occurrences(RULE, first, horizon + timedelta(days=1),
                                       later + timedelta(days=scheduled.horizon_days), "ro")
    assert added == len(new_dates) >= 1


def test_job_prolongs_every_rule(scheduled, first):
    from addons.core.registry import addons

    jobs = {job.name: job.func for addon in addons() for job in addon.scheduled_jobs}
    assert jobs["queues.prolong_receptions"] == "addons.queues.receptions.prolong_all"
    written = scheduled.exceptions.filter(generated=True)
    expected = written.count()
    written.delete()
    assert receptions.prolong_all() == expected
    today = services.local_today(scheduled)
    dates = set(scheduled.exceptions.values_list("date", flat=True))
    assert dates == set(receptions.occurrences(
        RULE, first, today, today + timedelta(days=scheduled.horizon_days), "ro"))


# --- public page, feed, booking -----------------------------------------------------------


def test_reception_listed_and_bookable(client, scheduled, first, deputy, citizen):
    response = client.get(PAGE)
    assert response.status_code == 200
    content = response.content.decode()
    assert deputy.title in content and "City hall, room 12" in content
    assert f"/queues/{scheduled.pk}/?day={first.isoformat()}" in content
    service = scheduled.services.get()
    slots = services.free_slots(scheduled, service, first)
    assert [s.astimezone(services.queue_timezone(scheduled)).time() for s, _e, _f in slots][:2] \
        == [time(15), time(15, 20)]
    assert len(slots) == 6
    ticket = services.book(scheduled, service, citizen, at(first, 15, 20),
                           question="The yard lights")
    assert ticket.status == TicketStatus.BOOKED and ticket.day == first


def test_weekday_outside_the_rule_is_not_bookable(scheduled, first, citizen):
    service = scheduled.services.get()
    other_day = first + timedelta(days=1)
    assert services.free_slots(scheduled, service, other_day) == []
    with pytest.raises(services.OutsideSchedule):
        services.book(scheduled, service, citizen, at(other_day, 15), question="Q")


def test_filters(client, scheduled, catalog, site, first, deputy, deputies_group):
    other = _deputy(catalog, "Deputy Maria Ionescu", "ionescu")
    other_queue = make_queue(site, title="Reception", addressee=other)
    other_queue.schedules.all().delete()
    receptions.set_schedule(other_queue, RULE, first, time(10), time(12))
    content = client.get(PAGE).content.decode()
    assert deputy.title in content and other.title in content
    only = client.get(PAGE, {"deputy": other.pk}).content.decode()
    assert other.title in only and "Ion Popescu</h2>" not in only
    district = client.get(PAGE, {"group": deputies_group.pk}).content.decode()
    assert "Ion Popescu</h2>" in district and "Maria Ionescu</h2>" not in district
    after = client.get(PAGE, {"since": (first + timedelta(days=1)).isoformat(),
                              "until": (first + timedelta(days=2)).isoformat()})
    assert "Ion Popescu</h2>" not in after.content.decode()


@pytest.mark.parametrize("params", [{"since": "2027-02-10", "until": "2027-02-01"},
                                    {"since": "not-a-date"}, {"deputy": "abc"},
                                    {"deputy": "999999"}])
def test_bad_filters(client, scheduled, params):
    assert client.get(PAGE, params).status_code == 400


def test_other_kinds_not_listed(client, site, catalog, first):
    department = catalog.add_child(instance=AddresseePage(title="Roads department",
                                                          slug="roads"))
    queue = make_queue(site, title="Roads reception", addressee=department)
    receptions.set_schedule(queue, RULE, first, time(15), time(17))
    assert "Roads department" not in client.get(PAGE).content.decode()


def test_feed(client, scheduled, deputy, first):
    response = client.get(reverse("queues-receptions:feed"))
    assert response.status_code == 200
    text = response.content.decode().replace("\r\n ", "")
    assert "BEGIN:VEVENT" in text and deputy.title in text
    start = datetime.combine(first, time(15), tzinfo=services.queue_timezone(scheduled))
    assert f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}" in text


# --- cancelling one date ------------------------------------------------------------------


def test_cancel_one_date(client, scheduled, first, citizen, superuser):
    service = scheduled.services.get()
    ticket = services.book(scheduled, service, citizen, at(first, 15), question="Q")
    assert receptions.cancel_reception(scheduled, first, superuser, "Deputy is ill") == 1
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CANCELLED
    assert Notification.objects.filter(recipient=citizen).exists()
    assert services.free_slots(scheduled, service, first) == []
    assert receptions.prolong(scheduled) == 0  # the cancelled date stays off
    notice = Notification.objects.get(recipient=citizen, event="queues.cancelled")
    assert "Deputy is ill" in notice.body
    # the date stays on the public page, marked cancelled with the reason, not bookable
    content = client.get(PAGE).content.decode()
    assert "Deputy is ill" in content and "Cancelled." in content
    assert f"?day={first.isoformat()}" not in content
    feed = client.get(reverse("queues-receptions:feed")).content.decode()
    assert "STATUS:CANCELLED" in feed
    # the rule itself survives and gives the following receptions
    assert scheduled.reception_rules.count() == 1
    assert scheduled.exceptions.filter(kind=ExceptionKind.EXTRA, date__gt=first).exists()
    assert Ticket.objects.filter(status=TicketStatus.BOOKED).count() == 0


def test_admin_save_prolongs(reception_queue, first):
    from addons.queues.models import ReceptionRule
    from addons.queues.wagtail_hooks import prolong_receptions_after_save

    ReceptionRule.objects.create(queue=reception_queue, ordinal=1, weekday=3,
                                 starts_on=first, start=time(15), end=time(17))
    prolong_receptions_after_save(None, reception_queue)
    today = services.local_today(reception_queue)
    expected = receptions.occurrences(
        RULE, first, today, today + timedelta(days=reception_queue.horizon_days), "ro")
    assert sorted(reception_queue.exceptions.values_list("date", flat=True)) == expected


def test_reading_the_page_prolongs_once_a_day(client, scheduled, first):
    written = scheduled.exceptions.filter(generated=True)
    expected = written.count()
    written.delete()
    assert first.strftime("%Y") in client.get(PAGE).content.decode()
    assert written.count() == expected
    written.delete()
    client.get(PAGE)  # already prolonged today: nothing written again
    assert written.count() == 0


def test_page_gone_when_the_addon_is_off(client, scheduled, site):
    from addons.core import activation

    activation.disable(site, "queues")
    assert client.get(PAGE).status_code == 404
    assert client.get(reverse("queues-receptions:feed")).status_code == 404


# --- the rule as the staff enter it -------------------------------------------------------


def _rule(queue, **fields):
    from addons.queues.models import ReceptionRule

    values = {"queue": queue, "frequency": "monthly", "ordinal": 1, "weekday": 3,
              "start": time(15), "end": time(17), "starts_on": date(2027, 1, 1)}
    values.update(fields)
    return ReceptionRule(**values)


@pytest.mark.parametrize(("fields", "text"), [
    ({}, "FREQ=MONTHLY;BYDAY=+1TH"),
    ({"ordinal": -1, "weekday": 4}, "FREQ=MONTHLY;BYDAY=-1FR"),
    ({"ordinal": 3, "weekday": 0, "interval": 2}, "FREQ=MONTHLY;INTERVAL=2;BYDAY=+3MO"),
    ({"frequency": "weekly", "weekday": 1, "ordinal": None}, "FREQ=WEEKLY;BYDAY=TU"),
    ({"rrule": "RRULE:FREQ=MONTHLY;BYDAY=+1TH,+3TH"}, "FREQ=MONTHLY;BYDAY=+1TH,+3TH"),
])
def test_rule_from_the_choices(reception_queue, fields, text):
    rule = _rule(reception_queue, **fields)
    rule.full_clean()
    assert rule.rule_text() == text


def test_rule_in_words(reception_queue):
    from django.utils import translation

    rule = _rule(reception_queue)
    with translation.override("en"):
        assert str(rule) == "the first Thursday of the month, 15:00–17:00"
    with translation.override("uk"):
        assert str(rule) == "перший четвер місяця, 15:00–17:00"
    weekly = _rule(reception_queue, frequency="weekly", weekday=0, interval=2)
    with translation.override("en"):
        assert str(weekly) == "on Mondays, every 2 weeks, 15:00–17:00"


@pytest.mark.parametrize(("fields", "field"), [
    ({"start": time(17), "end": time(15)}, "end"),
    ({"ordinal": None}, "ordinal"),
    ({"ends_on": date(2026, 12, 1)}, "ends_on"),
    ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
    ({"rrule": "BYDAY=+1TH"}, "rrule"),
    ({"rrule": "FREQ=MONTHLY;BYDAY=+1TH;UNTIL=20270105", "starts_on": date(2027, 1, 8)},
     "rrule"),
])
def test_bad_rule_is_refused_with_a_message(reception_queue, fields, field):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        _rule(reception_queue, **fields).full_clean()
    assert field in caught.value.message_dict
    assert all(message for message in caught.value.message_dict[field])


def test_rule_entered_in_the_admin(client, superuser, reception_queue, first):
    """The queue's edit form takes the rule from its choices and writes its dates at once;
    a rule ending before it starts is refused with the form kept."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    from addons.queues.models import ReceptionRule

    client.force_login(superuser)
    url = reverse("wagtailsnippets_queues_queue:edit", args=[reception_queue.pk])
    service = reception_queue.services.get()

    def form(rule):
        return nested_form_data({
            "site": reception_queue.site_id, "title": reception_queue.title,
            "addressee": reception_queue.addressee_id, "description": "",
            "place": reception_queue.place, "slot_minutes": 20, "capacity": 1,
            "min_notice_hours": 1, "horizon_days": 120, "max_active_tickets": 1,
            "no_show_limit": 2, "no_show_block_days": 30, "letter": "A",
            "holidays_closed": "on", "active": "on",
            "services": inline_formset([{"id": service.pk, "name": service.name,
                                         "duration_slots": 1, "documents": ""}],
                                       initial=1),
            "fields": inline_formset([]), "schedules": inline_formset([]),
            "exceptions": inline_formset([]),
            "reception_rules": inline_formset([rule]),
        })

    good = {"frequency": "monthly", "interval": 1, "ordinal": 1, "weekday": 3,
            "start": "15:00", "end": "17:00", "starts_on": first.isoformat(), "ends_on": "",
            "rrule": ""}
    bad = dict(good, start="17:00", end="15:00")
    response = client.post(url, form(bad))
    assert response.status_code == 200
    assert "The reception ends before it starts." in response.content.decode()
    assert 'value="17:00"' in response.content.decode()
    assert not ReceptionRule.objects.exists()
    response = client.post(url, form(good))
    assert response.status_code == 302, response.context["form"].errors
    rule = ReceptionRule.objects.get()
    assert rule.rule_text() == "FREQ=MONTHLY;BYDAY=+1TH"
    assert first in set(reception_queue.exceptions.filter(generated=True)
                        .values_list("date", flat=True))


def test_changed_rule_moves_the_dates_but_keeps_booked_ones(scheduled, first, citizen):
    service = scheduled.services.get()
    ticket = services.book(scheduled, service, citizen, at(first, 15), question="Q")
    rule = scheduled.reception_rules.get()
    rule.rrule = "FREQ=MONTHLY;BYDAY=+1FR"
    rule.save()
    receptions.prolong(scheduled)
    generated = set(scheduled.exceptions.filter(generated=True).values_list("date", flat=True))
    assert first in generated  # somebody is booked there: the date stays
    others = generated - {first}
    assert others and all(day.weekday() == 4 for day in others)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.BOOKED


def test_rule_removed_removes_its_free_dates(scheduled, first):
    scheduled.reception_rules.all().delete()
    receptions.prolong(scheduled)
    assert not scheduled.exceptions.filter(generated=True).exists()
    assert not [item for item in receptions.upcoming(scheduled.site) if item.queue == scheduled]


def test_vacation_wins_over_the_rule(scheduled, first):
    from addons.queues.models import ScheduleException

    ScheduleException.objects.create(queue=scheduled, date=first, kind=ExceptionKind.VACATION)
    assert services.free_slots(scheduled, scheduled.services.get(), first) == []
    listed = [item.day for item in receptions.upcoming(scheduled.site)
              if item.queue == scheduled]
    assert first not in listed


def test_rule_shown_on_the_deputys_page(client, scheduled, deputy):
    from addons.queues.models import QueuePlacement

    QueuePlacement.objects.create(page=deputy, queue=scheduled)
    content = client.get(deputy.url).content.decode()
    assert "Receives citizens:" in content or "Приймає громадян:" in content
