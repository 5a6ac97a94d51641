"""Browser-test fixtures: sites built once per session, served under a sub-path, one Chromium.

- `fixture_site`: tests/browser/site/content built with the real theme (the article's three networks
  on the home page, extreme shapes on edges/), served at http://127.0.0.1:PORT/unrolled-site/.
- `browser`: Debian's Chromium through Python Playwright (never `playwright install`). Missing
  Chromium fails the tests when CI is set and skips them otherwise.
- `browse`: opens pages in fresh contexts, over http or from file://, and fails the test at teardown
  if any page logged a console error, threw, had a failed request or asked another host for anything.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, Request, Response

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FIXTURE_CONTENT = HERE / "site" / "content"
ARTICLE_CONTENT = REPO / "content"
VNU_JAR = REPO / "tests" / "tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}


def missing(what: str) -> None:
    """A missing tool: a failure when CI is set, a skip on a developer's machine."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (the CI environment variable is set, so this is a failure, not a skip)",
                    pytrace=False)
    pytest.skip(what)


def find_chromium() -> str | None:
    """Debian's Chromium: $CHROMIUM, /usr/bin/chromium, or whatever `chromium` is on PATH."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def build_project(content: Path, root: Path) -> Path:
    """Copy a content folder and the real themes into `root`, build in-process, return build/site."""
    from generator.site import Layout, SiteBuilder

    shutil.copytree(content, root / "content")
    shutil.copytree(REPO / "themes", root / "themes")
    SiteBuilder(Layout(root), lambda outcome: None).build()
    site = root / "build" / "site"
    assert (site / "index.html").is_file(), f"the build wrote no {site / 'index.html'}"
    return site


# --- the local server ------------------------------------------------------------------------------

class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Server:
    """A static file server on 127.0.0.1 whose root holds each built site under its own sub-path."""

    root: Path
    port: int

    @property
    def origin(self) -> str:
        """scheme://host:port, without a path."""
        return f"http://127.0.0.1:{self.port}"

    def mount(self, site: Path, sub_path: str) -> str:
        """Serve `site` at /sub_path/ and return that URL."""
        link = self.root / sub_path
        if not link.exists():
            link.symlink_to(site, target_is_directory=True)
        return f"{self.origin}/{sub_path}/"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("serve")
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield Server(root, httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


# --- built sites -----------------------------------------------------------------------------------

@dataclass
class Site:
    """A built site: its folder on disk and its URL under the server's sub-path."""

    folder: Path
    base_url: str

    def url(self, path: str = "index.html", mode: str = "http", fragment: str = "") -> str:
        """The page's URL over http (under the sub-path) or as a file:// URL."""
        if mode == "http":
            url = self.base_url + path
        elif mode == "file":
            url = (self.folder / path).as_uri()
        else:
            raise ValueError(f"mode is 'http' or 'file', not {mode!r}")
        return url + (f"#{fragment}" if fragment else "")

    def pages(self) -> list[str]:
        """Every HTML page of the site, relative to its folder (404.html included)."""
        return sorted(p.relative_to(self.folder).as_posix() for p in self.folder.rglob("*.html"))


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory, server: Server) -> Site:
    folder = build_project(FIXTURE_CONTENT, tmp_path_factory.mktemp("fixture-project"))
    return Site(folder, server.mount(folder, "unrolled-site"))


@pytest.fixture(scope="session")
def article_site(tmp_path_factory: pytest.TempPathFactory, server: Server) -> Site:
    if not (ARTICLE_CONTENT / "index.md").is_file():
        pytest.skip(f"no article yet ({ARTICLE_CONTENT / 'index.md'} is missing)")
    folder = build_project(ARTICLE_CONTENT, tmp_path_factory.mktemp("article-project"))
    return Site(folder, server.mount(folder, "article"))


HOSTILE_TEXT = '</script><b>&"'  # 12 distinct characters, each of them meaningful to an HTML parser
HOSTILE_PAGE = f"""# Markup in the vocabulary

Its first probability is {{rnn}}`hostile.steps[0].probabilities[0]`.

```{{rnn}} hostile
:text: {HOSTILE_TEXT}
:seq-length: 12
:hidden-size: 4
:updates: 20
:caption: A vocabulary of markup & "quotes".
```
"""


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory, server: Server) -> Site:
    content = tmp_path_factory.mktemp("hostile-content")
    (content / "index.md").write_text(HOSTILE_PAGE, encoding="utf-8")
    folder = build_project(content, tmp_path_factory.mktemp("hostile-project"))
    return Site(folder, server.mount(folder, "hostile"))


