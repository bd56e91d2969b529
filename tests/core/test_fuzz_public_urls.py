"""Every public URL answers malformed input with a page (4xx), never a server error.

The test walks Django's URL resolver for every public route (not /admin/, not
/django-admin/), fills its path parameters with real ids and codes of a demo-like city and
town (the demo data, two sites) and with malformed values, and sends GET and POST with
malformed fields: NUL characters, 300,000-character strings, numbers beyond any database
column, impossible dates, lone quotes and backslashes, non-ASCII digits, and, in the JSON
APIs, lists and objects where a value is expected. It prints

    fuzz: N requests, M 5xx

with the first failures, and asserts that M is 0.
"""

from __future__ import annotations

import collections
import io
import json
import os
import re
import sys
import time
import uuid

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

HOSTS = {"ua": "127.0.0.1:8000", "ro": "ro.localhost:8000"}
SKIPPED_PREFIXES = ("admin/", "django-admin/")
#: routes whose POST would end the session the rest of the walk uses
LOGS_OUT = {"accounts:logout", "accounts:delete_account"}

HUGE = "99999999999999999999999999"
LONG = "x" * 300_000
BAD_DATE = "2026-13-45T25:61:61+99:99"
#: malformed values for form fields and query parameters
VALUES = [HUGE, "-1", BAD_DATE, "0001-01-01", "9999-12-31", "9999-12-31T23:59:59", '"',
          "'%\\\u0661\u0662\u0663", "0", "0001-01-01T00:00:00"]
#: what a parameter a view reads gets, one at a time
SHARP_VALUES = [HUGE, "-1", BAD_DATE, "0001-01-01T00:00:00", "9999-12-31", '"']
#: values of a path segment; an <int:> segment only takes digits
PATH_INT_VALUES = ["0", HUGE]
PATH_STR_VALUES = ["%00", "%22%27%25%5C", "\u0661\u0662\u0663", "x" * 5000, HUGE]
#: in a JSON body: what a typed API does not expect
JSON_VALUES = [[1, 2], {"a": 1}, None, True, 10**30, -1, 0, BAD_DATE,
               "0001-01-01T00:00:00", "9999-12-31T23:59:59", "a\x00b", "x" * 300_000, '"']
COMMON_FIELDS = ["addressee", "category", "q", "page", "start", "start_date", "end_date",
                 "token", "username", "email", "service", "status", "id", "text"]
#: a POST body stays under Django's DATA_UPLOAD_MAX_MEMORY_SIZE: long values go in groups
LONG_FIELDS_PER_REQUEST = 6

