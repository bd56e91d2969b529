"""Set a town's chat channels up from the command line.

``channels add --site HOST --platform telegram --token T``: a new channel, its webhook URL
printed; ``channels list [--site HOST]``: the channels (tokens and secrets never printed in
full); ``channels webhook KEY``: tells Telegram or Viber where to deliver, or prints what to
paste into WhatsApp's or Messenger's console."""

import re
import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from wagtail.models import Site

from addons.channels.adapters import adapter_class
from addons.channels.adapters.base import WebhookError
from addons.channels.models import Channel, Platform
from addons.core.sites import profile_public_url

#: platforms whose API calls need the token the platform gave
NEEDS_TOKEN = {Platform.TELEGRAM, Platform.VIBER, Platform.WHATSAPP, Platform.MESSENGER}
#: what Telegram accepts as a webhook's secret_token
TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
#: platforms with Meta's subscription handshake (a verify token pasted in their console)
NEEDS_VERIFY_TOKEN = {Platform.WHATSAPP, Platform.MESSENGER}


def webhook_url(channel: Channel, https: bool = True) -> str:
    """The channel's absolute webhook URL: on the site profile's public address when one is
    set, else the site's host name and port."""
    base = profile_public_url(channel.site)
    if not base:
        site = channel.site
        port = "" if site.port in (80, 443) else f":{site.port}"
        base = f"{'https' if https else 'http'}://{site.hostname}{port}"
    return base + channel.webhook_path()


def masked(value: str) -> str:
    """Enough of a token to tell which it is, never the whole of it."""
    if not value:
        return "-"
    return f"…{value[-4:]}" if len(value) >= 16 else "***"


