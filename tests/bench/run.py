"""`make bench`: time unrolled against what a user would pick instead, print a table, write build/bench.json.

Every timed row runs the reference and ours in turn (A B A B ...) after one untimed warm-up of each,
and reports the median of each side and the median of the pair-by-pair ratios (ours / reference),
so that a shared, noisy machine slows both sides of a pair alike. Rows without a reference report
the median (and, for the step row, the 95th percentile) of their runs.

    python tests/bench/run.py [--runs 5] [--rows cold,warm,...] [--content content] [--quick]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import projects
from projects import REPO

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
WORK = REPO / "build" / "bench-work"
OUTPUT = REPO / "build" / "bench.json"
ENGLISH_SIZES = (16, 32, 64)  # hidden sizes of the English rows
ROWS = ("cold", *(f"english{h}" for h in ENGLISH_SIZES), "warm", "scale", "weight", "interactive", "step", "preview",
        "big", "lighthouse", "growth")

# row key: (title, ours, reference, unit, bar, aim)
SPEC = {
    "cold": ("cold build", "unrolled build, no cache", "plain min-char-rnn numpy loop", "ratio", 1.0, 0.5),
    **{f"english{h}": (f"English, hidden {h}", "unrolled build of one figure (vocabulary 28, window 16, "
                                                "adagrad, 3,000 updates), no cache", "plain min-char-rnn numpy loop",
                        "ratio", 1.0, 0.7) for h in ENGLISH_SIZES},
    "warm": ("warm build", "unrolled build, cache warm", "MkDocs, {rnn} blocks removed", "ratio", 1.0, 0.7),
    "scale": ("scale", "200 pages x 1 network, warm", "the same pages through MkDocs", "ratio", 1.0, 0.7),
    "weight": ("page weight", "home page + what it loads, gzip", "-", "KB", 50.0, 30.0),
    "interactive": ("interactive", "navigation to every figure ready", "-", "ms", 200.0, 100.0),
    "step": ("step", "one step's render, median / p95", "-", "ms", 8.0, 4.0),
    "preview": ("preview", "prose edit saved to page reloaded", "-", "ms", 300.0, 150.0),
    # big.py: a page with one 28/32/16 figure (its step render has its own bar, 8 ms at p95), and Lighthouse.
    "big": ("big page", "28/32/16 figure page + what it loads, gzip", "-", "KB", 100.0, 100.0),
    "lighthouse": ("lighthouse", "lowest performance score, every page + big page", "-", "score", 95.0, 95.0),
}


CPU_SECONDS: list[float] = []  # user + system time of each command run, for telling load from work


OUTPUTS: list[str] = []  # what each command printed, for the rows that read it


def run(command: list[str], cwd: Path | None = None) -> float:
    """Run a command to completion; its wall time in seconds. A failure stops the bench with its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    OUTPUTS.append(done.stdout)
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(map(str, command))} failed ({done.returncode}):\n"
                         f"{done.stdout}{done.stderr}")
    return seconds


def alternate(reference: Callable[[], float], ours: Callable[[], float], runs: int,
              warm_up: bool = True) -> dict[str, Any]:
    """A B A B ... after one warm-up of each; medians and the median pair-by-pair ratio."""
    if warm_up:
        reference()
        ours()
    pairs, cpu = [], []
    for _ in range(runs):
        a = reference()
        cpu_a = CPU_SECONDS[-1]
        b = ours()
        pairs.append((a, b))
        cpu.append((cpu_a, CPU_SECONDS[-1]))
    ratios = [b / a for a, b in pairs]
    return {
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "reference_cpu_median_s": round(statistics.median(a for a, _ in cpu), 4),
        "ours_cpu_median_s": round(statistics.median(b for _, b in cpu), 4),
        "cpu_ratio": round(statistics.median(b / a for a, b in cpu), 3),
        "reference_s": [round(a, 4) for a, _ in pairs],
        "ours_s": [round(b, 4) for _, b in pairs],
        "reference_median_s": round(statistics.median(a for a, _ in pairs), 4),
        "ours_median_s": round(statistics.median(b for _, b in pairs), 4),
        "ratios": [round(r, 3) for r in ratios],
        "value": round(statistics.median(ratios), 3),
    }


def unrolled_build(root: Path) -> list[str]:
    return [str(BIN / "unrolled"), "build", "--root", str(root), "-q"]


def mkdocs_build(root: Path) -> list[str]:
    return [str(BIN / "mkdocs"), "build", "-q", "-f", str(root / "mkdocs.yml")]


# ---- rows ----------------------------------------------------------------------------------------

