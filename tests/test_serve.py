"""`unrolled serve` in a subprocess, driven by a real browser: edits reload, errors show, paths stay inside."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from generator.commands.serve import SCRIPT_PATH, Rebuilder, inject_script, site_file
from generator.commands.watch import Watcher
from generator.site import Layout

from .project import TINY_PAGE, make_project

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PAGE = """+++
title = "Tiny"
+++

# A tiny page

The first sentence of the page.

```{rnn} tiny
:pattern: 10
:length: 20
:updates: 10
```

Its first hidden state is {rnn}`tiny.steps[0].hidden_states`.
"""
OVERLAY = "#unrolled-build-errors"


class Server:
    """`python -m generator serve` on a free port, with its output collected as it arrives."""

    def __init__(self, root: Path) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--root", str(root), "--port", "0"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        threading.Thread(target=self._collect, daemon=True).start()
        self.url = self._wait_for(r"serving (http://\S+)", 30).group(1)
        found = re.match(r"http://([\d.]+):(\d+)/", self.url)
        assert found, self.url
        self.host, self.port = found.group(1), int(found.group(2))

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def _wait_for(self, pattern: str, seconds: float) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if found := re.search(pattern, line):
                    return found
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no line matching {pattern!r} in the server's output:\n" + "\n".join(self.lines))

    @property
    def output(self) -> str:
        """Everything the server printed so far."""
        return "\n".join(self.lines)

    def get(self, path: str) -> tuple[int, bytes]:
        """GET a raw, unnormalised path."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=5)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def raw(self, request_line: str) -> bytes:
        """Send one request line as written and return the whole response."""
        with socket.create_connection((self.host, self.port), timeout=5) as connection:
            connection.sendall(f"{request_line}\r\nHost: {self.host}\r\n\r\n".encode("latin-1"))
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)

    def stop(self) -> int:
        """Ctrl-C, then the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "content").mkdir()
    (root / "content" / "index.md").write_text(PAGE, encoding="utf-8")
    shutil.copytree(REPO / "themes", root / "themes")
    return root


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[Server]:
    running = Server(project)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: apt-get install -y chromium")
        pytest.skip("chromium is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def edit(path: Path, old: str, new: str) -> float:
    """Replace text in a file the way an editor saves it; return the wall-clock time of the write."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    started = time.time()
    path.write_text(text.replace(old, new), encoding="utf-8")
    return started


def load_time(page: Page) -> float:
    """When the page's load event fired, in seconds since the epoch."""
    return float(page.evaluate(
        "performance.timeOrigin + performance.getEntriesByType('navigation')[0].loadEventStart")) / 1000


def test_listens_on_loopback_only(server: Server) -> None:
    assert server.host == "127.0.0.1"
    port = f"{server.port:04X}"
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            if state == "0A" and local.endswith(f":{port}"):
                listening.append(local.split(":")[0])
    assert listening == ["0100007F"]  # 127.0.0.1, and nothing on IPv6 or on 0.0.0.0


def test_refuses_every_path_outside_the_site(server: Server, project: Path) -> None:
    assert server.get("/")[0] == 200
    assert server.get("/static")[0] == 301
    assert server.get("/static/unrolled.css")[0] == 200
    outside = ["/../etc/passwd", "/../../../../../../etc/passwd", "/static/../../../../../etc/passwd",
               "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E/content/index.md", "/..%2f..%2f..%2fetc/passwd",
               "/static%2f..%2f..%2fcontent/index.md", "/..%5c..%5cetc%5cpasswd", "/..\\..\\etc\\passwd",
               "//etc/passwd", "/%2fetc%2fpasswd", "/etc/passwd", "/%252e%252e/etc/passwd", "/index.html%00.css",
               "/../content/index.md", "/./../content/index.md", "/static/./../../content/index.md"]
    for path in outside:
        status, body = server.get(path)
        assert status == 404, path
        assert b"root:" not in body and b"+++" not in body, path
    for line in ("GET ../content/index.md HTTP/1.0", "GET http://127.0.0.1/../content/index.md HTTP/1.0",
                 "GET /../content/index.md HTTP/1.0"):
        response = server.raw(line)
        assert response.startswith(b"HTTP/1.0 404") or response.startswith(b"HTTP/1.0 400"), line
        assert b"+++" not in response, line
    # A symlink inside the site that points out of it is refused too (the next build removes it).
    escape = project / "build" / "site" / "escape"
    escape.symlink_to(project)
    try:
        assert server.get("/escape/content/index.md")[0] == 404
        assert server.get("/escape/")[0] == 404
    finally:
        escape.unlink()


def test_the_reload_script_is_injected_but_never_written(server: Server, project: Path) -> None:
    status, body = server.get("/")
    assert status == 200 and SCRIPT_PATH.encode() in body
    assert body.index(SCRIPT_PATH.encode()) < body.index(b"</body>")
    for path in (project / "build" / "site").rglob("*"):
        if path.is_file():
            assert b"__unrolled" not in path.read_bytes(), path