class Command(BaseCommand):
    help = ("Set up a town's chat channels (Telegram, Viber, WhatsApp, Messenger, the site "
            "chat), list them, and register their webhooks with the platforms.")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="Add a channel to a town and print its webhook URL.")
        add.add_argument("--site", required=True,
                         help="The town's host name (as in Wagtail's sites).")
        add.add_argument("--platform", required=True,
                         help=f"One of {', '.join(Platform.values)}.")
        add.add_argument("--token", default="",
                         help="What the platform gave to call its API (the bot token, the "
                              "page or system user access token).")
        add.add_argument("--name", default="", help="The bot's name, as citizens see it.")
        add.add_argument("--api-base", default="",
                         help="The API's base URL (a self-hosted Bot API server, a proxy).")
        add.add_argument("--secret", default="",
                         help="What signs the deliveries (Telegram: chosen here, by default "
                              "at random; WhatsApp, Messenger: the Meta app secret).")
        add.add_argument("--verify-token", default="",
                         help="The word of Meta's subscription handshake (by default at "
                              "random).")
        add.add_argument("--account-id", default="",
                         help="WhatsApp's phone number id, the Messenger page id.")
        self._scheme_options(add)
        listing = actions.add_parser("list", help="List the chat channels.")
        listing.add_argument("--site", default="", help="Only this town's (its host name).")
        self._scheme_options(listing)
        hook = actions.add_parser("webhook", help="Register a channel's webhook where the "
                                                  "platform allows it.")
        hook.add_argument("key", help="The channel's URL key (see `channels list`).")
        self._scheme_options(hook)

    @staticmethod
    def _scheme_options(parser):
        parser.add_argument("--https", action="store_true", default=True)
        parser.add_argument("--http", dest="https", action="store_false",
                            help="An http:// webhook URL (a test installation).")

    def handle(self, *args, **options):
        getattr(self, f"handle_{options['action']}")(options)

    @staticmethod
    def site_of(hostname: str) -> Site:
        hostname = hostname.strip().lower()
        site = Site.objects.filter(hostname=hostname).first()
        if site is None:
            raise CommandError(_("No site has the host name %(host)s.") % {"host": hostname})
        return site

    def handle_add(self, options):
        site = self.site_of(options["site"])
        platform = options["platform"].strip().lower()
        if platform not in Platform.values:
            raise CommandError(_("Unknown platform %(platform)s; known: %(known)s.") % {
                "platform": platform, "known": ", ".join(Platform.values)})
        token = options["token"].strip()
        if platform in NEEDS_TOKEN and not token:
            raise CommandError(_("A %(platform)s channel needs the token the platform gave "
                                 "(--token).") % {"platform": Platform(platform).label})
        api_base = options["api_base"].strip()
        if api_base:
            try:
                URLValidator(schemes=["http", "https"])(api_base)
            except ValidationError:
                raise CommandError(_("%(url)s is not a web address.") % {"url": api_base})
        channel = Channel(site=site, platform=platform, token=token,
                          name=options["name"].strip(), api_base=api_base,
                          account_id=options["account_id"].strip())
        secret = options["secret"].strip()
        if secret and platform == Platform.TELEGRAM and not TELEGRAM_SECRET.fullmatch(secret):
            raise CommandError(_("Telegram takes a secret of 1 to 256 letters, digits, _ "
                                 "and - only."))
        if secret:
            channel.secret = secret
        verify_token = options["verify_token"].strip()
        if not verify_token and platform in NEEDS_VERIFY_TOKEN:
            verify_token = secrets.token_urlsafe(16)
        channel.verify_token = verify_token
        channel.save()
        town = site.site_name or site.hostname
        self.stdout.write(_("%(platform)s channel %(key)s added to %(town)s.") % {
            "platform": channel.get_platform_display(), "key": channel.key, "town": town})
        self.stdout.write(_("Webhook: %(url)s") % {"url": webhook_url(channel,
                                                                        options["https"])})
        if platform in NEEDS_VERIFY_TOKEN:
            self.stdout.write(_("Verify token: %(token)s") % {"token": verify_token})
        if platform != Platform.WEBCHAT:
            self.stdout.write(_("Next: manage.py channels webhook %(key)s") % {
                "key": channel.key})

    def handle_list(self, options):
        channels = Channel.objects.select_related("site").order_by("site__hostname",
                                                                    "platform", "pk")
        if options["site"].strip():
            channels = channels.filter(site=self.site_of(options["site"]))
        if not channels:
            self.stdout.write(_("No chat channels."))
            return
        for channel in channels:
            state = _("enabled") if channel.enabled else _("disabled")
            self.stdout.write("  ".join([
                channel.site.hostname, channel.platform, channel.key, state,
                channel.name or "-", _("token %(hint)s") % {"hint": masked(channel.token)},
                webhook_url(channel, options["https"])]))

    def handle_webhook(self, options):
        channel = (Channel.objects.select_related("site")
                   .filter(key=options["key"].strip()).first())
        if channel is None:
            raise CommandError(_("No chat channel has the key %(key)s.") % {
                "key": options["key"].strip()})
        url = webhook_url(channel, options["https"])
        if channel.platform == Platform.WEBCHAT:
            self.stdout.write(_("The site chat needs no webhook."))
            return
        adapter = adapter_class(channel.platform)(channel)
        try:
            answer = adapter.register_webhook(url)
        except NotImplementedError:
            self.stdout.write(_("%(platform)s takes its webhook in its own console; paste:") % {
                "platform": channel.get_platform_display()})
            self.stdout.write(_("Callback URL: %(url)s") % {"url": url})
            self.stdout.write(_("Verify token: %(token)s") % {"token": channel.verify_token})
            return
        except WebhookError as error:
            raise CommandError(_("%(platform)s refused the webhook %(url)s: %(reason)s") % {
                "platform": channel.get_platform_display(), "url": url, "reason": error})
        self.stdout.write(_("%(platform)s will deliver to %(url)s (%(answer)s).") % {
            "platform": channel.get_platform_display(), "url": url, "answer": answer})
