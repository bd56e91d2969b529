"""Configure a town's status line and print the URL to paste into the voice provider's
console (the phone number's "a call comes in" webhook, HTTP POST)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from wagtail.models import Site

from addons.accounts.persons import normalize_phone
from addons.contacts.models import PhoneEndpoint
from addons.contacts.voice import VOICE_LANGUAGES


class Command(BaseCommand):
    help = ("Switch on a town's status line with the voice provider's auth token, and print "
            "the webhook URL for the provider's console.")

    def add_arguments(self, parser):
        parser.add_argument("--site", required=True,
                            help="The town's host name (as in Wagtail's sites).")
        parser.add_argument("--token", required=True,
                            help="The voice provider's auth token: requests are checked "
                                 "with its signature.")
        parser.add_argument("--transfer", default=None,
                            help="The contact center's number 0 transfers callers to.")
        parser.add_argument("--languages", default=None,
                            help="The languages of the line in menu order, e.g. uk,en "
                                 f"(of {', '.join(VOICE_LANGUAGES)}).")
        parser.add_argument("--https", action="store_true", default=True)
        parser.add_argument("--http", dest="https", action="store_false",
                            help="Print an http:// URL (a test installation).")
        parser.add_argument("--off", action="store_true",
                            help="Switch the status line off.")

    def handle(self, *args, **options):
        hostname = options["site"].strip().lower()
        site = Site.objects.filter(hostname=hostname).first()
        if site is None:
            raise CommandError(_("No site has the host name %(host)s.") % {"host": hostname})
        token = options["token"].strip()
        if not token:
            raise CommandError(_("The token cannot be empty."))
        transfer = options["transfer"]
        if transfer is not None:
            transfer = transfer.strip()
            if transfer:
                number, valid = normalize_phone(transfer, site)
                if not valid:
                    raise CommandError(_("%(number)s is not a phone number.") % {
                        "number": transfer})
                transfer = number
        languages = options["languages"]
        if languages is not None:
            codes = [code.strip() for code in languages.split(",") if code.strip()]
            unknown = [code for code in codes if code not in VOICE_LANGUAGES]
            if unknown:
                raise CommandError(_(
                    "The status line does not speak %(unknown)s; it speaks %(known)s.") % {
                    "unknown": ", ".join(unknown), "known": ", ".join(VOICE_LANGUAGES)})
            languages = ",".join(dict.fromkeys(codes))
        endpoint, _created = PhoneEndpoint.objects.get_or_create(site=site)
        endpoint.voice_token = token
        endpoint.voice_enabled = not options["off"]
        if transfer is not None:
            endpoint.transfer_number = transfer
        if languages is not None:
            endpoint.voice_languages = languages
        endpoint.save()
        scheme = "https" if options["https"] else "http"
        port = "" if site.port in (80, 443) else f":{site.port}"
        url = f"{scheme}://{site.hostname}{port}/contacts/voice/"
        town = site.site_name or site.hostname
        if endpoint.voice_enabled:
            self.stdout.write(_("The status line of %(town)s is on.") % {"town": town})
        else:
            self.stdout.write(_("The status line of %(town)s is off.") % {"town": town})
        self.stdout.write(_("Webhook (HTTP POST, a call comes in): %(url)s") % {"url": url})