def test_edit_error_and_fix_in_a_real_browser(server: Server, project: Path, browser: Browser) -> None:
    source = project / "content" / "index.md"
    page = browser.new_page()
    page.goto(server.url)
    expect(page.get_by_text("The first sentence of the page.")).to_be_visible()
    page.wait_for_function("window.performance.getEntriesByType('navigation')[0].loadEventEnd > 0")

    # A prose edit reloads the open page.
    written = edit(source, "The first sentence", "An edited sentence")
    expect(page.get_by_text("An edited sentence of the page.")).to_be_visible(timeout=10_000)
    page.wait_for_function("window.performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
    print(f"\nedit to load event: {(load_time(page) - written) * 1000:.0f} ms")

    # A broken edit shows the error over the page, escaped, and the server stays up.
    edit(source, ":updates: 10\n", ":updates: 10\n:hidden-size: <img src=x onerror=alert(1)>\n")
    line = source.read_text(encoding="utf-8").splitlines().index(":hidden-size: <img src=x onerror=alert(1)>") + 1
    overlay = page.locator(OVERLAY)
    expect(overlay).to_contain_text(f"content/index.md:{line}: tiny: hidden-size", timeout=10_000)
    expect(overlay).to_contain_text("<img src=x onerror=alert(1)>")
    assert overlay.locator("img").count() == 0
    status, body = server.get("/")
    assert status == 200 and b"An edited sentence" in body

    # A page opened while the build is broken shows the errors as well.
    second = browser.new_page()
    second.goto(server.url)
    expect(second.locator(OVERLAY)).to_contain_text(f"content/index.md:{line}:")

    # The fix reloads both pages without the overlay.
    edit(source, ":hidden-size: <img src=x onerror=alert(1)>\n", "")
    edit(source, "An edited sentence", "A fixed sentence")
    for shown in (page, second):
        expect(shown.get_by_text("A fixed sentence of the page.")).to_be_visible(timeout=10_000)
        expect(shown.locator(OVERLAY)).to_have_count(0)
    assert "Traceback" not in server.output
    page.close()
    second.close()


def test_ctrl_c_exits_cleanly(server: Server) -> None:
    assert server.stop() == 0
    assert "Traceback" not in server.output
    assert server.output.splitlines()[-1] == "stopped"


def test_site_file_maps_paths_inside_the_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "static").mkdir(parents=True)
    (site / "index.html").write_text("home")
    (site / "static" / "a b.css").write_text("css")
    assert site_file(site, "/") == (site / "index.html").resolve()
    assert site_file(site, "/index.html?x=1#top") == (site / "index.html").resolve()
    assert site_file(site, "/static/a%20b.css") == (site / "static" / "a b.css").resolve()
    assert site_file(site, "/static") == "/static/"
    assert site_file(site, "/missing.html") is None
    assert site_file(site, "/static/%2e%2e/index.html") is None


def test_inject_script_goes_before_the_last_body_tag() -> None:
    html = b"<html><body><p>&lt;/body&gt;</p></BODY></html>"
    injected = inject_script(html, "abc-1")
    assert injected.endswith(b'data-version="abc-1"></script>\n</BODY></html>')
    assert inject_script(b"<p>no body", "v").startswith(b"<p>no body<script")


def test_watcher_reports_edits_but_not_editor_droppings(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    page = tmp_path / "content" / "index.md"
    page.write_text("one")
    watcher = Watcher([tmp_path / "content", tmp_path / "missing"], interval=0.001)
    assert watcher.changes() == []
    (tmp_path / "content" / ".index.md.swp").write_text("x")
    (tmp_path / "content" / "index.md~").write_text("x")
    assert watcher.changes() == []
    page.write_text("two!")
    (tmp_path / "content" / "new.md").write_text("new")
    assert watcher.wait() == [str(page), str(tmp_path / "content" / "new.md")]
    page.unlink()
    assert watcher.changes() == [str(page)]


def test_a_fresh_process_build_hands_back_its_problems_as_data(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    shutil.copytree(REPO / "generator", root / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    rebuilder = Rebuilder(Layout(root), lambda outcome: None)
    rebuilder.notice([str(root / "generator" / "site.py")])
    assert rebuilder.fresh_process

    assert rebuilder.build().errors() == []
    assert (root / "build" / "site" / "index.html").is_file()

    page = root / "content" / "index.md"
    page.write_text(TINY_PAGE.replace(":updates: 20", ":updatse: 20"), encoding="utf-8")
    line = page.read_text(encoding="utf-8").splitlines().index(":updatse: 20") + 1
    broken = rebuilder.build()
    assert not broken.crash
    assert broken.errors() == [f"content/index.md:{line}: tiny: unknown option 'updatse'; did you mean 'updates'?"]

    (root / "generator" / "site.py").write_text("raise RuntimeError('a half-written edit')\n", encoding="utf-8")
    crashed = rebuilder.build()
    assert crashed.crash.startswith("the generator crashed:")
    assert "RuntimeError: a half-written edit" in crashed.crash
