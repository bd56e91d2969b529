"""``manage.py read_bounces [--mbox PATH [--delete]]``: record bounces and mailed
unsubscribes from the bounce mailbox (IMAP from ``CIVICDESK_MAILINGS_IMAP`` by default)."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from addons.mailings import bounces


class Command(BaseCommand):
    help = "Record bounces and mailed unsubscribes from the bounce mailbox."

    def add_arguments(self, parser):
        parser.add_argument("--mbox", help="read this mbox file instead of IMAP")
        parser.add_argument("--delete", action="store_true",
                            help="remove processed messages from the mbox file")

    def handle(self, *args, mbox=None, delete=False, **options):
        if mbox:
            if not os.path.isfile(mbox):
                raise CommandError(f"No mbox file at {mbox}")
            counts = bounces.read_mbox(mbox, delete=delete)
        elif getattr(settings, "CIVICDESK_MAILINGS_IMAP", None):
            counts = bounces.read_imap()
        else:
            raise CommandError("Give --mbox PATH or set CIVICDESK_MAILINGS_IMAP.")
        self.stdout.write(
            f"bounces: {counts['bounce']}, unsubscribes: {counts['unsubscribe']}, "
            f"other messages: {counts['ignored']}"
        )
