"""Bounded load test: N browser sessions against one loopback server for a fixed time, then stop.

    .venv/bin/python tests/load/run_load.py [--sessions 20] [--duration 120] [--rows 200000] [--write]

One Chromium (Debian's, no download) with one browser context per session. Each session opens the
app, then until the deadline repeats, in a seeded random order: switch page through the sidebar,
filter the progress page by team, and save the plan as a new scenario. An interaction's latency is
from the click to the end of the rerun it caused (the app's script state back at ``notRunning``,
plus the expected text for a save). Errors: an interaction that times out or raises, an exception
box on the page, a refused save, or a traceback in the server log. Must be 0.

Server memory is the server process's VmHWM (peak resident set) from /proc. The server listens on
127.0.0.1 only, on a free port, with a fresh demo database in a temp folder; the whole run has a
hard deadline and the server is always stopped. Not collected by pytest (tests/load/conftest.py);
``make load`` runs it. ``--write`` puts the figures below ``<!-- load -->`` in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.async_api import Browser, Page, async_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
MARKER = "<!-- load -->"
STATE = "document.querySelector(\"[data-testid='stApp']\")?.getAttribute('data-test-script-state')"
# A flag set when the app's script starts running: the end of a rerun is "ran, then notRunning".
WATCH = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  window.__ran = false;
  window.__path = location.pathname;
  if (window.__watched !== app) {
    new MutationObserver(() => {
      if (app.getAttribute('data-test-script-state') === 'running') window.__ran = true;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
    window.__watched = app;
  }
}"""
# A page switch may replace what the observer watched: a changed path also counts as "ran".
RERUN_DONE = (
    f"() => (window.__ran === true || location.pathname !== window.__path) && {STATE} === 'notRunning'"
)
PAGES = ["", "plan", "progress", "risks", "insights"]  # url paths of the pages the sessions visit
TEAMS = ["华东", "华南", "华北", "西南"]
# Labels in either language: the sessions ask for English, but the load must not depend on it.
TEAM_LABEL = re.compile("^(Team|团队)")
SCENARIO_LABEL = re.compile("^(Scenario name|方案名称)$")
SAVE_LABEL = re.compile("^(Save|保存)$")
SHOTS = Path(os.environ["LOAD_SHOTS"]) if os.environ.get("LOAD_SHOTS") else None  # screenshots of failures


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    saves: int = 0
    lang_lost: int = 0  # interactions after which the sidebar no longer showed English

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)


