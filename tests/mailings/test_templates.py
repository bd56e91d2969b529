"""Mail templates: an unknown placeholder is refused when the template is saved."""

import pytest
from django.core.exceptions import ValidationError

from addons.mailings import placeholders
from addons.mailings.models import MailTemplate, MailTemplateVariant

pytestmark = pytest.mark.django_db


def test_allowed_placeholders_render():
    text = "Dear {name} ({email}), {municipality}: {site} {list} {unsubscribe_url} {{x}}"
    placeholders.validate_placeholders(text)
    assert placeholders.render(text, {"name": "Ana", "email": "a@e.org", "municipality": "M",
                                      "site": "S", "list": "L", "unsubscribe_url": "U"}) == (
        "Dear Ana (a@e.org), M: S L U {x}")


@pytest.mark.parametrize("text, message", [
    ("Hello {first_name}", "Unknown placeholder: {first_name}"),
    ("Hello {name} {dear}", "Unknown placeholder: {dear}"),
    ("Hello {name", "A brace is not closed"),
    ("Hello {name.__class__}", "A brace is not closed or the placeholder is not a plain name"),
    ("Hello {name!r}", "not a plain name"),
    ("Hello {0}", "not a plain name"),
])
def test_unknown_or_malformed_placeholder_is_refused(text, message):
    with pytest.raises(ValidationError) as error:
        placeholders.validate_placeholders(text)
    assert message in " ".join(error.value.messages)


def test_model_refuses_an_unknown_placeholder(template):
    variant = MailTemplateVariant(template=template, language="uk", subject="Hi {nme}",
                                  body="Body {name}")
    with pytest.raises(ValidationError) as error:
        variant.full_clean()
    assert "subject" in error.value.message_dict
    assert "{nme}" in error.value.message_dict["subject"][0]


def _admin_data(site, subject, body):
    return {
        "name": "Water", "site": site.pk, "default_language": "en",
        "variants-TOTAL_FORMS": "1", "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "1", "variants-MAX_NUM_FORMS": "1000",
        "variants-0-language": "en", "variants-0-subject": subject, "variants-0-body": body,
        "variants-0-ORDER": "1", "variants-0-id": "", "variants-0-DELETE": "",
    }


def test_admin_form_refuses_unknown_placeholder_and_keeps_the_text(staff_client, site):
    url = "/admin/snippets/mailings/mailtemplate/add/"
    body = "Dear {name}, see {unknown_thing}. A long text typed by the webmaster."
    response = staff_client.post(url, _admin_data(site, "Water off", body))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Unknown placeholder: {unknown_thing}" in content
    assert "A long text typed by the webmaster." in content  # nothing typed is lost
    assert not MailTemplate.objects.exists()


def test_admin_form_saves_a_good_template(staff_client, site):
    url = "/admin/snippets/mailings/mailtemplate/add/"
    response = staff_client.post(url, _admin_data(site, "Water off", "Dear {name}"))
    assert response.status_code == 302
    template = MailTemplate.objects.get()
    assert template.variants.get().body == "Dear {name}"


def test_variant_for_language_falls_back_to_the_default(site, profile):
    from .conftest import make_template

    template = make_template(site, en=("E", "e"), uk=("У", "у"))
    assert template.variant_for("uk").subject == "У"
    assert template.variant_for("bg").subject == "E"
