"""``manage.py classify_report "<text>"``: the classifier's top category codes with scores,
best first, then the best code alone on the last line (easy to use in a script)."""

from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Site

from addons.reports import triage


class Command(BaseCommand):
    help = "Suggest category codes for a problem report's description."

    def add_arguments(self, parser):
        parser.add_argument("text", nargs="+", help="the report's description")
        parser.add_argument("--limit", type=int, default=3, help="how many codes (default 3)")
        parser.add_argument("--site", help="hostname or id of a site: its model and categories")
        parser.add_argument("--retrain", action="store_true",
                            help="train the model again first (seed set and routed reports)")

    def handle(self, *args, text, limit, site, retrain, **options):
        text = " ".join(text).strip()
        if not text:
            raise CommandError("The text is empty: give the description of a report.")
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        site_obj = self._site(site) if site else None
        if retrain:
            figures = triage.retrain(site_obj)
            self.stderr.write(
                f"Trained on {figures['examples']} examples ({figures['reports']} reports) "
                f"in {figures['seconds']}s."
            )
        scores = triage.suggest(text, site=site_obj, limit=limit)
        if not scores:
            raise CommandError("No category to suggest: the site has no active categories.")
        for code, score in scores:
            self.stdout.write(f"{code}\t{score:.3f}")
        self.stdout.write(scores[0][0])

    def _site(self, value: str):
        lookup = {"pk": int(value)} if value.isdigit() else {"hostname": value}
        site = Site.objects.filter(**lookup).first()
        if site is None:
            raise CommandError(f"No site {value!r}.")
        return site
