"""Demo mass mailing: a template in the four languages, a static list of a few residents, a
dynamic list per segment the demo city has data for, and campaigns (a draft, a scheduled
one). Idempotent: everything is found again by site and name. Nothing is sent."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .models import (
    Campaign,
    CampaignStatus,
    ListKind,
    ListMember,
    MailTemplate,
    MailTemplateVariant,
    RecipientList,
)

VARIANTS = {
    "uk": ("{municipality}: планове відключення води",
           "Шановні {name}!\n\nУ четвер з 9:00 до 15:00 на вашій вулиці не буде води через "
           "ремонт водогону.\nПодробиці: {site}\n\nВідписатися від розсилки «{list}»: "
           "{unsubscribe_url}\n"),
    "ro": ("{municipality}: întrerupere programată a apei",
           "Stimată/Stimate {name},\n\nJoi, între 9:00 și 15:00, pe strada dumneavoastră nu va "
           "fi apă din cauza reparării conductei.\nDetalii: {site}\n\nDezabonare de la lista "
           "„{list}”: {unsubscribe_url}\n"),
    "bg": ("{municipality}: планирано спиране на водата",
           "Уважаеми {name},\n\nВ четвъртък от 9:00 до 15:00 на вашата улица няма да има вода "
           "заради ремонт на водопровода.\nПодробности: {site}\n\nОтписване от списъка "
           "„{list}“: {unsubscribe_url}\n"),
    "en": ("{municipality}: planned water outage",
           "Dear {name},\n\nOn Thursday from 9:00 to 15:00 there will be no water in your "
           "street while the main is repaired.\nDetails: {site}\n\nUnsubscribe from "
           "\"{list}\": {unsubscribe_url}\n"),
}

RESIDENTS = [
    ("olena.demo@example.org", "Олена Коваленко", "uk"),
    ("taras.demo@example.org", "Тарас Бондар", "uk"),
    ("ioana.demo@example.org", "Ioana Popescu", "ro"),
    ("petar.demo@example.org", "Петър Иванов", "bg"),
    ("anna.demo@example.org", "Anna Smith", "en"),
]


def load_demo(site) -> int:
    """Create the demo mailings on ``site``; returns how many campaigns were created."""
    from addons.core.models import SiteProfile

    from . import services

    language = SiteProfile.for_site(site).default_language
    template, created = MailTemplate.objects.get_or_create(
        site=site, name="Відключення води / Water outage",
        defaults={"default_language": language})
    if created:
        for order, (code, (subject, body)) in enumerate(VARIANTS.items()):
            MailTemplateVariant.objects.create(template=template, sort_order=order,
                                               language=code, subject=subject, body=body)
    residents, created = RecipientList.objects.get_or_create(
        site=site, name="Мешканці вул. Садової (демо)",
        defaults={"kind": ListKind.STATIC,
                  "description": "Imported from CSV: residents who asked for street news."})
    if created:
        ListMember.objects.bulk_create(
            [ListMember(recipient_list=residents, email=email, name=name, language=code)
             for email, name, code in RESIDENTS])
    for key, segment in services.segments().items():
        values = services.segment_value_choices(site, key)
        if not values:
            continue
        value, label = values[0]
        RecipientList.objects.get_or_create(
            site=site, name=f"{segment.title}: {label}"[:200],
            defaults={"kind": ListKind.DYNAMIC, "segment": key, "segment_value": value})
    made = 0
    _draft, created = Campaign.objects.get_or_create(
        site=site, name="Відключення води в четвер (чернетка)",
        defaults={"template": template, "recipient_list": residents})
    made += created
    scheduled, created = Campaign.objects.get_or_create(
        site=site, name="Відключення води: нагадування",
        defaults={"template": template, "recipient_list": residents,
                  "status": CampaignStatus.SCHEDULED,
                  "scheduled_at": timezone.now() + timedelta(days=7)})
    made += created
    return made
