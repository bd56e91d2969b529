"""Every demo town: each addressee that receives work has staff (its own or an addressee's
above it), each town has its reception office, and ``staffing --check`` passes."""

import io

from django.core.management import call_command
from wagtail.models import Site

from addons.core import staffing
from addons.core.models import StaffingSettings


def test_demo_towns_pass_the_staffing_check(demo):
    out = io.StringIO()
    call_command("staffing", "--check", stdout=out)  # raises (exit 1) when someone is missing
    towns = Site.objects.exclude(root_page__depth=1)
    assert towns.count() >= 3
    for site in towns:
        options = StaffingSettings.for_site(site)
        assert options.reception_office_id, site
        assert options.reception_office.user_set.filter(is_active=True).exists(), site
        assert options.leadership_id, site
        rows = staffing.overview(site)
        assert rows, site
        fallbacks = [row.addressee.title for row in rows
                     if row.handling.source not in (staffing.DIRECT, staffing.INHERITED)]
        assert not fallbacks, (site, fallbacks)
