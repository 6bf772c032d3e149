"""A team server on one machine: N Streamlit workers behind HAProxy with sticky sessions.

    python deploy/team.py start  [--workers N] [--port 8500] [--bind 127.0.0.1]... [--dir data/team] [--db PATH]
    python deploy/team.py stop   [--dir data/team]
    python deploy/team.py status [--dir data/team] [--json]

``start`` launches a supervisor (``serve``, in its own session, detached from the terminal) and
waits until the proxy answers and every worker is up, then prints the one URL. The supervisor:

- starts ``WORKERS`` ``streamlit run dashboard.py`` processes on loopback ports (one port each,
  kept for the team's life) with one shared cookie secret, so a session moved to another worker
  keeps a valid XSRF cookie;
- starts ``haproxy`` in the foreground (``-db``) with a generated config: sticky sessions by a
  cookie the proxy inserts (``STWORKER``), health checks on each worker's ``/_stcore/health``,
  ``/_stcore/health`` on the proxy answered only while at least one worker is up, and
  ``/_stcore/metrics`` refused to every client that is not on this machine;
- restarts a worker whose process exits, and kills (SIGKILL) and restarts one whose health
  check has failed for ``UNHEALTHY_AFTER`` seconds (hung, not dead); restarts HAProxy if it exits;
- records every pid it started in ``DIR/team.json`` (with the process start time, so a reused
  pid is never mistaken for ours), and on SIGTERM stops exactly those processes.

``stop`` sends SIGTERM to the supervisor recorded in ``DIR/team.json`` and waits; if the
supervisor is gone, it stops the recorded children itself, each checked by pid and start time.
Children also get SIGTERM from the kernel if the supervisor dies (``PR_SET_PDEATHSIG``).

The workers get ``SALES_DB`` unchanged: a DuckDB file path today (every worker attaches it per
unit of work; see README "How it is built"), a team-store URL when the store grows one. The
proxy config is rendered from a list of ``(name, host, port)`` backends, so a proxy in front of
workers on other hosts is the same template with other addresses (docs/DEPLOY.md).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import ctypes
import datetime as dt
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
STATE = "team.json"
COOKIE = "STWORKER"  # the proxy's stickiness cookie: the name of the worker a browser belongs to
CHECK_EVERY = 1.0  # seconds between the supervisor's own health checks of each worker
# A worker that was up and has failed its checks this long is killed and restarted. Generous: a
# worker busy with many sessions answers its health check late (its event loop shares the GIL
# with the page scripts), and killing a busy worker would drop all its sessions.
UNHEALTHY_AFTER = 30.0
CHECK_TIMEOUT = 5.0  # seconds a worker has to answer one health check (the supervisor's and HAProxy's)
START_GRACE = 120.0  # a new worker that is not healthy after this long is killed and restarted
STOP_WAIT = 10.0  # seconds a process gets after SIGTERM before SIGKILL
# Several processes take turns on the one DuckDB file: a save may wait for the other workers' reads
# and writes. Measured with 20 sessions on 2 workers at load average 15: 3 of 48 saves failed after
# the store's default 5 s wait. The workers get this instead, unless the user sets SALES_LOCK_WAIT.
LOCK_WAIT = "15"


def log(msg: str) -> None:
    print(f"{dt.datetime.now():%Y-%m-%d %H:%M:%S} {msg}", flush=True)


# --- the proxy's configuration ------------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    name: str  # the cookie value and HAProxy's server name, e.g. "w1"
    host: str
    port: int


def haproxy_config(backends: list[Backend], binds: list[str], port: int, stats_socket: Path) -> str:
    """HAProxy's config for ``backends`` behind ``binds``:``port``.

    Why each setting: Streamlit keeps a session, its uploads and its websocket in one process, so a
    browser must always reach the same worker: the proxy inserts a cookie naming the worker
    (``indirect``: the worker never sees it; ``nocache``: a shared cache never stores it). A worker
    that fails two checks in a row is taken out; a request whose cookie names a worker that is out
    goes to another one (and gets its cookie), and a connection refused is retried elsewhere
    (``redispatch``). ``leastconn``: a session holds one websocket for its whole life, so the
    worker with the fewest open connections is the one with the fewest sessions.
    """
    bind_lines = "\n".join(f"    bind {_bind(addr, port)}" for addr in binds)
    servers = "\n".join(
        f"    server {b.name} {_bind(b.host, b.port)} check cookie {b.name}" for b in backends
    )
    return f"""# Generated by deploy/team.py; rewritten on every start. See docs/DEPLOY.md.
