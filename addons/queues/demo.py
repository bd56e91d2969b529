"""Demo queues: the service center's windows and a department's reception. Idempotent:
queues are found again by site and title, placements by page and queue."""

from __future__ import annotations

from datetime import time

from .models import (
    Frequency,
    Queue,
    QueuePlacement,
    QueueService,
    ReceptionRule,
    WeeklySchedule,
)

#: addressee slug -> (queue title, letter, capacity, services)
DEMO = {
    "cnap": ("Прийом у ЦНАП", "A", 3, [
        ("Паспорт громадянина України (ID-картка)", 2, "Свідоцтво про народження, фото"),
        ("Реєстрація місця проживання", 1, "Паспорт, документ про право на житло"),
        ("Житлова субсидія", 1, "Паспорт, РНОКПП, довідка про доходи"),
    ]),
    "upravlinnia-sotszakhystu": ("Прийом управління соцзахисту", "S", 1, [
        ("Консультація щодо соціальних допомог", 1, "Паспорт, РНОКПП"),
    ]),
    "stare-civila": ("Programare stare civilă", "C", 2, [
        ("Certificat de naștere", 1, "Act de identitate al părinților"),
        ("Căsătorie: depunerea actelor", 2, "Actele de identitate, certificatele de naștere"),
    ]),
    "administrativno-obsluzhvane": ("Записване в Центъра за услуги", "B", 3, [
        ("Удостоверение за наследници", 1, "Лична карта, препис-извлечение от акт за смърт"),
        ("Адресна регистрация", 1, "Лична карта, документ за собственост или договор за наем"),
        ("Удостоверение за данъчна оценка", 1, "Лична карта, документ за собственост"),
    ]),
}

#: where in the building each demo queue receives: (floor, room or window)
ROOMS = {
    "cnap": ("1", "1–6"),
    "upravlinnia-sotszakhystu": ("2", "214"),
    "stare-civila": ("parter", "3"),
    "administrativno-obsluzhvane": ("1", "5"),
}


def load_demo(site) -> int:
    """Create the demo queues on ``site`` for the addressees that exist there and hang them
    on their pages. Returns how many queues were created."""
    from addons.addressees.models import AddresseePage

    created_count = 0
    root = site.root_page
    for slug, (title, letter, capacity, services) in DEMO.items():
        page = AddresseePage.objects.descendant_of(root).filter(slug=slug).first()
        if page is None:
            continue
        queue, created = Queue.objects.get_or_create(
            site=site, title=title,
            defaults={"addressee": page, "letter": letter, "capacity": capacity,
                      "slot_minutes": 15, "horizon_days": 30, "place": page.title,
                      "floor": ROOMS.get(slug, ("", ""))[0],
                      "room": ROOMS.get(slug, ("", ""))[1]},
        )
        if created:
            created_count += 1
            for order, (name, slots, documents) in enumerate(services):
                QueueService.objects.create(queue=queue, sort_order=order, name=name,
                                            duration_slots=slots, documents=documents)
            for weekday in range(5):
                WeeklySchedule.objects.create(queue=queue, weekday=weekday, start=time(9),
                                              end=time(17), break_start=time(13),
                                              break_end=time(14))
        if not QueuePlacement.objects.filter(page=page, queue=queue).exists():
            QueuePlacement.objects.create(page=page, queue=queue, sort_order=100)
    return created_count + load_receptions(site)


#: (ordinal, weekday, from, until) of the demo deputies' monthly receptions, in turn
RECEPTIONS = ((1, 3, time(15), time(17)), (2, 1, time(10), time(12)),
              (3, 2, time(16), time(18)), (-1, 4, time(14), time(16)))


def load_receptions(site) -> int:
    """A monthly reception of citizens for every deputy of ``site`` (on the weekday and
    hours of the deputy's published reception hours, when there are some), bookable by the
    queue engine and listed on the receptions page."""
    from addons.addressees.models import AddresseePage
    from addons.core.models import SiteProfile

    from .receptions import DEPUTY, prolong

    ukrainian = SiteProfile.for_site(site).default_language == "uk"
    created_count = 0
    deputies = AddresseePage.objects.descendant_of(site.root_page).filter(kind=DEPUTY)
    for index, page in enumerate(deputies.order_by("path").prefetch_related("office_hours")):
        ordinal, weekday, start, end = RECEPTIONS[index % len(RECEPTIONS)]
        hours = next(iter(page.office_hours.all()), None)
        if hours is not None:
            # booked receptions on one of the weekdays the deputy already receives on
            weekday, start, end = hours.weekday, hours.opens, hours.closes
        queue, created = Queue.objects.get_or_create(
            site=site, addressee=page,
            title=f"{page.title}: " + ("прийом громадян" if ukrainian else "audiențe"),
            defaults={"letter": "D", "capacity": 1, "slot_minutes": 20, "horizon_days": 90,
                      "min_notice_hours": 24,
                      "place": page.office_address or page.postal_address or page.title},
        )
        if created:
            created_count += 1
            QueueService.objects.create(
                queue=queue, name="Особистий прийом" if ukrainian else "Audiență")
            ReceptionRule.objects.create(queue=queue, frequency=Frequency.MONTHLY,
                                         ordinal=ordinal, weekday=weekday, start=start,
                                         end=end)
            prolong(queue)
        if not QueuePlacement.objects.filter(page=page, queue=queue).exists():
            QueuePlacement.objects.create(page=page, queue=queue, sort_order=100)
    return created_count
