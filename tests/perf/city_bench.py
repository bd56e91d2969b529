#!/usr/bin/env python
"""City-size benchmark (part of ``make bench``): every public page end to end over HTTP,
against a stock Wagtail site served beside it, at the demo's size and at a real city's.

Both sites run under gunicorn with 2 sync workers on PostgreSQL with DEBUG off: CivicDesk
with its production settings and Redis, the stock site made at run time by
``wagtail start`` (its own scratch database, nothing of it kept). ``wrk`` measures each
public page of two towns (home, catalog, an addressee page with specialists, the
situational center, its GeoJSON at city and at street zoom, the e-digest, Open311
requests, the deputies' receptions, survey results, queue booking), interleaved with the
bare Wagtail home page in every round. Printed per page: the median over the rounds of
the bare page's requests per second over the page's and of the page's median latency
over the bare page's (goal: at most 2x), the SQL queries of one warm request, and the
machine's load. Then the city/demo ratio of each page (goal: at most 1.2x, the same
query count at both sizes) and each worker's memory against a bare Wagtail worker's
(goal: at most 1.3x).

The demo size is what ``manage.py load_demo`` makes; the city size grows every table of
both towns at once with the other benchmarks' builders (``city_builders.py``: about 2,100
addressees, 42 deputies with receptions, 200,000 problem reports, 100,000 bulletins,
1,000,000 appeals, 100,000 survey answers, three quarters in the first town).

Needs PostgreSQL: ``BENCH_DATABASE_URL`` (or ``DATABASE_URL``) names a server and a database
there; the scratch databases ``<name>_city_bench`` and ``<name>_city_bench_bare`` are
created beside it and dropped at the end (``--keep`` keeps them). Redis: ``REDIS_URL`` or
``redis://127.0.0.1:6379/<--redis-db>``; give the benchmark a database of its own (its
cache keys carry a prefix of their own and are deleted at the end). Without PostgreSQL or
``wrk`` it says so and exits 0. The figures never fail the run (exit status 0); a summary
lists what missed its goal.
"""

from __future__ import annotations

import argparse
import atexit
import io
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.perf.harness import (  # noqa: E402
    bench_environment,
    bench_url,
    describe_machine,
    drop_database,
    scratch_database,
    setup_django,
)

PAGES = (
    ("home", "home page"),
    ("catalog", "catalog"),
    ("addressee", "addressee page with specialists"),
    ("situational", "situational center"),
    ("geojson_city", "GeoJSON, city zoom"),
    ("geojson_street", "GeoJSON, street zoom"),
    ("digest", "e-digest"),
    ("open311", "Open311 requests"),
    ("receptions", "deputies' receptions"),
    ("survey", "survey results"),
    ("booking", "queue booking (signed in)"),
)
#: the demo towns measured (load_demo's first and third: every add-on is on in both)
TOWNS = ("127.0.0.1", "bg.localhost")
#: pages only a signed-in citizen sees (measured with the demo citizen's session cookie)
SIGNED_IN = {"booking"}
GOAL_BARE = 2.0
GOAL_CITY = 1.2
GOAL_MEMORY = 1.3
WRK = shutil.which("wrk") or "/usr/bin/wrk"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=("demo", "city", "both"), default="both",
                        help="measure the demo, the city, or both in turn with their ratios "
                             "(default: both)")
    parser.add_argument("--demo-and-city", dest="size", action="store_const", const="both",
                        help="the same as --size both")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="share of the city's reports, bulletins, appeals and answers "
                             "(0.1 for a quick run; addressees and deputies stay full size)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=2, help="wrk connections")
    parser.add_argument("--redis-db", type=int, default=15,
                        help="Redis database when REDIS_URL is unset (default 15)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    return parser.parse_args(argv)


# -- servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn master with 2 sync workers, started in a session of its own."""

    def __init__(self, name: str, app: str, cwd: Path, env: dict, port: int, log: Path):
        self.name, self.port = name, port
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", app, "--workers", "2", "--worker-class", "sync",
             "--bind", f"127.0.0.1:{port}", "--timeout", "300", "--error-logfile", str(log)],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_ready(self, host: str, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited; see {self.log}:\n"
                                   + self.log.read_text(errors="replace")[-2000:])
            try:
                fetch(self.port, host, "/", timeout=30)
                if len(self.workers()) >= 2:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name}: no answer on port {self.port} in {seconds:.0f} s")

    def workers(self) -> list[int]:
        """The worker processes: the master's children."""
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                children.append(int(entry.name))
        return sorted(children)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def stop_all(servers: list) -> None:
    while servers:
        servers.pop().stop()