global
    # No access log: HAProxy's own warnings (a worker DOWN or UP) go to stderr, i.e. haproxy.log.
    stats socket {stats_socket} mode 600 level user
    maxconn 4096

defaults
    mode http
    option dontlognull
    # Every retry of a refused connection goes to another worker (not 3 tries at the dead one,
    # 1 s apart, by which time its restarted successor may answer under the old cookie).
    option redispatch 1
    retries 3
    # A worker killed while a request is on its way answers nothing: try another worker (a request
    # whose answer never started changed nothing on the dead worker's side that survives it).
    retry-on conn-failure empty-response junk-response
    timeout connect 2s
    timeout client 60s
    timeout server 120s
    timeout http-request 30s
    timeout queue 30s
    # A websocket (/_stcore/stream) is idle between a user's clicks: keep it open for an hour.
    timeout tunnel 1h
    timeout client-fin 10s

frontend web
{bind_lines}
    acl from_this_host src 127.0.0.0/8 ::1
    # Streamlit's metrics (sessions, cache sizes) are for monitoring on this host only.
    # Matched on the decoded path and loosely (any path with _stcore and then metrics), so that
    # //_stcore/metrics, /_stcore/%6detrics or /./_stcore/metrics are refused as well.
    acl metrics path,url_dec -m reg -i _stcore/.*metrics
    http-request deny deny_status 403 if metrics !from_this_host
    # Streamlit's agent API is off in the workers; the proxy refuses it as well, so turning it on
    # in a worker's config cannot expose the app to clients without a browser by accident.
    acl agent path,url_dec -m reg -i _stcore/.*agent
    http-request deny deny_status 403 if agent
    acl health path /_stcore/health
    http-request return status 503 content-type text/plain string "no healthy worker" if health {{ nbsrv(workers) eq 0 }}
    default_backend workers

