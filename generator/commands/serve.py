"""`unrolled serve`: build, serve build/site on loopback, rebuild on every edit and reload the open pages.

Three pieces: a `LiveState` that holds the site's version and the last build's errors, an HTTP server
that serves build/site (and injects a small reload script into HTML responses, never into the
files), and a loop that polls the sources and rebuilds. Open pages keep one Server-Sent Events
connection; each finished build pushes `{"version", "errors"}` to them: a new version reloads the
page, errors show an overlay.
"""

from __future__ import annotations

import ipaddress
import json
import mimetypes
import secrets
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import cast
from urllib.parse import unquote

import click

from ..errors import BuildError, Problems
from ..networks import Outcome
from ..report import echo_failure, echo_problems, failure, summary
from ..site import BuildResult, Layout, SiteBuilder
from .child import read_problems
from .watch import Watcher

LIVE_PREFIX = "/__unrolled/"
EVENTS_PATH = LIVE_PREFIX + "events"
SCRIPT_PATH = LIVE_PREFIX + "live.js"
KEEP_ALIVE_SECONDS = 15.0
BUILD_WAIT_SECONDS = 60.0

LIVE_SCRIPT = """\
(function () {
  "use strict";
  var script = document.currentScript;
  var version = script ? script.getAttribute("data-version") : "";
  var overlay = null;

  function hide() {
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
  }

  function show(errors) {
    hide();
    overlay = document.createElement("div");
    overlay.id = "unrolled-build-errors";
    overlay.setAttribute("role", "alert");
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:2rem 1rem;" +
      "background:rgba(0,0,0,.8);font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;";
    var box = document.createElement("div");
    box.style.cssText = "max-width:72rem;margin:0 auto;padding:1rem 1.5rem;background:#1d1d1f;color:#f5f5f7;" +
      "border-left:6px solid #ff6b6b;border-radius:6px;";
    var title = document.createElement("p");
    title.style.cssText = "margin:0 0 .5rem;font-weight:bold;color:#ffb4b4;";
    title.textContent = "The build failed. This page is the last good build; fix these and it reloads.";
    var list = document.createElement("ul");
    list.style.cssText = "margin:0;padding:0;list-style:none;";
    errors.forEach(function (error) {
      var item = document.createElement("li");
      item.style.cssText = "margin:.35rem 0;white-space:pre-wrap;overflow-wrap:anywhere;";
      item.textContent = error;
      list.appendChild(item);
    });
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Dismiss";
    close.style.cssText = "margin-top:.75rem;font:inherit;";
    close.addEventListener("click", hide);
    box.appendChild(title);
    box.appendChild(list);
    box.appendChild(close);
    overlay.appendChild(box);
    (document.body || document.documentElement).appendChild(overlay);
  }

  var source = new EventSource("__EVENTS__");
  source.addEventListener("message", function (event) {
    var state = JSON.parse(event.data);
    if (state.errors.length) {
      show(state.errors);
    } else if (state.version !== version) {
      source.close();
      location.reload();
    } else {
      hide();
    }
  });
})();
""".replace("__EVENTS__", EVENTS_PATH)

NO_SITE_PAGE = (b"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title>"
                b"<link rel=\"icon\" href=\"data:,\"></head><body><h1>Not found</h1>"
                b"<p>Nothing in build/site at this address.</p></body></html>")


