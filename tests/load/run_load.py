"""Bounded load test: N sessions (Chromium or protocol) against one loopback server, then stop.

    .venv/bin/python tests/load/run_load.py [--sessions 20] [--browsers N] [--workers N] [--duration 120]
        [--ramp 60] [--think 3,8] [--rows 200000] [--logs DIR] [--write]

``--workers N`` runs the level behind ``make team`` (deploy/team.py: N workers behind HAProxy with
sticky sessions; the sessions connect through the proxy) instead of one ``streamlit run``, and
reports each worker's CPU and the sessions the proxy placed on it.

Two kinds of session: a Chromium one (Debian's Chromium, no download; one browser context per
session) and a protocol one (tests/load/protocol.py: the frontend's websocket protocol spoken from
Python, the same reruns, widget states and page hashes as a browser, but nothing rendered).
``--browsers N`` makes the first N sessions Chromium and the rest protocol sessions (default: all
Chromium); on a 2-core machine 20 renderers need more CPU than there is. The sessions start
evenly over the ramp; each opens the app, then until the deadline (ramp + duration) repeats: think
for a uniform random time (``--think MIN,MAX`` seconds, like a person reading the page), then one
of, in a seeded random order: switch page through the sidebar, filter the progress page by team,
save the plan as a new scenario. An interaction's latency is from the click to the end of the
rerun it caused (the app's script state back at ``notRunning``, plus the expected URL for a save);
for a protocol session, from sending the BackMsg to the run's ``script_finished``. Errors: an
interaction that times out or raises, an exception box (element) on the page, a refused save (no
``?scenario=NAME`` after it; the page's error and warning texts are reported), or a traceback in
the server log. Must be 0.

Where the time goes: the server runs through tests/load/timed_server.py, which logs each page
run's CPU, cache misses and database opens; CPU seconds of the server process and of all Chromium
processes are sampled from /proc, with the machine's busy share (browsers and server share it).
Server memory is the server process's VmHWM (peak resident set). The server listens on 127.0.0.1
only, on a free port, with a fresh copy of a demo database in a temp folder; the whole run has a
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
import shutil
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from protocol import ProtocolSession  # noqa: E402 - tests/load is a folder of scripts, not a package

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
# Lean Chromium: no GPU (software raster anyway here), no extensions, no background traffic.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-quic",
    "--disable-sync",
    "--mute-audio",
    "--no-first-run",
]
SHOTS = Path(os.environ["LOAD_SHOTS"]) if os.environ.get("LOAD_SHOTS") else None  # screenshots of failures


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    by_client: dict[str, list[float]] = field(default_factory=dict)  # "browser"/"protocol" -> seconds
    errors: list[str] = field(default_factory=list)
    saves: int = 0
    lang_lost: int = 0  # interactions after which the sidebar no longer showed English
    placed: dict[str, int] = field(default_factory=dict)  # behind the proxy: worker -> sessions opened

    def place(self, worker: str) -> None:
        self.placed[worker or "?"] = self.placed.get(worker or "?", 0) + 1

    def add(self, kind: str, seconds: float, client: str = "browser") -> None:
        self.latencies.setdefault(kind, []).append(seconds)
        self.by_client.setdefault(client, []).append(seconds)


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


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat."""
    vals = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = vals[3] + vals[4]  # idle + iowait
    return sum(vals) - idle, sum(vals)


