"""What the browser tests share: a tab that records its requests, axe-core, screenshots."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

E2E_DIR = Path(__file__).resolve().parent
ROOT_DIR = E2E_DIR.parent.parent
SCREENSHOTS_DIR = ROOT_DIR / "docs" / "screenshots"
AXE_JS = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = E2E_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = os.environ.get("CIVICDESK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
SMALLEST = {"width": 320, "height": 640}
CITIZEN_PASSWORD = "Kashtan-2024-Lypa"


def demo_towns() -> list[str]:
    """The hostnames of the demo towns (the ``site`` of each ``fixtures/demo/*.yaml``)."""
    import yaml

    hostnames = []
    for path in sorted((ROOT_DIR / "fixtures" / "demo").glob("*.yaml")):
        spec = yaml.safe_load(path.read_text("utf-8")) or {}
        hostname = (spec.get("site") or {}).get("hostname") if isinstance(spec, dict) else None
        if hostname:
            hostnames.append(hostname)
    # the default town first
    return sorted(hostnames, key=lambda name: name not in ("127.0.0.1", "localhost"))


def town_url(live_server_url: str, hostname: str) -> str:
    """The address of a demo town on the live server (Chromium resolves *.localhost
    to the loopback address)."""
    parts = urlsplit(live_server_url)
    if hostname in ("127.0.0.1", "localhost"):
        return live_server_url.rstrip("/")
    return f"{parts.scheme}://{hostname}:{parts.port}"


def _shrink_png(path: Path) -> None:
    """Store a screenshot with a 256-colour palette: a third of the size, text still crisp."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


# What axe found on every page checked in this run (written to var/e2e-axe.json).
AXE_LOG: list[dict] = []


DOUBLED_LABELS_JS = """() => {
    const clean = (node) => {
        if (!node) return '';
        const copy = node.cloneNode(true);
        copy.querySelectorAll('.required, .visually-hidden, .optional, .errorlist, input, '
                              + 'select, textarea').forEach(el => el.remove());
        return copy.textContent.replace(/\\s+/g, ' ').trim().toLowerCase();
    };
    const found = [];
    const controls = document.querySelectorAll(
        'main input:not([type=hidden]):not([type=submit]):not([type=button]), '
        + 'main select, main textarea');
    for (const el of controls) {
        if (el.closest('[hidden], [aria-hidden=true]')) continue;
        const texts = [...(el.labels || [])].map(clean);
        const aria = el.getAttribute('aria-label');
        if (aria) texts.push(aria.replace(/\\s+/g, ' ').trim().toLowerCase());
        for (const id of (el.getAttribute('aria-labelledby') || '').split(/\\s+/)) {
            const other = id && document.getElementById(id);
            if (other && !(el.labels && [...el.labels].includes(other))) texts.push(clean(other));
        }
        // the legend of the group the control stands in: a control labelled like its
        // whole group has its name printed twice
        const fieldset = el.closest('fieldset');
        if (fieldset) texts.push(clean(fieldset.querySelector(':scope > legend')));
        if (el.placeholder) texts.push(el.placeholder.replace(/\\s+/g, ' ').trim().toLowerCase());
        // the field's own block (a widget template) saying the label again
        const own = new Set(el.labels || []);
        const block = el.closest('.field');
        if (block) {
            for (const other of block.querySelectorAll('*')) {
                if (own.has(other) || other.closest('label, legend') || other.children.length) {
                    continue;
                }
                texts.push(clean(other));
            }
        }
        const name = el.name || el.id;
        const filled = texts.filter(Boolean);
        if (new Set(filled).size < filled.length) {
            found.push(`${name}: "${filled.join('" + "')}"`);
            continue;
        }
        for (const text of filled) {
            const words = text.split(' ');
            const half = words.length / 2;
            if (words.length >= 2 && words.length % 2 === 0
                    && words.slice(0, half).join(' ') === words.slice(half).join(' ')) {
                found.push(`${name}: "${text}"`);
            }
        }
    }
    return found;
}"""


class NuChecker:
    """The Nu HTML checker (vnu.jar) as a local HTTP service, started once for the run."""

    def __init__(self, jar: Path, port: int):
        import subprocess

        self.url = f"http://127.0.0.1:{port}/?out=json"
        self.process = subprocess.Popen(
            ["java", "-Dnu.validator.servlet.bind-address=127.0.0.1", "-cp", str(jar),
             "nu.validator.servlet.Main", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.checked: dict[str, list[str]] = {}

    def wait(self, timeout: float = 60.0) -> None:
        import time
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Nu HTML checker stopped (exit {self.process.returncode})")
            try:
                urllib.request.urlopen(self.url.split("?")[0], timeout=2).close()
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("the Nu HTML checker did not start")

    def errors(self, html: bytes | str, where: str = "") -> list[str]:
        """The checker's errors on one HTML document (warnings and info left out)."""
        import json
        import urllib.request

        body = html.encode("utf-8") if isinstance(html, str) else html
        request = urllib.request.Request(
            self.url, data=body, headers={"Content-Type": "text/html; charset=utf-8"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            messages = json.load(response).get("messages", [])
        found = [
            f"line {item.get('lastLine', '?')}: {item.get('message', '')} "
            f"[{(item.get('extract') or '').strip()}]"
            for item in messages
            if item.get("type") in ("error", "non-document-error")
        ]
        if where:
            self.checked[where] = found
        return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()


class Visit:
    """One browser tab with a record of every request it made."""

    def __init__(self, context, base_url: str):
        self.context = context
        self.page = context.new_page()
        self.base_url = base_url.rstrip("/")
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on(
            "console",
            lambda message: (
                self.console_errors.append(message.text) if message.type == "error" else None
            ),
        )
        self.page.on(
            "response",
            lambda response: (
                self.failed.append(f"{response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def goto(self, path: str, expect_status: int = 200):
        response = self.page.goto(self.base_url + path, wait_until="load")
        assert response is not None, path
        assert response.status == expect_status, f"{path}: HTTP {response.status}"
        return response

    def foreign_requests(self) -> list[str]:
        """Requests that left the site's origin (data: and blob: stay in the page)."""
        own = urlsplit(self.base_url)
        foreign = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob"):
                continue
            if (parts.scheme, parts.netloc) != (own.scheme, own.netloc):
                foreign.append(url)
        return foreign

    def axe(self, axe_source: Path) -> list[dict]:
        """Run axe-core with the WCAG 2.1 A/AA rules; returns the violations."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(path=str(axe_source))
        result = self.page.evaluate(
            """async (tags) => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return {
                  passes: r.passes.length,
                  incomplete: r.incomplete.length,
                  incompleteRules: r.incomplete.map(
                    v => `${v.id} x${v.nodes.length}: ${v.nodes[0].target.join(" ")}`),
                  violations: r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.slice(0, 5).map(n => ({
                      target: n.target.join(' '), html: n.html.slice(0, 160),
                      summary: n.failureSummary,
                    })),
                    count: v.nodes.length,
                  })),
                };
            }""",
            WCAG_TAGS,
        )
        AXE_LOG.append({"url": self.page.url, "viewport": self.page.viewport_size, **result})
        return result["violations"]

    def horizontal_overflow(self) -> int:
        """How many CSS pixels the page is wider than the viewport (0 = no side scroll)."""
        return self.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )

    def overflowing_elements(self, limit: int = 5) -> list[str]:
        """The innermost elements that stick out past the right edge of the viewport.

        A data table inside a box of its own that scrolls sideways (``overflow-x: auto``)
        and itself fits the screen is not counted: WCAG 1.4.10 (reflow) leaves out content
        whose meaning needs two dimensions, and the page around it does not move."""
        return self.page.evaluate(
            """(limit) => {
                const width = document.documentElement.clientWidth;
                const scrolled = (el) => {
                    for (let up = el.parentElement; up; up = up.parentElement) {
                        const style = getComputedStyle(up);
                        if ((style.overflowX === 'auto' || style.overflowX === 'scroll')
                            && up.querySelector('table')
                            && up.getBoundingClientRect().right <= width + 0.5) return true;
                    }
                    return false;
                };
                const out = [];
                for (const el of document.body.querySelectorAll('*')) {
                    const box = el.getBoundingClientRect();
                    if (box.right <= width + 0.5 || box.width === 0) continue;
                    if (el.closest('table') && scrolled(el.closest('table'))) continue;
                    const inner = [...el.children].some(
                        c => c.getBoundingClientRect().right > width + 0.5);
                    if (inner) continue;
                    const cls = el.className && typeof el.className === 'string'
                        ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
                    const right = Math.round(box.right);
                    out.push(`${el.tagName.toLowerCase()}${cls} (right edge ${right} px)`);
                    if (out.length >= limit) break;
                }
                return out;
            }""",
            limit,
        )

    def doubled_labels(self) -> list[str]:
        """Form controls whose label text is printed twice: the same text in two of its
        labels, its aria-label, or the legend of the group it stands in, or one label that
        says the same words twice."""
        return self.page.evaluate(DOUBLED_LABELS_JS)

    def screenshot(self, name: str, full_page: bool = False) -> Path:
        SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS_DIR / f"{name}.png" if not name.startswith("/") else Path(name + ".png")
        self.page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        _shrink_png(path)
        return path


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['count']} element(s)] {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}: {node['html']}")
            for detail in (node["summary"] or "").splitlines():
                lines.append(f"      {detail}")
    return "\n".join(lines)


def check_axe(visit_: Visit, axe_source: Path, what: str) -> None:
    """Fail with axe-core's findings on the page ``visit_`` shows, if it has any."""
    violations = visit_.axe(axe_source)
    assert not violations, f"{what}:\n{format_violations(violations)}"


def login(visit_: Visit, username: str, password: str) -> None:
    """Log in through the site's own login form."""
    from django.urls import reverse

    page = visit_.page
    visit_.goto(reverse("accounts:login"))
    form = page.locator("main form").filter(has=page.locator("input[type=password]")).first
    form.locator("input[name=username], input[name=email], input[type=email]").first.fill(username)
    form.locator("input[type=password]").first.fill(password)
    with page.expect_navigation():
        form.locator("button[type=submit], input[type=submit]").first.click()
