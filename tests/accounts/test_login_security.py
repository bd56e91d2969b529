"""Lock-out and throttling of the logins (security review, issue 11: findings 1, 5, 12, 15)."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

from addons.accounts import throttle

User = get_user_model()
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
PROXY = "10.0.0.1"


def post(client, url, username, password, ip="127.0.0.1", forwarded=None, **extra):
    headers = {"REMOTE_ADDR": ip}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(url, {"username": username, "password": password}, **headers, **extra)


def logged_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def sec_b(make_user):
    return make_user(email="sec.b@example.test", username="sec.b@example.test")


@pytest.fixture
def admin_user(make_user):
    return make_user(email="admin@city.example", username="admin", is_superuser=True,
                     is_staff=True)


# --- finding 1: one lock-out per account, whatever the letter case -------------------------


def test_citizen_lockout_covers_every_spelling(client, sec_b, password, figures):
    codes = [post(client, LOGIN, "sec.b@example.test", "wrong").status_code for _ in range(7)]
    assert codes == [200, 200, 200, 200, 429, 429, 429]
    spellings = ["SEC.B@EXAMPLE.TEST", "Sec.b@example.test", "sEC.B@EXAMPLE.TEST"]
    checked = 0
    for spelling in spellings:
        for _ in range(4):
            response = post(client, LOGIN, spelling, "wrong")
            checked += response.status_code == 200
            assert response.status_code == 429
    figures.add("logins", f"lock-out: {len(spellings) * 4} spellings tried, {checked} "
                "checked after the limit")
    right = post(client, LOGIN, "sEC.B@EXAMPLE.TEST", password)
    assert right.status_code == 429
    assert not logged_in(client)
    # one row per (account, address), under the account's own username
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == [
        "sec.b@example.test"
    ]


def test_admin_lockout_covers_every_spelling(client, admin_user, password, figures):
    codes = [post(client, ADMIN_LOGIN, "admin", "wrong").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    assert post(client, ADMIN_LOGIN, "admin", password).status_code == 429
    checked = 0
    for spelling in ("ADMIN", "Admin", "aDmIn", "admin@CITY.example"):
        response = post(client, ADMIN_LOGIN, spelling, password)
        checked += response.status_code != 429
        assert response.status_code == 429
    figures.add("logins", f"admin lock-out: 4 other spellings with the right password, "
                f"{checked} let in")
    assert not logged_in(client)


def test_unknown_logins_share_a_lockout_by_their_folded_spelling(client, db):
    for _ in range(5):
        post(client, LOGIN, "nobody@example.test", "wrong")
    assert post(client, LOGIN, "  NOBODY@Example.TEST ", "wrong").status_code == 429


def test_axes_username_callable_resolves_and_bounds(rf, sec_b):
    request = rf.post(LOGIN)
    assert throttle.axes_username(request, {"username": "SEC.B@example.TEST"}) == sec_b.username
    assert throttle.axes_username(request, {"username": " Who@Else "}) == "who@else"
    long_key = throttle.axes_username(request, {"username": "A" * 300_000})
    assert long_key.startswith("long:") and len(long_key) <= 255
    assert throttle.axes_username(request, {"username": None}) is None
    assert throttle.axes_username(rf.post(LOGIN, {"username": "x" * 1000}), None).startswith(
        "long:"
    )


# --- finding 12: over-long logins --------------------------------------------------------


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
@pytest.mark.parametrize("length", [255, 300_000])
def test_over_long_login_gets_the_form_error(client, sec_b, url, length):
    response = post(client, url, "a" * length, "wrong")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "at most 254 characters" in " ".join(errors["username"])
    assert not AccessAttempt.objects.exists()


def test_over_long_login_error_is_translated(client, db):
    client.cookies["civicdesk_language"] = "uk"
    response = post(client, LOGIN, "a" * 300, "wrong")
    assert response.status_code == 200
    assert "254" in response.content.decode() and "символ" in response.content.decode()


# --- finding 5: the client address behind the TLS proxy ----------------------------------


@override_settings(CIVICDESK_TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_one_client_does_not_lock_out_the_others(client, sec_b, password, figures):
    for _ in range(5):
        post(client, LOGIN, sec_b.email, "wrong", ip=PROXY, forwarded="203.0.113.1")
    assert post(client, LOGIN, sec_b.email, password, ip=PROXY,
                forwarded="203.0.113.1").status_code == 429
    let_in = 0
    for n in range(2, 11):
        other = client_class()
        response = post(other, LOGIN, sec_b.email, password, ip=PROXY,
                        forwarded=f"198.51.100.7, 203.0.113.{n}")
        let_in += response.status_code == 302
    figures.add("logins", f"proxy: 1 client locked out, {let_in} of 9 other clients logged in")
    assert let_in == 9
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.1"}


def client_class():
    from django.test import Client

    other = Client()
    other.cookies["civicdesk_language"] = "en"
    return other


@override_settings(CIVICDESK_TRUSTED_PROXY_COUNT=0)
def test_without_trusted_proxies_the_header_is_ignored(client, sec_b, password, figures):
    codes = [
        post(client, LOGIN, sec_b.email, "wrong", forwarded=f"203.0.113.{n}").status_code
        for n in range(1, 8)
    ]
    figures.add("logins", f"spoofed X-Forwarded-For: answers {codes}")
    assert codes[-1] == 429
    assert post(client, LOGIN, sec_b.email, password, forwarded="192.0.2.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


# --- finding 15: per-account and per-address throttling ------------------------------------


def test_password_spraying_from_one_address_is_refused_after_the_limit(client, make_user, figures):
    accounts = [make_user(email=f"user{n}@example.test", username=f"user{n}")
                for n in range(8)]
    limit = throttle.config()["ip_failures"]
    checked = refused = 0
    for _round in range(4):
        for account in accounts:
            response = post(client, LOGIN, account.email, "wrong-password")
            if response.status_code == 429:
                refused += 1
                assert "Too many failed login attempts" in response.content.decode()
            else:
                checked += 1
    figures.add("logins", f"spraying: 32 attempts on 8 accounts from one address, "
                          f"{checked} checked, "
                          f"{refused} refused (limit {limit})")
    assert checked == limit and refused == 32 - limit
    # another address is not affected
    assert post(client_class(), LOGIN, accounts[0].email, "wrong",
                ip="192.0.2.5").status_code == 200


def test_attackers_on_many_addresses_slow_but_cannot_lock_the_owner(
    make_user, password, clock, figures):
    owner = make_user(email="owner@example.test", username="owner@example.test")
    # the owner logged in once on their own browser: it is a known device
    browser = client_class()
    assert post(browser, LOGIN, owner.email, password, ip="192.0.2.10").status_code == 302
    assert throttle.DEVICE_COOKIE in browser.cookies
    browser.post("/accounts/logout/", REMOTE_ADDR="192.0.2.10")

    attacker = client_class()
    conf = throttle.config()
    checked = 0
    for n in range(20):  # 2 wrong passwords from each of 10 addresses
        response = post(attacker, LOGIN, owner.email.upper(), "wrong",
                        ip=f"203.0.113.{n % 10 + 1}")
        checked += response.status_code == 200
    figures.add("logins", f"per account: 20 attempts from 10 addresses, {checked} checked "
          f"(threshold {conf['account_failures']})")
    assert checked == conf["account_failures"]

    # the owner's known browser gets in at once, from a new address
    assert post(browser, LOGIN, owner.email, password, ip="192.0.2.11").status_code == 302

    # a browser without the cookie is slowed, with a translated wait message...
    stranger = client_class()
    slowed = post(stranger, LOGIN, owner.email, password, ip="192.0.2.12")
    assert slowed.status_code == 429
    assert "Please wait 30 seconds" in slowed.content.decode()
    assert slowed["Retry-After"] == "30"
    assert 'value="owner@example.test"' in slowed.content.decode()
    ukrainian = client_class()
    ukrainian.cookies["civicdesk_language"] = "uk"
    assert "зачекайте" in post(ukrainian, LOGIN, owner.email, password,
                               ip="192.0.2.12").content.decode()
    # ...but not locked out: after the wait the right password works
    clock.move(31)
    assert post(stranger, LOGIN, owner.email, password, ip="192.0.2.12").status_code == 302


def test_the_wait_grows_with_each_further_failure(make_user, clock, figures):
    owner = make_user(email="owner@example.test", username="owner@example.test")
    conf = throttle.config()
    attacker = client_class()
    for n in range(conf["account_failures"]):
        post(attacker, LOGIN, owner.email, "wrong", ip=f"203.0.113.{n + 1}")
    waits = []
    for _ in range(4):
        response = post(attacker, LOGIN, owner.email, "wrong", ip="198.51.100.1")
        assert response.status_code == 429
        wait = int(response["Retry-After"])
        waits.append(wait)
        clock.move(wait)
        # now the attempt is checked (and fails), so the next wait doubles
        assert post(attacker, LOGIN, owner.email, "wrong",
                    ip=f"198.51.100.{len(waits) + 1}").status_code == 200
    figures.add("logins", f"per account: waits after the threshold {waits} seconds")
    assert waits == [30, 60, 120, 240]
    # the wait never exceeds max_delay, and the failures are forgotten after the window
    clock.move(conf["window"] + 1)
    assert post(attacker, LOGIN, owner.email, "wrong", ip="198.51.100.9").status_code == 200


def test_a_forged_device_cookie_is_not_trusted(make_user, password, clock):
    owner = make_user(email="owner@example.test", username="owner@example.test")
    for n in range(throttle.config()["account_failures"]):
        post(client_class(), LOGIN, owner.email, "wrong", ip=f"203.0.113.{n + 1}")
    forger = client_class()
    from django.core import signing

    # unsigned, and signed with another salt
    forger.cookies[throttle.DEVICE_COOKIE] = f'{{"n": "x", "a": [{owner.pk}]}}'
    assert post(forger, LOGIN, owner.email, password, ip="192.0.2.20").status_code == 429
    forger.cookies[throttle.DEVICE_COOKIE] = signing.dumps({"n": "x", "a": [owner.pk]})
    assert post(forger, LOGIN, owner.email, password, ip="192.0.2.20").status_code == 429


def test_a_known_device_that_fails_too_often_is_no_longer_trusted(make_user, password, clock):
    owner = make_user(email="owner@example.test", username="owner@example.test")
    browser = client_class()
    post(browser, LOGIN, owner.email, password, ip="192.0.2.10")
    browser.post("/accounts/logout/")
    for n in range(throttle.config()["account_failures"]):
        post(client_class(), LOGIN, owner.email, "wrong", ip=f"203.0.113.{n + 1}")
    for n in range(throttle.config()["device_failures"]):
        assert post(browser, LOGIN, owner.email, "wrong",
                    ip=f"192.0.2.{30 + n}").status_code == 200
    assert post(browser, LOGIN, owner.email, password, ip="192.0.2.40").status_code == 429


def test_admin_login_is_throttled_too(admin_user, password, clock):
    for n in range(throttle.config()["account_failures"]):
        post(client_class(), ADMIN_LOGIN, "admin", "wrong", ip=f"203.0.113.{n + 1}")
    slowed = post(client_class(), ADMIN_LOGIN, "ADMIN", password, ip="192.0.2.50")
    assert "Too many failed login attempts" in slowed.content.decode()
    clock.move(31)
    assert post(client_class(), ADMIN_LOGIN, "admin", password,
                ip="192.0.2.50").status_code == 302


def test_device_cookie_flags(client, sec_b, password, settings):
    response = post(client, LOGIN, sec_b.email, password)
    cookie = response.cookies[throttle.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == throttle.config()["device_cookie_age"]


@pytest.mark.django_db
def test_wagtails_private_page_login_refuses_an_over_long_login(client):
    """Wagtail's own login view (/_util/login/, for private pages) runs through the same
    backend: a 300,000-character login is a failed login, not a database error."""
    response = client.post(
        reverse("wagtailcore_login"), {"username": "a" * 300_000, "password": "x"}
    )
    assert response.status_code in (200, 400)