def memory_of(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of a process in MiB."""
    rss = pss = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
    except OSError:
        pass
    return rss, pss


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is the answer (wrk does not follow it either)


OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(port: int, host: str, path: str, timeout: float = 120,
          cookie: str = "") -> tuple[int, bytes]:
    headers = {"Host": host, **({"Cookie": cookie} if cookie else {})}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def make_bare_wagtail(directory: Path, env: dict) -> None:
    """``wagtail start bare`` in ``directory``, on the scratch database env names, migrated,
    its static files collected; DEBUG off (its production settings)."""
    directory.mkdir(parents=True)
    wagtail = Path(sys.executable).with_name("wagtail")
    subprocess.run([str(wagtail), "start", "bare", str(directory)], check=True,
                   stdout=subprocess.DEVNULL)
    (directory / "bare" / "settings" / "local.py").write_text(
        "import os\n\nimport dj_database_url\n\n"
        "DEBUG = False\n"
        "SECRET_KEY = os.environ['SECRET_KEY']\n"
        "ALLOWED_HOSTS = ['*']\n"
        "DATABASES = {'default': dj_database_url.parse(os.environ['DATABASE_URL'], "
        "conn_max_age=60)}\n"
        "STATIC_ROOT = os.environ['STATIC_ROOT']\n"
    )
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run([sys.executable, "manage.py", *command, "-v0"], cwd=directory, env=env,
                       check=True)


# -- the pages -----------------------------------------------------------------------------


def discover(site, port: int) -> dict[str, str]:
    """The public URLs of ``site`` measured, by page key (a page the town lacks: absent)."""
    from django.urls import NoReverseMatch, reverse

    from addons.addressees.models import AddresseePage, Specialist
    from addons.queues.models import Queue
    from addons.surveys.models import Survey
    from tests.perf.city_builders import report_area, town_pages
    from tests.perf.reports_bench import viewport

    def path_of(page) -> str:
        return page.get_url_parts()[2]

    def named(name, *args, query=""):
        try:
            return reverse(name, args=args) + query
        except NoReverseMatch:
            return None

    home, catalog = town_pages(site)
    urls = {"home": path_of(home)}
    if catalog is not None:
        urls["catalog"] = path_of(catalog)
    with_people = (Specialist.objects.filter(page__in=AddresseePage.objects.live()
                                             .descendant_of(home))
                   .order_by("page__path").values_list("page_id", flat=True).first())
    if with_people:
        urls["addressee"] = path_of(AddresseePage.objects.get(pk=with_people))
    urls["situational"] = named("reports:situational:list")
    (lat, lng), (half_lat, half_lng) = report_area(site)
    city = (lng - half_lng, lat - half_lat, lng + half_lng, lat + half_lat)
    street = viewport(lat, lng, 17)
    geojson = named("reports-api:geojson")
    if geojson:
        for key, box, zoom in (("geojson_city", city, 12), ("geojson_street", street, 17)):
            urls[key] = (f"{geojson}?bbox={box[0]:.6f},{box[1]:.6f},{box[2]:.6f},{box[3]:.6f}"
                         f"&zoom={zoom}")
    urls["digest"] = named("bulletins:digest")
    urls["open311"] = named("reports-open311:requests", "json")
    urls["receptions"] = named("queues-receptions:list")
    survey = (Survey.objects.filter(site=site, public_results=True)
              .order_by("-key", "pk").first())
    if survey is not None:
        urls["survey"] = named("surveys:results", survey.pk)
    queue = (Queue.objects.filter(site=site, active=True).exclude(addressee__kind="deputy")
             .order_by("pk").first())
    service = queue.services.order_by("pk").first() if queue else None
    if service is not None:
        urls["booking"] = named("queues:book", queue.pk, query=f"?service={service.pk}")
    return {key: url for key, url in urls.items() if url}


def count_queries(client, host: str, port: int, url: str) -> int | None:
    """SQL queries of one warm render (the second request) through Django's test client, in
    this process, on the same database and cache as the servers. The whole-page cache is
    off here: what is counted is what rendering the page costs (a kept page costs at most
    Wagtail's lookup of the site)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    headers = {"HTTP_HOST": f"{host}:{port}", "SERVER_PORT": str(port)}
    with override_settings(CIVICDESK_PAGE_CACHE_SECONDS=0):
        client.get(url, **headers)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, **headers)
    if response.status_code != 200:
        print(f"  {host}{url}: the in-process request answered {response.status_code} "
              f"{response.get('Location', '')}")
        return None
    return len(captured)


# -- wrk -----------------------------------------------------------------------------------


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk(port: int, host: str, path: str, args, cookie: str = "") -> dict:
    """Requests per second and median latency (ms) of ``path`` under wrk."""
    command = [WRK, "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
               "--timeout", "60s", "-H", f"Host: {host}",
               *(["-H", f"Cookie: {cookie}"] if cookie else []),
               f"http://127.0.0.1:{port}{path}"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 120
                            ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if not rps or not p50:
        raise RuntimeError(f"wrk said:\n{output}")
    return {"rps": float(rps.group(1)), "p50": float(p50.group(1)) * UNITS[p50.group(2)],
            "non2xx": int(errors.group(1)) if errors else 0}


def measure(product: Server, bare: Server, targets: dict, args, label: str) -> dict:
    """Interleaved rounds: the bare home page, every page, the bare home page again; per
    page the medians over the rounds of the ratios to the round's bare figures."""
    load_start = os.getloadavg()
    bare_host = f"localhost:{bare.port}"
    for host, url, cookie in targets.values():  # warm every cache first
        for _ in range(3):
            fetch(product.port, host, url, cookie=cookie)
    for _ in range(3):
        fetch(bare.port, bare_host, "/")
    rounds = {target: [] for target in targets}
    bare_rounds = []
    started = time.perf_counter()
    for number in range(args.rounds):
        before = wrk(bare.port, bare_host, "/", args)
        figures = {target: wrk(product.port, host, url, args, cookie)
                   for target, (host, url, cookie) in targets.items()}
        after = wrk(bare.port, bare_host, "/", args)
        baseline = {"rps": (before["rps"] + after["rps"]) / 2,
                    "p50": (before["p50"] + after["p50"]) / 2}
        bare_rounds.append(baseline)
        for target, figure in figures.items():
            rounds[target].append({**figure, "rps_ratio": baseline["rps"] / figure["rps"],
                                   "lat_ratio": figure["p50"] / baseline["p50"]})
        print(f"  [{label}] round {number + 1}/{args.rounds} done "
              f"({time.perf_counter() - started:.0f} s, load {os.getloadavg()[0]:.2f})",
              flush=True)
    result = {}
    for target, values in rounds.items():
        result[target] = {key: statistics.median(v[key] for v in values)
                          for key in ("rps", "p50", "rps_ratio", "lat_ratio")}
        result[target]["non2xx"] = sum(v["non2xx"] for v in values)
    return {"pages": result, "load": (load_start, os.getloadavg()),
            "bare": {key: statistics.median(b[key] for b in bare_rounds)
                     for key in ("rps", "p50")}}


# -- one size ------------------------------------------------------------------------------


def clear_cache(redis_url: str, prefix: str) -> None:
    """Delete the benchmark's cache keys (its own prefix) from Redis."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start:start + 1000])


def citizen_client():
    """A test client signed in as the demo's citizen, and its session cookie."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    users = get_user_model().objects.filter(is_active=True, is_staff=False, is_superuser=False)
    citizen = users.filter(username="citizen").first() or users.order_by("pk").first()
    client.force_login(citizen)
    name = settings.SESSION_COOKIE_NAME
    return client, f"{name}={client.cookies[name].value}"


def run_size(label, towns, urls, product, bare, args, redis_url, prefix) -> dict:
    """Status, queries and wrk figures of every page of every town at the current size."""
    from django.test import Client

    clear_cache(redis_url, prefix)
    anonymous = Client()
    signed_in, cookie = citizen_client()
    statuses, queries, targets = {}, {}, {}
    for town in towns:
        host = f"{town}:{product.port}"
        for key, url in urls[town].items():
            client, sent = (signed_in, cookie) if key in SIGNED_IN else (anonymous, "")
            status, _body = fetch(product.port, host, url, cookie=sent)
            statuses[(town, key)] = status
            queries[(town, key)] = count_queries(client, town, product.port, url)
            if status == 200:
                targets[(town, key)] = (host, url, sent)
            else:
                print(f"  [{label}] {town} {url} answered {status}: not measured (FAIL)")
    figures = measure(product, bare, targets, args, label)
    return {"statuses": statuses, "queries": queries, **figures}


def print_size(label: str, towns, urls, result: dict, missed: list) -> None:
    load_start, load_end = result["load"]
    bare = result["bare"]
    print()
    print(f"{label}: every page against the bare Wagtail home page ({bare['rps']:.0f} "
          f"requests/s, median {bare['p50']:.1f} ms); load average "
          f"{' '.join(f'{v:.2f}' for v in load_start)} at the start, "
          f"{' '.join(f'{v:.2f}' for v in load_end)} at the end")
    print(f"  {'town':<14}{'page':<33}{'status':>6}{'queries':>8}{'req/s':>8}{'p50 ms':>9}"
          f"{'bare/rps':>9}{'p50/bare':>9}  goal <= {GOAL_BARE:g}x")
    for town in towns:
        for key, name in PAGES:
            target = (town, key)
            if key not in urls[town]:
                print(f"  {town:<14}{name:<33}  (the town has no such page)")
                continue
            status = result["statuses"][target]
            queries = result["queries"][target]
            shown = "-" if queries is None else str(queries)
            figures = result["pages"].get(target)
            if figures is None:
                print(f"  {town:<14}{name:<33}{status:>6}{shown:>8}  FAIL (not 200)")
                missed.append(f"{label}: {town} {name} answers {status}")
                continue
            worst = max(figures["rps_ratio"], figures["lat_ratio"])
            verdict = "PASS" if worst <= GOAL_BARE else "FAIL"
            if verdict == "FAIL":
                missed.append(f"{label}: {town} {name} {worst:.1f}x the bare page")
            errors = f" ({figures['non2xx']} non-2xx)" if figures["non2xx"] else ""
            print(f"  {town:<14}{name:<33}{status:>6}{shown:>8}{figures['rps']:>8.1f}"
                  f"{figures['p50']:>9.1f}{figures['rps_ratio']:>9.2f}"
                  f"{figures['lat_ratio']:>9.2f}  {verdict}{errors}")


def print_city_vs_demo(towns, urls, demo: dict, city: dict, missed: list) -> None:
    print()
    print(f"City / demo: the page's cost at city size over its cost at demo size, each "
          f"against the bare page of its own rounds (goal <= {GOAL_CITY:g}x), and its SQL "
          f"queries at both sizes (goal: equal)")
    print(f"  {'town':<14}{'page':<33}{'rps':>7}{'p50':>7}{'queries':>12}  goal")
    for town in towns:
        for key, name in PAGES:
            target = (town, key)
            if key not in urls[town]:
                continue
            small, large = demo["pages"].get(target), city["pages"].get(target)
            q_small, q_large = demo["queries"][target], city["queries"][target]
            counts = f"{q_small}" if q_small == q_large else f"{q_small} -> {q_large}"
            if small is None or large is None:
                print(f"  {town:<14}{name:<33}{'-':>7}{'-':>7}{counts:>12}  FAIL (not 200)")
                continue
            rps = large["rps_ratio"] / small["rps_ratio"]
            latency = large["lat_ratio"] / small["lat_ratio"]
            ok = max(rps, latency) <= GOAL_CITY and q_small == q_large
            if max(rps, latency) > GOAL_CITY:
                missed.append(f"city/demo: {town} {name} {max(rps, latency):.1f}x")
            if q_small != q_large:
                missed.append(f"queries: {town} {name} {q_small} at demo size, "
                              f"{q_large} at city size")
            print(f"  {town:<14}{name:<33}{rps:>7.2f}{latency:>7.2f}{counts:>12}  "
                  f"{'PASS' if ok else 'FAIL'}")


def print_memory(product: Server, bare: Server, missed: list) -> None:
    rows = {server.name: [memory_of(pid) for pid in server.workers()]
            for server in (product, bare)}
    print()
    print(f"Memory of each gunicorn worker after the run (MiB; goal: CivicDesk <= "
          f"{GOAL_MEMORY:g}x bare Wagtail)")
    for name, values in rows.items():
        shown = ", ".join(f"RSS {rss:.0f} / PSS {pss:.0f}" for rss, pss in values)
        print(f"  {name:<16}{shown}")
    if rows[product.name] and rows[bare.name]:
        ratio_rss = (statistics.mean(v[0] for v in rows[product.name])
                     / statistics.mean(v[0] for v in rows[bare.name]))
        ratio_pss = (statistics.mean(v[1] for v in rows[product.name])
                     / max(statistics.mean(v[1] for v in rows[bare.name]), 0.001))
        verdict = "PASS" if ratio_rss <= GOAL_MEMORY else "FAIL"
        if verdict == "FAIL":
            missed.append(f"memory: a worker holds {ratio_rss:.2f}x bare Wagtail's (RSS)")
        print(f"  CivicDesk / bare: RSS {ratio_rss:.2f}x, PSS {ratio_pss:.2f}x  {verdict}")


# -- the run -------------------------------------------------------------------------------


def _stop(signum, _frame):
    raise SystemExit(128 + signum)


def catch_signals() -> None:
    """SIGTERM and SIGHUP end the run through its clean-up (servers stopped, scratch
    databases dropped). Called again after the demo and the city are written: a task run in
    this process (django-q) puts the default handler back."""
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)


def main(argv=None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    url = bench_url(fallback_to_database_url=True)
    print()
    print("City-size benchmark (every public page over HTTP against a stock Wagtail site)")
    if url is None:
        print("  skipped: needs PostgreSQL. Set BENCH_DATABASE_URL=postgres://user@host/db "
              "(scratch databases <db>_city_bench and <db>_city_bench_bare are created "
              "beside it).")
        return 0
    if not Path(WRK).exists():
        print("  skipped: needs wrk (https://github.com/wg/wrk; Debian: apt install wrk).")
        return 0
    redis_url = os.environ.get("REDIS_URL") or f"redis://127.0.0.1:6379/{args.redis_db}"
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as error:  # noqa: BLE001 (said and skipped)
        print(f"  skipped: needs Redis at {redis_url} (REDIS_URL): {error}")
        return 0

    catch_signals()
    servers: list[Server] = []
    atexit.register(stop_all, servers)
    with ExitStack() as stack:
        workdir, scratch = stack.enter_context(
            bench_environment("city_bench", keep=args.keep, url=url))
        bare_db = scratch_database(url, "city_bench_bare")
        if not args.keep:
            stack.callback(drop_database, url, bare_db)
        prefix = f"citybench{os.getpid()}"
        stack.callback(clear_cache, redis_url, prefix)
        stack.callback(stop_all, servers)
        return run(args, workdir, scratch, bare_db, servers, redis_url, prefix)


def run(args, workdir: Path, scratch: str, bare_db: str, servers: list, redis_url: str,
        prefix: str) -> int:
    wall = time.perf_counter()
    product_port, bare_port = free_port(), free_port()
    while bare_port == product_port:
        bare_port = free_port()
    common = {"SECRET_KEY": secrets.token_urlsafe(48), "PYTHONDONTWRITEBYTECODE": "1"}
    product_env = {
        **os.environ, **common,
        "DJANGO_SETTINGS_MODULE": "civicdesk.settings.production",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,.localhost,testserver",
        "DATABASE_URL": scratch, "REDIS_URL": redis_url, "CACHE_KEY_PREFIX": prefix,
        "CIVICDESK_VAR_DIR": str(workdir / "var"), "STATIC_ROOT": str(workdir / "static"),
        "SECURE_SSL_REDIRECT": "0", "EMAIL_URL": "locmem://",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "site")]),
    }
    os.environ.update({key: value for key, value in product_env.items()
                       if key not in ("PYTHONPATH",)})
    setup_django(workdir, scratch, settings="civicdesk.settings.production")
    for name in ("wagtail", "django_tasks", "django-q", "axes", "modelsearch"):
        logging.getLogger(name).setLevel(logging.WARNING)  # the page and task lines
    from django_q.conf import Conf

    Conf.SYNC = True  # the demo's tasks run here, on the scratch database, not via Redis
    from django.core.management import call_command
    from wagtail.models import Site

    import addons
    from tests.perf.city_builders import grow_town, town_figures

    assert Path(addons.__file__).resolve().is_relative_to(ROOT), addons.__file__
    print(f"  {describe_machine()}; both sites on PostgreSQL under gunicorn (2 sync workers, "
          f"DEBUG off); CivicDesk with Redis ({redis_url})")
    print(f"  wrk: 1 thread, {args.connections} connections, {args.duration} s per page, "
          f"{args.rounds} interleaved rounds")
    started = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_demo", port=product_port, verbosity=0, stdout=io.StringIO())
    print(f"  demo loaded (load_demo) in {time.perf_counter() - started:.0f} s")
    catch_signals()

    started = time.perf_counter()
    bare_dir = workdir / "stock-wagtail"
    bare_env = {**os.environ, **common, "DJANGO_SETTINGS_MODULE": "bare.settings.production",
                "DATABASE_URL": bare_db, "STATIC_ROOT": str(workdir / "bare-static")}
    for key in ("PYTHONPATH", "REDIS_URL", "CACHE_KEY_PREFIX", "BENCH_DATABASE_URL"):
        bare_env.pop(key, None)
    make_bare_wagtail(bare_dir, bare_env)
    print(f"  stock Wagtail site made (wagtail start bare, migrated) in "
          f"{time.perf_counter() - started:.0f} s")

    from django.db import connections

    connections.close_all()
    product = Server("CivicDesk", "civicdesk.wsgi:application", ROOT / "site", product_env,
                     product_port, workdir / "gunicorn-civicdesk.log")
    servers.append(product)
    bare = Server("bare Wagtail", "bare.wsgi:application", bare_dir, bare_env, bare_port,
                  workdir / "gunicorn-bare.log")
    servers.append(bare)
    product.wait_ready(f"{TOWNS[0]}:{product_port}")
    bare.wait_ready(f"localhost:{bare_port}")

    sites = [Site.objects.get(hostname=town) for town in TOWNS]
    urls = {site.hostname: discover(site, product_port) for site in sites}
    for site in sites:
        print(f"  {site.hostname}: " + ", ".join(f"{k} {v}" for k, v in
                                                   town_figures(site).items()))
    missed: list[str] = []
    results = {}
    if args.size in ("demo", "both"):
        results["demo"] = run_size("demo", TOWNS, urls, product, bare, args, redis_url, prefix)
        print_size("Demo size", TOWNS, urls, results["demo"], missed)
    if args.size in ("city", "both"):
        started = time.perf_counter()
        print()
        print(f"  growing both towns to city size (scale {args.scale:g})", flush=True)
        for index, site in enumerate(sites):
            from tests.perf.city_builders import SHARES

            grow_town(site, SHARES[index], args.scale, index)
            catch_signals()
        connections.close_all()
        print(f"  city built in {time.perf_counter() - started:.0f} s")
        for site in sites:
            print(f"  {site.hostname}: " + ", ".join(f"{k} {v:,}" for k, v in
                                                       town_figures(site).items()))
        results["city"] = run_size("city", TOWNS, urls, product, bare, args, redis_url, prefix)
        print_size("City size", TOWNS, urls, results["city"], missed)
    if "demo" in results and "city" in results:
        print_city_vs_demo(TOWNS, urls, results["demo"], results["city"], missed)
    print_memory(product, bare, missed)
    print()
    print(f"Wall time of the benchmark: {(time.perf_counter() - wall) / 60:.1f} min")
    if missed:
        print(f"Missed goals ({len(missed)}):")
        for line in missed:
            print(f"  - {line}")
    else:
        print("Every goal met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