class LiveState:
    """The site's current version and the last build's errors, shared by the builder and every open page."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._token = secrets.token_hex(4)
        self._good_builds = 0
        self._serial = 0
        self.errors: list[str] = []
        self.building = False
        self.closed = False
        self.clients = 0

    @property
    def version(self) -> str:
        """Names the site now in build/site; it changes with every successful build and every restart."""
        with self._changed:
            return f"{self._token}-{self._good_builds}"

    def current(self) -> tuple[int, str]:
        """The latest build's serial and the message an open page receives: the version and the errors."""
        with self._changed:
            return self._serial, self._message()

    def _message(self) -> str:
        return json.dumps({"version": f"{self._token}-{self._good_builds}", "errors": self.errors})

    def start_build(self) -> None:
        """Note that build/site may be swapped at any moment now."""
        with self._changed:
            self.building = True

    def finish_build(self, errors: list[str]) -> None:
        """Record a finished build (no errors means build/site is new) and wake every open page."""
        with self._changed:
            if not errors:
                self._good_builds += 1
            self.errors = list(errors)
            self.building = False
            self._serial += 1
            self._changed.notify_all()

    def wait_for_change(self, serial: int, timeout: float) -> tuple[int, str | None]:
        """Wait until a build finishes after `serial`; return the new serial and message (None on timeout)."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or self._serial != serial, timeout)
            if self._serial == serial or self.closed:
                return serial, None
            return self._serial, self._message()

    def wait_until_built(self, timeout: float) -> None:
        """Block while a build is running (so a request never lands in the moment of the swap)."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or not self.building, timeout)

    def connected(self, change: int) -> None:
        """Count open pages up or down."""
        with self._changed:
            self.clients += change

    def close(self) -> None:
        """Release every waiting connection: the server is stopping."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()


def site_file(site: Path, raw_path: str) -> Path | str | None:
    """The file that a request path names inside `site`, a path to redirect to (str), or None for 404.

    Refuses anything that could leave the site: `..` segments (plain or percent-encoded), encoded
    slashes and backslashes, NUL bytes, and symlinks that resolve outside the site folder.
    """
    path = raw_path.split("?", 1)[0].split("#", 1)[0]
    lowered = path.lower()
    if not path.startswith("/") or "\\" in path or any(code in lowered for code in ("%2f", "%5c", "%00")):
        return None
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    parts = decoded.split("/")[1:]
    if "\x00" in decoded or "\\" in decoded or ".." in parts:
        return None
    segments = [part for part in parts if part not in ("", ".")]
    try:
        real_site = site.resolve(strict=True)
        real = site.joinpath(*segments).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if real != real_site and real_site not in real.parents:
        return None
    if real.is_dir():
        if not decoded.endswith("/"):
            return "/" + path.lstrip("/") + "/"  # never `//host/`: that would leave the site
        real = real / "index.html"
    return real if real.is_file() else None


def inject_script(html: bytes, version: str) -> bytes:
    """Add the live-reload script tag just before `</body>` (or at the end)."""
    tag = f'<script src="{SCRIPT_PATH}" data-version="{version}"></script>\n'.encode()
    index = html.lower().rfind(b"</body>")
    return html + tag if index < 0 else html[:index] + tag + html[index:]


def _content_type(path: Path) -> str:
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("application/json", "application/javascript", "image/svg+xml",
                                                  "application/xml"):
        return f"{guessed}; charset=utf-8"
    return guessed


class PreviewServer(ThreadingHTTPServer):
    """Serves one site folder and its live-reload endpoints; every connection runs in a daemon thread."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], site: Path, live: LiveState) -> None:
        self.site = site
        self.live = live
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, PreviewHandler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup of the host name (it can take seconds)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        host = self.server_name
        return f"http://[{host}]:{self.server_port}/" if ":" in host else f"http://{host}:{self.server_port}/"

    def handle_error(self, request: object, client_address: object) -> None:
        """Ignore browsers that hang up mid-response; report anything else."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class PreviewHandler(BaseHTTPRequestHandler):
    """GET and HEAD for the site's files, the reload script and the event stream."""

    server_version = "unrolled-serve"

    def do_GET(self) -> None:
        """Answer one GET request."""
        self._answer(body=True)

    def do_HEAD(self) -> None:
        """Answer one HEAD request."""
        self._answer(body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the terminal is for build results."""

    @property
    def preview(self) -> PreviewServer:
        """The server, with its site folder and live state."""
        return cast(PreviewServer, self.server)

    def _answer(self, body: bool) -> None:
        path = self.path.split("?", 1)[0]
        if path == EVENTS_PATH and body:
            self._stream_events()
            return
        if path == SCRIPT_PATH:
            self._send(200, "text/javascript; charset=utf-8", LIVE_SCRIPT.encode(), body)
            return
        live = self.preview.live
        for attempt in range(2):
            version = live.version  # read before the file: a swap in between costs one extra reload, never a miss
            found = site_file(self.preview.site, self.path)
            if isinstance(found, str):
                self.send_response(301)
                self.send_header("Location", found)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if found is not None:
                try:
                    data = found.read_bytes()
                except OSError:
                    data = None
                if data is not None:
                    if found.suffix == ".html":
                        data = inject_script(data, version)
                    self._send(200, _content_type(found), data, body)
                    return
            if attempt == 0 and live.building:
                live.wait_until_built(BUILD_WAIT_SECONDS)
                continue
            break
        self._not_found(body)

    def _not_found(self, body: bool) -> None:
        version = self.preview.live.version
        try:
            page = (self.preview.site / "404.html").read_bytes()
        except OSError:
            page = NO_SITE_PAGE
        self._send(404, "text/html; charset=utf-8", inject_script(page, version), body)

    def _send(self, status: int, content_type: str, data: bytes, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _stream_events(self) -> None:
        live = self.preview.live
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        live.connected(+1)
        try:
            serial, first = live.current()
            self.wfile.write(f"retry: 300\n\ndata: {first}\n\n".encode())
            while not live.closed:
                serial, message = live.wait_for_change(serial, KEEP_ALIVE_SECONDS)
                if live.closed:
                    break
                self.wfile.write(f"data: {message}\n\n".encode() if message else b": keep-alive\n\n")
        except ConnectionError:
            pass
        finally:
            live.connected(-1)


@dataclass
class Attempt:
    """One rebuild: the problems it found (or what crashed), and what it built when it succeeded."""

    problems: Problems = field(default_factory=Problems)
    crash: str = ""
    result: BuildResult | None = None

    def errors(self) -> list[str]:
        """What open pages show: one line per error, or the crash (empty when build/site is new)."""
        return [self.crash] if self.crash else [str(problem) for problem in self.problems.errors]


class Rebuilder:
    """Builds for the server: in this process, or in a fresh one once generator/ itself has changed.

    Python cannot reliably reload a package it has imported, so after an edit to generator/ every
    later build runs `python -m generator.commands.child` in a new process (about a second each, but
    with the new code), until `unrolled serve` is restarted.
    """

    def __init__(self, layout: Layout, report: Callable[[Outcome], None]) -> None:
        self.layout = layout
        self.report = report
        self.generator = layout.root / "generator"
        self.fresh_process = False

    def watched(self) -> list[Path]:
        """The folders whose edits trigger a rebuild (site.toml lives in content/)."""
        paths = [self.layout.content, self.layout.root / "themes"]
        if self.generator.is_dir():
            paths.append(self.generator)
        return paths

    def notice(self, changed: list[str]) -> None:
        """Switch to fresh-process builds the first time a file under generator/ changes."""
        if self.fresh_process or not any(Path(path).is_relative_to(self.generator) for path in changed):
            return
        self.fresh_process = True
        click.echo("generator/ changed: from now on each rebuild runs in a fresh Python process so it uses the "
                   "new code (slower); restart `unrolled serve` for fast rebuilds")

    def build(self) -> Attempt:
        """Build once, in this process or a fresh one."""
        if self.fresh_process:
            return self._build_in_new_process()
        try:
            result = SiteBuilder(self.layout, self.report).build()
            return Attempt(result.problems, result=result)
        except BuildError as exc:
            return Attempt(exc.problems)
        except Exception as exc:
            traceback.print_exc()
            return Attempt(crash=f"{type(exc).__name__}: {exc}")

    def _build_in_new_process(self) -> Attempt:
        with tempfile.TemporaryDirectory(prefix="unrolled-serve-") as folder:
            written = Path(folder) / "problems.json"
            command = [sys.executable, "-m", "generator.commands.child", str(self.layout.root), str(written)]
            finished = subprocess.run(command, cwd=self.layout.root, capture_output=True, text=True, check=False)
            if finished.returncode == 0 and written.exists():
                return Attempt(read_problems(written))
        lines = [line for line in finished.stderr.splitlines() if line.strip()]
        return Attempt(crash="the generator crashed:\n" + "\n".join(lines[-12:] or [f"status {finished.returncode}"]))


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _rebuild(rebuilder: Rebuilder, live: LiveState, changed: list[str]) -> None:
    started = time.perf_counter()
    live.start_build()
    attempt = rebuilder.build()  # Ctrl-C here skips finish_build: nothing reloads on the way out
    errors = attempt.errors()
    live.finish_build(errors)
    seconds = time.perf_counter() - started
    consequence = f"serving the last good build{' (open pages show the errors)' if live.clients else ''}"
    if attempt.crash:
        click.echo(attempt.crash, err=True)
        click.echo(failure(1, consequence), err=True)
    elif errors:
        echo_failure(attempt.problems, consequence)
    else:
        echo_problems(attempt.problems.warnings)
        if attempt.result is not None and not changed:
            click.echo(summary(attempt.result, rebuilder.layout.display(rebuilder.layout.site)))
        else:
            click.echo(f"rebuilt in {seconds:.2f} s{'; reloading the open pages' if live.clients else ''}")


def serve(root: Path, host: str, port: int, report: Callable[[Outcome], None]) -> None:
    """Build, serve build/site at host:port, and rebuild and reload on every change until Ctrl-C."""
    layout = Layout(root)
    live = LiveState()
    rebuilder = Rebuilder(layout, report)
    try:
        server = PreviewServer((host, port), layout.site, live)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    # Ctrl-C and `kill` both end the loop through KeyboardInterrupt (even where a shell ignores SIGINT).
    previous = {number: signal.signal(number, _stop) for number in (signal.SIGINT, signal.SIGTERM)}
    serving = False
    try:
        watcher = Watcher(rebuilder.watched())
        _rebuild(rebuilder, live, [])
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        thread.start()
        serving = True
        if not _is_loopback(host):
            click.echo(f"note: --host {host} lets other machines on the network read this preview")
        click.echo(f"serving {server.url} (Ctrl-C to stop)")
        while True:
            changed = watcher.wait()
            click.echo("changed: " + ", ".join(layout.display(Path(path)) for path in changed[:3])
                       + (f" and {len(changed) - 3} more" if len(changed) > 3 else ""))
            rebuilder.notice(changed)
            _rebuild(rebuilder, live, changed)
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        live.close()
        if serving:
            server.shutdown()
        server.server_close()
        for number, handler in previous.items():
            signal.signal(number, handler)
