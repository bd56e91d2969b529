"""Login throttling, on top of django-axes' lock-out of one (account, client address) pair.

- **One key per account.** A login is counted under the username of the account it
  resolves to (the same resolution as the login itself, so ``A@x`` and ``a@X`` are one
  account), else under the casefolded, stripped login. Axes reads it through
  ``AXES_USERNAME_CALLABLE`` (``axes_username``); the throttles below use it too.
- **Per account, across addresses.** Past ``account_failures`` failed logins within
  ``window`` seconds, from any addresses, the account may be tried once per ``delay``
  seconds, doubling with each further failure up to ``max_delay``. It is slowed, never
  locked: the owner gets in after the wait.
- **Known devices.** A successful login leaves a signed ``civicdesk_device`` cookie naming
  the account. A browser holding it is not slowed by the per-account or per-address
  throttles (its own failures count against that cookie instead: past
  ``device_failures`` it is treated as unknown).
- **Per address, across accounts** (password spraying). Past ``ip_failures`` failed logins
  from one client address within ``window`` seconds, further logins from it wait for the
  window to end.

Settings: ``CIVICDESK_LOGIN_THROTTLE`` (a dict overriding ``DEFAULTS``).
"""

from __future__ import annotations

import hashlib
import secrets
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django_ratelimit.core import get_usage

#: logins longer than this are never looked up (the login forms refuse them)
MAX_LOGIN_LENGTH = 254

DEFAULTS = {
    "account_failures": 10,
    "window": 15 * 60,
    "delay": 30,
    "max_delay": 5 * 60,
    "ip_failures": 20,
    "device_failures": 5,
    "device_cookie_age": 180 * 24 * 3600,
}

DEVICE_COOKIE = "civicdesk_device"
_DEVICE_SALT = "civicdesk.accounts.known-device"
#: accounts one browser remembers
_DEVICE_ACCOUNTS = 10


def config() -> dict:
    return {**DEFAULTS, **getattr(settings, "CIVICDESK_LOGIN_THROTTLE", {})}


def now() -> float:
    """The clock of the throttles and the session timeouts (tests move it)."""
    return time.time()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_login(login) -> str:
    text = str(login).strip().casefold()
    if len(text) > MAX_LOGIN_LENGTH:
        # never stored or looked up as typed: fits axes' 255-character column
        return "long:" + _digest(text)
    return text


def resolve(login, request=None) -> tuple[str, int | None]:
    """``(key, account id)`` of a login: the account's username and id when the login
    resolves to one, else the normalised login and None."""
    if login is None:
        return "", None
    login = str(login)
    memo = getattr(request, "_civicdesk_login_keys", None) if request is not None else None
    if memo is not None and login in memo:
        return memo[login]
    text = login.strip()
    user = None
    if text and len(text) <= MAX_LOGIN_LENGTH:
        User = get_user_model()
        current = getattr(request, "user", None)
        if getattr(current, "is_authenticated", False) and current.get_username() == text:
            user = current  # axes on a successful login passes the username itself
        else:
            user = User._default_manager.find_by_login(text)
    result = (user.get_username(), user.pk) if user is not None else (normalise_login(text), None)
    if request is not None:
        try:
            if memo is None:
                memo = request._civicdesk_login_keys = {}
            memo[login] = result
        except AttributeError:
            pass
    return result


def login_key(login, request=None) -> str:
    return resolve(login, request)[0]


def axes_username(request, credentials=None):
    """``AXES_USERNAME_CALLABLE``: lock-outs count per account, whatever the spelling."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        login = credentials.get(field)
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        login = data.get(field)
    if login is None:
        return None
    return login_key(login, request)


# --- known devices ------------------------------------------------------------------------


def _read_device(request) -> dict | None:
    raw = request.COOKIES.get(DEVICE_COOKIE) if request is not None else None
    if not raw or len(raw) > 4096:
        return None
    try:
        data = signing.loads(raw, salt=_DEVICE_SALT, max_age=config()["device_cookie_age"])
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("n"), str):
        return None
    accounts = data.get("a")
    if not isinstance(accounts, list):
        return None
    return {"n": data["n"], "a": [pk for pk in accounts if isinstance(pk, int)]}


def _device_key(nonce: str) -> str:
    return "accounts.login.device." + _digest(nonce)


def is_known_device(request, account_id) -> bool:
    """Whether this browser logged in to this account before and has not failed too often
    since."""
    if account_id is None:
        return False
    device = _read_device(request)
    if device is None or account_id not in device["a"]:
        return False
    return (cache.get(_device_key(device["n"])) or 0) < config()["device_failures"]


def remember_device(request, user) -> str:
    """The cookie value naming ``user`` (with the accounts this browser already had)."""
    device = _read_device(request) or {"n": secrets.token_urlsafe(16), "a": []}
    accounts = [pk for pk in device["a"] if pk != user.pk] + [user.pk]
    return signing.dumps({"n": device["n"], "a": accounts[-_DEVICE_ACCOUNTS:]},
                         salt=_DEVICE_SALT)


def set_device_cookie(response, value: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE, value, max_age=config()["device_cookie_age"],
        secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
    )


# --- counting -----------------------------------------------------------------------------


def _account_cache_key(key: str) -> str:
    return "accounts.login.failures." + _digest(key)


def _recent_failures(key: str) -> list[float]:
    window = config()["window"]
    moment = now()
    stamps = cache.get(_account_cache_key(key)) or []
    return [stamp for stamp in stamps if moment - stamp < window]


def _account_wait(key: str) -> int:
    conf = config()
    stamps = _recent_failures(key)
    over = len(stamps) - conf["account_failures"]
    if over < 0:
        return 0
    delay = min(conf["delay"] * (2 ** min(over, 20)), conf["max_delay"])
    wait = stamps[-1] + delay - now()
    return max(0, int(wait + 0.999))


def _ip_usage(request, increment: bool):
    conf = config()
    return get_usage(
        request, group="accounts.login_failures", key="ip",
        rate=f"{conf['ip_failures']}/{conf['window']}s", increment=increment,
    )


def _ip_wait(request) -> int:
    usage = _ip_usage(request, increment=False)
    if usage and usage["count"] >= usage["limit"]:
        return max(1, int(usage["time_left"]))
    return 0


def wait_seconds(request, login) -> int:
    """How long this client must wait before ``login`` may be tried; 0: it may now."""
    if request is None or not login:
        return 0
    key, account_id = resolve(login, request)
    if is_known_device(request, account_id):
        return 0
    return max(_account_wait(key), _ip_wait(request))


def record_failure(request, login) -> None:
    """Count one failed login (the password was checked and was wrong)."""
    if request is None or login is None:
        return
    key, account_id = resolve(login, request)
    conf = config()
    device = _read_device(request)
    if is_known_device(request, account_id):
        device_key = _device_key(device["n"])
        cache.add(device_key, 0, conf["window"])
        try:
            cache.incr(device_key)
        except ValueError:
            cache.set(device_key, 1, conf["window"])
    elif key:
        stamps = _recent_failures(key)
        stamps.append(now())
        # enough to know the count past the threshold and the last failure
        cache.set(_account_cache_key(key), stamps[-(conf["account_failures"] + 25):],
                  conf["window"])
    _ip_usage(request, increment=True)