def nav_link(page: Page, target: str):  # type: ignore[no-untyped-def]
    """The sidebar's page link to ``target`` (its href is the page's url path, relative)."""
    return page.locator(f"[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink'][href='{target}']")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def vm(pid: int, field_name: str) -> int:
    """A /proc/<pid>/status memory field in KiB (0 when the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def start_server(db: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SALES_DB": str(db)}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "dashboard.py"),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",  # loopback only
        "--server.port",
        str(port),
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not start within 90 s")


async def rerun(page: Page, action, timeout_ms: float) -> float:  # type: ignore[no-untyped-def]
    """Run ``action`` and wait for the rerun it causes to finish; the elapsed seconds."""
    await page.evaluate(WATCH)
    t0 = time.perf_counter()
    await action()
    await page.wait_for_function(RERUN_DONE, timeout=timeout_ms, polling=50)
    return time.perf_counter() - t0


async def check_page(page: Page, where: str, stats: Stats) -> None:
    n = await page.locator("[data-testid='stException']").count()
    if n:
        text = await page.locator("[data-testid='stException']").first.inner_text()
        stats.errors.append(f"{where}: exception on page: {text[:300]}")


async def session(
    i: int, browser: Browser, base: str, deadline: float, timeout_ms: float, stats: Stats, ready: Stats
) -> None:
    rng = random.Random(i)
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    page = await ctx.new_page()
    page.set_default_timeout(timeout_ms)
    where = "/"
    try:
        t0 = time.perf_counter()
        try:
            await page.goto(f"{base}/?lang=English", timeout=timeout_ms)
            await page.wait_for_function(f"() => {STATE} === 'notRunning'", timeout=timeout_ms, polling=50)
        except Exception as exc:  # noqa: BLE001 - a session that cannot even open is an error
            stats.errors.append(f"session {i} open: {type(exc).__name__}: {str(exc)[:200]}")
            return
        ready.add("open", time.perf_counter() - t0)
        n = 0
        while time.monotonic() < deadline:
            kind = rng.choice(["nav", "nav", "filter", "save"])
            try:
                if kind == "nav":
                    target = rng.choice([p for p in PAGES if p != where.strip("/")])
                    target_link = nav_link(page, target)
                    stats.add("switch page", await rerun(page, target_link.click, timeout_ms))
                    where = f"/{target}"
                elif kind == "filter":
                    if where != "/progress":
                        target_link = nav_link(page, "progress")
                        stats.add("switch page", await rerun(page, target_link.click, timeout_ms))
                        where = "/progress"
                    box = page.locator("[data-testid='stSelectbox']", has_text=TEAM_LABEL).first
                    # Choosing the team already shown causes no rerun: always pick another one.
                    # The shown team is in the URL (the widget is bound to ?team=).
                    shown = parse_qs(urlsplit(page.url).query).get("team", [""])[-1]
                    team = rng.choice([t for t in TEAMS if t != shown])

                    async def pick(box=box, team=team) -> None:  # type: ignore[no-untyped-def]
                        await box.click()
                        await page.get_by_role("option", name=team, exact=True).click()

                    stats.add("filter", await rerun(page, pick, timeout_ms))
                else:
                    if where != "/plan":
                        target_link = nav_link(page, "plan")
                        stats.add("switch page", await rerun(page, target_link.click, timeout_ms))
                        where = "/plan"
                    await page.get_by_role("tab").nth(2).click()  # Versions / 版本与方案
                    n += 1
                    name = f"load-{i}-{n}"
                    await page.get_by_label(SCENARIO_LABEL).fill(name)
                    save = page.get_by_role("button", name=SAVE_LABEL)
                    stats.add("save scenario", await rerun(page, save.click, timeout_ms))
                    # Saved: the page opens the new scenario (?scenario=NAME); the "Saved" note may
                    # already be gone after the rerun that the URL update causes.
                    await page.wait_for_function(
                        "n => new URLSearchParams(location.search).get('scenario') === n",
                        arg=name,
                        timeout=timeout_ms,
                    )
                    stats.saves += 1
                await check_page(page, f"session {i} {kind} {where}", stats)
                if not await page.get_by_role("radio", name="English").is_checked():
                    stats.lang_lost += 1
            except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                alerts = await page.locator("[data-testid='stAlert']").all_inner_texts()
                stats.errors.append(
                    f"session {i} {kind} {where}: {type(exc).__name__}: {str(exc)[:200]}"
                    f" | alerts on page: {[a[:120] for a in alerts[-3:]]}"
                )
                if SHOTS is not None:
                    SHOTS.mkdir(parents=True, exist_ok=True)
                    await page.screenshot(path=str(SHOTS / f"error-{len(stats.errors)}.png"), full_page=True)
                # Start the next interaction from a known state.
                try:
                    await page.goto(f"{base}/?lang=English", timeout=timeout_ms)
                    await page.wait_for_function(f"() => {STATE} === 'notRunning'", timeout=timeout_ms)
                    where = "/"
                except Exception as exc2:  # noqa: BLE001
                    stats.errors.append(f"session {i} recovery: {type(exc2).__name__}")
                    return
    finally:
        await ctx.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def drive(args: argparse.Namespace, base: str, server_pid: int) -> dict[str, object]:
    stats, ready = Stats(), Stats()
    rss: list[int] = []
    stop = asyncio.Event()

    async def sample() -> None:
        while not stop.is_set():
            rss.append(vm(server_pid, "VmRSS"))
            await asyncio.sleep(1)

    sampler = asyncio.create_task(sample())
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync"],
        )
        t_start = time.monotonic()
        deadline = t_start + args.ramp + args.duration
        tasks = []
        for i in range(args.sessions):
            tasks.append(
                asyncio.create_task(session(i, browser, base, deadline, args.timeout * 1000, stats, ready))
            )
            await asyncio.sleep(args.ramp / max(args.sessions, 1))
        await asyncio.wait_for(
            asyncio.gather(*tasks, return_exceptions=True),
            timeout=args.ramp + args.duration + 3 * args.timeout,
        )
        elapsed = time.monotonic() - t_start
        await browser.close()
    stop.set()
    await sampler
    every = [v for vs in stats.latencies.values() for v in vs]
    return {
        "sessions": args.sessions,
        "duration_s": args.duration,
        "elapsed_s": round(elapsed, 1),
        "interactions": len(every),
        "saves": stats.saves,
        "lang_lost": stats.lang_lost,
        "errors": len(stats.errors),
        "error_samples": stats.errors[:10],
        "open_p50_s": round(pct(ready.latencies.get("open", []), 50), 2),
        "open_p95_s": round(pct(ready.latencies.get("open", []), 95), 2),
        "p50_s": round(pct(every, 50), 2),
        "p95_s": round(pct(every, 95), 2),
        "by_kind": {
            k: {"n": len(v), "p50_s": round(pct(v, 50), 2), "p95_s": round(pct(v, 95), 2)}
            for k, v in sorted(stats.latencies.items())
        },
        "server_rss_peak_mib_sampled": round(max(rss, default=0) / 1024, 1),
    }


def markdown(results: list[dict[str, object]], args: argparse.Namespace) -> str:
    rows = []
    for r in results:
        kinds = r["by_kind"]
        assert isinstance(kinds, dict)
        per = "; ".join(f"{k} {v['n']}× {v['p50_s']:.1f}/{v['p95_s']:.1f}" for k, v in kinds.items())
        rows.append(
            f"| {r['sessions']} | **{r['errors']}** | {r['interactions']} ({r['saves']} saves) "
            f"| {r['p50_s']:.2f} / {r['p95_s']:.2f} | {r['open_p50_s']:.1f} / {r['open_p95_s']:.1f} "
            f"| {r['server_vmhwm_mib']} | {r['load_before']} → {r['load_after']} | {per} |"
        )
    table = "\n".join(rows)
    return f"""{MARKER}
