"""The browser rows: interactive, step and preview, in Debian's Chromium driven by Python Playwright.

Each row answers "not available" (with the reason) instead of failing while the part it measures
has not landed: no figure on the page, a player that never marks its figures ready, no
`unrolled serve`.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import re
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
READY_TIMEOUT_MS = 5_000

# Installed before any page script: notes performance.now() (ms since navigation start) at the first
# moment every figure[data-rnn] carries data-step, which the player sets once a figure is initialised.
READY_SCRIPT = """
(() => {
  const check = () => {
    const figures = document.querySelectorAll('figure[data-rnn]');
    if (figures.length && [...figures].every((f) => f.hasAttribute('data-step'))) {
      if (window.__benchReady === undefined) window.__benchReady = performance.now();
      return true;
    }
    return false;
  };
  const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
  observer.observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-step']});
})();
"""

# One step's render time: the synchronous work of the click (or key) plus the work of the next
# frame's animation callbacks and the style and layout they cause, without the wait for the frame.
STEP_SCRIPT = """
async ([figure, count]) => {
  const label = (b) => `${b.getAttribute('aria-label') || ''} ${b.title || ''} ${b.textContent || ''}`;
  const buttons = [...figure.querySelectorAll('button')];
  const forward = buttons.find((b) => /step forward|next step|step ahead|^\\s*step\\s*$/i.test(label(b)));
  const backward = buttons.find((b) => /step back|previous step/i.test(label(b)));
  const act = (ahead) => {
    const button = ahead ? forward : backward;
    if (button) { button.click(); return; }
    figure.focus();
    const key = ahead ? 'ArrowRight' : 'ArrowLeft';
    figure.dispatchEvent(new KeyboardEvent('keydown', {key, code: key, bubbles: true, cancelable: true}));
  };
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const times = [];
  let ahead = true;
  let stuck = 0;
  while (times.length < count && stuck < 3) {
    await frame();
    await frame();
    const before = figure.getAttribute('data-step');
    let frameStart = 0;
    requestAnimationFrame(() => { frameStart = performance.now(); });
    const t0 = performance.now();
    act(ahead);
    const t1 = performance.now();
    const end = await new Promise((resolve) => requestAnimationFrame(() => {
      void document.body.offsetHeight;
      resolve(performance.now());
    }));
    if (figure.getAttribute('data-step') === before) {
      ahead = !ahead;
      stuck += 1;
      continue;
    }
    stuck = 0;
    times.push((t1 - t0) + (end - frameStart));
  }
  return {times, control: forward ? 'button' : 'keyboard'};
}
"""


def unavailable() -> str | None:
    """Why the browser rows cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python Playwright is not installed in the bench environment"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    return None


COMPRESSED = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt")  # what GitHub Pages sends gzipped


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Files as a static host sends them: text gzipped (level 6) when the browser accepts it, like GitHub Pages,
    which is what the page-weight rows measure too; silent."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if "gzip" not in self.headers.get("Accept-Encoding", "") or path.suffix not in COMPRESSED \
                or not path.is_file():
            super().do_GET()
            return
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """build/site served on loopback, as a static host would serve it (text gzipped)."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _ready_time(browser: Any, url: str) -> float | str:
    """ms from navigation start to every figure ready, or the reason there is no such moment."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.add_init_script(READY_SCRIPT)
        page.goto(url, wait_until="load")
        if page.locator("figure[data-rnn]").count() == 0:
            return "the page has no figure[data-rnn]"
        try:
            page.wait_for_function("window.__benchReady !== undefined", timeout=READY_TIMEOUT_MS)
        except Exception:
            return "the player never set data-step on every figure (player not landed yet?)"
        return float(page.evaluate("window.__benchReady"))
    finally:
        context.close()


def interactive(site: Path, runs: int) -> dict[str, Any]:
    """Navigation to every figure ready: a fresh browser context (empty cache) per run."""
    with static_server(site) as url, chromium() as browser:
        _ready_time(browser, url)
        times = []
        for _ in range(runs):
            measured = _ready_time(browser, url)
            if isinstance(measured, str):
                return {"status": f"not available: {measured}"}
            times.append(measured)
    return {"value": round(statistics.median(times), 1), "runs_ms": [round(t, 1) for t in times]}


def step(site: Path, runs: int, steps_per_figure: int = 12) -> dict[str, Any]:
    """One step's render time over every figure of the home page, `runs` page loads."""
    times: list[float] = []
    control = ""
    with static_server(site) as url, chromium() as browser:
        for _ in range(runs):
            context = browser.new_context()
            try:
                page = context.new_page()
                page.add_init_script(READY_SCRIPT)
                page.goto(url, wait_until="load")
                figures = page.locator("figure[data-rnn]")
                if figures.count() == 0:
                    return {"status": "not available: the page has no figure[data-rnn]"}
                try:
                    page.wait_for_function("window.__benchReady !== undefined", timeout=READY_TIMEOUT_MS)
                except Exception:
                    return {"status": "not available: the player never set data-step (player not landed yet?)"}
                for index in range(figures.count()):
                    handle = figures.nth(index).element_handle()
                    result = page.evaluate(STEP_SCRIPT, [handle, steps_per_figure])
                    times.extend(result["times"])
                    control = result["control"]
            finally:
                context.close()
    if not times:
        return {"status": "not available: stepping never changed data-step"}
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"value": round(statistics.median(times), 2), "p95": round(p95, 2), "steps": len(times),
            "control": control, "times_ms": [round(t, 2) for t in times]}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_http(url: str, process: subprocess.Popen[str], seconds: float = 60.0) -> None:
    import urllib.request
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"unrolled serve exited ({process.returncode}): {output}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("unrolled serve did not answer within a minute")


def preview(root: Path, unrolled: Path, runs: int) -> dict[str, Any]:
    """Save of a prose edit to the browser's reload: from the write to the new text in the DOM."""
    help_text = subprocess.run([str(unrolled), "--help"], capture_output=True, text=True, check=False).stdout
    if not re.search(r"^\s+serve\b", help_text, re.M):
        return {"status": "not available: `unrolled serve` does not exist yet"}
    index = root / "content" / "index.md"
    original = index.read_text(encoding="utf-8")
    paragraph = re.search(r"^[A-Z][^\n]{40,}$", original, re.M)
    if paragraph is None:
        return {"status": "not available: no prose line to edit in content/index.md"}
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([str(unrolled), "serve", "--root", str(root), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    times: list[float] = []
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for_http(url, process)
        with chromium() as browser:
            page = browser.new_page()
            page.goto(url, wait_until="load")
            for attempt in range(runs + 1):
                marker = f"benchmark{attempt}x{time.time_ns()}"
                edited = original.replace(paragraph.group(0), f"{paragraph.group(0)} {marker}", 1)
                page.wait_for_timeout(300)  # let the watcher settle after the last rebuild
                saved = time.time() * 1000
                index.write_text(edited, encoding="utf-8")
                shown = page.wait_for_function(
                    f"document.body && document.body.textContent.includes({marker!r})"
                    " && performance.timeOrigin + performance.now()", timeout=15_000, polling="raf").json_value()
                if attempt:  # the first edit warms the server's caches
                    times.append(shown - saved)
    except Exception as exc:
        return {"status": f"not available: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
    finally:
        index.write_text(original, encoding="utf-8")
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return {"value": round(statistics.median(times), 1), "runs_ms": [round(t, 1) for t in times]}
