"""``manage.py voice_line``: the status line configured from the command line, its webhook
URL printed for the provider's console."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from addons.contacts.models import PhoneEndpoint
from tests.conftest import add_town


def run(*args):
    out = StringIO()
    call_command("voice_line", *args, stdout=out)
    return out.getvalue()


def test_configures_the_line_and_prints_the_url(site):
    town = add_town("town2.example.org")
    out = run("--site", "town2.example.org", "--token", "secret-1",
              "--transfer", "044 123 45 67", "--languages", "uk,en")
    assert "https://town2.example.org/contacts/voice/" in out
    line = PhoneEndpoint.objects.get(site=town)
    assert line.voice_token == "secret-1" and line.voice_enabled
    assert line.transfer_number == "+380441234567"
    assert line.voice_languages == "uk,en"
    assert not PhoneEndpoint.objects.filter(site=site).exists()
    # run again: the same row, the token changed, the rest kept
    run("--site", "town2.example.org", "--token", "secret-2")
    line = PhoneEndpoint.objects.get(site=town)
    assert line.voice_token == "secret-2" and line.voice_languages == "uk,en"
    run("--site", "town2.example.org", "--token", "secret-2", "--off")
    assert not PhoneEndpoint.objects.get(site=town).voice_enabled


@pytest.mark.parametrize(("args", "message"), [
    (["--site", "nowhere.example.org", "--token", "x"], "No site"),
    (["--site", "localhost", "--token", " "], "cannot be empty"),
    (["--site", "localhost", "--token", "x", "--transfer", "12"], "not a phone number"),
    (["--site", "localhost", "--token", "x", "--languages", "uk,de"], "does not speak de"),
])
def test_bad_input_changes_nothing(site, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not PhoneEndpoint.objects.exists()
