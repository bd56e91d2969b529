"""The client address behind the TLS proxy (security review, issue 11, finding 5)."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory
from django_ratelimit.core import is_ratelimited

from addons.core.clientip import client_ip

PROXY = "10.0.0.1"


def request(forwarded=None, remote=PROXY):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/", **meta)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_settings_point_every_reader_at_it():
    assert settings.RATELIMIT_IP_META_KEY == "addons.core.clientip.client_ip"
    assert settings.AXES_CLIENT_IP_CALLABLE == "addons.core.clientip.client_ip"
    assert settings.CIVICDESK_TRUSTED_PROXY_COUNT == 0  # the default: no proxy trusted


@pytest.mark.parametrize("forwarded", [None, "203.0.113.5", "203.0.113.5, 198.51.100.1"])
def test_without_trusted_proxies_the_header_is_ignored(settings, forwarded):
    settings.CIVICDESK_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(forwarded)) == PROXY


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.5", "203.0.113.5"),
        # a client's own (forged) entries stay on the left
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        (1, " 203.0.113.5 ", "203.0.113.5"),
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (1, "2001:db8::1", "2001:db8::1"),
        (1, "[2001:db8::1]", "2001:db8::1"),
        # malformed, missing or too short: the proxy's own address
        (1, None, PROXY),
        (1, "", PROXY),
        (1, "not-an-ip", PROXY),
        (1, "203.0.113.5:443", PROXY),
        (1, "203.0.113.5, <script>", PROXY),
        (1, "999.1.1.1", PROXY),
        (2, "203.0.113.5", PROXY),
        (1, "1.1.1.1," * 1000 + "203.0.113.5", PROXY),
    ],
)
def test_the_nth_address_from_the_right(settings, count, forwarded, expected):
    settings.CIVICDESK_TRUSTED_PROXY_COUNT = count
    assert client_ip(request(forwarded)) == expected


def test_ten_clients_behind_one_proxy_each_get_their_own_quota(settings, figures):
    """Every add-on's ``key="ip"`` limit (reports, surveys, registration...) counts per
    client, not per proxy."""
    settings.CIVICDESK_TRUSTED_PROXY_COUNT = 1
    served = []
    for client in range(1, 11):
        answers = [
            not is_ratelimited(request(f"203.0.113.{client}"), group="reports.new", key="ip",
                               rate="5/h", increment=True)
            for _ in range(7)
        ]
        served.append(sum(answers))
    figures.add("client address", f"client address: 10 clients behind one proxy, served "
                f"{served} of 7 each (5/h)")
    assert served == [5] * 10


def test_with_count_zero_a_forged_header_buys_no_quota(settings, figures):
    settings.CIVICDESK_TRUSTED_PROXY_COUNT = 0
    answers = [
        not is_ratelimited(request(f"203.0.113.{n}"), group="reports.new", key="ip",
                           rate="5/h", increment=True)
        for n in range(7)
    ]
    figures.add("client address", f"client address: 7 forged X-Forwarded-For, {sum(answers)} "
                "served")
    assert sum(answers) == 5
