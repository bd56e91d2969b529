"""Every public page of the demo towns, walked link by link, at 1280, 375 and 320 px.

Every site the demo loads (each ``site`` of ``fixtures/demo/*.yaml``: the default town on
127.0.0.1, the Romanian town on ro.localhost, and any town added there) is walked from its
home page, anonymously and, on the default town, as the demo citizen through the cabinet.
A page fails when it scrolls sideways at a width
(``document.documentElement.scrollWidth > window.innerWidth``), axe-core finds a WCAG 2.1
A/AA violation on it, or the Nu HTML checker finds an error in the HTML the server sent
(checked once per page, warnings allowed). Screenshots at 375 px go to ``var/e2e-reflow/``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from .browser import (
    DESKTOP,
    PHONE,
    ROOT_DIR,
    SMALLEST,
    demo_towns,
    format_violations,
    login,
    town_url,
)

pytestmark = pytest.mark.e2e

WIDTHS = (DESKTOP, PHONE, SMALLEST)
SHOTS = ROOT_DIR / "var" / "e2e-reflow"
MAX_PAGES = 70  # per walk: enough for every kind of page of a demo town

# Links that are not pages to look at: files, feeds, the back office, actions by GET.
SKIP = re.compile(
    r"^/(admin|django-admin|api|open311|static|media|documents|i18n|__)"
    r"|/(logout|unsubscribe|confirm|export)/"
    r"|\.(xml|rss|atom|ics|pdf|png|jpe?g|svg|csv|xlsx|json|geojson|txt)$"
    r"|/(feed|rss|atom|ical|ics|pdf|qr|geojson|calendar\.ics)/?$",
)


def overflow(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth"
    )


def links_of(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        path = parts.path or "/"
        if SKIP.search(path):
            continue
        # one page per path; the first filter or page number met stands for the others
        found.append(path + (f"?{parts.query}" if parts.query and "page=" not in parts.query
                             else ""))
    return found


def walk(tab, start: list[str], axe_source, nu_checker, *, follow: bool = True,
         shots: str = ""):
    """Open pages from ``start`` breadth first; return (pages seen, problems)."""
    page = tab.page
    origin = tab.base_url
    seen_paths: set[str] = set()
    queue = list(start)
    visited = []
    problems = []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        path = url.split("?")[0]
        if path in seen_paths:
            continue
        seen_paths.add(path)
        page.set_viewport_size(DESKTOP)
        try:
            response = page.goto(origin + url, wait_until="load")
        except Exception as error:  # a download, say: not a page
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        if response.status >= 400:
            if response.status not in (403, 404):
                problems.append(f"{url}: HTTP {response.status}")
            continue
        visited.append(url)
        html_errors = nu_checker.errors(response.body(), where=origin + url)
        if html_errors:
            problems.append(f"{url}: the Nu HTML checker found\n  " + "\n  ".join(html_errors))
        for viewport in WIDTHS:
            page.set_viewport_size(viewport)
            page.wait_for_timeout(50)
            width = viewport["width"]
            extra = overflow(page)
            if extra > 0:
                problems.append(
                    f"{url} scrolls sideways by {extra} px at {width} px: "
                    f"{tab.overflowing_elements()}"
                )
            violations = tab.axe(axe_source)
            if violations:
                problems.append(f"{url} at {width} px:\n{format_violations(violations)}")
            if shots and viewport is PHONE:
                name = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"
                SHOTS.mkdir(parents=True, exist_ok=True)
                tab.screenshot(str(SHOTS / f"{shots}-{name[:60]}-375"))
        if follow:
            queue += [link for link in links_of(page, origin)
                      if link.split("?")[0] not in seen_paths]
    return visited, problems


@pytest.mark.parametrize("hostname", demo_towns())
def test_town_fits_every_width(hostname, demo, visit, axe_source, nu_checker):
    from wagtail.models import Site

    assert Site.objects.filter(hostname=hostname).exists(), f"the demo loads no {hostname}"
    tab = visit(town_url(demo.url, hostname))
    shots = "ua" if hostname == demo_towns()[0] else hostname.split(".")[0]
    visited, problems = walk(tab, ["/"], axe_source, nu_checker, shots=shots)
    print(f"{hostname}: {len(visited)} pages at {len(WIDTHS)} widths")
    assert len(visited) >= 5, visited
    assert not problems, "\n\n".join(problems)


def test_every_site_of_the_demo_is_walked(demo):
    from wagtail.models import Site

    assert set(Site.objects.values_list("hostname", flat=True)) <= set(demo_towns())


def test_cabinet_fits_every_width(demo, citizen, visit, axe_source, nu_checker):
    tab = visit(demo.url)
    login(tab, citizen.username, citizen.e2e_password)
    cabinet = reverse("accounts:cabinet")
    start = [cabinet]
    tab.goto(cabinet)
    start += links_of(tab.page, tab.base_url)
    # the cabinet and the citizen's own records it links to (appeals, reports, tickets)
    visited, problems = walk(tab, start, axe_source, nu_checker, follow=False, shots="cabinet")
    print(f"cabinet: {len(visited)} pages at {len(WIDTHS)} widths")
    assert cabinet in visited
    assert not problems, "\n\n".join(problems)
