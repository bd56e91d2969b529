"""Core's mass-email contract: tokens, one-click unsubscribe, headers, suppression list."""

import pytest
from django.utils import translation

from addons.core import mass_email
from addons.core.mass_email import (
    BadToken,
    Recipient,
    is_suppressed,
    list_unsubscribe_headers,
    read_unsubscribe_token,
    record_bounce,
    unsubscribe_handler,
    unsubscribe_token,
    unsubscribe_url,
)
from addons.core.models import EmailSuppression

ENDED: list[str] = []


@unsubscribe_handler("test-kind")
def _end(key):
    if key in ENDED:
        return False
    ENDED.append(key)
    return True


@pytest.fixture(autouse=True)
def _reset():
    ENDED.clear()
    with translation.override("en"):
        yield


def test_token_round_trip_and_shape():
    token = unsubscribe_token("test-kind", 42)
    assert read_unsubscribe_token(token) == ("test-kind", "42")
    assert read_unsubscribe_token(unsubscribe_token("k", "a:b")) == ("k", "a:b")
    # a dot-atom of URL-safe characters: fits a URL segment and a mailto local part
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert len(f"unsubscribe+{unsubscribe_token('bulletins', 123456)}") <= 64


@pytest.mark.parametrize("bad", ["", "garbage", "a.b", "x" * 600, None])
def test_malformed_tokens_are_refused(bad):
    with pytest.raises(BadToken):
        read_unsubscribe_token(bad)


def test_forged_token_is_refused():
    token = unsubscribe_token("test-kind", 1)
    payload, _sep, signature = token.partition(".")
    other = unsubscribe_token("test-kind", 2).partition(".")[0]
    with pytest.raises(BadToken):
        read_unsubscribe_token(f"{other}.{signature}")  # payload swapped
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(BadToken):
        read_unsubscribe_token(f"{payload}.{flipped}")


def test_token_of_another_salt_is_refused():
    from django.core import signing

    payload = signing.b64_encode(b"test-kind:1").decode()
    token = signing.Signer(salt="other", sep=".").sign(payload)
    with pytest.raises(BadToken):
        read_unsubscribe_token(token)


def test_headers(settings):
    settings.DEFAULT_FROM_EMAIL = "City hall <news@city.example>"
    token = unsubscribe_token("test-kind", 7)
    headers = list_unsubscribe_headers(token, "https://city.example/")
    assert headers == {
        "List-Unsubscribe": f"<https://city.example/unsubscribe/{token}/>, "
        f"<mailto:unsubscribe+{token}@city.example>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert unsubscribe_url(token, "https://city.example") == (
        f"https://city.example/unsubscribe/{token}/"
    )
    assert mass_email.token_from_address(f"unsubscribe+{token}@city.example") == token
    assert mass_email.token_from_address("someone@city.example") is None


def test_get_shows_confirmation_and_changes_nothing(client, site, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    token = unsubscribe_token("test-kind", "a")
    response = client.get(f"/unsubscribe/{token}/")
    assert response.status_code == 200
    assert b'method="post"' in response.content
    assert ENDED == []


def test_one_click_post_without_cookies_or_csrf(site, settings):
    from django.test import Client

    settings.LANGUAGE_CODE = "en"
    from addons.core.models import SiteProfile

    profile = SiteProfile.for_site(site)
    profile.default_language = "en"
    profile.save()
    token = unsubscribe_token("test-kind", "b")
    client = Client(enforce_csrf_checks=True)  # and no cookie at all
    response = client.post(
        f"/unsubscribe/{token}/",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert b"no longer receive" in response.content
    assert ENDED == ["b"]
    again = client.post(f"/unsubscribe/{token}/")
    assert again.status_code == 200
    assert b"already unsubscribed" in again.content
    assert ENDED == ["b"]


@pytest.mark.parametrize("language, text", [
    ("en", "This unsubscribe link is not valid"),
    ("uk", "Це посилання для відписки недійсне"),
])
def test_forged_token_page_is_404_with_translated_message(client, site, settings, language, text):
    token = unsubscribe_token("test-kind", "c")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for forged in (token[:-2] + "zz", "not-a-token"):
        response = client.get(f"/unsubscribe/{forged}/")
        assert response.status_code == 404
        assert text in response.content.decode()
        assert client.post(f"/unsubscribe/{forged}/").status_code == 404
    assert ENDED == []


def test_token_of_unknown_kind_is_404(client, site):
    token = unsubscribe_token("nobody-handles-this", 1)
    assert client.get(f"/unsubscribe/{token}/").status_code == 404
    assert client.post(f"/unsubscribe/{token}/").status_code == 404


@pytest.mark.django_db
def test_hard_bounce_suppresses_at_once():
    assert not is_suppressed("Ana@Example.org")
    record_bounce(" Ana@Example.org ", hard=True, reason="550 no such user")
    assert is_suppressed("ana@example.org")
    row = EmailSuppression.objects.get()
    assert (row.email, row.hard_bounces, row.last_reason) == ("ana@example.org", 1,
                                                              "550 no such user")
    assert mass_email.suppressed_among(["ANA@example.org", "b@example.org"]) == {
        "ana@example.org"
    }
    assert mass_email.lift_suppression("ana@example.org")
    assert not is_suppressed("ana@example.org")


@pytest.mark.django_db
def test_soft_bounces_suppress_after_the_limit(settings):
    settings.CIVICDESK_SOFT_BOUNCE_LIMIT = 3
    for _ in range(2):
        record_bounce("b@example.org", hard=False, reason="452 mailbox full")
    assert not is_suppressed("b@example.org")
    record_bounce("b@example.org", hard=False)
    assert is_suppressed("b@example.org")


def test_recipient_is_a_frozen_value():
    recipient = Recipient("a@example.org", name="Ana")
    assert recipient == Recipient("a@example.org", "Ana", "", None)
    with pytest.raises(AttributeError):
        recipient.email = "x@example.org"


def test_segment_registry_lists_declared_segments():
    from addons.core import registry
    from addons.core.addon import RecipientSegment

    segments = registry.recipient_segments()
    assert isinstance(segments, dict)
    for key, (addon, segment) in segments.items():
        assert isinstance(segment, RecipientSegment) and segment.key == key
        assert segment in addon.recipient_segments
