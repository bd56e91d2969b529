"""The mailings admin: listings render for webmasters, stay closed to other staff."""

import pytest

from .conftest import make_campaign

pytestmark = pytest.mark.django_db

LISTINGS = ["/admin/snippets/mailings/campaign/", "/admin/snippets/mailings/mailtemplate/",
            "/admin/snippets/mailings/recipientlist/"]


def test_listings_show_links_to_import_and_reports(staff_client, site, profile):
    campaign = make_campaign(site, emails=["ana@example.org"])
    pages = {url: staff_client.get(url) for url in LISTINGS}
    assert all(response.status_code == 200 for response in pages.values())
    assert f"/admin/casework/campaigns/{campaign.pk}/" in pages[LISTINGS[0]].content.decode()
    assert (f"/admin/mailings/lists/{campaign.recipient_list.pk}/import/"
            in pages[LISTINGS[2]].content.decode())


def test_other_staff_see_no_mailings(client, site, profile, django_user_model):
    from django.contrib.auth.models import Permission

    campaign = make_campaign(site, emails=["ana@example.org"])
    moderator = django_user_model.objects.create_user(username="mod", email="m@example.org",
                                                      password="x")
    moderator.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(moderator)
    for url in [*LISTINGS, f"/admin/casework/campaigns/{campaign.pk}/"]:
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert "ana@example.org" not in response.content.decode()
