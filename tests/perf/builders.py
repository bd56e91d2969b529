"""Filling a catalog with thousands of addressees in seconds.

Page rows are written in bulk with their materialised paths computed here (Wagtail's tree
is django-treebeard's MP_Node: ``steplen`` characters per level), the addressee rows with
one multi-row INSERT per batch; the hours, absences, specialists and group memberships
with ``bulk_create``. Nothing calls ``save()``: no revisions, no moderator groups, no
search index (the catalog's search reads the tables).
"""

from __future__ import annotations

import datetime
import random
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from wagtail.models import Page

from addons.addressees.models import (
    Absence,
    AddresseeGroup,
    AddresseePage,
    OfficeHours,
    Specialist,
)
from addons.core.geo import format_point

BATCH = 500
CENTRE = (49.2350, 31.6230)
KINDS = ("department", "department", "department", "body", "official", "enterprise")
TITLES = ("Управління", "Відділ", "Сектор", "Служба")


def _addressee(page_id: int, depth: int, index: str, rng: random.Random) -> AddresseePage:
    lat = CENTRE[0] + rng.uniform(-0.02, 0.02)
    lng = CENTRE[1] + rng.uniform(-0.03, 0.03)
    return AddresseePage(
        page_ptr_id=page_id,
        kind=KINDS[rng.randrange(len(KINDS))],
        position="Начальник",
        head_name=f"Прізвище{index} Ім'я По-батькові",
        summary=f"Питання напряму {index}: довідки, дозволи, консультації.",
        description=f"<p>Опис підрозділу {index}.</p>",
        duties=f"Напрям {index}\nДовідки\nКонсультації громадян",
        phone=f"(04736) 2-{rng.randrange(10, 99)}-{rng.randrange(10, 99)}",
        email=f"unit{index.replace('.', '-')}@bench.example",
        postal_address="вул. Соборна, 1, м. Світлогірськ, 20300",
        office_address=f"вул. Соборна, 1, каб. {rng.randrange(1, 400)}",
        location=format_point(lat, lng),
    )


def _insert_addressees(rows: list[AddresseePage]) -> None:
    """INSERT the addressee table rows of pages whose Page rows exist already (Django's
    bulk_create does not do multi-table inheritance)."""
    fields = AddresseePage._meta.local_concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table = quote(AddresseePage._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 100):
            chunk = rows[start:start + 100]
            params = [
                field.get_db_prep_save(field.pre_save(row, True), connection)
                for row in chunk for field in fields
            ]
            values = ", ".join([one_row] * len(chunk))
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values}", params)


def build_tree(parent, shape: tuple[int, ...], *, seed: int = 1, groups=(), hours: int = 5,
               specialists: int = 1, absence_every: int = 20, prefix: str = "") -> list[int]:
    """Addressees under ``parent`` (a fresh page without children): ``shape[0]`` children,
    each with ``shape[1]`` children, and so on. Each addressee gets weekday ``hours``
    (with a lunch break), ``specialists``, one of ``groups``, and every
    ``absence_every``-th a current vacation. Returns the page ids, level by level."""
    rng = random.Random(seed)
    parent = Page.objects.get(pk=parent.pk)
    assert parent.numchild == 0, "build_tree fills an empty parent"
    content_type = ContentType.objects.get_for_model(AddresseePage)
    now = timezone.now()
    levels = [[(parent.path, parent.url_path, "")]]
    numchild = {}
    pages = []
    for fanout in shape:
        current = []
        for parent_path, parent_url, parent_index in levels[-1]:
            numchild[parent_path] = fanout
            for step in range(1, fanout + 1):
                index = f"{parent_index}.{step}" if parent_index else f"{prefix}{step}"
                slug = f"a-{index.replace('.', '-')}"
                path = Page._get_path(parent_path, len(parent_path) // Page.steplen + 1, step)
                title = f"{TITLES[min(len(levels) - 1, len(TITLES) - 1)]} {index}"
                pages.append(Page(
                    title=title, draft_title=title, slug=slug, content_type=content_type,
                    path=path, depth=len(path) // Page.steplen, numchild=0,
                    url_path=f"{parent_url}{slug}/", live=True, has_unpublished_changes=False,
                    first_published_at=now, last_published_at=now,
                    locale_id=parent.locale_id, translation_key=uuid.uuid4(),
                ))
                current.append((path, f"{parent_url}{slug}/", index))
        levels.append(current)
    for page in pages:
        page.numchild = numchild.get(page.path, 0)
    created = []
    for start in range(0, len(pages), BATCH):
        created += Page.objects.bulk_create(pages[start:start + BATCH])
    if not all(page.pk for page in created):  # a backend without RETURNING
        ids = dict(Page.objects.filter(path__in=[p.path for p in pages]).values_list("path", "pk"))
        for page in created:
            page.pk = page.id = ids[page.path]
    Page.objects.filter(pk=parent.pk).update(numchild=shape[0] if shape else 0)

    index_of = {path: index for level in levels[1:] for path, _url, index in level}
    _insert_addressees([_addressee(page.pk, page.depth, index_of[page.path], rng)
                        for page in created])

    today = timezone.localdate()
    office_hours, absences, people, memberships = [], [], [], []
    through = AddresseePage.groups.through
    for number, page in enumerate(created):
        for day in range(hours):
            office_hours.append(OfficeHours(
                page_id=page.pk, schedule="Графік роботи", weekday=day % 7,
                opens=datetime.time(8), closes=datetime.time(17),
                break_start=datetime.time(12), break_end=datetime.time(13), sort_order=day,
            ))
        for order in range(specialists):
            people.append(Specialist(
                page_id=page.pk, name=f"Спеціаліст {index_of[page.path]}-{order}",
                position="Головний спеціаліст", competences="Довідки, консультації",
                phone="(04736) 2-00-00", room=f"каб. {order + 1}", sort_order=order,
            ))
        if absence_every and number % absence_every == 0:
            absences.append(Absence(
                page_id=page.pk, kind="vacation", start=today - datetime.timedelta(2),
                end=today + datetime.timedelta(5), note="Відпустка", sort_order=0,
            ))
        if groups:
            memberships.append(through(addresseepage_id=page.pk,
                                       addresseegroup_id=groups[number % len(groups)].pk))
    OfficeHours.objects.bulk_create(office_hours, batch_size=BATCH)
    Specialist.objects.bulk_create(people, batch_size=BATCH)
    Absence.objects.bulk_create(absences, batch_size=BATCH)
    through.objects.bulk_create(memberships, batch_size=BATCH)
    return [page.pk for page in created]


def make_groups(count: int, prefix: str) -> list[AddresseeGroup]:
    return [
        AddresseeGroup.objects.get_or_create(
            slug=f"{prefix}-{number}", defaults={"name": f"{prefix} {number}"})[0]
        for number in range(1, count + 1)
    ]