# -- the city and the town --------------------------------------------------------------


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo city and town with a citizen's appeal, ticket, report and subscription,
    loaded once for the module inside a transaction that is rolled back afterwards."""
    media = tmp_path_factory.mktemp("fuzz-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        cache.clear()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("load_demo", stdout=io.StringIO())
            yield _records()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            cache.clear()


def _first(model_path, field="pk", **filters):
    from django.apps import apps

    app_label, name = model_path.split(".")
    try:
        model = apps.get_model(app_label, name)
    except LookupError:
        return None
    value = model.objects.filter(**filters).order_by("pk").values_list(field, flat=True).first()
    return None if value is None else str(value)


def _records() -> dict:
    """Real ids and codes per path parameter (by url name, then by parameter name)."""
    from django.contrib.auth import get_user_model
    from wagtail.models import Site

    User = get_user_model()
    citizen = User.objects.get(username="citizen")
    site = Site.objects.get(is_default_site=True)
    made = _make_records(site, citizen)
    by_name = {
        "appeals:new": {"form_id": _first("appeals.AppealForm", site=site)},
        "appeals": {"pk": made.get("appeal") or _first("appeals.Appeal"),
                    "attachment_pk": _first("appeals.AppealAttachment")},
        "reports": {"number": _first("reports.Report", "tracking_number", site=site),
                    "pk": _first("reports.ReportPhoto"),
                    "token": _first("reports.Subscription", "token")},
        "reports-open311": {"code": _first("reports.ReportCategory", "code", site=site),
                            "request_id": _first("reports.Report", "tracking_number",
                                                 site=site),
                            "token_id": str(uuid.uuid4()), "fmt": "json"},
        "queues": {"queue_id": _first("queues.Queue", site=site),
                   "code": made.get("ticket") or _first("queues.Ticket", "code"),
                   "pk": _first("queues.TicketFile"), "action": "call", "fmt": "csv",
                   "token": "calendar"},
        "queues-api": {"queue_id": _first("queues.Queue", site=site),
                       "code": made.get("ticket") or _first("queues.Ticket", "code")},
        "surveys": {"pk": _first("surveys.Survey", site=site),
                    "token": _first("surveys.Invitation", "token") or "invitation"},
        "bulletins": {"pk": _first("bulletins.Bulletin", site=site),
                      "token": "confirmation"},
        "bulletins:change": {"pk": made.get("subscription")},
        "bulletins:end": {"pk": made.get("subscription")},
        "addressees": {"page_id": _first("addressees.AddresseePage",
                                         path__startswith=site.root_page.path)},
        "accounts": {"pk": _first("core.Notification", recipient=citizen) or "1",
                     "token": "token", "uidb64": "MQ", },
        "core": {"token": "token"},
        "": {"restriction_id": "1", "page_view_restriction_id": "1", "page_id": "1"},
    }
    pages = {}
    for key, site_obj in (("ua", site), ("ro", Site.objects.get(hostname="ro.localhost"))):
        root = site_obj.root_page.specific
        urls = [root.get_url_parts()[2]]
        for page in root.get_descendants().live().specific().order_by("depth", "path")[:400]:
            kind = type(page).__name__
            if sum(1 for known in pages.get(key, ()) if known[0] == kind) < 2:
                pages.setdefault(key, []).append((kind, page.get_url_parts()[2]))
        pages[key] = [("HomePage", urls[0]), *pages.get(key, [])]
    moderator = User.objects.filter(groups__isnull=False, is_superuser=False,
                                    is_staff=True).order_by("pk").first() or User.objects.filter(
        groups__isnull=False, is_superuser=False).order_by("pk").first()
    return {"by_name": by_name, "pages": pages, "citizen": citizen, "moderator": moderator}


def _make_records(site, citizen) -> dict:
    """A record of each kind the citizen's pages show, made through the add-ons' services
    where the demo has none (a kind that cannot be made is walked with malformed ids only)."""
    made = {}
    try:
        from addons.appeals.models import AppealForm, AppealFormPlacement
        from addons.appeals.services import file_appeal

        form = AppealForm.objects.filter(site=site).first()
        placement = AppealFormPlacement.objects.filter(form=form).first() if form else None
        if placement is not None:
            appeal, _created = file_appeal(
                site=site, form=form, addressee=placement.page.specific, author=citizen,
                data={"applicant_name": "Fuzz Citizen", "applicant_address": "1 Main St",
                      "applicant_email": citizen.email, "subject": "Fuzz", "text": "Fuzz text"})
            made["appeal"] = str(appeal.pk)
    except Exception as error:  # noqa: BLE001 - the walk goes on with malformed ids
        print(f"fuzz: no appeal made ({error!r})")
    try:
        from addons.bulletins.models import Subscription

        made["subscription"] = str(Subscription.objects.create(
            site=site, user=citizen, email=citizen.email, frequency="daily").pk)
    except Exception as error:  # noqa: BLE001
        print(f"fuzz: no subscription made ({error!r})")
    try:
        from addons.queues.models import Ticket

        ticket = Ticket.objects.order_by("pk").first()
        if ticket is not None:
            made["ticket"] = ticket.code
    except Exception as error:  # noqa: BLE001
        print(f"fuzz: no ticket found ({error!r})")
    return made


# -- the routes -------------------------------------------------------------------------


Route = collections.namedtuple("Route", "template name params")
_GROUP = re.compile(r"\(\?P<(\w+)>[^()]*\)|\((?!\?)[^()]*\)")
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _template(route: str) -> tuple[str, list[tuple[str, str]]]:
    """A route (path() converters, re_path() groups or both) as a str.format template and
    its parameters as (name, kind)."""
    params: list[tuple[str, str]] = []
    counter = iter(range(100))

    def group(match):
        name = match.group(1) or f"_{next(counter)}"
        params.append((name, "regex"))
        return "{" + name + "}"

    def converter(match):
        params.append((match.group(2), match.group(1) or "str"))
        return "{" + match.group(2) + "}"

    text = route.replace("{", "{{").replace("}", "}}")
    text = _GROUP.sub(group, text)
    text = text.replace("^", "").replace("$", "").replace("\\.", ".").replace("\\-", "-")
    return _CONVERTER.sub(converter, text), params


def public_routes() -> list[Route]:
    routes = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if route.lstrip("^").startswith(SKIPPED_PREFIXES):
                    continue
                if pattern.name == "wagtail_serve":  # pages: walked by their real URLs
                    continue
                name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
                routes.append(Route(*_template(route)[:1], name, _template(route)[1]))

    walk(get_resolver().url_patterns, "", "")
    return routes


def _real(records, route: Route) -> dict[str, str]:
    by_name = records["by_name"]
    namespace = route.name.rsplit(":", 1)[0] if ":" in route.name else ""
    top = route.name.split(":", 1)[0] if ":" in route.name else ""
    values = {}
    for name, kind in route.params:
        for key in (route.name, namespace, top, ""):
            value = by_name.get(key, {}).get(name)
            if value:
                values[name] = value
                break
        else:
            values[name] = "1" if kind in ("int", "regex") else "x"
    return values


def _bad_values(kind: str) -> list[str]:
    return PATH_INT_VALUES if kind == "int" else PATH_STR_VALUES


# -- the requests -----------------------------------------------------------------------


class Tally:
    def __init__(self):
        self.requests = 0
        self.failures: list[tuple[str, str, str, str]] = []  # (url name, method, url, cause)

    def check(self, response, name, method, url):
        self.requests += 1
        if response.status_code >= 500:
            cause = f"HTTP {response.status_code}"
            if getattr(response, "exc_info", None):
                error = response.exc_info[1]
                text = str(error).splitlines()[0][:90] if str(error) else ""
                cause = f"{type(error).__name__}: {text}"
            self.failures.append((name, method, url[:120], cause))


def _form_fields(html: str) -> list[str]:
    names = re.findall(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"', html)
    return [name for name in dict.fromkeys(names) if name != "csrfmiddlewaretoken"]


def _latin(fields, values):
    """len(values) bodies in which every field gets every value once, the fields of one
    body holding different values (a view that stops at its first bad field still sees
    the others' values in other bodies)."""
    for shift in range(len(values)):
        yield {field: values[(index + shift) % len(values)]
               for index, field in enumerate(fields)}


def _long_bodies(fields):
    for start in range(0, len(fields), LONG_FIELDS_PER_REQUEST):
        group = fields[start:start + LONG_FIELDS_PER_REQUEST]
        yield {field: (LONG if field in group else "x") for field in fields}


class ReadKeys:
    """The query parameters a view reads (QueryDict.get, [], getlist, in), to send each of
    them malformed on its own: a view that checks one parameter first must not hide
    another's crash."""

    def __init__(self):
        self.keys: list[str] = []

    def __enter__(self):
        from django.http import QueryDict

        self.saved = {name: getattr(QueryDict, name)
                      for name in ("get", "__getitem__", "getlist", "__contains__")}
        keys = self.keys

        def wrap(original):
            def reading(querydict, key, *args, **kwargs):
                if isinstance(key, str) and key not in keys:
                    keys.append(key)
                return original(querydict, key, *args, **kwargs)
            return reading

        for name, original in self.saved.items():
            setattr(QueryDict, name, wrap(original))
        return self

    def __exit__(self, *exc):
        from django.http import QueryDict

        for name, original in self.saved.items():
            setattr(QueryDict, name, original)


def _is_api(route: Route) -> bool:
    return route.template.startswith(("api/", "open311/"))


#: routes whose answer does not depend on parameters and costs much: one GET
STATIC = {"api-schema"}


def _walk_route(tally, clients, records, route: Route):
    real = _real(records, route)
    url = "/" + route.template.format(**real)
    citizen = clients["citizen"]
    # the path: every parameter malformed in turn
    for name, kind in route.params:
        if name == "fmt":
            continue
        for bad in _bad_values(kind):
            bad_url = "/" + route.template.format(**{**real, name: bad})
            tally.check(citizen.get(bad_url), route.name, "GET", bad_url)
    if route.name in STATIC:
        tally.check(citizen.get(url), route.name, "GET", url)
        return
    identities = ["anonymous", "citizen"]
    if "desk" in route.name and "staff" in clients:
        identities.append("staff")  # the reception desk: a moderator's pages
    for who in identities:
        client = clients[who]
        with ReadKeys() as read:
            page = client.get(url)
        tally.check(page, route.name, "GET", url)
        fields = COMMON_FIELDS + [field for field in _form_fields(
            page.content.decode("utf-8", "replace")) if field not in COMMON_FIELDS]
        if who != "anonymous":
            # each parameter the view reads, malformed on its own; then all at once
            for key in read.keys:
                for value in SHARP_VALUES:
                    response = client.get(url, {key: value})
                    tally.check(response, route.name, "GET", f"{url}?{key}={value[:20]!r}")
            for query in _latin(COMMON_FIELDS, VALUES[:3]):
                response = client.get(url, query)
                tally.check(response, route.name, "GET", f"{url}?{query}"[:120])
        if who == "citizen" and route.name in LOGS_OUT:
            continue
        for body in _latin(fields, VALUES):
            response = client.post(url, body)
            tally.check(response, route.name, "POST", f"{url} {body}"[:120])
        if who == "citizen":
            for body in _long_bodies(fields):
                response = client.post(url, body)
                tally.check(response, route.name, "POST", f"{url} 300,000 characters")
        if _is_api(route) and who != "anonymous":
            for body in _latin(fields[:20], JSON_VALUES):
                response = client.post(url, json.dumps(body), content_type="application/json")
                tally.check(response, route.name, "POST json", f"{url} {body}"[:120])
            for raw in (json.dumps([1, 2]), "{not json", json.dumps("text")):
                response = client.post(url, raw, content_type="application/json")
                tally.check(response, route.name, "POST json", f"{url} {raw}")


def _walk_pages(tally, clients, records):
    for key, pages in records["pages"].items():
        client = Client(raise_request_exception=False, HTTP_HOST=HOSTS[key])
        client.force_login(records["citizen"])
        for _kind, path in pages:
            tally.check(client.get(path), "page", "GET", path)
            for query in _latin(COMMON_FIELDS, VALUES[:4]):
                tally.check(client.get(path, query), "page", "GET", f"{path}?{query}"[:120])
            response = client.post(path, {field: "x" for field in COMMON_FIELDS})
            tally.check(response, "page", "POST", path)
        for bad in PATH_STR_VALUES:
            path = f"/{bad}/"
            tally.check(client.get(path), "page", "GET", path)


def _report(tally, started, figures):
    figures.add("fuzz", f"{tally.requests} requests to public URLs, {len(tally.failures)} 5xx "
                        f"({time.monotonic() - started:.0f} s)")
    grouped = collections.defaultdict(list)
    for name, method, url, cause in tally.failures:
        grouped[(name, cause)].append(f"{method} {url}")
    for (name, cause), examples in sorted(grouped.items()):
        print(f"  {name}: {cause} ({len(examples)}x, e.g. {examples[0]})")


@override_settings(RATELIMIT_ENABLE=False, AXES_ENABLED=False)
def test_no_public_url_answers_5xx_to_malformed_input(city, db, settings, capsys, figures):
    started = time.monotonic()
    logging_off = __import__("logging").getLogger("django.request")
    level = logging_off.level
    logging_off.setLevel(100)  # the 500s are counted below, not logged one by one
    try:
        tally = Tally()
        clients = {"anonymous": Client(raise_request_exception=False, HTTP_HOST=HOSTS["ua"]),
                   "citizen": Client(raise_request_exception=False, HTTP_HOST=HOSTS["ua"])}
        if city["moderator"] is not None:
            clients["staff"] = Client(raise_request_exception=False, HTTP_HOST=HOSTS["ua"])
        routes = public_routes()
        assert len(routes) > 50
        timings = collections.Counter()
        only = os.environ.get("FUZZ_ONLY")  # a regular expression, while working on one area
        for route in routes:
            if only and not re.search(only, route.name):
                continue
            route_started = time.monotonic()
            clients["citizen"].force_login(city["citizen"])
            if "staff" in clients and "desk" in route.name:
                clients["staff"].force_login(city["moderator"])
            _walk_route(tally, clients, city, route)
            timings[route.name] = time.monotonic() - route_started
            if os.environ.get("FUZZ_VERBOSE"):
                print(f"{route.name} {timings[route.name]:.1f}s {tally.requests}",
                      file=sys.stderr, flush=True)
        _walk_pages(tally, clients, city)
    finally:
        logging_off.setLevel(level)
    failures = tally.failures
    with capsys.disabled():
        _report(tally, started, figures)
        print("  slowest:", ", ".join(f"{name} {seconds:.1f}s"
                                      for name, seconds in timings.most_common(12)))
    assert not failures, failures[:20]