def cold_row(content: Path, runs: int) -> dict[str, Any]:
    root = projects.article_project(WORK / "article-cold", content)
    spec = WORK / "article-networks.json"
    weights = WORK / "article-reference-weights.json"
    networks = projects.write_networks(content, spec)

    def reference() -> float:
        return run([sys.executable, str(HERE / "minchar.py"), str(spec), str(weights)])

    def ours() -> float:
        shutil.rmtree(root / "build", ignore_errors=True)
        return run(unrolled_build(root))

    row = alternate(reference, ours, runs)
    row["networks"] = [{k: n[k] for k in ("name", "updates", "hidden_size", "seq_length", "optimizer")}
                       for n in networks]
    row["max_weight_difference"] = weight_difference(root / "build" / "site" / "traces", weights)
    return row


def weight_difference(traces: Path, weights_file: Path) -> float:
    """The largest difference between ours and the reference loop's final weights, over every network."""
    reference = json.loads(weights_file.read_text(encoding="utf-8"))
    worst = 0.0

    def flat(value: Any) -> list[float]:
        return [x for row in value for x in (row if isinstance(row, list) else [row])]

    for name, params in reference.items():
        ours = json.loads((traces / f"{name}.json").read_text(encoding="utf-8"))["params"]
        for key, value in params.items():
            worst = max([worst, *(abs(a - b) for a, b in zip(flat(value), flat(ours[key]), strict=True))])
    return worst


def english_row(hidden_size: int, runs: int) -> dict[str, Any]:
    """A cold build of one figure trained on English text against the plain loop training the same network; the
    build's own report line says how much of it was training (the rest is start-up, rendering and writing)."""
    root = projects.unrolled_project(WORK / f"english{hidden_size}", projects.english_page(hidden_size))
    spec = WORK / f"english{hidden_size}-network.json"
    weights = WORK / f"english{hidden_size}-reference-weights.json"
    networks = projects.write_networks(root / "content", spec)
    trained: list[float] = []

    def reference() -> float:
        return run([sys.executable, str(HERE / "minchar.py"), str(spec), str(weights)])

    def ours() -> float:
        shutil.rmtree(root / "build", ignore_errors=True)
        seconds = run([sys.executable, "-m", "generator", "build", "--root", str(root)])
        found = re.search(r"^trained english: [\d,]+ updates in ([\d.]+) s", OUTPUTS[-1], re.M)
        if found is None:
            raise SystemExit(f"bench: no training line in the build's output:\n{OUTPUTS[-1]}")
        trained.append(float(found.group(1)))
        return seconds

    row = alternate(reference, ours, runs)
    row["training_s"] = [round(x, 3) for x in trained[1:]]  # the warm-up's is left out, as its time is
    row["training_median_s"] = round(statistics.median(trained[1:]), 4)
    row["network"] = {k: networks[0][k] for k in ("hidden_size", "seq_length", "optimizer", "learning_rate",
                                                  "updates")}
    row["vocab_size"] = len(set(str(networks[0]["text"])))
    row["max_weight_difference"] = weight_difference(root / "build" / "site" / "traces", weights)
    return row


def warm_row(content: Path, runs: int) -> dict[str, Any]:
    root = projects.article_project(WORK / "article-warm", content)
    run(unrolled_build(root))
    mkdocs = projects.mkdocs_project(WORK / "article-mkdocs", content)
    return alternate(lambda: run(mkdocs_build(mkdocs)), lambda: run(unrolled_build(root)), runs)


def scale_row(runs: int) -> dict[str, Any]:
    root = projects.unrolled_project(WORK / "scale", projects.scale_pages())
    started = time.perf_counter()
    run(unrolled_build(root))
    filling = time.perf_counter() - started
    mkdocs = projects.mkdocs_project(WORK / "scale-mkdocs", root / "content")
    row = alternate(lambda: run(mkdocs_build(mkdocs)), lambda: run(unrolled_build(root)), runs)
    row["cold_build_of_200_networks_s"] = round(filling, 3)
    return row


