"""Building addressee trees quickly for tests and benchmarks."""

import uuid
from datetime import time

from django.contrib.contenttypes.models import ContentType
from wagtail.models import Page

from addons.addressees.models import (
    Absence,
    AddresseeCatalogPage,
    AddresseePage,
    OfficeHours,
    Specialist,
)


def add_catalog(parent, title="Catalog", slug="catalog", **fields):
    return parent.add_child(instance=AddresseeCatalogPage(title=title, slug=slug, **fields))


def add_addressee(parent, title, slug=None, **fields):
    """One addressee through Wagtail's API (save() runs: a moderators group is made)."""
    page = AddresseePage(title=title, slug=slug or title.lower().replace(" ", "-"), **fields)
    return parent.add_child(instance=page)


def bulk_addressees(parent, count, prefix="Node", **fields):
    """``count`` live addressees under ``parent`` with few queries: the tree rows are
    written in bulk, bypassing save() (no moderator groups: not needed for listings)."""
    parent = Page.objects.get(pk=parent.pk)
    content_type = ContentType.objects.get_for_model(AddresseePage)
    start = parent.numchild
    pages = []
    for index in range(count):
        slug = f"{prefix.lower()}-{uuid.uuid4().hex[:10]}"
        pages.append(Page(
            title=f"{prefix} {index}",
            draft_title=f"{prefix} {index}",
            slug=slug,
            content_type=content_type,
            path=Page._get_path(parent.path, parent.depth + 1, start + index + 1),
            depth=parent.depth + 1,
            numchild=0,
            url_path=f"{parent.url_path}{slug}/",
            live=True,
            has_unpublished_changes=False,
            locale_id=parent.locale_id,
            translation_key=uuid.uuid4(),
        ))
    created = Page.objects.bulk_create(pages)
    if not all(page.pk for page in created):  # backends without RETURNING
        created = list(Page.objects.filter(path__in=[p.path for p in pages]).order_by("path"))
    for page in created:
        child = AddresseePage(page_ptr_id=page.pk, **fields)
        child.__dict__.update({f.attname: getattr(page, f.attname)
                               for f in Page._meta.concrete_fields})
        child.save_base(raw=True)
    Page.objects.filter(pk=parent.pk).update(numchild=start + count)
    return list(AddresseePage.objects.filter(pk__in=[p.pk for p in created]).order_by("path"))


def weekday_hours(page, schedule="", days=range(5), opens=time(9), closes=time(18),
                  break_start=time(13), break_end=time(14)):
    OfficeHours.objects.bulk_create([
        OfficeHours(page=page, schedule=schedule, weekday=day, opens=opens, closes=closes,
                    break_start=break_start, break_end=break_end, sort_order=day)
        for day in days
    ])


def bulk_specialists(page, count):
    Specialist.objects.bulk_create([
        Specialist(page=page, name=f"Specialist {i}", position="Inspector",
                   competences="permits", phone="+380 44 000 00 00", sort_order=i)
        for i in range(count)
    ])


def bulk_absences(page, count, start, end):
    Absence.objects.bulk_create([
        Absence(page=page, start=start, end=end, note=f"absence {i}", sort_order=i)
        for i in range(count)
    ])