## Load

`make load` (tests/load/run_load.py), measured {dt.date.today().isoformat()}: for each session count,
a fresh `streamlit run` on 127.0.0.1 and one Chromium with one browser context per session; the
sessions start over {args.ramp:.0f} s, then for {args.duration:.0f} s each one switches pages through
the sidebar, filters the progress page by team and saves the plan as a new scenario, in a seeded
random order. Latency: click → end of the rerun it caused. Errors: timeouts ({args.timeout:.0f} s),
exception boxes, refused saves, tracebacks in the server log. Demo database of {args.rows:,} sales
rows. Browsers and server share this machine ({os.cpu_count()} cores, Python
{platform.python_version()}), and other work ran on it too (load average before → after each run).

| sessions | errors | interactions | latency p50 / p95 s | first load p50 / p95 s | server peak memory VmHWM MiB | load avg | per interaction: n× p50/p95 s |
| ---: | ---: | --- | --- | --- | ---: | --- | --- |
{table}
"""


def write_benchmarks(section: str) -> Path:
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n\n"
    head = text.split(MARKER, 1)[0].rstrip("\n")
    path.write_text(f"{head}\n\n{section}", "utf-8")
    return path


def run_level(args: argparse.Namespace, sessions: int, db: Path, tmp: Path) -> dict[str, object]:
    """One bounded run with ``sessions`` browser sessions against a fresh server."""
    port = free_port()
    log = tmp / f"server-{sessions}.log"
    load_before = round(os.getloadavg()[0], 1)
    proc = start_server(db, port, log)
    try:
        level = argparse.Namespace(**{**vars(args), "sessions": sessions})
        res = asyncio.run(drive(level, f"http://127.0.0.1:{port}", proc.pid))
        res["server_vmhwm_mib"] = round(vm(proc.pid, "VmHWM") / 1024, 1)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    res["load_before"], res["load_after"] = load_before, round(os.getloadavg()[0], 1)
    server_log = log.read_text("utf-8", errors="replace")
    tracebacks = server_log.count("Traceback")
    if tracebacks:
        res["errors"] = int(res["errors"]) + tracebacks  # type: ignore[call-overload]
        res["error_samples"] = [*res["error_samples"], server_log[-2000:]]  # type: ignore[misc]
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", default="20", help="session counts to run one after another, e.g. 5,10,20")
    ap.add_argument("--duration", type=float, default=120.0, help="seconds of steady load after ramp-up")
    ap.add_argument("--ramp", type=float, default=20.0, help="seconds over which sessions start")
    ap.add_argument("--rows", type=int, default=200_000, help="demo database size")
    ap.add_argument(
        "--timeout", type=float, default=60.0, help="seconds before an interaction counts as failed"
    )
    ap.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    args = ap.parse_args()
    levels = [int(n) for n in str(args.sessions).split(",")]
    if not Path(CHROMIUM).exists():
        print("Debian chromium is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    results = []
    with tempfile.TemporaryDirectory(prefix="load-") as tmp:
        db = Path(tmp) / "load.duckdb"
        subprocess.run(
            [sys.executable, "-m", "analysis", "demo", "--db", str(db), "--rows", str(args.rows), "--json"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        for n in levels:
            res = run_level(args, n, db, Path(tmp))
            print(json.dumps(res, ensure_ascii=False, indent=2), flush=True)
            results.append(res)
    if args.write:
        print(f"wrote {write_benchmarks(markdown(results, args))}", file=sys.stderr)
    return 0 if all(r["errors"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
