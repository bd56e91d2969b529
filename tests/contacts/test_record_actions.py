"""From the caller pop-up and the person's record an operator goes on to the work: filing on
the person's behalf (with the call), logging a visit, callbacks; an operator who may change
persons confirms an identity from the record, saying how they checked it."""

import pytest
from django.contrib.auth.models import Permission

from addons.accounts.models import Identity, Verification
from addons.contacts.models import Interaction

from .conftest import make_staff
from .helpers import add_identity, person_with_phone, refused


@pytest.mark.django_db
def test_the_popup_offers_filing_for_the_caller_with_the_call(operator_client, operator, site):
    taras = person_with_phone(site, "Taras Melnyk", "+380441234567")
    call = Interaction.objects.create(site=site, call_id="c-1", from_number="+380441234567",
                                      person=taras, operator=operator, state="answered")
    html = operator_client.get("/admin/contacts/call/",
                               {"from": "+380441234567", "call": "c-1"}).content.decode()
    assert f"/admin/contacts/file/?person={taras.pk}&amp;interaction={call.pk}" in html


@pytest.mark.django_db
def test_the_record_leads_to_filing_logging_and_callbacks(operator_client, site):
    taras = person_with_phone(site, "Taras Melnyk", "+380441234567")
    html = operator_client.get(f"/admin/contacts/persons/{taras.pk}/").content.decode()
    assert f"/admin/contacts/file/?person={taras.pk}" in html
    assert f"/admin/contacts/interactions/new/?person={taras.pk}" in html
    assert f"/admin/contacts/callbacks/?person={taras.pk}" in html
    # an operator who may not change persons is not offered to confirm identities
    assert "Confirmed by me" not in html


@pytest.mark.django_db
def test_an_operator_confirms_an_identity_from_the_record(client, site):
    supervisor = make_staff("iryna")
    supervisor.user_permissions.add(Permission.objects.get(codename="change_person"))
    client.force_login(supervisor)
    taras = person_with_phone(site, "Taras Melnyk", "+380441234567")
    email = add_identity(taras, "email", "taras@example.org", verified=False)
    record = f"/admin/contacts/persons/{taras.pk}/"
    html = client.get(record).content.decode()
    assert "Confirmed by me" in html and "Send a confirmation link" in html
    response = client.post(f"/admin/persons/identities/{email.pk}/verify/",
                           {"note": "Read it back on the phone", "next": record})
    assert response.status_code == 302 and response["Location"] == record
    email = Identity.objects.get(pk=email.pk)
    assert email.verified and email.verified_how == Verification.OPERATOR
    assert email.verified_by == supervisor
    assert "Confirmed by me" not in client.get(record).content.decode()


def _supervisor(client, name="iryna"):
    supervisor = make_staff(name)
    supervisor.user_permissions.add(Permission.objects.get(codename="change_person"))
    client.force_login(supervisor)
    return supervisor


@pytest.mark.django_db
def test_confirming_on_the_record_itself_goes_back_to_it_with_its_filters(client, site):
    supervisor = _supervisor(client)
    taras = person_with_phone(site, "Taras Melnyk", "+380441234567")
    email = add_identity(taras, "email", "taras@example.org", verified=False)
    record = f"/admin/contacts/persons/{taras.pk}/?since=2026-01-01"
    response = client.post(record, {"identity": email.pk, "note": " Read it back "})
    assert response.status_code == 302 and response["Location"] == record
    email = Identity.objects.get(pk=email.pk)
    assert email.verified_by == supervisor and email.verification_note == "Read it back"


@pytest.mark.django_db
@pytest.mark.parametrize(("note", "error"), [
    ("", "Say how you checked it."),
    ("   ", "Say how you checked it."),
    ("Called back " + "x" * 500, "Ensure this value has at most 500 characters"),
])
def test_confirming_without_a_proper_note_shows_the_record_again_with_what_was_typed(
        client, site, note, error):
    _supervisor(client)
    taras = person_with_phone(site, "Taras Melnyk", "+380441234567")
    email = add_identity(taras, "email", "taras@example.org", verified=False)
    phone = add_identity(taras, "phone", "+380671112233", verified=False)
    record = f"/admin/contacts/persons/{taras.pk}/?since=2026-01-01&until=2026-12-31"
    response = client.post(record, {"identity": email.pk, "note": note})
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html and f'id="verify-note-error-{email.pk}"' in html
    # the note typed is kept in its own form, not in the other identity's
    assert f'value="{note}" aria-invalid="true"' in html
    assert f'id="verify-note-{phone.pk}" name="note" required maxlength="500">' in html
    # and the timeline's filters typed before
    assert 'value="2026-01-01"' in html and 'value="2026-12-31"' in html
    assert f'action="{record.replace("&", "&amp;")}#identity-{email.pk}"' in html
    assert not Identity.objects.get(pk=email.pk).verified


@pytest.mark.django_db
def test_confirming_an_identity_of_another_person_or_town_is_not_found(client, site):
    from tests.conftest import add_town

    _supervisor(client)
    taras = person_with_phone(site, "Taras Melnyk", "+380441234567")
    other = person_with_phone(site, "Ivan Petrenko", "+380441234568", verified=False)
    town = add_town("town2.example")
    stranger = person_with_phone(town, "Maria Popescu", "+40721234567", verified=False)
    for identity in (other.identities.get(), stranger.identities.get()):
        response = client.post(f"/admin/contacts/persons/{taras.pk}/",
                               {"identity": identity.pk, "note": "Seen the passport"})
        assert response.status_code == 404
        assert not Identity.objects.get(pk=identity.pk).verified
    response = client.post(f"/admin/contacts/persons/{taras.pk}/",
                           {"identity": "first", "note": "Seen the passport"})
    assert response.status_code == 404


@pytest.mark.django_db
def test_an_operator_who_may_not_change_persons_cannot_confirm(operator_client, site):
    taras = person_with_phone(site, "Taras Melnyk", "+380441234567")
    email = add_identity(taras, "email", "taras@example.org", verified=False)
    response = operator_client.post(f"/admin/contacts/persons/{taras.pk}/",
                                    {"identity": email.pk, "note": "Seen the passport"})
    assert refused(response)
    assert not Identity.objects.get(pk=email.pk).verified


@pytest.mark.django_db
def test_a_town_starts_with_wrap_up_codes_in_its_language_once(site):
    from django.apps import apps

    from addons.contacts.apps import ContactsConfig
    from addons.contacts.models import WrapUpCode
    from addons.core.models import SiteProfile
    from tests.conftest import add_town

    SiteProfile.objects.update_or_create(site=site, defaults={"default_language": "uk"})
    config = apps.get_app_config("contacts")
    assert isinstance(config, ContactsConfig)
    config.setup(site)
    config.setup(site)  # idempotent
    titles = list(WrapUpCode.objects.filter(site=site).values_list("title", flat=True))
    assert len(titles) == 6 and "Інформацію надано" in titles
    town = add_town("town2.example", jurisdiction="ro", language="ro")
    config.setup(town)
    assert "Informații oferite" in WrapUpCode.objects.filter(site=town).values_list(
        "title", flat=True)
