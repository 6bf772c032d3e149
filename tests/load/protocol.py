"""A Streamlit session without a browser: the frontend's side of ``/_stcore/stream``, in Python.

A :class:`ProtocolSession` does what the frontend does over the websocket, from the streamlit 1.67
sources (``web/server/starlette/starlette_websocket.py``, ``runtime/app_session.py``, the
frontend bundle's ``sendRerunBackMsg``, ``onPageChange``, ``submitForm``): it fetches
``/_stcore/health`` and ``/_stcore/host-config``, opens the websocket (subprotocol ``streamlit``
plus the XSRF cookie, same Origin), and for each interaction sends one ``BackMsg.rerun_script``
with a ``ClientState``: query string, widget states, page script hash, context info and the hashes
of the messages it already holds (the server then sends ``ref_hash`` references, resolved from
this session's own message cache, as the frontend does). It reads ``ForwardMsg``s until a
``script_finished`` that is not "finished early for a rerun" (``st.rerun`` starts another run
without a new BackMsg). Widgets are found by their ids in the run's deltas; their values are
kept the way the frontend's WidgetStateManager keeps them: the proto's default when a widget first
appears, the server's value when it sends ``set_value``, dropped when the widget is gone, form
fields held until the form is submitted, button triggers sent once.

What it does not do: render anything, load the frontend's static files, or send heartbeats. Widget
types outside :data:`VALUE_TYPES` (data editor, chart selections, uploads) are not sent; the
server then keeps their last value, which is the value a browser that never touched them sends.
"""

from __future__ import annotations

import asyncio
import re
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

FINISHED = ForwardMsg.ScriptFinishedStatus
PAGE_ERROR_ID = re.compile(r"\bE-[0-9a-f]{8}\b")  # components.shell.ERROR_ID, without importing the app
# Element type -> the WidgetState field the frontend fills for it (the server's ``value_type``).
VALUE_TYPES = {
    "selectbox": "string_value",
    "radio": "string_value",
    "text_input": "string_value",
    "text_area": "string_value",
    "checkbox": "bool_value",
    "number_input": "double_value",  # int_value when the proto's data_type is INT
    "date_input": "string_array_value",
}
WIDGETS = {*VALUE_TYPES, "button", "download_button"}


class ProtocolError(Exception):
    """The server did something a browser would show as broken: an exception, a compile error."""


@dataclass
class Widget:
    kind: str  # the Element oneof name, e.g. "selectbox"
    proto: Any  # the element's widget message
    script_hash: str  # the page script that drew it (ForwardMsgMetadata.active_script_hash)

    @property
    def id(self) -> str:
        return str(self.proto.id)

    @property
    def label(self) -> str:
        return str(self.proto.label)

    @property
    def form_id(self) -> str:
        return str(self.proto.form_id)


def _value(w: Widget, *, current: bool) -> Any:
    """The widget's value as the frontend holds it: its default, or (``current``) the server's."""
    p = w.proto
    if w.kind in ("selectbox", "radio"):
        if current:
            return p.raw_value if p.HasField("raw_value") else None
        return p.options[p.default] if p.HasField("default") and len(p.options) else None
    if w.kind in ("text_input", "text_area"):
        if current:
            return p.value if p.HasField("value") else None
        return p.default if p.HasField("default") else None
    if w.kind == "checkbox":
        return p.value if current else p.default
    if w.kind == "number_input":
        if current:
            return p.value if p.HasField("value") else None
        return p.default if p.HasField("default") else None
    if w.kind == "date_input":
        return list(p.value if current else p.default) or None
    return None


def _state(w: Widget, value: Any) -> WidgetState | None:
    """A WidgetState for ``value`` (None: the frontend's null, which it sends as a bare id)."""
    if value is None:
        return None
    s = WidgetState(id=w.id)
    kind = VALUE_TYPES[w.kind]
    if w.kind == "number_input" and w.proto.data_type == w.proto.INT:
        s.int_value = int(value)
    elif kind == "string_array_value":
        s.string_array_value.data.extend(value)
    else:
        setattr(s, kind, value)
    return s


@dataclass
class Run:
    """What the last completed script run showed."""

    widgets: dict[str, Widget] = field(default_factory=dict)
    exceptions: list[str] = field(default_factory=list)
    alerts: list[tuple[int, str]] = field(default_factory=list)  # (Alert.Format, body)


