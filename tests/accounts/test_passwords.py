import re

from django.core import mail
from django.test import override_settings
from django.urls import reverse


def test_password_reset_flow(client, citizen):
    page = client.get("/accounts/password/reset/")
    assert page.status_code == 200
    assert 'for="id_email"' in page.content.decode()
    response = client.post("/accounts/password/reset/", {"email": "OLENA@example.org"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/\S+/)", body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    set_url = form_page.redirect_chain[-1][0]
    mismatch = client.post(set_url, {"new_password1": "Brand-new-pass-77",
                                     "new_password2": "Brand-new-pass-78"})
    assert mismatch.status_code == 200
    assert mismatch.context["form"].errors["new_password2"]
    done = client.post(set_url, {"new_password1": "Brand-new-pass-77",
                                 "new_password2": "Brand-new-pass-77"})
    assert done["Location"] == reverse("accounts:password_reset_complete")
    citizen.refresh_from_db()
    assert citizen.check_password("Brand-new-pass-77")
    # the link is single-use
    reused = client.get(link, follow=True)
    assert not reused.context["validlink"]
    assert "not valid" in reused.content.decode()


def test_password_reset_for_unknown_address_says_the_same(client, db):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_reset_with_bad_email(client, db):
    response = client.post("/accounts/password/reset/", {"email": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]


@override_settings(CIVICDESK_ACCOUNTS_RATES={"password_reset": "100/h",
                                             "password_reset_email": "2/h"})
def test_password_reset_is_rate_limited(client, citizen):
    for _ in range(2):
        client.post("/accounts/password/reset/", {"email": citizen.email})
    response = client.post("/accounts/password/reset/", {"email": citizen.email})
    assert response.status_code == 429
    assert len(mail.outbox) == 2


def test_password_change(citizen_client, citizen, password):
    assert citizen_client.get("/accounts/password/change/").status_code == 200
    wrong = citizen_client.post("/accounts/password/change/", {
        "old_password": "not-mine", "new_password1": "Another-pass-55",
        "new_password2": "Another-pass-55"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["old_password"]
    weak = citizen_client.post("/accounts/password/change/", {
        "old_password": password, "new_password1": "123", "new_password2": "123"})
    assert weak.context["form"].errors["new_password2"]
    ok = citizen_client.post("/accounts/password/change/", {
        "old_password": password, "new_password1": "Another-pass-55",
        "new_password2": "Another-pass-55"})
    assert ok["Location"] == reverse("accounts:password_change_done")
    citizen.refresh_from_db()
    assert citizen.check_password("Another-pass-55")
    # still logged in
    assert citizen_client.get("/accounts/cabinet/").status_code == 200


def test_password_change_needs_login(client, db):
    response = client.get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