def descendants(root: int) -> set[int]:
    """Every process below ``root`` in the process tree (Playwright's driver and Chromium's)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = set(), [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def start_server(db: Path, port: int, log: Path, timings: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SALES_DB": str(db)}
    cmd = [
        sys.executable,
        str(ROOT / "tests" / "load" / "timed_server.py"),  # streamlit, plus a timing line per page run
        str(timings),
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
    i: int,
    browser: Browser,
    base: str,
    deadline: float,
    timeout_ms: float,
    think: tuple[float, float],
    stats: Stats,
    ready: Stats,
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
        stats.place(next((c["value"] for c in await ctx.cookies() if c["name"] == "STWORKER"), ""))
        n = 0
        while True:
            # A person reads the page before the next click: think time, uniform in [min, max] s.
            await asyncio.sleep(rng.uniform(*think))
            if time.monotonic() >= deadline:
                break
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


async def protocol_session(
    i: int,
    base: str,
    deadline: float,
    timeout_s: float,
    think: tuple[float, float],
    stats: Stats,
    ready: Stats,
) -> None:
    """The browser session's loop over the websocket protocol: same seed, choices and errors."""
    rng = random.Random(i)
    where = "/"
    n = 0

    async def start() -> ProtocolSession:
        s = ProtocolSession(base, timeout=timeout_s)
        await s.open("lang=English")
        return s

    s: ProtocolSession | None = None
    try:
        t0 = time.perf_counter()
        try:
            s = await start()
        except Exception as exc:  # noqa: BLE001 - a session that cannot even open is an error
            stats.errors.append(f"protocol session {i} open: {type(exc).__name__}: {str(exc)[:200]}")
            return
        ready.add("open", time.perf_counter() - t0, "protocol")
        stats.place(s.worker)
        while True:
            await asyncio.sleep(rng.uniform(*think))
            if time.monotonic() >= deadline:
                break
            kind = rng.choice(["nav", "nav", "filter", "save"])
            try:
                if kind == "nav":
                    target = rng.choice([p for p in PAGES if p != where.strip("/")])
                    stats.add("switch page", await s.switch_page(target), "protocol")
                    where = f"/{target}"
                elif kind == "filter":
                    if where != "/progress":
                        stats.add("switch page", await s.switch_page("progress"), "protocol")
                        where = "/progress"
                    box = s.widget("selectbox", TEAM_LABEL)
                    shown = parse_qs(s.query).get("team", [""])[-1]
                    team = rng.choice([t for t in TEAMS if t != shown])
                    stats.add("filter", await s.set_value(box, team), "protocol")
                else:
                    if where != "/plan":
                        stats.add("switch page", await s.switch_page("plan"), "protocol")
                        where = "/plan"
                    n += 1
                    name = f"load-p{i}-{n}"
                    s.fill(s.widget("text_input", SCENARIO_LABEL), name)
                    button = next(
                        w
                        for w in s.run.widgets.values()
                        if w.kind == "button" and w.proto.is_form_submitter and SAVE_LABEL.search(w.label)
                    )
                    stats.add("save scenario", await s.submit(button), "protocol")
                    if parse_qs(s.query).get("scenario", [""])[-1] != name:
                        raise RuntimeError(f"save refused: ?{s.query}")
                    stats.saves += 1
                for text in s.run.exceptions:
                    stats.errors.append(f"protocol session {i} {kind} {where}: exception on page: {text}")
                if "lang=English" not in s.query:
                    stats.lang_lost += 1
            except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                stats.errors.append(
                    f"protocol session {i} {kind} {where}: {type(exc).__name__}: {str(exc)[:200]}"
                    f" | errors/warnings on page: {[a[:120] for a in s.errors_shown()[-3:]]}"
                )
                # Start the next interaction from a known state: a new session, like a reload.
                await s.__aexit__()
                try:
                    s = await start()
                    where = "/"
                except Exception as exc2:  # noqa: BLE001
                    stats.errors.append(f"protocol session {i} recovery: {type(exc2).__name__}")
                    s = None
                    return
    finally:
        if s is not None:
            await s.__aexit__()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def drive(args: argparse.Namespace, base: str, server_pids: list[int]) -> dict[str, object]:
    stats, ready = Stats(), Stats()
    rss: list[int] = []  # the servers' resident memory together, sampled each second
    browser_cpu: dict[int, float] = {}  # pid -> CPU seconds, the last value seen while it ran
    stop = asyncio.Event()
    think = (args.think_min, args.think_max)

    def sample_cpu() -> None:
        for pid in descendants(os.getpid()) - set(server_pids):
            browser_cpu[pid] = max(browser_cpu.get(pid, 0.0), cpu_seconds(pid))

    async def sample() -> None:
        while not stop.is_set():
            rss.append(sum(vm(pid, "VmRSS") for pid in server_pids))
            sample_cpu()
            await asyncio.sleep(1)

    cpu0, ticks0 = {pid: cpu_seconds(pid) for pid in server_pids}, machine_ticks()
    own_cpu0 = cpu_seconds(os.getpid())  # this process: the protocol sessions (and Playwright's client)
    sampler = asyncio.create_task(sample())
    n_browsers = args.sessions if args.browsers is None else min(args.browsers, args.sessions)
    async with async_playwright() as p:
        browser = (
            await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS) if n_browsers else None
        )
        t_start = time.monotonic()
        deadline = t_start + args.ramp + args.duration
        tasks = []
        for i in range(args.sessions):
            if i < n_browsers:
                assert browser is not None
                one = session(i, browser, base, deadline, args.timeout * 1000, think, stats, ready)
            else:
                one = protocol_session(i, base, deadline, args.timeout, think, stats, ready)
            tasks.append(asyncio.create_task(one))
            await asyncio.sleep(args.ramp / max(args.sessions, 1))
        await asyncio.wait_for(
            asyncio.gather(*tasks, return_exceptions=True),
            timeout=args.ramp + args.duration + args.think_max + 3 * args.timeout,
        )
        elapsed = time.monotonic() - t_start
        sample_cpu()
        if browser is not None:
            await browser.close()
    own_cpu = cpu_seconds(os.getpid()) - own_cpu0
    stop.set()
    await sampler
    every = [v for vs in stats.latencies.values() for v in vs]
    per_server = [cpu_seconds(pid) - cpu0[pid] for pid in server_pids]
    busy, total = (b - a for a, b in zip(ticks0, machine_ticks(), strict=True))
    return {
        "sessions": args.sessions,
        "browsers": n_browsers,
        "protocol_sessions": args.sessions - n_browsers,
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
        "by_client": {
            k: {"n": len(v), "p50_s": round(pct(v, 50), 2), "p95_s": round(pct(v, 95), 2)}
            for k, v in sorted(stats.by_client.items())
        },
        "server_rss_peak_mib_sampled": round(max(rss, default=0) / 1024, 1),
        # CPU over the run, in cores (CPU seconds / wall seconds); the machine has os.cpu_count().
        "server_cores": round(sum(per_server) / elapsed, 2),
        "server_cores_each": [round(c / elapsed, 2) for c in per_server],
        "sessions_by_worker": dict(sorted(stats.placed.items())),
        "browser_cores": round(sum(browser_cpu.values()) / elapsed, 2),
        "protocol_client_cores": round(own_cpu / elapsed, 2),
        "machine_busy_pct": round(100 * busy / max(total, 1)),
    }


