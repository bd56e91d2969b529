"""Security review, issue 11: appeals never cross a municipality, filing is limited, the
anonymous draft is bounded, personal data is never cached, the PDF report escapes titles,
and out-of-range numbers are bad input, not a server error."""

import io
import random
import string
import uuid
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from wagtail.models import Site

from addons.addressees.models import AddresseeCatalogPage, AddresseePage, HomePage
from addons.appeals import services
from addons.appeals.models import Appeal, AppealAttachment, AppealFormPlacement, Status
from addons.core.models import SiteProfile

from .conftest import DATA, upload
from .desk import BULK_FORWARD, LIST, action, bulk_forward, export, locked, post

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999999"
API = "/api/v1/appeals/"


# --- a second town on the same installation ----------------------------------------------


@pytest.fixture
def town(home):
    """Valea Verde: a second site with its own addressee "Primar" and its moderator."""
    ro_home = home.get_parent().add_child(instance=HomePage(title="Acasă", slug="valea"))
    ro_site = Site.objects.create(hostname="valea.localhost", port=80, root_page=ro_home)
    SiteProfile.objects.update_or_create(
        site=ro_site, defaults={"jurisdiction": "ro", "default_language": "ro"}
    )
    catalog = ro_home.add_child(instance=AddresseeCatalogPage(title="Destinatari", slug="dest"))
    primar = catalog.add_child(instance=AddresseePage(title="Primar", slug="primar"))
    return {"site": ro_site, "primar": primar}


@pytest.fixture
def primar_moderator(make_user, town):
    return make_user("primarmod", moderates=[town["primar"]], is_staff=True)


@pytest.fixture
def appeal(file_one):
    return file_one(subject="SEC-CROSSSITE-1")


# --- 3. no appeal crosses a site ---------------------------------------------------------


def offered_targets(client, appeal, **kwargs):
    """The addressees the bulk forwarding's form offers for ``appeal``."""
    page = client.get(f"{BULK_FORWARD}?id={appeal.pk}", **kwargs)
    assert page.status_code == 200
    return page, {page.pk for page in page.context["form"].fields["to_addressee"].queryset}


