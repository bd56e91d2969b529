"""The cabinet's "Follow my reports in a chat": links that open a town's Telegram or Viber
bot with a start token signed for the citizen's account, so the chat joins their record
(``linking``)."""

from __future__ import annotations

from wagtail.models import Site

from . import linking
from .models import Channel

#: the platforms whose deep links carry a start token
LINKED_PLATFORMS = ("telegram", "viber")


def cabinet_context(request) -> dict:
    """``{"chat_links": [{"platform", "name", "url"}]}`` for the signed-in citizen."""
    user = request.user
    site = Site.find_for_request(request)
    if site is None or not user.is_authenticated:
        return {"chat_links": []}
    token = linking.make_start_token(site, user)
    links = []
    for channel in Channel.objects.filter(site=site, enabled=True,
                                          platform__in=LINKED_PLATFORMS):
        url = linking.deep_link(channel, token)
        if url:
            links.append({"platform": channel.get_platform_display(),
                          "name": channel.name, "url": url})
    return {"chat_links": links}