class ProtocolSession:
    """One app session over the websocket. ``async with ProtocolSession(base) as s: await s.open()``."""

    def __init__(self, base: str, timeout: float = 60.0) -> None:
        self.base = base  # http://127.0.0.1:PORT
        self.timeout = timeout
        self.ws: ClientConnection | None = None
        self.query = ""
        self.page_hash = ""  # the page shown, from new_session
        self.main_hash = ""
        self.pages: dict[str, str] = {}  # url_pathname ("" for the main page) -> page_script_hash
        self.states: dict[str, WidgetState] = {}  # committed widget states, by widget id
        self.pending: dict[str, dict[str, WidgetState]] = {}  # form id -> its edited fields
        self.cache: dict[str, ForwardMsg] = {}  # cacheable messages by hash (the frontend's cache)
        self.run = Run()
        self.bound: dict[str, str] = {}  # query_param_key -> widget id, of the last run's widgets
        self.cookies: dict[str, str] = {}  # name -> value, as a browser's cookie jar for this host
        self.worker = ""  # behind `make team`: the worker that served the last request
        self.session_id = ""  # the server's id of this session (from new_session)

    async def __aenter__(self) -> ProtocolSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.ws is not None:
            await self.ws.close()

    # --- connection ---------------------------------------------------------------------------
    async def connect(self) -> None:
        """What the frontend does before its first rerun: health, host config, then the websocket.

        Cookies set on the way are kept and sent along, as a browser does: Streamlit's XSRF cookie,
        and behind ``make team`` the proxy's stickiness cookie, which keeps the session's requests
        on one worker (``self.worker`` is the worker that answered, from ``X-Team-Worker``)."""

        def fetch() -> None:
            for path in ("/_stcore/health", "/_stcore/host-config"):
                req = urllib.request.Request(self.base + path, headers=self.cookie_header())
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    r.read()
                    for c in r.headers.get_all("Set-Cookie") or []:
                        name, _, value = c.split(";", 1)[0].partition("=")
                        self.cookies[name.strip()] = value
                    self.worker = r.headers.get("X-Team-Worker") or self.worker

        await asyncio.to_thread(fetch)
        xsrf = self.cookies.get("_streamlit_xsrf", "")
        ws_url = "ws" + self.base.removeprefix("http") + "/_stcore/stream"
        self.ws = await connect(
            ws_url,
            subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],  # type: ignore[list-item]
            origin=self.base,  # type: ignore[arg-type]
            additional_headers=self.cookie_header() or None,
            max_size=None,
            open_timeout=self.timeout,
        )
        if self.ws.response is not None:
            self.worker = self.ws.response.headers.get("X-Team-Worker") or self.worker

    def cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    async def open(self, query: str = "") -> float:
        """Connect and run the main page with ``query`` (the URL's query string); seconds taken."""
        t0 = time.perf_counter()
        await self.connect()
        self.query = query
        await self.rerun(page_hash="", states=[])
        return time.perf_counter() - t0

    # --- one rerun ----------------------------------------------------------------------------
    async def rerun(self, *, page_hash: str | None = None, states: list[WidgetState] | None = None) -> float:
        """Send one rerun_script and read until the script finished; seconds from send to finish."""
        assert self.ws is not None
        cs = ClientState(
            query_string=self.query,
            page_script_hash=self.page_hash if page_hash is None else page_hash,
            cached_message_hashes=list(self.cache),
        )
        cs.widget_states.widgets.extend(self.states.values() if states is None else states)
        cs.context_info.timezone = "UTC"
        cs.context_info.timezone_offset = 0
        cs.context_info.locale = "en-US"
        cs.context_info.url = f"{self.base}/?{self.query}" if self.query else f"{self.base}/"
        cs.context_info.is_embedded = False
        cs.context_info.color_scheme = "light"
        t0 = time.perf_counter()
        await self.ws.send(BackMsg(rerun_script=cs).SerializeToString())
        await asyncio.wait_for(self._read_until_finished(), timeout=self.timeout)
        return time.perf_counter() - t0

    async def _read_until_finished(self) -> None:
        assert self.ws is not None
        run = Run()
        while True:
            raw = await self.ws.recv()
            msg = ForwardMsg()
            msg.ParseFromString(raw)  # type: ignore[arg-type]
            kind = msg.WhichOneof("type")
            if kind == "ref_hash":
                ref = msg.ref_hash
                msg = ForwardMsg()
                msg.CopyFrom(self.cache[ref])
                kind = msg.WhichOneof("type")
            elif msg.metadata.cacheable:
                self.cache[msg.hash] = msg
            if kind == "new_session":
                ns = msg.new_session
                run = Run()  # a run starts: its deltas replace the page
                self.main_hash = ns.main_script_hash
                self.session_id = ns.initialize.session_id or self.session_id
                self.page_hash = ns.page_script_hash
                self.pages.update({p.url_pathname: p.page_script_hash for p in ns.app_pages})
            elif kind == "navigation":  # the app's pages (pages/ folder or st.navigation)
                self.pages.update({p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages})
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._element(run, msg)
            elif kind == "script_finished":
                status = msg.script_finished
                if status == FINISHED.FINISHED_EARLY_FOR_RERUN:
                    continue
                self._finish(run)
                if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                    raise ProtocolError("script compile error")
                return

    def _element(self, run: Run, msg: ForwardMsg) -> None:
        el = msg.delta.new_element
        kind = el.WhichOneof("type")
        if kind == "exception":
            run.exceptions.append(f"{el.exception.type}: {el.exception.message}"[:300])
        elif kind == "alert" and el.alert.format == Alert.ERROR and PAGE_ERROR_ID.search(el.alert.body):
            run.exceptions.append(el.alert.body[:300])  # the page error boundary's line (components/shell.py)
        elif kind == "alert":
            run.alerts.append((el.alert.format, el.alert.body))
        elif kind in WIDGETS:
            w = Widget(kind, getattr(el, kind), msg.metadata.active_script_hash)
            run.widgets[w.id] = w

    def _finish(self, run: Run) -> None:
        """The frontend after a run: widgets mount (default or server value), the gone ones go."""
        for wid, w in run.widgets.items():
            if w.kind not in VALUE_TYPES:
                continue
            set_value = bool(getattr(w.proto, "set_value", False))
            if wid not in self.states or set_value:
                state = _state(w, _value(w, current=set_value))
                if state is None:
                    self.states.pop(wid, None)
                else:
                    self.states[wid] = state
                if set_value and w.form_id:
                    self.pending.get(w.form_id, {}).pop(wid, None)
        for wid in [k for k in self.states if k not in run.widgets]:
            del self.states[wid]
        self.bound = {
            str(w.proto.query_param_key): wid
            for wid, w in run.widgets.items()
            if getattr(w.proto, "query_param_key", "")
        }
        self.run = run

    # --- interactions ---------------------------------------------------------------------------
    def widget(self, kind: str, label: re.Pattern[str]) -> Widget:
        """The last run's widget of ``kind`` whose label matches; KeyError if the page has none."""
        for w in self.run.widgets.values():
            if w.kind == kind and label.search(w.label):
                return w
        raise KeyError(f"no {kind} labelled {label.pattern!r} on the page")

    async def switch_page(self, url_path: str) -> float:
        """A sidebar page link: the target's script hash, the bound params, the kept widgets."""
        target = self.pages[url_path]
        # filterParamsForPageChange: only params that widgets bind survive a page change.
        self.query = urlencode([(k, v) for k, v in parse_qsl(self.query) if k in self.bound])
        # clearPageElements keeps the main script's elements; their widgets' states go along.
        keep = [s for wid, s in self.states.items() if self.run.widgets[wid].script_hash == self.main_hash]
        return await self.rerun(page_hash=target, states=keep)

    async def set_value(self, w: Widget, value: Any) -> float:
        """The user changes a widget outside a form: new state, bound URL param, one rerun."""
        state = _state(w, value)
        assert state is not None
        self.states[w.id] = state
        key = str(getattr(w.proto, "query_param_key", ""))
        if key:
            params = [(k, v) for k, v in parse_qsl(self.query) if k != key]
            self.query = urlencode([*params, (key, value)])
        return await self.rerun()

    def fill(self, w: Widget, value: Any) -> None:
        """Type into a form field: held by the form until it is submitted (no rerun)."""
        state = _state(w, value)
        assert state is not None and w.form_id
        self.pending.setdefault(w.form_id, {})[w.id] = state

    async def submit(self, button: Widget) -> float:
        """A form's submit button: its trigger, the form's fields committed, one rerun."""
        self.states.update(self.pending.pop(button.form_id, {}))
        trigger = WidgetState(id=button.id, trigger_value=True)
        seconds = await self.rerun(states=[*self.states.values(), trigger])
        return seconds

    def errors_shown(self) -> list[str]:
        """Error and warning boxes of the last run (the app's refusals and failures)."""
        return [body for fmt, body in self.run.alerts if fmt in (Alert.ERROR, Alert.WARNING)]
