"""``manage.py staffing [--site HOST] [--check]``: who handles the records of every addressee
that receives work, site by site; ``--check`` fails when some would reach nobody."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Site

from addons.core import staffing


class Command(BaseCommand):
    help = (
        "List every addressee that receives work (an add-on's service attached to it) and "
        "who handles its records: its own staff, an addressee above it, the reception office "
        "or the administrators. With --check, exit with status 1 when a record could reach "
        "no active person."
    )

    def add_arguments(self, parser):
        parser.add_argument("--site", help="the hostname of one site (default: every site)")
        parser.add_argument("--check", action="store_true",
                            help="exit with status 1 if an addressee is handled by nobody")
        parser.add_argument("--language", help="language of the output (default: the site's)")

    def handle(self, *args, site=None, check=False, language=None, **options):
        sites = Site.objects.select_related("root_page").order_by("hostname", "port")
        if site:
            sites = sites.filter(hostname=site)
            if not sites:
                raise CommandError(f"No site with the hostname {site!r}.")
        unhandled = 0
        for one in sites:
            with translation.override(language or _site_language(one)):
                unhandled += self._site(one)
        if check and unhandled:
            with translation.override(language or translation.get_language()):
                message = ngettext(
                    "%(count)s addressee would leave records with nobody.",
                    "%(count)s addressees would leave records with nobody.", unhandled,
                ) % {"count": unhandled}
            raise CommandError(message)

    def _site(self, site) -> int:
        rows = staffing.overview(site)
        self.stdout.write(self.style.MIGRATE_HEADING(
            _("%(site)s (%(host)s)") % {"site": site.site_name or site.hostname,
                                        "host": site.hostname}))
        if not rows:
            self.stdout.write("  " + _("No addressee receives work on this site."))
        unhandled = 0
        for row in rows:
            line = f"  {row.addressee.title}: {staffing.describe(row.handling)}"
            if row.handling.source == staffing.NOBODY:
                unhandled += 1
                self.stdout.write(self.style.ERROR(line))
            else:
                self.stdout.write(line)
        absences = staffing.absences_today(site)
        for absence in absences:
            self.stdout.write("  " + _absence_line(absence))
        return unhandled


def _site_language(site) -> str:
    from addons.core.notifications import recipient_language

    return recipient_language(None, site)


def _absence_line(absence) -> str:
    values = {"person": staffing.person(absence.user), "ends": absence.ends.isoformat()}
    if absence.delegate_id:
        values["delegate"] = staffing.person(absence.delegate)
        return _("Away until %(ends)s: %(person)s, stood in for by %(delegate)s") % values
    return _("Away until %(ends)s: %(person)s, nobody stands in") % values
