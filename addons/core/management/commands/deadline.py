"""``manage.py deadline <jurisdiction> <rule> <YYYY-MM-DD>``: the due date of a legal term."""

import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from addons.core.calendars import UnknownJurisdiction
from addons.core.deadlines import UnknownRule, due, get_term

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Command(BaseCommand):
    help = (
        "Print the last day of a legal term counted from the day of receipt, "
        "e.g. `deadline ua appeal 2026-01-31`. The date is on the last line (YYYY-MM-DD)."
    )

    def add_arguments(self, parser):
        parser.add_argument("jurisdiction", help="ua, ro or bg")
        parser.add_argument("rule", help="a rule of that jurisdiction, e.g. appeal, petition")
        parser.add_argument("start", help="the day of receipt, YYYY-MM-DD")

    def handle(self, *args, jurisdiction, rule, start, **options):
        if not _DATE_RE.match(start):
            raise CommandError(f"Malformed date {start!r}: expected YYYY-MM-DD.")
        try:
            received = date.fromisoformat(start)
        except ValueError as exc:
            raise CommandError(f"Invalid date {start!r}: {exc}.") from None
        try:
            term = get_term(rule, jurisdiction)
            result = due(received, rule, jurisdiction)
        except (UnknownJurisdiction, UnknownRule) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{jurisdiction.lower()} {rule}: {term.describe()} from {received}")
        self.stdout.write(result.isoformat())