def page_runs(timings: list[Path]) -> dict[str, dict[str, float]]:
    """Per page: runs, CPU p50/p95 ms of the script thread, database opens and cache misses per run
    (every worker's log together)."""
    lines = [json.loads(x) for f in timings for x in f.read_text("utf-8").splitlines() if x.strip()]
    out: dict[str, dict[str, float]] = {}
    for page in sorted({x["page"] for x in lines}):
        mine = [x for x in lines if x["page"] == page]
        cpu = [x["cpu_s"] * 1000 for x in mine]
        out[page] = {
            "runs": len(mine),
            "cpu_p50_ms": round(pct(cpu, 50)),
            "cpu_p95_ms": round(pct(cpu, 95)),
            "wall_p50_ms": round(pct([x["wall_s"] * 1000 for x in mine], 50)),
            "opens_per_run": round(sum(x["opens"] for x in mine) / len(mine), 2),
            "misses_per_run": round(sum(len(x["misses"]) for x in mine) / len(mine), 2),
        }
    return out


def markdown(results: list[dict[str, object]], args: argparse.Namespace) -> str:
    rows, cpu_rows = [], []
    for r in results:
        kinds = r["by_kind"]
        assert isinstance(kinds, dict)
        per = "; ".join(f"{k} {v['n']}× {v['p50_s']:.1f}/{v['p95_s']:.1f}" for k, v in kinds.items())
        clients = r["by_client"]
        assert isinstance(clients, dict)
        if len(clients) > 1:
            per += "; by client: " + "; ".join(
                f"{k} {v['n']}× {v['p50_s']:.1f}/{v['p95_s']:.1f}" for k, v in clients.items()
            )
        who = f"{r['sessions']} ({r['browsers']} Chromium + {r['protocol_sessions']} protocol)"
        server = (
            "1 process"
            if r.get("workers") is None
            else f"make team, {r['workers']} worker{'s' if r['workers'] != 1 else ''}"
        )
        placed = r.get("sessions_by_worker") or {}
        assert isinstance(placed, dict)
        each = r.get("server_cores_each") or []
        assert isinstance(each, list)
        team = r.get("team") or {}
        assert isinstance(team, dict)
        spread = (
            "; ".join(
                f"{w} {placed.get(w, 0)} sessions, {c} cores"
                + (f", {team[w]['restarts']} restarts" if team.get(w, {}).get("restarts") else "")
                for w, c in zip(sorted(team), each, strict=False)
            )
            if r.get("workers") is not None
            else "—"
        )
        rows.append(
            f"| {who} | {server} | **{r['errors']}** | {r['interactions']} ({r['saves']} saves) "
            f"| {r['p50_s']:.2f} / {r['p95_s']:.2f} | {r['open_p50_s']:.1f} / {r['open_p95_s']:.1f} "
            f"| {r['server_vmhwm_mib']} | {r['server_cores']} / {r['browser_cores']} / {r['protocol_client_cores']} / {r['machine_busy_pct']}% "
            f"| {r['load_before']} → {r['load_after']} | {spread} | {per} |"
        )
        pages = r["pages"]
        assert isinstance(pages, dict)
        cpu_rows.append(
            f"| {who}, {server} | "
            + "; ".join(
                f"{name} {v['runs']}× {v['cpu_p50_ms']}/{v['cpu_p95_ms']} ms ({v['misses_per_run']} misses, "
                f"{v['opens_per_run']} opens)"
                for name, v in pages.items()
            )
            + " |"
        )
    table, cpu_table = "\n".join(rows), "\n".join(cpu_rows)
    return f"""{MARKER}
## Load

`make load` (tests/load/run_load.py), measured {dt.date.today().isoformat()}: for each row, a fresh
server on 127.0.0.1 on a fresh copy of a demo database of {args.rows:,} sales rows: one `streamlit
run` ("1 process"), or `make team` (deploy/team.py: N `streamlit run` workers behind HAProxy with
sticky sessions, the sessions connecting through the proxy); each Streamlit process runs through
tests/load/timed_server.py, which logs each page run. Server CPU and memory are the Streamlit
processes' together (HAProxy's own CPU is not in them); per worker: the sessions the proxy placed
there (from each session's `STWORKER` cookie) and its CPU. Two kinds of session: Chromium
(one Chromium, one browser context per session) and protocol sessions (tests/load/protocol.py:
Python speaking the frontend's websocket protocol, the same reruns, widget states and page hashes
as a browser, nothing rendered); the sessions column says how many of each. The sessions start
evenly over {args.ramp:.0f} s; each then repeats,
until {args.duration:.0f} s after the last one started: think for a uniform
{args.think_min:g}–{args.think_max:g} s, then switch pages through the sidebar, filter the progress
page by team, or save the plan as a new scenario (seeded random order, 2:1:1). Latency: click → end
of the rerun it caused (protocol: BackMsg sent → `script_finished`). Errors: timeouts
({args.timeout:.0f} s), exception boxes, refused saves, tracebacks in the server log; a session
that cannot open the app counts as one error and stops. CPU in cores = CPU seconds / wall seconds
of the run, for the server process, Chromium (all its processes) and the load script's own process
(the protocol sessions); busy = the whole machine's busy share. Clients and server share this machine
({os.cpu_count()} cores, Python {platform.python_version()}), and other work may run on it too (load
average before → after each run).

| sessions | server | errors | interactions | latency p50 / p95 s | first load p50 / p95 s | server peak memory VmHWM MiB | CPU cores server / Chromium / protocol clients / machine busy | load avg | per worker | per interaction: n× p50/p95 s |
| ---: | --- | ---: | --- | --- | --- | ---: | --- | --- | --- | --- |
{table}

Server CPU per page run (script thread only, p50/p95 ms), with cache misses and database opens per run:

| sessions | per page: runs× CPU p50/p95 |
| ---: | --- |
{cpu_table}
"""