class _Loads(HTMLParser):
    """The local files a page loads: stylesheets, icons, scripts, images, media."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        rel = (found.get("rel") or "").split()
        if tag == "link" and {"stylesheet", "icon", "preload", "modulepreload", "manifest"} & set(rel):
            self.urls.append(found.get("href") or "")
        elif tag in ("script", "img", "source", "audio", "video", "iframe", "embed") and found.get("src"):
            self.urls.append(found.get("src") or "")
        elif tag == "script" and found.get("data-player"):  # the player's script, which the page loads after `load`
            self.urls.append(found.get("data-player") or "")


def page_weight(site: Path, page: str = "index.html") -> dict[str, Any]:
    """gzip (level 6, as a web server sends it) bytes of the page and every local file it loads."""
    html = (site / page).read_bytes()
    parser = _Loads()
    parser.feed(html.decode("utf-8"))
    files = {page: len(gzip.compress(html, 6))}
    external = []
    for url in parser.urls:
        if not url or url.startswith("data:"):
            continue
        if "://" in url or url.startswith("//"):
            external.append(url)
            continue
        path = (site / page).parent / url.split("#")[0].split("?")[0]
        files[path.relative_to(site).as_posix()] = len(gzip.compress(path.read_bytes(), 6))
    total = sum(files.values())
    return {"value": round(total / 1024, 1), "bytes": total, "files": files, "external": external}


def weight_row(content: Path) -> dict[str, Any]:
    root = projects.article_project(WORK / "article-warm", content)
    run(unrolled_build(root))
    return page_weight(root / "build" / "site")


def browser_rows(content: Path, runs: int, wanted: set[str]) -> dict[str, dict[str, Any]]:
    try:
        import browser
    except ImportError as exc:
        return {key: {"status": f"not available: {exc}"} for key in ("interactive", "step", "preview") if key in wanted}
    reason = browser.unavailable()
    if reason:
        return {key: {"status": f"not available: {reason}"} for key in ("interactive", "step", "preview")
                if key in wanted}
    root = projects.article_project(WORK / "article-warm", content)
    run(unrolled_build(root))
    rows: dict[str, dict[str, Any]] = {}
    if "interactive" in wanted:
        rows["interactive"] = browser.interactive(root / "build" / "site", runs)
    if "step" in wanted:
        rows["step"] = browser.step(root / "build" / "site", runs)
    if "preview" in wanted:
        preview_root = projects.article_project(WORK / "article-preview", content)
        rows["preview"] = browser.preview(preview_root, BIN / "unrolled", runs)
    return rows


def big_rows(content: Path, runs: int, wanted: set[str]) -> dict[str, dict[str, Any]]:
    """The big page's weight and step render (`big`), and Lighthouse on the article and the big page."""
    import big
    site = big.big_site(WORK, lambda root: run(unrolled_build(root)))
    rows = {}
    if "big" in wanted:
        rows["big"] = big.big_row(site, runs, page_weight)
    if "lighthouse" in wanted:
        article = projects.article_project(WORK / "article-warm", content)
        run(unrolled_build(article))
        rows["lighthouse"] = big.lighthouse_row({"article": article / "build" / "site", "big": site})
    return rows


