"""``manage.py persons_backfill [--site HOST]``: the contact details typed on every add-on's
records (``TimelineSource.contacts``) and the accounts become persons. Running it again
makes nothing new."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string
from wagtail.models import Site

from addons.accounts import backfill, persons
from addons.accounts.models import Identity, Person
from addons.core import registry


def _rows(site, contacts, region):
    """Rows for ``backfill.add_contacts``: an account's own row (its address, confirmed or
    not) before the first record typed by it, then each record's typed contacts."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    seen: dict[int, object] = {}
    for item in contacts:
        user_id = item.get("user_id")
        user = None
        if user_id:
            if user_id not in seen:
                seen[user_id] = User.objects.filter(pk=user_id).first()
                if seen[user_id] is not None:
                    yield persons._user_row(site, seen[user_id])
            user = seen[user_id]
        email = item.get("email") or ""
        yield {"site_id": site.pk, "name": item.get("name") or "", "email": email,
               "phone": item.get("phone") or "", "user_id": user.pk if user else None,
               "language": item.get("language") or "", "region": region,
               "email_confirmed": bool(user and backfill.confirmed_for(
                   email, user.email, user.email_confirmed))}


class Command(BaseCommand):
    help = "Make the persons of the contact details typed on records (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--site", help="the host name of one town (all towns if omitted)")

    def handle(self, *args, site=None, **options):
        sites = Site.objects.order_by("pk")
        if site:
            sites = sites.filter(hostname=site)
            if not sites.exists():
                raise CommandError(f"No site with the host name {site!r}.")
        total = 0
        for town in sites:
            region = persons.site_region(town)
            for _addon, source in registry.timeline_sources():
                if not source.contacts:
                    continue
                contacts = import_string(source.contacts)
                made = backfill.add_contacts(Person, Identity,
                                             _rows(town, contacts(town), region))
                total += made
                self.stdout.write(f"{town.hostname}: {source.key}: {made} new persons")
        self.stdout.write(f"{total} new persons")
