"""``{% situational_map placement page as section %}``: what a situational map section on a
host page needs (the map, its default filters as a form, links to the list and feeds)."""

from django import template
from django.urls import reverse

from addons.addressees.models import AddresseePage

from ..situational.filters import ReportFilterForm, all_statuses, site_categories
from ..situational.views import map_context

register = template.Library()


@register.simple_tag(takes_context=True)
def situational_map(context, placement, page):
    from wagtail.models import Site

    request = context.get("request")
    site = Site.find_for_request(request) if request is not None else page.get_site()
    snippet = placement.map
    addressee = None
    if snippet.addressee_id:
        addressee = snippet.addressee
    elif snippet.follow_page_addressee and isinstance(page, AddresseePage):
        addressee = page
    initial = {
        "category": [category.code for category in snippet.categories.all()],
        "status": [status.code for status in snippet.statuses.all()],
        "state": snippet.state,
        "addressee": addressee.pk if addressee is not None else None,
    }
    form = ReportFilterForm(
        categories=site_categories(site),
        statuses=all_statuses(),
        site=site,
        initial=initial,
        auto_id=f"map-{placement.pk}-%s",
    )
    querystring = form.querystring()
    list_url = reverse("reports:situational:list")
    suffix = f"?{querystring}" if querystring else ""
    return {
        "map": snippet,
        "form": form,
        "dom_id": f"situational-map-{placement.pk}",
        "addressee": addressee,
        "map_data": map_context(site, querystring, addressee=addressee, zoom=snippet.zoom),
        "list_url": list_url + suffix,
        "rss_url": reverse("reports:situational:rss") + suffix,
        "atom_url": reverse("reports:situational:atom") + suffix,
    }