def test_bulk_forward_to_another_towns_addressee_is_refused(
        client, moderator, primar_moderator, appeal, addressee, town):
    client.force_login(moderator)
    page, offered = offered_targets(client, appeal)
    assert town["primar"].pk not in offered
    assert f'value="{town["primar"].pk}"' not in page.content.decode()

    response = bulk_forward(client, [appeal], {"to_addressee": town["primar"].pk,
                                               "reason": "bulk"}, follow=True)
    assert response.status_code == 200
    assert "municipality" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.site_id == Site.objects.get(is_default_site=True).pk
    assert appeal.addressee_id == addressee.pk
    assert appeal.status == Status.REGISTERED

    client.force_login(primar_moderator)
    assert client.get(reverse("casework_appeals:inspect", args=[appeal.pk])).status_code == 404
    assert appeal.reference.encode() not in client.get(LIST).content
    token = Token.objects.create(user=primar_moderator)
    client.logout()
    api = client.get(f"{API}{appeal.pk}/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.status_code == 404


def test_bulk_form_offers_the_towns_of_the_user(client, superuser, appeal, addressee,
                                                other_addressee, town):
    """Several appeals at once: the addressees of the towns the user handles appeals of,
    named with their town when there are several; each appeal goes only to its own town's
    (the service refuses the others, appeal by appeal)."""
    client.force_login(superuser)
    page, offered = offered_targets(client, appeal)
    assert {other_addressee.pk, addressee.pk, town["primar"].pk} <= offered
    assert "Primar (" in page.content.decode()
    response = bulk_forward(client, [appeal], {"to_addressee": town["primar"].pk},
                            follow=True)
    assert "municipality" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.addressee_id == addressee.pk


def test_moderator_of_the_other_town_gets_its_own_addressees_on_any_host(
        client, primar_moderator, town, addressee):
    from addons.appeals.staff_forms import ForwardForm

    form = ForwardForm(record=None, user=primar_moderator)
    assert {page.pk for page in form.fields["to_addressee"].queryset} == {town["primar"].pk}


def test_service_refuses_a_target_of_another_site(appeal, moderator, superuser, town):
    for actor in (moderator, superuser):
        with pytest.raises(services.AppealError) as error:
            services.forward(appeal, actor, town["primar"], "no")
        assert "municipality" in str(error.value.message)
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED and appeal.forwarded_from_id is None


def test_single_forward_refuses_another_site(client, moderator, appeal, town):
    client.force_login(moderator)
    response = post(client, appeal, "forward", {"to_addressee": town["primar"].pk,
                                                "reason": "x"})
    assert response.status_code == 200
    assert "never forwarded to another municipality" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Status.REGISTERED


def test_legitimate_forwards_still_work(client, moderator, appeal, other_addressee, town):
    client.force_login(moderator)
    response = bulk_forward(client, [appeal], {"to_addressee": other_addressee.pk,
                                               "reason": "Parks"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.addressee_id == other_addressee.pk and appeal.status == Status.FORWARDED


def test_bulk_forward_of_an_appeal_outside_the_scope_is_refused(
        client, other_moderator, appeal, department, other_addressee):
    client.force_login(other_moderator)
    bulk_forward(client, [appeal], {"to_addressee": department.pk})
    appeal.refresh_from_db()
    assert appeal.addressee_id != department.pk and appeal.status == Status.REGISTERED


def test_department_filters_only_offer_its_own_towns_addressees(
        client, department_moderator, appeal, town):
    client.force_login(department_moderator)
    response = client.get(LIST)
    choices = {page.pk for page in response.context["filters"].form.fields["addressee"]
               .queryset}
    assert town["primar"].pk not in choices and appeal.addressee_id in choices
    report = client.get(reverse("appeals_admin:report"))
    choices = {value for value, _label in report.context["form"].fields["addressee"].choices}
    assert town["primar"].pk not in choices


# --- 9. limits on filing -----------------------------------------------------------------


def new_url(form, addressee):
    return f"{reverse('appeals:new', args=[form.pk])}?addressee={addressee.pk}"


def post_data(**extra):
    return {**DATA, "submission_token": str(uuid.uuid4()), **extra}


def test_the_eleventh_appeal_of_the_day_is_refused(client, citizen, appeal_form, addressee):
    client.force_login(citizen)
    for number in range(10):
        response = client.post(new_url(appeal_form, addressee),
                               post_data(subject=f"Appeal {number}"))
        assert response.status_code == 302
    response = client.post(new_url(appeal_form, addressee),
                           post_data(subject="The eleventh", text="My typed text, kept."))
    assert response.status_code == 429
    page = response.content.decode()
    assert "10 appeals" in page and "attach" in page
    assert "My typed text, kept." in page and "The eleventh" in page
    assert Appeal.objects.filter(author=citizen).count() == 10


def test_the_daily_limit_follows_the_setting(settings, client, citizen, appeal_form,
                                             addressee):
    settings.CIVICDESK_APPEALS_PER_DAY = 1
    client.force_login(citizen)
    assert client.post(new_url(appeal_form, addressee), post_data()).status_code == 302
    assert client.post(new_url(appeal_form, addressee), post_data()).status_code == 429
    # Yesterday's appeals do not count.
    Appeal.objects.update(received_at=timezone.now() - timedelta(days=2))
    assert client.post(new_url(appeal_form, addressee), post_data()).status_code == 302


def test_anonymous_filing_is_limited_per_address(settings, client, site, addressee):
    from addons.appeals.models import AppealForm

    settings.CIVICDESK_APPEALS_ANONYMOUS_PER_DAY = 2
    form = AppealForm.objects.create(site=site, title="Open form", requires_login=False)
    AppealFormPlacement.objects.create(page=addressee, form=form)
    for _number in range(2):
        assert client.post(new_url(form, addressee), post_data()).status_code == 200
    response = client.post(new_url(form, addressee), post_data(text="Anonymous text kept"))
    assert response.status_code == 429
    assert "Anonymous text kept" in response.content.decode()
    assert Appeal.objects.count() == 2


def test_storage_quota_is_refused_with_the_text_kept(settings, client, citizen, appeal_form,
                                                      addressee, file_one):
    settings.CIVICDESK_APPEALS_STORAGE_QUOTA_MB = 1
    earlier = file_one()
    AppealAttachment.objects.create(appeal=earlier, original_name="big.pdf", extension="pdf",
                                    size=1024 * 1024 - 10, content_type="application/pdf",
                                    uploaded_by=citizen, file="x")
    client.force_login(citizen)
    response = client.post(new_url(appeal_form, addressee), post_data(
        text="Quota text kept", attachments=[upload()]))
    assert response.status_code == 429
    page = response.content.decode()
    assert "Quota text kept" in page and "MB" in page and "attach" in page
    assert Appeal.objects.count() == 1
    # Without a file it still goes through; stored files older than 30 days do not count.
    assert client.post(new_url(appeal_form, addressee), post_data()).status_code == 302
    AppealAttachment.objects.update(created_at=timezone.now() - timedelta(days=31))
    response = client.post(new_url(appeal_form, addressee), post_data(attachments=[upload()]))
    assert response.status_code == 302


# --- 10. the anonymous draft -------------------------------------------------------------


def _session_sizes():
    return [len(row.session_data) for row in Session.objects.all()]


def test_a_huge_anonymous_post_leaves_a_small_session(client, appeal_form, addressee, figures):
    noise = random.Random(11)
    chunk = "".join(noise.choices(string.ascii_letters + string.digits, k=190_000))
    data = {f"text{index}": chunk for index in range(7)}
    data.update({"text": chunk, "subject": chunk, "applicant_name": chunk,
                 "extra_unknown": chunk, "submission_token": str(uuid.uuid4())})
    response = client.post(new_url(appeal_form, addressee), data)
    assert response.status_code == 403
    sizes = _session_sizes()
    figures.add("appeals", f"session row sizes after a 2.1 MB post: {sizes}")
    assert sizes and max(sizes) < 32 * 1024
    session = Session.objects.get().get_decoded()
    (draft,) = [value for key, value in session.items() if key.startswith("appeals_draft")]
    assert set(draft) <= {"subject", "text", "applicant_name", "submission_token"}
    assert not any(key.startswith("text") and key != "text" for key in draft)
    assert len(draft["text"]) <= 10_000 and len(draft["subject"]) <= 300


def test_a_normal_draft_is_kept_whole(client, appeal_form, addressee):
    text = "Яма на вулиці Головній. " * 300  # 7,200 characters of Cyrillic
    response = client.post(new_url(appeal_form, addressee),
                           post_data(text=text, applicant_name="Олена Громадянка"))
    assert response.status_code == 403
    session = Session.objects.get()
    assert len(session.session_data) < 32 * 1024
    (draft,) = [value for key, value in session.get_decoded().items()
                if key.startswith("appeals_draft")]
    assert draft["text"] == text and draft["applicant_name"] == "Олена Громадянка"


# --- 17. no caching of personal data -----------------------------------------------------


def _no_store(response):
    value = response.get("Cache-Control", "")
    return "no-store" in value and "private" in value


def test_api_responses_are_not_cached(client, citizen, appeal):
    token = Token.objects.create(user=citizen)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    for url in (API, f"{API}{appeal.pk}/", f"{API}?status=open"):
        response = client.get(url, **auth)
        assert response.status_code == 200 and _no_store(response), url


def test_appeal_pages_and_files_are_not_cached(client, citizen, moderator, site, appeal_form,
                                               addressee):
    from addons.appeals.uploads import check_for_form

    appeal, _created = services.file_appeal(
        site=site, form=appeal_form, addressee=addressee, author=citizen, data=DATA,
        files=check_for_form([upload("secret.pdf")], appeal_form))
    client.force_login(citizen)
    item = appeal.attachments.get()
    urls = [reverse("appeals:detail", args=[appeal.pk]), item.get_absolute_url(),
            reverse("appeals:mine")]
    for url in urls:
        assert _no_store(client.get(url)), url
    # A refused comment shows the appeal again.
    response = client.post(reverse("appeals:comment", args=[appeal.pk]), {"text": ""})
    assert response.status_code == 400 and _no_store(response)
    client.force_login(moderator)
    today = timezone.localdate().isoformat()
    for url in (LIST, reverse("casework_appeals:inspect", args=[appeal.pk]),
                LIST + "?export=csv", LIST + "?export=xlsx",
                f"{reverse('appeals_admin:report')}?start={today}&end={today}"):
        response = client.get(url)
        assert response.status_code == 200 and _no_store(response), url
    response = post(client, appeal, "note", {"text": ""})
    assert response.status_code == 200 and _no_store(response)


# --- 20. the PDF report escapes what it prints -------------------------------------------


def test_report_pdf_with_markup_in_the_title(client, moderator, appeal, addressee):
    pypdf = pytest.importorskip("pypdf")
    title = "Roads & Bridges <dept"
    AddresseePage.objects.filter(pk=addressee.pk).update(title=title)
    client.force_login(moderator)
    today = timezone.localdate().isoformat()
    response = client.get(reverse("appeals_admin:report"),
                          {"start": today, "end": today, "addressee": addressee.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert title in text


def test_pdf_bytes_escape_the_site_name():
    pypdf = pytest.importorskip("pypdf")
    from addons.appeals.reports import ReportFigures, pdf_bytes

    today = timezone.localdate()
    figures = ReportFigures(start=today, end=today, addressee_title="A <b>&",
                            site_name="Town <of> & Co")
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes(figures)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "A <b>&" in text and "Town <of> & Co" in text


# --- 12. out-of-range numbers ------------------------------------------------------------


@pytest.mark.postgres
def test_huge_addressee_when_filing_is_not_found(client, citizen, appeal_form, addressee):
    client.force_login(citizen)
    new = reverse("appeals:new", args=[appeal_form.pk])
    assert client.post(new, {**post_data(), "addressee": HUGE}).status_code == 404
    assert client.get(f"{new}?addressee={HUGE}").status_code == 404
    assert client.get(f"{new}?addressee=%C2%B2").status_code == 404
    assert client.get(f"/appeals/new/{HUGE}/?addressee={addressee.pk}").status_code == 404


@pytest.mark.postgres
def test_huge_ids_in_appeal_urls_are_not_found(client, citizen, superuser):
    client.force_login(citizen)
    for url in (f"/appeals/{HUGE}/", f"/appeals/{HUGE}/files/1/", f"/appeals/1/files/{HUGE}/"):
        assert client.get(url).status_code == 404, url
    for url in (f"/appeals/{HUGE}/comment/", f"/appeals/{HUGE}/resolve/",
                f"/appeals/{HUGE}/rate/"):
        assert client.post(url, {"text": "x", "rating": "5"}).status_code == 404, url
    client.force_login(superuser)
    assert client.get(f"/admin/appeals/{HUGE}/").status_code == 404
    assert client.post(f"/admin/appeals/{HUGE}/note/", {"note-text": "x"}).status_code == 404
    assert client.get(f"{API}{HUGE}/").status_code == 404


@pytest.mark.postgres
def test_huge_api_filters_answer_400_or_nothing(client, superuser, appeal):
    token = Token.objects.create(user=superuser)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    response = client.get(API, {"addressee": HUGE}, **auth)
    assert response.status_code == 400
    assert "addressee" in response.json()
    for params in ({"addressee": "-1"}, {"addressee": "x"}, {"status": "nonsense"},
                   {"received_from": "99999-01-01"}, {"received_to": "2026-13-45"},
                   {"due": "never"}):
        assert client.get(API, params, **auth).status_code == 400, params
    for params in ({"page": HUGE}, {"page_size": HUGE}, {"page": "-1"}, {"q": HUGE}):
        assert client.get(API, params, **auth).status_code in (200, 404), params
    assert client.get(API, {"addressee": appeal.addressee_id}, **auth).status_code == 200


@pytest.mark.postgres
def test_huge_values_in_admin_forms_and_filters(client, superuser, appeal):
    client.force_login(superuser)
    assert client.get(LIST, {"addressee": HUGE, "page": HUGE}).status_code == 200
    assert client.get(LIST, {"work": "mine", "addressee": HUGE}).status_code == 200
    assert export(client, "csv", {"addressee": HUGE}).status_code == 200
    today = timezone.localdate().isoformat()
    assert client.get(reverse("appeals_admin:report"),
                      {"start": today, "end": today, "addressee": HUGE}).status_code == 400
    response = bulk_forward(client, [HUGE], {"to_addressee": HUGE})
    assert response.status_code in (200, 302)
    response = client.post(action(appeal, "forward"), locked(appeal, {"to_addressee": HUGE}))
    assert response.status_code == 200 and response.context["form"].errors["to_addressee"]
    response = client.post(action(appeal, "reply"),
                           locked(appeal, {"template": HUGE, "text": "x"}))
    assert response.status_code == 200 and response.context["form"].errors["template"]
    assert not appeal.messages.exists()
    assert client.get(reverse("casework_appeals:inspect", args=[appeal.pk]),
                      {"template": HUGE}).status_code == 200
    assert client.get(reverse("appeals_admin:detail", args=[HUGE])).status_code == 404
    assert client.get(reverse("appeals:mine"), {"page": HUGE}).status_code == 200


def test_storage_quota_applies_to_comments_too(settings, client, citizen, file_one):
    settings.CIVICDESK_APPEALS_STORAGE_QUOTA_MB = 1
    appeal = file_one()
    AppealAttachment.objects.create(appeal=appeal, original_name="big.pdf", extension="pdf",
                                    size=1024 * 1024 - 10, content_type="application/pdf",
                                    uploaded_by=citizen, file="x")
    client.force_login(citizen)
    response = client.post(reverse("appeals:comment", args=[appeal.pk]),
                           {"text": "Comment text kept", "attachments": [upload()]})
    assert response.status_code == 400
    assert "Comment text kept" in response.content.decode()
    assert "MB" in response.content.decode()
    assert not appeal.messages.exists()
