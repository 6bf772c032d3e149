"""The app's server with a timing line per page run: where the server's time goes under load.

    python tests/load/timed_server.py LOG.jsonl run dashboard.py [streamlit options]

Runs ``streamlit`` in this process after wrapping three functions, and appends one JSON line per
page run to LOG.jsonl: the page, wall and CPU seconds of the script thread (CPU is the thread's
own time, so waiting for the GIL or a lock is not in it), database opens (count, seconds) and
cache misses (cached function, seconds). The load test (run_load.py) starts the server this way
and summarises the lines; nothing of this runs in the app itself.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class _Run(threading.local):
    def __init__(self) -> None:
        self.active = False
        self.opens = 0
        self.open_s = 0.0
        self.misses: dict[str, float] = {}


def install(log: Path) -> None:
    """Wrap the page runner, store.connect and the cache-miss path; write lines to ``log``."""
    sys.path.insert(0, str(ROOT))
    from streamlit.navigation.page import StreamlitPage
    from streamlit.runtime.caching import cache_utils

    from analysis import store

    run = _Run()
    out = log.open("a", encoding="utf-8", buffering=1)
    write_lock = threading.Lock()
    page_run: Callable[[StreamlitPage], None] = StreamlitPage.run

    def timed_run(self: StreamlitPage) -> None:
        run.active, run.opens, run.open_s, run.misses = True, 0, 0.0, {}
        t0, c0 = time.perf_counter(), time.thread_time()
        outcome = "ok"
        try:
            page_run(self)
        except BaseException as exc:  # RerunException / StopException end a run early; re-raised
            outcome = type(exc).__name__
            raise
        finally:
            line = {
                "t": round(time.time(), 3),
                "page": self.url_path or "home",
                "wall_s": round(time.perf_counter() - t0, 4),
                "cpu_s": round(time.thread_time() - c0, 4),
                "opens": run.opens,
                "open_s": round(run.open_s, 4),
                "misses": {k: round(v, 4) for k, v in run.misses.items()},
                "end": outcome,
            }
            run.active = False
            with write_lock:
                out.write(json.dumps(line) + "\n")

    connect = store.connect

    @contextmanager
    def timed_connect(*args: Any, **kwargs: Any) -> Iterator[Any]:
        t0 = time.perf_counter()
        with connect(*args, **kwargs) as con:
            if run.active:
                run.opens += 1
                run.open_s += time.perf_counter() - t0
            yield con

    miss = cache_utils.CachedFunc._handle_cache_miss

    def timed_miss(self: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return miss(self, *args, **kwargs)
        finally:
            if run.active:
                name = getattr(self._info.func, "__qualname__", "?")
                run.misses[name] = run.misses.get(name, 0.0) + time.perf_counter() - t0

    StreamlitPage.run = timed_run  # type: ignore[method-assign]
    store.connect = timed_connect  # type: ignore[assignment]
    cache_utils.CachedFunc._handle_cache_miss = timed_miss  # type: ignore[method-assign]


def main() -> None:
    log = Path(sys.argv[1])
    install(log)
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[2:]]
    cli.main()


if __name__ == "__main__":
    main()
