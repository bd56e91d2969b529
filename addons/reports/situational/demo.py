"""Demo: the situational map on the demo city's home page and on the pages of the
addressees that answer for report categories. Idempotent."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext


def attach_maps(site, *, addressees: int = 3) -> None:
    from addons.core.models import SiteProfile

    from ..models import ReportCategory, SituationalMap, SituationalMapPlacement

    language = SiteProfile.for_site(site).default_language or "en"
    with translation.override(language):
        title = gettext("Problems in the city")
        intro = gettext(
            "Problems citizens have reported, on the map and in a list. "
            "Choose a category, a status or dates to narrow it down."
        )
    snippet = SituationalMap.objects.filter(title=title).first()
    if snippet is None:
        snippet = SituationalMap.objects.create(title=title, intro=intro)
    responsible = (
        ReportCategory.objects.filter(site=site, responsible__isnull=False)
        .order_by("responsible__path")
        .values_list("responsible_id", flat=True)
        .distinct()
    )
    pages = [site.root_page_id, *list(dict.fromkeys(responsible))[:addressees]]
    for page_id in pages:
        if not SituationalMapPlacement.objects.filter(page_id=page_id).exists():
            SituationalMapPlacement.objects.create(page_id=page_id, map=snippet, sort_order=10)