# --- the browser -----------------------------------------------------------------------------------

# Package scope, not session: Playwright's sync API allows one running instance per thread, and other test
# modules (tests/test_serve.py) start their own after this package is done.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    if executable is None:
        missing("Chromium not found: install it with `apt-get update && apt-get install -y chromium` "
                "(or set CHROMIUM to its path)")
    assert executable is not None
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Watcher:
    """Everything that went wrong on one page: console errors, exceptions, bad or foreign requests."""

    label: str
    allowed: Callable[[str], bool]
    problems: list[str] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    page: Page | None = None

    def attach(self, page: Page) -> None:
        """Listen to the page until detached."""
        self.page = page
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("pageerror", self._error)

    def detach(self) -> None:
        """Stop listening (the page goes on to another test)."""
        if self.page is None:
            return
        for event, handler in (("request", self._request), ("requestfailed", self._failed),
                               ("response", self._response), ("console", self._console),
                               ("pageerror", self._error)):
            self.page.remove_listener(event, handler)
        self.page = None

    def _request(self, request: Request) -> None:
        if not self.allowed(request.url):
            self.problems.append(f"request to a foreign address: {request.method} {request.url}")

    def _failed(self, request: Request) -> None:
        self.problems.append(f"failed request: {request.url} ({request.failure})")

    def _response(self, response: Response) -> None:
        self.responses.append(response)
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status} for {response.url}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location
            self.problems.append(f"console error: {message.text} ({where.get('url')}:{where.get('lineNumber')})")

    def _error(self, error: Error) -> None:
        self.problems.append(f"uncaught exception: {error.name}: {error.message}\n{error.stack}")

    def report(self) -> str:
        """The problems, one a line, under the page's label."""
        return f"{self.label}:\n  " + "\n  ".join(self.problems)


def ready(page: Page) -> None:
    """Wait until the page has set up every figure (`unrolled.ready`): the page loads the player after its `load`
    event; a page without JavaScript, or whose player could not load (the rnn-js mark gone), waits for nothing."""
    page.wait_for_function("() => window.unrolled || !document.documentElement.classList.contains('rnn-js')")
    page.evaluate("() => window.unrolled && window.unrolled.ready")


# Options a page can change without a new context; anything else (JavaScript off, is_mobile, ...) gets one.
EMULATED = {"viewport", "color_scheme", "reduced_motion"}


class Browse:
    """Opens pages and remembers what went wrong on them.

    A new page costs Chromium a renderer process (about half a second of CPU here), so pages that need
    only a viewport, a colour scheme or reduced motion reuse one page of the package, navigated afresh
    (through about:blank, so even a change of #fragment loads a new document). `fresh=True`, or any other
    context option, gets a new context of its own.
    """

    def __init__(self, browser: Browser, shared: Page, site: Site) -> None:
        self.browser = browser
        self.shared = shared
        self.site = site
        self.contexts: list[BrowserContext] = []
        self.watchers: list[Watcher] = []
        self.by_page: dict[int, Watcher] = {}

    def allowed(self, mode: str, site: Site) -> Callable[[str], bool]:
        """Over http only the site's own sub-path; from disk only file: URLs (no network at all)."""
        if mode == "http":
            return lambda url: url.startswith(site.base_url) or url.startswith(("data:", "about:"))
        return lambda url: url.startswith(("file:", "data:", "about:"))

    def open(self, path: str = "index.html", *, mode: str = "http", fragment: str = "", site: Site | None = None,
             fresh: bool = False, complete: bool = True, **options: Any) -> Page:
        """The page at `path` (over http under the sub-path, or from file://) with these context options.

        With JavaScript, it waits for `unrolled.ready` (every figure set up: the page sets them up in tasks after
        its first paint). `complete`: wait as well until every figure has loaded its training step, which the page
        otherwise loads the first time a reader asks for it (test_big.py tests that part with complete=False).
        """
        site = site or self.site
        url = site.url(path, mode, fragment)
        viewport = options.get("viewport", DESKTOP)
        if fresh or set(options) - EMULATED:
            context = self.browser.new_context(**{"viewport": viewport, **options})
            context.set_default_timeout(5_000)
            self.contexts.append(context)
            page = context.new_page()
        else:
            page = self.shared
            if (previous := self.by_page.get(id(page))) is not None:
                previous.detach()
            page.mouse.move(0, 0)
            page.goto("about:blank")
            page.set_viewport_size(viewport)
            page.emulate_media(media="screen", color_scheme=options.get("color_scheme", "light"),
                               reduced_motion=options.get("reduced_motion", "no-preference"))
        watcher = Watcher(f"{url} ({', '.join(f'{k}={v}' for k, v in options.items())})", self.allowed(mode, site))
        watcher.attach(page)
        self.watchers.append(watcher)
        self.by_page[id(page)] = watcher
        page.goto(url, wait_until="load")
        if options.get("java_script_enabled", True):
            ready(page)
        if complete and options.get("java_script_enabled", True):
            page.evaluate("""() => Promise.all(Array.from(document.querySelectorAll("figure.rnn-figure[data-rnn]"),
                (f) => window.unrolled && window.unrolled.figure && window.unrolled.figure(f.getAttribute("data-rnn"))
                ).filter(Boolean).map((api) => api.complete()))""")
        return page

    def watcher(self, page: Page) -> Watcher:
        """The watcher of the page's latest load."""
        return self.by_page[id(page)]

    def close(self) -> list[Watcher]:
        """Detach from the shared page, close our contexts; return the watchers that saw problems."""
        for watcher in self.watchers:
            watcher.detach()
        for context in self.contexts:
            context.close()
        return [watcher for watcher in self.watchers if watcher.problems]


