"""Demo bulletins: news, messages and announcements of a few addressees of each demo town,
a bulletin stream on their pages, their parents' pages and the home page. Idempotent: bulletins
are found again by addressee and title, placements by page and stream."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .models import Bulletin, BulletinStream, BulletinStreamPlacement, Category

#: addressee slug -> [(category, title, summary, body, tags, days ago)]
DEMO = {
    "vykonkom": [
        (Category.ANNOUNCEMENT, "Засідання виконавчого комітету в четвер",
         "Порядок денний: бюджет на 2027 рік, тарифи на тепло, благоустрій.",
         "<p>Засідання відбудеться о 10:00 у великій залі міської ради. Проєкти рішень "
         "оприлюднено на сайті.</p>", ["бюджет", "засідання"], 1),
    ],
    "upravlinnia-zhkh": [
        (Category.NEWS, "Ремонт дороги на вулиці Соборній",
         "Цього тижня рух вулицею Соборною обмежено.",
         "<p>Об’їзд вулицями Дубовою та Шкільною. Громадський транспорт курсує за "
         "зміненим маршрутом.</p>", ["дороги", "ремонт"], 0),
        (Category.MESSAGE, "Графік прибирання снігу",
         "Пріоритет: маршрути громадського транспорту, лікарні, школи.",
         "<p>Бригади працюють цілодобово під час снігопаду.</p>", ["зима", "дороги"], 3),
    ],
    "vodokanal": [
        (Category.ANNOUNCEMENT, "Планове відключення води завтра",
         "Вулиці Лісова, Садова, Миру: з 9:00 до 17:00.",
         "<p>Підвіз питної води: двір школи № 3 з 10:00.</p>", ["вода", "відключення"], 0),
    ],
    "cnap": [
        (Category.NEWS, "ЦНАП працює в суботу",
         "Щосуботи з 9:00 до 14:00 — паспорти, реєстрація місця проживання.",
         "<p>Запис через електронну чергу на сторінці ЦНАП.</p>", ["цнап"], 2),
    ],
    "salubrizare": [
        (Category.ANNOUNCEMENT, "Colectarea deșeurilor voluminoase",
         "Sâmbăta aceasta, în cartierele Centru și Est.",
         "<p>Lăsați obiectele lângă punctele de colectare până la ora 8:00.</p>",
         ["deșeuri"], 1),
    ],
    "stare-civila": [
        (Category.NEWS, "Program prelungit la starea civilă",
         "Joi, până la ora 18:00.", "<p>Programările se fac online.</p>", ["program"], 4),
    ],
    "blagoustroystvo": [
        (Category.NEWS, "Ремонт на тротоарите на ул. „Раковски“",
         "Ремонтът продължава две седмици; пешеходците минават по отсрещния тротоар.",
         "<p>Работи се от 8:00 до 18:00. Движението на автомобили не е ограничено.</p>",
         ["ремонт", "тротоари"], 1),
    ],
    "chistota": [
        (Category.ANNOUNCEMENT, "Извозване на едрогабаритни отпадъци",
         "Всяка първа събота от месеца, със заявка по телефона на предприятието.",
         "<p>Оставете отпадъците до контейнерите до 8:00 сутринта в деня на извозване.</p>",
         ["отпадъци"], 2),
    ],
    "administrativno-obsluzhvane": [
        (Category.MESSAGE, "Центърът за услуги приема и със записване",
         "Запазете час онлайн и ще бъдете обслужени без чакане.",
         "<p>Записването е на страницата на дирекцията.</p>", ["услуги"], 3),
    ],
}

STREAM_TITLE = "Новини та оголошення"


def load_demo(site) -> int:
    """Create the demo bulletins on ``site`` for the addressees that exist there and put a
    bulletin stream on their pages and on their parents' pages. Returns bulletins created."""
    from addons.addressees.models import AddresseePage

    created_count = 0
    now = timezone.now()
    root = site.root_page
    stream, _created = BulletinStream.objects.get_or_create(
        title=STREAM_TITLE, addressee=None, defaults={"include_subtree": True, "count": 5})
    for slug, items in DEMO.items():
        page = AddresseePage.objects.descendant_of(root).filter(slug=slug).first()
        if page is None:
            continue
        for category, title, summary, body, tags, days_ago in items:
            if Bulletin.objects.filter(addressee=page, title=title).exists():
                continue
            bulletin = Bulletin(addressee=page, category=category, title=title,
                                summary=summary, body=body, live=True,
                                first_published_at=now - timedelta(days=days_ago, hours=1))
            bulletin.save()
            bulletin.tags.add(*tags)
            bulletin.save()
            created_count += 1
        parent = page.get_parent().specific
        for host in (page, parent):
            if isinstance(host, AddresseePage) and not BulletinStreamPlacement.objects.filter(
                page=host, stream=stream
            ).exists():
                BulletinStreamPlacement.objects.create(page=host, stream=stream, sort_order=50)
    # the home page shows the whole city's newest bulletins
    if created_count and not BulletinStreamPlacement.objects.filter(page_id=root.pk).exists():
        BulletinStreamPlacement.objects.create(page_id=root.pk, stream=stream, sort_order=50)
    return created_count
