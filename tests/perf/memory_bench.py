"""A gunicorn worker's memory: CivicDesk against a stock ``wagtail start`` site.

Both run with their production settings under gunicorn (2 sync workers). The stock site is
generated at run time in a temporary directory (nothing of it is kept); CivicDesk runs on a
PostgreSQL scratch database holding the demo city. Each public page is requested a few
times, then every worker's VmRSS and Pss are read from /proc and the ratios printed. Both
run from compiled bytecode, as an installed deployment does (``compileall`` first; the
sources' ``__pycache__`` folders are git-ignored): compiling at import would cost memory the
installed libraries do not pay.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        python tests/perf/memory_bench.py [--rounds 5] [--redis-url redis://127.0.0.1:6379/6]

Scratch databases ``<name>_memory`` and ``<name>_memory_bare`` are created beside the one
``BENCH_DATABASE_URL`` names and dropped afterwards (``--keep`` keeps them and the temporary
directory). ``measure()`` is importable for other benchmarks.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.harness import drop_database, scratch_database  # noqa: E402

BIN = Path(sys.executable).parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/civicdesk_bench"
HOST = "127.0.0.1:8000"  # the demo's first site; Wagtail's default site answers any host

BARE_SETTINGS = """\
import dj_database_url

from .production import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = "memory-bench-bare-site-secret-key-not-for-production-use"
ALLOWED_HOSTS = ["*"]
DATABASES = {{"default": dj_database_url.parse({url!r})}}
STATIC_ROOT = {static!r}
"""

# Asks the product itself where its public pages are (run with manage.py shell).
PAGES_SCRIPT = """\
import json
from wagtail.models import Site
from addons.addressees.models import AddresseeCatalogPage, AddresseePage
site = Site.objects.get(is_default_site=True)
pages = site.root_page.get_descendants().live()
def path(page):
    return page.specific.get_url_parts()[2]
urls = {"home": "/"}
catalog = AddresseeCatalogPage.objects.descendant_of(site.root_page).live().first()
if catalog:
    urls["catalog"] = path(catalog)
addressee = None
for page in AddresseePage.objects.descendant_of(site.root_page).live().order_by("path"):
    addressee = addressee or page
    if any(getattr(page, n, None) is not None and hasattr(getattr(page, n), "exists")
           and getattr(page, n).exists() for n in ("specialists",)):
        addressee = page
        break
if addressee:
    urls["addressee"] = path(addressee)
urls["situational"] = "/reports/map/"
urls["geojson_city"] = "/api/v1/reports.geojson?bbox=-180,-85,180,85&zoom=11"
urls["geojson_street"] = None
urls["digest"] = "/bulletins/"
urls["open311"] = "/open311/v2/requests.json"
urls["receptions"] = "/queues/receptions/"
try:
    from addons.surveys.models import Survey
    survey = Survey.objects.order_by("pk").first()
    if survey:
        urls["survey_results"] = f"/surveys/{survey.pk}/results/"
except Exception:
    pass
try:
    from addons.queues.models import Queue
    queue = Queue.objects.order_by("pk").first()
    if queue:
        urls["queue_booking"] = f"/queues/{queue.pk}/"
except Exception:
    pass
try:
    from addons.reports.models import Report
    report = Report.objects.exclude(location="").order_by("pk").first()
    if report is not None and report.location:
        lng, lat = [float(v) for v in report.location.split("(")[1].rstrip(")").split()]
        urls["geojson_street"] = (f"/api/v1/reports.geojson?bbox={lng - 0.01},{lat - 0.01},"
                                  f"{lng + 0.01},{lat + 0.01}&zoom=17")
except Exception:
    pass
print("PAGES=" + json.dumps({k: v for k, v in urls.items() if v}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args, *, env, cwd, quiet=True) -> str:
    result = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"failed: {' '.join(map(str, args))}")
    return result.stdout