@pytest.fixture(scope="package")
def shared_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(5_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def browse(browser: Browser, shared_page: Page, fixture_site: Site) -> Iterator[Browse]:
    session = Browse(browser, shared_page, fixture_site)
    yield session
    troubled = session.close()
    if troubled:
        pytest.fail("pages had console errors, exceptions or bad requests:\n"
                    + "\n".join(w.report() for w in troubled), pytrace=False)


# --- the Nu HTML validator -------------------------------------------------------------------------

# The validator's CSS checker rejects modern values inside custom properties (`--a: calc(... max() ...)`),
# although a custom property may hold any token stream; those messages, and only those, are dropped.
CUSTOM_PROPERTY_MESSAGE = re.compile(r'^"[^"]+\.css":[\d.-]+: error: CSS: “--[\w-]+”: .*$\n?', re.M)


@dataclass
class Validation:
    """The validator's messages about one site, less those about custom property values."""

    messages: str
    ignored: int

    @property
    def ok(self) -> bool:
        """No error left."""
        return not self.messages.strip()


def run_vnu(folders: list[Path]) -> tuple[subprocess.CompletedProcess[str], list[Validation]]:
    """The Nu validator over whole folders in one call (errors only, HTML and CSS); messages by folder."""
    java = shutil.which("java")
    if java is None:
        missing("java not found: install it with `apt-get install -y default-jre-headless`")
    if not VNU_JAR.is_file():
        missing(f"the Nu validator is not installed: npm install --prefix tests/tools vnu-jar@^26 "
                f"(no {VNU_JAR})")
    assert java is not None
    result = subprocess.run([java, "-jar", str(VNU_JAR), "--errors-only", "--skip-non-html", "--also-check-css",
                             *map(str, folders)], capture_output=True, text=True, timeout=300, check=False)
    lines = (result.stdout + result.stderr).splitlines(keepends=True)
    unattributed = [line for line in lines if not any(f'"{f.as_uri().replace("file://", "file:")}/' in line
                                                       for f in folders)]
    validations = []
    for folder in folders:
        prefix = f'"{folder.as_uri().replace("file://", "file:")}/'
        text = "".join(line for line in lines if line.startswith(prefix)) + "".join(unattributed)
        kept, ignored = CUSTOM_PROPERTY_MESSAGE.subn("", text)
        validations.append(Validation(kept, ignored))
    if result.returncode != 0 and not any(v.ignored or v.messages for v in validations):
        validations = [Validation(f"vnu exited {result.returncode} with no message", 0) for _ in folders]
    return result, validations


@pytest.fixture(scope="session")
def validated(request: pytest.FixtureRequest, fixture_site: Site) -> dict[str, Validation]:
    """One run of the validator over every site the session builds: the fixture, the hostile one, the article."""
    sites = {"fixture": fixture_site.folder}
    for name in ("hostile_site", "article_site"):
        try:
            sites[name.removesuffix("_site")] = request.getfixturevalue(name).folder
        except (Exception, pytest.skip.Exception):  # its own tests report why it did not build
            continue
    _, validations = run_vnu(list(sites.values()))
    return dict(zip(sites, validations, strict=True))