def growth(runs: int, quick: bool) -> list[dict[str, Any]]:
    """How a cold build grows with updates and with hidden size (one page, one network), in A B pairs."""
    series = [(1_000, 3), (10_000, 3), (100_000, 3), (10_000, 16), (10_000, 64)]
    pairs = max(3, runs // 2)
    results = []
    for updates, hidden in series:
        root = projects.unrolled_project(WORK / "growth", projects.one_network_page(updates, hidden))
        spec = WORK / "growth-network.json"
        projects.write_networks(root / "content", spec)

        def ours(root: Path = root) -> float:
            shutil.rmtree(root / "build", ignore_errors=True)
            return run(unrolled_build(root))

        def reference(spec: Path = spec) -> float:
            return run([sys.executable, str(HERE / "minchar.py"), str(spec)])

        entry: dict[str, Any] = {"updates": updates, "hidden_size": hidden}
        if quick and updates * hidden > 100_000:
            ours_runs = [ours() for _ in range(pairs)]
            entry.update({"ours_median_s": round(statistics.median(ours_runs), 4), "ours_s": ours_runs})
        else:
            entry.update(alternate(reference, ours, pairs, warm_up=False))
        results.append(entry)
        print(f"  growth: {updates:>7,} updates, hidden {hidden:>2}: ours {entry['ours_median_s']:.2f} s"
              + (f", plain loop {entry['reference_median_s']:.2f} s, ratio {entry['value']:.2f}"
                 if "value" in entry else ""), flush=True)
    return results


# ---- report --------------------------------------------------------------------------------------

def judge(key: str, row: dict[str, Any]) -> str:
    if "value" not in row:
        return row.get("status", "not available")
    if "within_bars" in row:  # rows with more than one bar (big.py)
        return "meets bar" if row["within_bars"] else "ABOVE BAR"
    _, _, _, _, bar, aim = SPEC[key]
    worst = row.get("p95", row["value"])
    if worst <= aim:
        return "meets aim"
    if worst <= bar:
        return "meets bar, above aim"
    return "ABOVE BAR"


def shown(key: str, row: dict[str, Any]) -> tuple[str, str, str]:
    """(ours, reference, value) cells for the table."""
    if "value" not in row:
        return "-", "-", "-"
    unit = SPEC[key][3]
    if unit == "ratio":
        return f"{row['ours_median_s']:.3f} s", f"{row['reference_median_s']:.3f} s", f"{row['value']:.2f}x"
    if key == "step":
        return f"{row['value']:.2f} / {row['p95']:.2f} ms", "-", f"{row['value']:.2f} / {row['p95']:.2f} ms"
    if key == "big" and "p95" in row["step"]:
        step = f"step {row['step']['value']:.2f} / {row['step']['p95']:.2f} ms"
        return f"{row['value']:g} KB, {step}", "-", f"{row['value']:g} KB, {step}"
    if key == "lighthouse":
        text = f"performance {row['value']}, accessibility {row['accessibility']}"
        return text, "-", text
    return f"{row['value']:g} {unit}", "-", f"{row['value']:g} {unit}"


def table(rows: dict[str, dict[str, Any]]) -> str:
    """The rows as a Markdown table; `cpu ratio` (user + system time, pair by pair) shows what load did to the wall."""
    lines = ["| row | ours | reference | ratio or value | cpu ratio | bar | aim | status |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for key, row in rows.items():
        title, _, _, unit, bar, aim = SPEC[key]
        ours, reference, value = shown(key, row)
        cpu = f"{row['cpu_ratio']:.2f}x" if "cpu_ratio" in row else "-"
        suffix = "x" if unit == "ratio" else f" {unit}"
        lines.append(f"| {title} | {ours} | {reference} | {value} | {cpu} | {bar:g}{suffix} | {aim:g}{suffix} | "
                     f"{row['status']} |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    import numpy
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed pairs per row (at least 5 for a report)")
    parser.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated subset of {', '.join(ROWS)}")
    parser.add_argument("--content", type=Path, default=REPO / "content", help="the article to build")
    parser.add_argument("--quick", action="store_true", help="skip the slowest reference runs of the growth series")
    parser.add_argument("--themes", type=Path, default=projects.THEMES, help="the themes folder to build with")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    wanted = set(args.rows.split(","))
    unknown = wanted - set(ROWS)
    if unknown:
        parser.error(f"unknown rows {', '.join(sorted(unknown))}; choose from {', '.join(ROWS)}")
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    if load > cpus:
        print(f"bench: the machine is busy (load {load:.1f} on {cpus} cores): wall times will be inflated and "
              "noisy; the ratios and the cpu ratio column hold up better", flush=True)
    WORK.mkdir(parents=True, exist_ok=True)
    projects.THEMES = args.themes.resolve()
    content = args.content.resolve()
    rows: dict[str, dict[str, Any]] = {}
    steps: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("cold", lambda: cold_row(content, args.runs)),
        *((f"english{h}", lambda h=h: english_row(h, args.runs)) for h in ENGLISH_SIZES),
        ("warm", lambda: warm_row(content, args.runs)),
        ("scale", lambda: scale_row(args.runs)),
        ("weight", lambda: weight_row(content)),
    ]
    for key, measure in steps:
        if key in wanted:
            print(f"bench: {SPEC[key][0]} ...", flush=True)
            rows[key] = measure()
    if wanted & {"interactive", "step", "preview"}:
        print("bench: browser rows ...", flush=True)
        rows.update(browser_rows(content, args.runs, wanted))
    if wanted & {"big", "lighthouse"}:
        print("bench: big page and lighthouse ...", flush=True)
        rows.update(big_rows(content, args.runs, wanted))
    for key, row in rows.items():
        row["status"] = judge(key, row)
        title, ours, reference, unit, bar, aim = SPEC[key]
        row.update({"row": title, "ours": ours, "reference": reference, "unit": unit, "bar": bar, "aim": aim})
    ordered = {key: rows[key] for key in SPEC if key in rows}
    if ordered:
        print()
        print(table(ordered))
    for row in ordered.values():
        if "max_weight_difference" in row:
            print(f"\n{row['row']}: largest weight difference from the plain loop {row['max_weight_difference']:.1e} "
                  "(must be <= 1e-9)" + (f"; training {row['training_median_s']:.2f} s of the build's "
                                         f"{row['ours_median_s']:.2f} s" if "training_median_s" in row else ""))
    report: dict[str, Any] = {"machine": machine(), "runs": args.runs, "rows": list(ordered.values())}
    if "growth" in wanted:
        print("\nbench: growth of a cold build (one network) ...", flush=True)
        report["growth"] = growth(args.runs, args.quick)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.output}")
    above = [row["row"] for row in ordered.values() if row["status"] == "ABOVE BAR"]
    bad_weights = [row["row"] for row in ordered.values() if row.get("max_weight_difference", 0.0) > 1e-9]
    if bad_weights:
        print(f"bench: weights differ from the plain loop's by more than 1e-9: {', '.join(bad_weights)}",
              file=sys.stderr)
    if above:
        print(f"bench: above bar: {', '.join(above)}", file=sys.stderr)
    sys.exit(1 if above or bad_weights else 0)


if __name__ == "__main__":
    main()
