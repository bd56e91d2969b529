"""Set or rotate a town's call-events token and print the URL its phone system posts to."""

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from wagtail.models import Site

from addons.contacts.models import PhoneEndpoint
from addons.contacts.services import issue_token
from addons.core.sites import public_base_url


class Command(BaseCommand):
    help = ("Set (or with --rotate, replace) the secret token of a site's call events and "
            "print the URL to give the phone system.")

    def add_arguments(self, parser):
        parser.add_argument("--site", required=True, help="The site's hostname.")
        parser.add_argument("--rotate", action="store_true",
                            help="Replace an existing token (the old URL stops working).")

    def handle(self, *args, **options):
        site = Site.objects.filter(hostname=options["site"]).first()
        if site is None:
            raise CommandError(f"No site has the hostname {options['site']!r}.")
        endpoint = PhoneEndpoint.objects.filter(site=site).first()
        if endpoint is not None and endpoint.cti_token_hash and not options["rotate"]:
            raise CommandError("This site already has a call-events token (only its hash is "
                               "kept); run again with --rotate to issue a new one.")
        token = issue_token(site)
        url = public_base_url(site) + reverse("contacts:cti", args=[token])
        self.stdout.write(url)