def _bytecode(env: dict, *folders) -> dict:
    """``env`` that lets Python use and write .pyc files, ``folders`` compiled in it."""
    env = {key: value for key, value in env.items()
           if key not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    _run([sys.executable, "-m", "compileall", "-q", *map(str, folders)], env=env, cwd=ROOT)
    return env


def prepare_bare(workdir: Path, database_url: str) -> dict:
    """A stock Wagtail site generated in ``workdir``, migrated: its gunicorn environment."""
    target = workdir / "bare"
    target.mkdir()
    _run([BIN / "wagtail", "start", "bare", target], env=os.environ.copy(), cwd=workdir)
    (target / "bare" / "settings" / "bench.py").write_text(BARE_SETTINGS.format(
        url=database_url, static=str(workdir / "bare-static")))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bare.settings.bench"}
    env.pop("PYTHONPATH", None)
    python = sys.executable
    _run([python, "manage.py", "migrate", "--noinput"], env=env, cwd=target)
    _run([python, "manage.py", "collectstatic", "--noinput"], env=env, cwd=target)
    env = _bytecode(env, target)
    return {"env": env, "cwd": target, "app": "bare.wsgi:application"}


def prepare_product(workdir: Path, database_url: str, redis_url: str) -> dict:
    """CivicDesk on ``database_url`` with the demo city loaded: its gunicorn environment."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civicdesk.settings.production",
        "SECRET_KEY": "memory-bench-product-secret-key-not-for-production-use-0123456789",
        "ALLOWED_HOSTS": "*",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
    }
    manage = [sys.executable, str(ROOT / "site" / "manage.py")]
    _run([*manage, "migrate", "--noinput"], env=env, cwd=ROOT)
    _run([*manage, "load_demo"], env=env, cwd=ROOT)
    _run([*manage, "collectstatic", "--noinput"], env=env, cwd=ROOT)
    out = _run([*manage, "shell", "-c", PAGES_SCRIPT], env=env, cwd=ROOT)
    pages = json.loads(out.split("PAGES=", 1)[1].strip().splitlines()[0])
    env = _bytecode(env, ROOT / "addons", ROOT / "site", ROOT / "themes")
    return {"env": env, "cwd": ROOT / "site", "app": "civicdesk.wsgi:application",
            "pages": pages}


class Gunicorn:
    """``gunicorn -w 2`` (sync workers) serving one site on a free local port."""

    def __init__(self, spec: dict, workers: int = 2):
        self.port = _free_port()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(workers), "-k", "sync", "--timeout", "120",
             "-b", f"127.0.0.1:{self.port}", spec["app"]],
            env=spec["env"], cwd=spec["cwd"], stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True)
        self.workers = workers
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("gunicorn stopped:\n" + self.process.stderr.read().decode())
            if len(self.worker_pids()) == workers:
                try:
                    self.get("/")
                    return
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
            time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            return []

    def get(self, path: str) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                         headers={"Host": HOST})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def worker_memory(pid: int) -> dict:
    """VmRSS and Pss of one process, in MiB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            figures["rss"] = int(line.split()[1]) / 1024
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            figures["pss"] = int(line.split()[1]) / 1024
    return figures


def serve_and_measure(spec: dict, pages: dict, rounds: int) -> dict:
    """Start gunicorn, request every page ``rounds`` times per worker, read the workers."""
    server = Gunicorn(spec)
    try:
        statuses = {}
        for _ in range(rounds * server.workers):
            for name, path in pages.items():
                statuses[name] = server.get(path)
        time.sleep(0.5)
        workers = [worker_memory(pid) for pid in server.worker_pids()]
    finally:
        server.stop()
    return {"statuses": statuses, "workers": workers,
            "rss": max(w["rss"] for w in workers), "pss": max(w["pss"] for w in workers)}


def measure(*, pg_url: str, redis_url: str, rounds: int = 5, keep: bool = False) -> dict:
    """Both sites measured: {"bare": ..., "product": ..., "pages": ...}."""
    workdir = Path(tempfile.mkdtemp(prefix="civicdesk-memory-"))
    product_db = scratch_database(pg_url, "memory")
    bare_db = scratch_database(pg_url, "memory_bare")
    try:
        if redis_url:
            subprocess.run(["redis-cli", "-u", redis_url, "FLUSHDB"], capture_output=True)
        bare = prepare_bare(workdir, bare_db)
        product = prepare_product(workdir, product_db, redis_url)
        pages = product["pages"]
        return {
            "pages": pages,
            "bare": serve_and_measure(bare, {"home": "/"}, rounds),
            "product": serve_and_measure(product, pages, rounds),
        }
    finally:
        if not keep:
            drop_database(pg_url, product_db)
            drop_database(pg_url, bare_db)
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept: {workdir}, {product_db}, {bare_db}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="requests of each page per worker")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL",
                                                              "redis://127.0.0.1:6379/6"))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    pg_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG
    started = time.monotonic()
    result = measure(pg_url=pg_url, redis_url=args.redis_url, rounds=args.rounds, keep=args.keep)
    print("Pages requested (status):")
    for name, path in result["pages"].items():
        print(f"  {name:16} {result['product']['statuses'].get(name)}  {path}")
    print(f"bare Wagtail home: {result['bare']['statuses'].get('home')}")
    print(f"{'':10}{'VmRSS MiB':>12}{'Pss MiB':>10}   (largest worker; each worker listed)")
    for name in ("bare", "product"):
        r = result[name]
        each = ", ".join(f"{w['rss']:.1f}/{w['pss']:.1f}" for w in r["workers"])
        print(f"{name:10}{r['rss']:12.1f}{r['pss']:10.1f}   [{each}]")
    print(f"{'ratio':10}{result['product']['rss'] / result['bare']['rss']:12.2f}"
          f"{result['product']['pss'] / result['bare']['pss']:10.2f}   (goal: at most 1.30)")
    print(f"({time.monotonic() - started:.0f} s, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
