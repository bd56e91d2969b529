"""Two towns on one installation: each registers its appeals from AP-<year>-000001 and every
lookup (pages, the API's search by reference) finds the town's own appeal."""

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.authtoken.models import Token

from addons.addressees.models import AddresseeCatalogPage, AddresseePage
from addons.appeals.models import Appeal, AppealForm, AppealFormPlacement
from tests.conftest import add_town

from .conftest import DATA

pytestmark = pytest.mark.django_db
TOWN2 = "town2.example"


@pytest.fixture
def town2(site):
    site2 = add_town(TOWN2, jurisdiction="ua")
    home2 = site2.root_page
    catalog = home2.add_child(instance=AddresseeCatalogPage(title="Addressees", slug="a2"))
    mayor = catalog.add_child(instance=AddresseePage(title="Town 2 mayor", slug="t2-mayor"))
    form = AppealForm.objects.create(site=site2, title="Appeal to town 2")
    AppealFormPlacement.objects.create(page=mayor, form=form)
    return {"site": site2, "addressee": mayor, "form": form}


def _file(client, form, addressee, subject, host):
    url = f"{reverse('appeals:new', args=[form.pk])}?addressee={addressee.pk}"
    data = {**DATA, "subject": subject, "submission_token": str(uuid.uuid4())}
    return client.post(url, data, HTTP_HOST=host)


def test_web_form_files_on_both_towns_with_their_own_numbers(client, citizen, site, profile,
                                                             appeal_form, addressee, town2):
    client.force_login(citizen)
    first = _file(client, appeal_form, addressee, "Town one appeal", site.hostname)
    assert first.status_code == 302, first.content.decode()[:2000]
    second = _file(client, town2["form"], town2["addressee"], "Town two appeal", TOWN2)
    assert second.status_code == 302, second.content.decode()[:2000]
    one = Appeal.objects.get(site=site)
    two = Appeal.objects.get(site=town2["site"])
    assert one.reference == two.reference and one.reference.endswith("-000001")
    token = Token.objects.create(user=citizen)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    for host, appeal, other in ((site.hostname, one, two), (TOWN2, two, one)):
        page = client.get(reverse("appeals:detail", args=[appeal.pk]), HTTP_HOST=host)
        assert page.status_code == 200 and appeal.subject in page.content.decode()
        assert client.get(reverse("appeals:detail", args=[other.pk]),
                          HTTP_HOST=host).status_code == 404
        # the API of a town searches that town's appeals
        found = client.get("/api/v1/appeals/", {"q": appeal.reference}, HTTP_HOST=host,
                           **auth).json()["results"]
        assert [row["id"] for row in found] == [appeal.pk]
        assert client.get(f"/api/v1/appeals/{other.pk}/", HTTP_HOST=host,
                          **auth).status_code == 404


def test_a_reference_is_unique_within_a_town(file_one, site):
    appeal = file_one()
    twin = Appeal.objects.get(pk=appeal.pk)
    twin.pk = None
    twin.submission_token = None
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()