def write_benchmarks(section: str) -> Path:
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text("utf-8") if path.exists() else "# Benchmarks\n\n"
    head = text.split(MARKER, 1)[0].rstrip("\n")
    path.write_text(f"{head}\n\n{section}", "utf-8")
    return path


def start_team(db: Path, port: int, workers: int, folder: Path, timings: Path) -> list[int]:
    """``make team`` (deploy/team.py) with ``workers`` workers on ``port``; the workers' pids."""
    res = subprocess.run(
        [
            sys.executable,
            str(ROOT / "deploy" / "team.py"),
            "start",
            "--workers",
            str(workers),
            "--port",
            str(port),
            "--dir",
            str(folder),
            "--db",
            str(db),
            "--timings",
            str(timings),  # each worker through timed_server.py, one page-run log per worker
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        raise RuntimeError(f"make team did not start: {res.stderr[-2000:]}")
    state = json.loads((folder / "team.json").read_text())
    return [int(w["pid"]) for w in state["workers"]]


def team_report(folder: Path) -> dict[str, object]:
    """The team's own view after a run: restarts, and HAProxy's per-worker connection counts."""
    res = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "team.py"), "status", "--dir", str(folder), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    status = json.loads(res.stdout or "{}")
    return {
        w["name"]: {"restarts": w["restarts"], "proxy_connections": w["sessions_total"]}
        for w in status.get("workers", [])
    }


def run_level(
    args: argparse.Namespace,
    sessions: int,
    browsers: int | None,
    workers: int | None,
    master: Path,
    tmp: Path,
) -> dict[str, object]:
    """One bounded run with ``sessions`` sessions (``browsers`` of them Chromium, None: all) against
    a fresh server and database copy: one ``streamlit run`` (``workers`` None), or ``make team``
    with that many workers behind HAProxy."""
    port = free_port()
    name = f"{sessions}" if browsers is None else f"{sessions}-b{browsers}"
    name += "" if workers is None else f"-w{workers}"
    db = tmp / f"load-{name}.duckdb"
    db.unlink(missing_ok=True)
    shutil.copy(master, db)
    log = tmp / f"server-{name}.log"
    timings = tmp / f"pages-{name}"
    load_before = round(os.getloadavg()[0], 1)
    team_dir = tmp / f"team-{name}"
    proc = None
    if workers is None:
        timings.mkdir(exist_ok=True)
        proc = start_server(db, port, log, timings / "server.jsonl")
        pids = [proc.pid]
    else:
        pids = start_team(db, port, workers, team_dir, timings)
    try:
        level = argparse.Namespace(**{**vars(args), "sessions": sessions, "browsers": browsers})
        res = asyncio.run(drive(level, f"http://127.0.0.1:{port}", pids))
        res["server_vmhwm_mib"] = round(sum(vm(pid, "VmHWM") for pid in pids) / 1024, 1)
        res["workers"] = workers
        if workers is not None:
            res["team"] = team_report(team_dir)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        else:
            subprocess.run(
                [sys.executable, str(ROOT / "deploy" / "team.py"), "stop", "--dir", str(team_dir)],
                cwd=ROOT,
                capture_output=True,
            )
    res["load_before"], res["load_after"] = load_before, round(os.getloadavg()[0], 1)
    res["pages"] = page_runs(sorted(timings.glob("*.jsonl")))
    logs = [log] if workers is None else sorted(team_dir.glob("w*.log"))
    server_log = "".join(f.read_text("utf-8", errors="replace") for f in logs if f.exists())
    tracebacks = server_log.count("Traceback")
    if tracebacks:
        res["errors"] = int(res["errors"]) + tracebacks  # type: ignore[call-overload]
        res["error_samples"] = [*res["error_samples"], server_log[-2000:]]  # type: ignore[misc]
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", default="20", help="session counts to run one after another, e.g. 5,10,20")
    ap.add_argument(
        "--browsers",
        default=None,
        help="how many of the sessions are Chromium, the rest protocol sessions (default: all); one "
        "value for every level or one per level, e.g. --sessions 20,20 --browsers 2,0",
    )
    ap.add_argument(
        "--workers",
        default=None,
        help="run each level behind `make team` (HAProxy, sticky sessions) with this many workers; one "
        "value or one per level, e.g. --sessions 20,20 --workers 1,2 (default: one streamlit run, no proxy)",
    )
    ap.add_argument("--duration", type=float, default=120.0, help="seconds of steady load after ramp-up")
    ap.add_argument("--ramp", type=float, default=60.0, help="seconds over which sessions start")
    ap.add_argument("--rows", type=int, default=200_000, help="demo database size")
    ap.add_argument(
        "--timeout", type=float, default=60.0, help="seconds before an interaction counts as failed"
    )
    ap.add_argument(
        "--think",
        default="3,8",
        help="think time between a session's interactions, MIN,MAX seconds (uniform)",
    )
    ap.add_argument("--logs", type=Path, help="keep the server logs and page timings in this folder")
    ap.add_argument("--write", action="store_true", help="write the figures into BENCHMARKS.md")
    args = ap.parse_args()
    args.think_min, args.think_max = (float(x) for x in str(args.think).split(","))
    counts = [int(n) for n in str(args.sessions).split(",")]
    browsers: list[int | None] = (
        [None] * len(counts) if args.browsers is None else [int(b) for b in str(args.browsers).split(",")]
    )
    if len(browsers) == 1:
        browsers *= len(counts)
    if len(browsers) != len(counts):
        print("--browsers: one value, or one per --sessions level", file=sys.stderr)
        return 2
    workers: list[int | None] = (
        [None] * len(counts) if args.workers is None else [int(w) for w in str(args.workers).split(",")]
    )
    if len(workers) == 1:
        workers *= len(counts)
    if len(workers) != len(counts):
        print("--workers: one value, or one per --sessions level", file=sys.stderr)
        return 2
    levels = list(zip(counts, browsers, workers, strict=True))
    if any(b != 0 for b in browsers) and not Path(CHROMIUM).exists():
        print("Debian chromium is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    results = []
    with tempfile.TemporaryDirectory(prefix="load-") as tmp_name:
        tmp = args.logs or Path(tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        db = tmp / "master.duckdb"
        db.unlink(missing_ok=True)
        subprocess.run(
            [sys.executable, "-m", "analysis", "demo", "--db", str(db), "--rows", str(args.rows), "--json"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        for n, b, w in levels:
            res = run_level(args, n, b, w, db, tmp)
            print(json.dumps(res, ensure_ascii=False, indent=2), flush=True)
            results.append(res)
    if args.write:
        print(f"wrote {write_benchmarks(markdown(results, args))}", file=sys.stderr)
    return 0 if all(r["errors"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
