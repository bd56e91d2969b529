"""RSS 2.0 and Atom 1.0 of the e-digest, for any filter (the digest's GET parameters)."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from . import services
from .views import _query_string, _site, filter_from_request

FEED_SIZE = 50


class DigestRssFeed(Feed):
    feed_type = Rss201rev2Feed
    url_name = "bulletins:rss"

    def get_object(self, request):
        site = _site(request)
        _form, spec = filter_from_request(request, site)
        # one Feed instance serves every request: the filter travels in the object
        return site, spec, _query_string(request, spec=spec)

    def title(self, obj):
        site, spec, _query = obj
        return _("%(site)s: bulletins (%(filter)s)") % {
            "site": site.site_name or site.hostname, "filter": services.describe_filter(spec)}

    def link(self, obj):
        query = obj[2]
        return reverse("bulletins:digest") + (f"?{query}" if query else "")

    def feed_url(self, obj):
        """``rel="self"``: this feed with its filters."""
        query = obj[2]
        return reverse(self.url_name) + (f"?{query}" if query else "")

    def description(self, obj):
        return services.describe_filter(obj[1])

    def items(self, obj):
        site, spec, _query = obj
        return services.with_details(services.digest(site, spec)[:FEED_SIZE])

    def item_title(self, item):
        return item.title  # plain text: the feed escapes it

    def item_description(self, item):
        return item.summary or strip_tags(item.body)[:500]

    def item_pubdate(self, item):
        return item.first_published_at

    def item_updateddate(self, item):
        return item.last_published_at or item.first_published_at

    def item_author_name(self, item):
        return item.addressee.title

    def item_categories(self, item):
        return [item.get_category_display(), *(tag.name for tag in item.tags.all())]

    def item_link(self, item):
        return item.get_absolute_url()


class DigestAtomFeed(DigestRssFeed):
    feed_type = Atom1Feed
    url_name = "bulletins:atom"
    subtitle = DigestRssFeed.description
