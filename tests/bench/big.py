"""The `big` and `lighthouse` rows: what a page with a big figure weighs and costs, and Lighthouse on every page.

`big`: one page with the issue's figure (vocabulary 28, hidden size 32, a 16-step window, English text, adagrad
at learning rate 0.1), its gzip weight with everything it loads (bar 100 KB) and one step's render in Chromium
(the `step` row's method, bar 8 ms at the 95th percentile).

`lighthouse`: npm's Lighthouse (pinned in the Makefile, installed into build/bench-node) with its default mobile
settings, run by Debian's Chromium on every page of the built article and on the big page; each must score 100 in
accessibility and at least 95 in performance. Lighthouse simulates a slow phone from the host's measured speed, so
a loaded machine lowers the performance score: each result keeps Lighthouse's `benchmarkIndex` (a 2-core machine
at rest scores about 1,000) and the load average.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import browser
import projects
from projects import REPO

LIGHTHOUSE = REPO / "build" / "bench-node" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
WEIGHT_BAR_KB, STEP_BAR_MS = 100.0, 8.0
ACCESSIBILITY_BAR, PERFORMANCE_BAR = 100, 95


def big_site(work: Path, build: Callable[[Path], Any]) -> Path:
    """The big page built (no cache): its build/site."""
    root = projects.unrolled_project(work / "big", projects.big_page())
    build(root)
    return root / "build" / "site"


def big_row(site: Path, runs: int, weigh: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """The big page's weight (KB, gzip, with what it loads) and one step's render (ms), each against its bar."""
    row = weigh(site)
    reason = browser.unavailable()
    row["step"] = {"status": f"not available: {reason}"} if reason else browser.step(site, runs, steps_per_figure=24)
    step_worst = row["step"].get("p95")
    row["bars"] = {"weight_kb": WEIGHT_BAR_KB, "step_p95_ms": STEP_BAR_MS}
    row["within_bars"] = row["value"] <= WEIGHT_BAR_KB and (step_worst is None or step_worst <= STEP_BAR_MS)
    return row


def _lighthouse(url: str, output: Path) -> dict[str, Any]:
    env = {**os.environ, "CHROME_PATH": browser.CHROMIUM}
    flags = " ".join(["--headless=new", *browser.ARGS])
    command = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={output}",
               f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={flags}"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=600)
    if done.returncode != 0 or not output.exists():
        return {"status": f"lighthouse failed ({done.returncode}): {done.stderr.strip()[-300:]}"}
    report = json.loads(output.read_text(encoding="utf-8"))
    scores = {name: round(100 * (report["categories"][name]["score"] or 0)) for name in CATEGORIES}
    audits = report["audits"]
    failing = sorted(key for key, audit in audits.items()
                     if audit.get("score") is not None and audit["score"] < 0.9
                     and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings"))
    metrics = {key: audits[key].get("displayValue") for key in (
        "first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift",
        "speed-index") if key in audits}
    return {"scores": scores, "metrics": metrics, "below_0_9": failing,
            "benchmark_index": report["environment"].get("benchmarkIndex"),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def lighthouse_row(sites: dict[str, Path]) -> dict[str, Any]:
    """Lighthouse on every page of each site; value: the lowest performance score (accessibility reported too)."""
    if not LIGHTHOUSE.exists():
        return {"status": f"not available: {LIGHTHOUSE} is missing (make bench installs it)"}
    reason = browser.unavailable()
    if reason:
        return {"status": f"not available: {reason}"}
    pages: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for label, site in sites.items():
            with browser.static_server(site) as base:
                for page in sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")):
                    url = base + page.removesuffix("index.html")
                    result = _lighthouse(url, Path(scratch) / "report.json")
                    pages[f"{label}/{page}"] = result
                    print(f"  lighthouse {label}/{page}: {result.get('scores', result.get('status'))}", flush=True)
    scored = [p["scores"] for p in pages.values() if "scores" in p]
    if len(scored) < len(pages):
        return {"status": "not available: lighthouse failed on a page", "pages": pages}
    performance = min(s["performance"] for s in scored)
    accessibility = min(s["accessibility"] for s in scored)
    return {"value": performance, "accessibility": accessibility, "pages": pages,
            "within_bars": performance >= PERFORMANCE_BAR and accessibility >= ACCESSIBILITY_BAR}