backend workers
    balance leastconn
    cookie {COOKIE} insert indirect nocache httponly attr "SameSite=Lax"
    option httpchk GET /_stcore/health
    http-check expect string ok
    # A refused connection counts at once; a slow answer gets {CHECK_TIMEOUT:.0f} s: measured with 20
    # sessions on one worker at load average 14, /_stcore/health took over 1 s and a 1 s timeout
    # took the only worker out (503 for a new session) although it was serving.
    timeout check {CHECK_TIMEOUT:.0f}s
    # A worker that refuses real requests (3 in a row: it died) is taken out at once, not at its
    # next failed checks: otherwise a browser retrying fast can reach the restarted process under
    # the old name before the proxy noticed, instead of moving to a worker that is up.
    default-server inter 2s fastinter 1s downinter 1s fall 3 rise 2 observe layer4 error-limit 3 on-error mark-down
    # Which worker answered: lets a test or an operator see a session stay on one worker.
    http-response set-header X-Team-Worker %[srv_name]
{servers}
"""


def _bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# --- processes ----------------------------------------------------------------------------------


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (None when there is no such process)."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def alive(pid: int, started: int | None) -> bool:
    """True when ``pid`` is still the process that was started at ``started`` (not a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return stat[0] != "Z" and (started is None or int(stat[19]) == started)


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the supervisor dies, whatever kills it."""
    PR_SET_PDEATHSIG = 1
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None
    started: int | None = None  # /proc start time of proc
    started_at: float = 0.0  # monotonic
    healthy_at: float | None = None  # monotonic time of the last good check
    ok: bool = False  # the last check's result
    ever_healthy: bool = False
    restarts: int = 0
    history: list[int] = field(default_factory=list)  # every pid this child has had

    def spawn(self) -> None:
        """Start the process (an OSError, e.g. a missing executable, is left to the caller)."""
        with self.log.open("ab") as out:
            out.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} start {self.name}\n".encode())
            out.flush()
            self.proc = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - the supervisor has no threads
            )
        self.started = start_time(self.proc.pid)
        self.started_at = time.monotonic()
        self.healthy_at, self.ok, self.ever_healthy = None, False, False
        self.history.append(self.proc.pid)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(sig)

    def record(self) -> dict[str, Any]:
        pid = self.proc.pid if self.proc is not None else None
        return {
            "name": self.name,
            "port": self.port,
            "pid": pid,
            "started": self.started,
            "argv": self.argv,
            "restarts": self.restarts,
            "pids": self.history,
        }


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        # As the proxy binds it: connections of a previous run in TIME_WAIT do not make it busy.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def healthy(port: int, timeout: float = CHECK_TIMEOUT) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=timeout) as r:
            return bool(r.status == 200 and r.read() == b"ok")
    except (OSError, urllib.error.URLError):
        return False


def proxy_stats(sock: Path) -> list[dict[str, str]]:
    """HAProxy's ``show stat`` for the workers backend, one row per server (name, status, sessions)."""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2)
            s.connect(str(sock))
            s.sendall(b"show stat\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
    except OSError:
        return []
    text = b"".join(chunks).decode().lstrip("# ")
    rows = list(csv.DictReader(io.StringIO(text)))
    return [
        {"name": r["svname"], "status": r["status"], "current": r["scur"], "total": r["stot"]}
        for r in rows
        if r.get("pxname") == "workers" and r.get("svname") not in ("FRONTEND", "BACKEND")
    ]


# --- the supervisor -----------------------------------------------------------------------------


class Supervisor:
    def __init__(self, args: argparse.Namespace) -> None:
        self.dir: Path = args.dir.resolve()
        self.port: int = args.port
        self.binds: list[str] = args.bind or ["127.0.0.1"]
        self.stopping = False
        secret = self.dir / "cookie-secret"
        if not secret.exists():
            # One secret for every worker: the XSRF cookie a worker set stays valid on another one
            # after a failover. Kept between starts, readable by this user only.
            fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        env = {
            "SALES_LOCK_WAIT": LOCK_WAIT,  # the user's own value (below) wins
            **os.environ,
            "STREAMLIT_SERVER_COOKIE_SECRET": secret.read_text().strip(),
            "PYTHONUNBUFFERED": "1",
        }
        if args.db:
            env["SALES_DB"] = str(Path(args.db).resolve()) if "://" not in args.db else args.db
        self.workers: list[Child] = []
        for i in range(1, args.workers + 1):
            port = free_port()
            name = f"w{i}"
            if args.timings:
                args.timings.mkdir(parents=True, exist_ok=True)
                timed = ROOT / "tests" / "load" / "timed_server.py"
                runner = [str(timed), str(args.timings.resolve() / f"{name}.jsonl")]
            else:
                runner = ["-m", "streamlit"]
            argv = [
                sys.executable,
                *runner,
                "run",
                str(ROOT / "dashboard.py"),
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",  # only the proxy (and this host) can reach a worker
                "--server.port",
                str(port),
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ]
            self.workers.append(
                Child(name, argv, {**env, "TEAM_WORKER": name}, self.dir / f"{name}.log", port)
            )
        self.sock = self.dir / "haproxy.sock"
        cfg = self.dir / "haproxy.cfg"
        backends = [Backend(w.name, "127.0.0.1", w.port) for w in self.workers]
        cfg.write_text(haproxy_config(backends, self.binds, self.port, self.sock))
        check = subprocess.run([HAPROXY, "-c", "-f", str(cfg)], capture_output=True, text=True)
        if check.returncode != 0:
            raise SystemExit(f"haproxy rejected {cfg}:\n{check.stdout}{check.stderr}")
        self.proxy = Child(
            "haproxy", [HAPROXY, "-db", "-f", str(cfg)], dict(os.environ), self.dir / "haproxy.log", self.port
        )

    def write_state(self) -> None:
        state = {
            "url": f"http://{_bind(self.binds[0], self.port)}",
            "dir": str(self.dir),
            "supervisor": {"pid": os.getpid(), "started": start_time(os.getpid()), "argv": sys.argv},
            "proxy": self.proxy.record(),
            "workers": [w.record() for w in self.workers],
            "healthy": [w.name for w in self.workers if w.ok],
            "stats_socket": str(self.sock),
        }
        tmp = self.dir / (STATE + ".tmp")
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.dir / STATE)

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        for w in self.workers:
            w.spawn()
            log(f"started {w.name} pid {w.proc.pid if w.proc else '?'} on 127.0.0.1:{w.port}")
        self.proxy.spawn()
        log(f"started haproxy pid {self.proxy.proc.pid if self.proxy.proc else '?'} on port {self.port}")
        self.write_state()
        try:
            while not self.stopping:
                try:
                    if self.watch():
                        self.write_state()
                except OSError as exc:  # a restart that could not start (e.g. the venv mid-rebuild)
                    log(f"could not start a process: {exc}; trying again")
                time.sleep(CHECK_EVERY)
        finally:
            self.shutdown()
        return 0

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stopping = True

    def watch(self) -> bool:
        """One round: restart what exited, kill and restart what hangs. True when pids changed."""
        changed = False
        now = time.monotonic()
        if self.proxy.proc is not None and self.proxy.proc.poll() is not None:
            log(f"haproxy exited with {self.proxy.proc.returncode}; restarting")
            self.proxy.restarts += 1
            self.proxy.spawn()
            changed = True
        for w in self.workers:
            if self.stopping:
                break
            assert w.proc is not None
            code = w.proc.poll()
            if code is not None:
                # Restart at once, unless it keeps dying right after starting (then wait a little).
                if now - w.started_at < 10 and now - w.started_at < 2 ** min(w.restarts, 5):
                    continue
                log(f"{w.name} pid {w.proc.pid} exited with {code}; restarting")
                w.restarts += 1
                w.spawn()
                changed = True
                continue
            was_ok, w.ok = w.ok, healthy(w.port)
            changed |= was_ok != w.ok
            if w.ok:
                w.healthy_at, w.ever_healthy = now, True
                continue
            hung = (w.ever_healthy and w.healthy_at is not None and now - w.healthy_at > UNHEALTHY_AFTER) or (
                not w.ever_healthy and now - w.started_at > START_GRACE
            )
            if hung:
                log(f"{w.name} pid {w.proc.pid} failed its health checks; killing and restarting it")
                w.stop(signal.SIGKILL)
                w.proc.wait()
                w.restarts += 1
                w.spawn()
                changed = True
        return changed

    def shutdown(self) -> None:
        log("stopping")
        self.proxy.stop()  # no new connections first
        for w in self.workers:
            w.stop()
        deadline = time.monotonic() + STOP_WAIT
        for c in [self.proxy, *self.workers]:
            if c.proc is None:
                continue
            try:
                c.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{c.name} pid {c.proc.pid} ignored SIGTERM; killing it")
                c.stop(signal.SIGKILL)
                c.proc.wait()
        with contextlib.suppress(FileNotFoundError):
            (self.dir / STATE).unlink()
        with contextlib.suppress(FileNotFoundError):
            self.sock.unlink()
        log("stopped")


# --- commands -----------------------------------------------------------------------------------


def read_state(d: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads((d / STATE).read_text())
    except (OSError, ValueError):
        return None
    return data


def recorded(state: dict[str, Any]) -> list[tuple[str, int, int | None]]:
    """(name, pid, start time) of every process the state file says is running."""
    out = [("supervisor", state["supervisor"]["pid"], state["supervisor"]["started"])]
    for c in [state["proxy"], *state["workers"]]:
        if c.get("pid"):
            out.append((c["name"], c["pid"], c["started"]))
    return out


def cmd_start(args: argparse.Namespace) -> int:
    if not Path(HAPROXY).exists():
        print("haproxy is not installed: apt-get install haproxy", file=sys.stderr)
        return 2
    d: Path = args.dir
    d.mkdir(parents=True, exist_ok=True)
    state = read_state(d)
    if state is not None and alive(state["supervisor"]["pid"], state["supervisor"]["started"]):
        print(f"already running: {state['url']} (stop it with `make team-stop`)")
        return 0
    binds = args.bind or ["127.0.0.1"]
    for addr in binds:
        if not port_free(addr, args.port):
            print(f"port {args.port} on {addr} is in use; choose another with TEAM_PORT=…", file=sys.stderr)
            return 2
    if any(not (a.startswith("127.") or a == "::1") for a in binds) and not _auth_configured():
        print(
            "warning: the team listens on a non-local address and [auth] is not configured in "
            ".streamlit/secrets.toml: anyone who can reach it can read and change every plan",
            file=sys.stderr,
        )
    argv = [sys.executable, str(Path(__file__).resolve()), "serve", "--dir", str(d.resolve())]
    argv += ["--workers", str(args.workers), "--port", str(args.port)]
    for addr in binds:
        argv += ["--bind", addr]
    if args.db:
        argv += ["--db", args.db if "://" in args.db else str(Path(args.db).resolve())]
    if args.timings:
        argv += ["--timings", str(args.timings.resolve())]
    with (d / "team.log").open("ab") as out:
        sup = subprocess.Popen(
            argv,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + args.timeout
    url = f"http://{_bind(binds[0], args.port)}"
    while time.monotonic() < deadline:
        if sup.poll() is not None:
            print(f"the team did not start (exit {sup.returncode}); see {d / 'team.log'}:", file=sys.stderr)
            print(_tail(d / "team.log"), file=sys.stderr)
            return 1
        state = read_state(d)
        if (
            state is not None
            and len(state["healthy"]) == args.workers
            and _get(url + "/_stcore/health") == 200
        ):
            up = [s for s in proxy_stats(Path(state["stats_socket"])) if s["status"] == "UP"]
            if len(up) == args.workers:
                print(
                    f"Sales Target Planner team: {url}  ({args.workers} workers behind haproxy; "
                    f"logs in {d}; stop with `make team-stop`)"
                )
                return 0
        time.sleep(0.5)
    print(f"the team did not become healthy within {args.timeout:.0f} s; stopping it", file=sys.stderr)
    _stop(d, quiet=True)
    print(_tail(d / "team.log"), file=sys.stderr)
    return 1


def _auth_configured() -> bool:
    secrets_file = ROOT / ".streamlit" / "secrets.toml"
    try:
        return "[auth]" in secrets_file.read_text()
    except OSError:
        return False


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop(d: Path, quiet: bool = False) -> int:
    state = read_state(d)
    if state is None:
        if not quiet:
            print(f"no team running in {d}")
        return 0
    sup_pid, sup_started = state["supervisor"]["pid"], state["supervisor"]["started"]
    if alive(sup_pid, sup_started):
        os.kill(sup_pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT + 10
        while alive(sup_pid, sup_started) and time.monotonic() < deadline:
            time.sleep(0.2)
    # Whatever is still running (the supervisor was killed, or hung): each recorded process, by pid,
    # only if it is still the process that was recorded.
    left = [(n, p, s) for n, p, s in recorded(state) if alive(p, s)]
    for _, pid, _ in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_WAIT
    while any(alive(p, s) for _, p, s in left) and time.monotonic() < deadline:
        time.sleep(0.2)
    for _, pid, started in left:
        if alive(pid, started):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    for name in (STATE, "haproxy.sock"):
        with contextlib.suppress(FileNotFoundError):
            (d / name).unlink()
    if not quiet:
        names = ", ".join(f"{n} {p}" for n, p, _ in recorded(state))
        print(f"stopped the team in {d} ({names})")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    return _stop(args.dir)


def cmd_status(args: argparse.Namespace) -> int:
    state = read_state(args.dir)
    if state is None or not alive(state["supervisor"]["pid"], state["supervisor"]["started"]):
        print(json.dumps({"running": False}) if args.json else f"no team running in {args.dir}")
        return 3
    stats = {s["name"]: s for s in proxy_stats(Path(state["stats_socket"]))}
    workers = [
        {
            "name": w["name"],
            "pid": w["pid"],
            "port": w["port"],
            "restarts": w["restarts"],
            "proxy_status": stats.get(w["name"], {}).get("status"),
            "sessions_now": stats.get(w["name"], {}).get("current"),
            "sessions_total": stats.get(w["name"], {}).get("total"),
        }
        for w in state["workers"]
    ]
    out = {"running": True, "url": state["url"], "proxy_pid": state["proxy"]["pid"], "workers": workers}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{state['url']}  haproxy pid {state['proxy']['pid']}")
        for w in workers:
            print(
                f"  {w['name']} pid {w['pid']} port {w['port']}: {w['proxy_status']}, "
                f"{w['sessions_now']} connections now, {w['sessions_total']} in all, {w['restarts']} restarts"
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("start", "serve"):
        p = sub.add_parser(name)
        p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
        p.add_argument("--port", type=int, default=8500)
        p.add_argument("--bind", action="append", help="address the proxy listens on (repeatable)")
        p.add_argument("--dir", type=Path, default=ROOT / "data" / "team")
        p.add_argument("--db", default=os.environ.get("SALES_DB"))
        p.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for a healthy team")
        p.add_argument(
            "--timings",
            type=Path,
            help="(load test) run each worker through tests/load/timed_server.py, logging to DIR/wN.jsonl",
        )
    for name in ("stop", "status"):
        p = sub.add_parser(name)
        p.add_argument("--dir", type=Path, default=ROOT / "data" / "team")
        p.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.cmd in ("start", "serve") and args.workers < 1:
        print("--workers must be at least 1", file=sys.stderr)
        return 2
    if args.cmd == "serve":
        return Supervisor(args).run()
    return {"start": cmd_start, "stop": cmd_stop, "status": cmd_status}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
