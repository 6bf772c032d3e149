"""Draggable bar chart (Streamlit components v2): drag a bar's top, click a bar to lock it.

The browser only previews a rebalance; Python owns the numbers. The component sends one event per
gesture (an edit or a lock toggle) as a *trigger* value, and :func:`apply_drag` applies it with
``analysis.rebalance`` so the total stays exact. Amounts are integer cents throughout.

Typical use (the rerun makes the chart show the authoritative values at once)::

    res = drag_bars(labels, values, locks, total_cents=total, unit_cents=100, key="m", lang=lang)
    if res is not None:
        values, locks, err = apply_drag(values, locks, res, total_cents=total, unit_cents=100)
        ...store values/locks/err in session state...
        st.rerun()
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import streamlit as st

from analysis.i18n import t
from analysis.messages import message_of
from analysis.rebalance import RebalanceError, rebalance

EVENT_KEY = "drag_event"  # the trigger name; avoid dict method names such as "values" or "items"


@dataclass(frozen=True)
class DragResult:
    """One gesture: ``edit`` = (bar index, new value in cents) or ``lock`` = (bar index, locked)."""

    edit: tuple[int, int] | None = None
    lock: tuple[int, bool] | None = None
    event_id: str = ""


def _int(v: object) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return None


def parse_event(raw: object, n_bars: int) -> DragResult | None:
    """The event sent by the browser as a DragResult, or None if it is absent or malformed."""
    if not isinstance(raw, dict):
        return None
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not event_id:
        return None
    edit, lock = raw.get("edit"), raw.get("lock")
    if isinstance(edit, dict):
        i, v = _int(edit.get("index")), _int(edit.get("value_cents"))
        if i is not None and v is not None and 0 <= i < n_bars:
            return DragResult(edit=(i, v), event_id=event_id)
    if isinstance(lock, dict):
        i, flag = _int(lock.get("index")), lock.get("locked")
        if i is not None and isinstance(flag, bool) and 0 <= i < n_bars:
            return DragResult(lock=(i, flag), event_id=event_id)
    return None


def _seen_key(key: str) -> str:
    return f"{key}__drag_seen"


def take_event(raw: object, seen: MutableMapping[Any, Any], key: str, n_bars: int) -> DragResult | None:
    """Parse ``raw`` and return it only if its id differs from the last one taken for ``key``.

    ``seen`` is st.session_state in the app (a plain dict in tests); the last id is remembered
    there, so a rerun that still carries the same event does not apply it twice.
    """
    result = parse_event(raw, n_bars)
    if result is None or seen.get(_seen_key(key)) == result.event_id:
        return None
    seen[_seen_key(key)] = result.event_id
    return result


def _to_dec(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _to_cents(value: Decimal) -> int:
    cents = value.scaleb(2)
    if cents != cents.to_integral_value():  # pragma: no cover - rebalance returns unit multiples
        raise RebalanceError(f"{value} is not a whole number of cents")
    return int(cents)


def apply_drag(
    values_cents: Sequence[int],
    locked: Sequence[bool],
    result: DragResult,
    *,
    total_cents: int,
    unit_cents: int,
    labels: Sequence[str] | None = None,
) -> tuple[list[int], list[bool], str | None]:
    """Apply one drag event: (new values in cents, new locks, error message or None).

    An edit sets bar ``i`` (rounded half-up to ``unit_cents``) and re-spreads the rest of
    ``total_cents`` over the other unlocked bars in proportion to their current values, with
    largest-remainder rounding in ``unit_cents`` (analysis.rebalance). The result always sums
    exactly to ``total_cents``. A refused edit returns the inputs unchanged and the
    RebalanceError's message: English as a str, or shown in the page's language with
    ``analysis.messages.render(err, lang)``. ``labels`` (optional) name the bars in those messages.
    """
    values, locks = list(values_cents), list(locked)
    if len(values) != len(locks):
        raise ValueError("values_cents and locked must have the same length")
    if result.lock is not None:
        i, flag = result.lock
        if not 0 <= i < len(locks):
            return values, locks, f"there is no bar {i + 1}"
        locks[i] = flag
        return values, locks, None
    if result.edit is None:
        return values, locks, None
    i, wanted = result.edit
    if not 0 <= i < len(values):
        return values, locks, f"there is no bar {i + 1}"
    unit = max(int(unit_cents), 1)
    wanted = (wanted + unit // 2) // unit * unit
    names = list(labels) if labels is not None and len(set(labels)) == len(values) else None
    keys = names or [f"#{k + 1}" for k in range(len(values))]
    try:
        new = rebalance(
            {k: _to_dec(v) for k, v in zip(keys, values, strict=True)},
            {keys[i]: _to_dec(wanted)},
            [k for k, lk in zip(keys, locks, strict=True) if lk],
            total=_to_dec(total_cents),
            unit=_to_dec(unit),
        )
    except RebalanceError as exc:
        return values, locks, message_of(exc)
    out = [_to_cents(new[k]) for k in keys]
    if sum(out) != total_cents:  # pragma: no cover - rebalance guarantees it
        return values, locks, "the rebalanced values do not add up to the total"
    return out, locks, None


def _scale(divisor: float, lang: str) -> tuple[float, str, int]:
    """(divisor in yuan, suffix, decimals) for labels: 万 in Chinese, k in English."""
    if divisor >= 1e8:
        return (1e8, "亿", 2) if lang == "zh" else (1e6, "M", 1)
    if divisor >= 1e4:
        return (1e4, "万", 1) if lang == "zh" else (1e3, "k", 1)
    if divisor >= 1e3:
        return (1e3, "千" if lang == "zh" else "k", 1)
    return (1.0, "", 0)


def _fmt(cents: int, scale: tuple[float, str, int]) -> str:
    div, suffix, dec = scale
    return f"{cents / 100 / div:,.{dec}f}{suffix}"


HTML = """<div class="db-root"><div class="db-head"><span class="db-total"></span>
<span class="db-hint"></span></div><div class="db-chart"></div></div>"""

CSS = """
:host { display: block; }
.db-root { font-family: var(--st-font, "Source Sans Pro", "PingFang SC", "Noto Sans CJK SC", sans-serif);
  color: var(--st-text-color, #31333f); user-select: none; -webkit-user-select: none; }
.db-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 16px; margin: 0 0 4px 4px; }
.db-total { font-weight: 600; font-size: 15px; }
.db-hint { font-size: 12.5px; opacity: 0.65; }
.db-chart svg { display: block; overflow: visible; touch-action: none; }
.db-axis text, .db-xlab { font-size: 12px; fill: currentColor; }
.db-axis text { opacity: 0.7; }
.db-grid { stroke: currentColor; stroke-opacity: 0.12; }
.db-base { stroke: currentColor; stroke-opacity: 0.45; }
.db-ytitle { font-size: 12px; fill: currentColor; opacity: 0.7; }
.db-bar { cursor: ns-resize; outline: none; }
.db-bar.is-locked { cursor: pointer; }
.db-fill { fill: var(--st-primary-color, #1f6feb); fill-opacity: 0.82; }
.db-bar:hover .db-fill, .db-bar:focus-visible .db-fill { fill-opacity: 1; }
.db-bar.is-active .db-fill { fill-opacity: 1; }
.db-bar.is-moved .db-fill { fill-opacity: 0.55; }
.db-bar.is-locked .db-fill { fill: #9aa5b1; fill-opacity: 0.55; }
.db-bar.is-locked .db-hatch-fill { fill-opacity: 1; }
.db-edge { stroke: var(--st-primary-color, #1f6feb); stroke-width: 1; fill: none; }
.db-bar.is-locked .db-edge { stroke: #6e7781; stroke-dasharray: 3 2; }
.db-handle { fill: var(--st-primary-color, #1f6feb); }
.db-bar.is-locked .db-handle { display: none; }
.db-grip { fill: transparent; }
.db-val { font-size: 12px; font-weight: 600; fill: currentColor; }
.db-bar.is-locked .db-val { fill: #57606a; }
.db-lock { fill: #57606a; }
.db-bar:focus-visible .db-edge { stroke-width: 2.5; }
"""

JS = r"""
const NS = "http://www.w3.org/2000/svg";
const INSTANCES = new WeakMap(); // parentElement -> {nonce, seq}; survives re-invocations

function el(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

function niceStep(x) {
  if (!(x > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

// Rough label width in px at 12px: CJK glyphs are square, Latin about half as wide.
const textWidth = (s) => [...s].reduce((w, ch) => w + (ch.codePointAt(0) > 0x2e80 ? 12 : 6.8), 0);

// Same rule as analysis.rebalance, in floats (a preview only): bar i takes x, the other unlocked
// bars share what is left in proportion to their current values (equally if all zero).
function preview(base, locked, i, x, total) {
  const free = base.map((_, k) => k !== i && !locked[k]);
  const fixed = base.reduce((s, v, k) => s + (locked[k] ? v : 0), 0);
  const left = total - fixed - x;
  const w = base.map((v, k) => (free[k] ? Math.max(v, 0) : 0));
  const ws = w.reduce((a, b) => a + b, 0);
  const nf = free.filter(Boolean).length;
  return base.map((v, k) => (k === i ? x : free[k] ? left * (ws > 0 ? w[k] / ws : 1 / nf) : v));
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement.querySelector(".db-root");
  const chart = parentElement.querySelector(".db-chart");
  if (!root || !chart || !data) return;
  let inst = INSTANCES.get(parentElement);
  if (!inst) {
    inst = { nonce: Math.random().toString(36).slice(2, 10), seq: 0 };
    INSTANCES.set(parentElement, inst);
  }
  const T = data.text;
  root.querySelector(".db-total").textContent = data.header;
  root.querySelector(".db-hint").textContent = T.hint;

  const n = data.labels.length;
  const base = data.amounts.slice();
  const locked = data.locked.slice();
  const total = data.total;
  const unit = Math.max(1, data.unit);
  const [div, suffix, dec] = data.scale; // yuan divisor, label suffix, decimals
  const fmtNum = new Intl.NumberFormat("en-US", { minimumFractionDigits: dec, maximumFractionDigits: dec });
  const fmt = (cents) => fmtNum.format(cents / 100 / div) + suffix;
  const lockedSum = () => base.reduce((s, v, k) => s + (locked[k] ? v : 0), 0);
  const tickStep = niceStep((Math.max(...base, 1) * 1.3) / 5);
  const ymax = tickStep * Math.ceil((Math.max(...base, 1) * 1.3) / tickStep); // fixed while dragging
  const tickDec = Number.isInteger(Math.round((tickStep / 100 / div) * 1e6) / 1e6) ? 0 : dec;
  const tickFmt = new Intl.NumberFormat("en-US", { minimumFractionDigits: tickDec, maximumFractionDigits: tickDec });
  const fmtTick = (cents) => (cents === 0 ? "0" : tickFmt.format(cents / 100 / div) + suffix);
  let shown = base.slice();
  let drag = null; // {i, y0, v0, moved, pointerId}

  const H = data.height;
  const svg = el("svg", { role: "group", "aria-label": data.aria_chart });
  chart.replaceChildren(svg);
  const hatchId = `db-hatch-${inst.nonce}`;
  const defs = el("defs", {}, svg);
  const pat = el("pattern", { id: hatchId, width: 6, height: 6, patternUnits: "userSpaceOnUse",
                              patternTransform: "rotate(45)" }, defs);
  el("rect", { width: 6, height: 6, fill: "#d0d7de" }, pat);
  el("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#8c959f", "stroke-width": 2.2 }, pat);
  const gAxis = el("g", { class: "db-axis" }, svg);
  const gBars = el("g", { class: "db-bars" }, svg);
  let geo = null;

  function layout() {
    const W = Math.max(chart.clientWidth || 600, 240);
    const band0 = (W - 70) / Math.max(n, 1);
    const longest = Math.min(Math.max(...data.labels.map(textWidth), 1), 150);
    const rotate = band0 < longest + 10;
    const m = { l: 62, r: 8, t: data.axis_title ? 34 : 26, b: rotate ? 30 + longest * 0.6 : 30 };
    const ih = H - m.t - m.b, iw = W - m.l - m.r;
    const band = iw / Math.max(n, 1);
    geo = { W, m, ih, iw, band, rotate, bw: Math.min(band * 0.62, 72) };
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  }
  const yOf = (v) => geo.m.t + geo.ih * (1 - Math.min(Math.max(v, 0), ymax) / ymax);
  const xOf = (k) => geo.m.l + geo.band * k + geo.band / 2;

  function drawAxis() {
    gAxis.replaceChildren();
    for (let k = 0; k * tickStep <= ymax + 1e-6; k++) {
      const v = tickStep * k, y = yOf(v);
      el("line", { class: k ? "db-grid" : "db-base", x1: geo.m.l, x2: geo.W - geo.m.r, y1: y, y2: y }, gAxis);
      const tx = el("text", { x: geo.m.l - 8, y: y + 4, "text-anchor": "end" }, gAxis);
      tx.textContent = fmtTick(v);
    }
    if (data.axis_title) {
      const tt = el("text", { class: "db-ytitle", x: 4, y: 12 }, gAxis);
      tt.textContent = data.axis_title;
    }
    data.labels.forEach((label, k) => {
      const x = xOf(k), y = geo.m.t + geo.ih + 18;
      const room = geo.rotate ? 150 : geo.band - 6;
      let short = label;
      while (short.length > 1 && textWidth(short) > room) short = short.slice(0, -2) + "…";
      const tx = el("text", geo.rotate
        ? { class: "db-xlab", x, y: y - 6, "text-anchor": "end", transform: `rotate(-35 ${x} ${y - 6})` }
        : { class: "db-xlab", x, y, "text-anchor": "middle" }, gAxis);
      tx.textContent = short;
      el("title", {}, tx).textContent = label;
    });
  }

  function lockGlyph(g, cx, y) {
    const s = el("g", { class: "db-lock", transform: `translate(${cx - 6} ${y})` }, g);
    el("path", { d: "M3 6 V4 a3 3 0 0 1 6 0 V6", fill: "none", stroke: "#57606a", "stroke-width": 1.6 }, s);
    el("rect", { x: 1.5, y: 6, width: 9, height: 7, rx: 1.5 }, s);
  }

  function drawBars() {
    gBars.replaceChildren();
    shown.forEach((v, k) => {
      const cx = xOf(k), top = yOf(v), bottom = yOf(0);
      const lk = locked[k];
      const cls = ["db-bar"];
      if (lk) cls.push("is-locked");
      if (drag && drag.i === k) cls.push("is-active");
      else if (drag && drag.moved && Math.abs(v - base[k]) >= unit / 2) cls.push("is-moved");
      const g = el("g", { class: cls.join(" "), "data-index": k, "data-value": Math.round(v),
        "data-locked": lk ? "true" : "false", role: "button", tabindex: 0,
        "aria-pressed": lk ? "true" : "false",
        "aria-label": `${data.labels[k]}: ${fmt(v)}${lk ? " · " + T.locked : ""}. ${T.aria_hint}` }, gBars);
      el("rect", { class: "db-grip", x: cx - geo.band / 2, y: geo.m.t, width: geo.band, height: geo.ih }, g);
      el("rect", { class: "db-fill", x: cx - geo.bw / 2, y: top, width: geo.bw, height: bottom - top }, g);
      if (lk) el("rect", { class: "db-hatch-fill", x: cx - geo.bw / 2, y: top, width: geo.bw,
                           height: bottom - top, fill: `url(#${hatchId})`, "fill-opacity": 0.9 }, g);
      el("rect", { class: "db-edge", x: cx - geo.bw / 2, y: top, width: geo.bw, height: bottom - top }, g);
      el("rect", { class: "db-handle", x: cx - geo.bw / 2, y: top - 2, width: geo.bw, height: 5, rx: 2 }, g);
      const lab = el("text", { class: "db-val", x: cx + (lk ? 7 : 0), y: top - 6, "text-anchor": "middle" }, g);
      lab.textContent = fmt(v);
      if (lk) lockGlyph(g, cx - lab.getComputedTextLength() / 2 - 3, top - 17);
      el("title", {}, g).textContent = `${data.labels[k]}: ${fmt(v)}${lk ? " · " + T.locked : ""}`;
    });
  }

  function render() { layout(); drawAxis(); drawBars(); }

  function send(payload) {
    inst.seq += 1;
    setTriggerValue("drag_event", { id: `${inst.nonce}-${inst.seq}`, seq: inst.seq, ...payload });
  }
  const cap = () => Math.floor((total - lockedSum()) / unit) * unit;
  const canEdit = (k) => !locked[k] && locked.some((lk, j) => j !== k && !lk);

  function valueAt(d, clientY) {
    const dv = ((d.y0 - clientY) / geo.ih) * ymax;
    const x = Math.min(Math.max(d.v0 + dv, 0), cap(), ymax);
    return Math.round(x / unit) * unit;
  }

  function onDown(ev) {
    const g = ev.target.closest && ev.target.closest(".db-bar");
    if (!g || ev.button !== 0) return;
    const i = Number(g.getAttribute("data-index"));
    drag = { i, y0: ev.clientY, v0: base[i], moved: false, pointerId: ev.pointerId };
    svg.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  }
  function onMove(ev) {
    if (!drag || ev.pointerId !== drag.pointerId) return;
    if (!drag.moved && Math.abs(ev.clientY - drag.y0) < 4) return;
    if (!canEdit(drag.i)) return; // locked (or nothing to absorb the change): no preview
    drag.moved = true;
    shown = preview(base, locked, drag.i, valueAt(drag, ev.clientY), total);
    drawBars();
  }
  function onUp(ev) {
    if (!drag || ev.pointerId !== drag.pointerId) return;
    const d = drag;
    drag = null;
    if (svg.hasPointerCapture(ev.pointerId)) svg.releasePointerCapture(ev.pointerId);
    if (d.moved) {
      const v = valueAt(d, ev.clientY);
      shown = preview(base, locked, d.i, v, total);
      drawBars();
      if (v !== base[d.i]) send({ edit: { index: d.i, value_cents: v } });
    } else if (Math.abs(ev.clientY - d.y0) < 4) {
      locked[d.i] = !locked[d.i]; // optimistic; Python's next render is authoritative
      drawBars();
      send({ lock: { index: d.i, locked: locked[d.i] } });
    }
  }
  function onCancel() { drag = null; shown = base.slice(); drawBars(); }
  function onKey(ev) {
    const g = ev.target.closest && ev.target.closest(".db-bar");
    if (!g) return;
    const i = Number(g.getAttribute("data-index"));
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      locked[i] = !locked[i];
      drawBars();
      send({ lock: { index: i, locked: locked[i] } });
    } else if ((ev.key === "ArrowUp" || ev.key === "ArrowDown") && canEdit(i)) {
      ev.preventDefault();
      const step = Math.max(unit, Math.round(ymax / 50 / unit) * unit);
      const v = Math.min(Math.max(base[i] + (ev.key === "ArrowUp" ? step : -step), 0), cap());
      if (v !== base[i]) send({ edit: { index: i, value_cents: v } });
    }
  }

  svg.addEventListener("pointerdown", onDown);
  svg.addEventListener("pointermove", onMove);
  svg.addEventListener("pointerup", onUp);
  svg.addEventListener("pointercancel", onCancel);
  svg.addEventListener("keydown", onKey);
  let lastW = 0;
  const ro = new ResizeObserver(() => {
    const w = chart.clientWidth;
    if (w && w !== lastW && !drag) { lastW = w; render(); }
  });
  ro.observe(chart);
  render();

  return () => {
    ro.disconnect();
    svg.removeEventListener("pointerdown", onDown);
    svg.removeEventListener("pointermove", onMove);
    svg.removeEventListener("pointerup", onUp);
    svg.removeEventListener("pointercancel", onCancel);
    svg.removeEventListener("keydown", onKey);
  };
}
"""

_component = st.components.v2.component("sales_planner.drag_bars", html=HTML, css=CSS, js=JS)


def _noop() -> None:
    """Registering a callback is what makes the trigger appear on the result object."""


def drag_bars(
    labels: list[str],
    values_cents: list[int],
    locked: list[bool],
    *,
    total_cents: int,
    unit_cents: int,
    key: str,
    lang: str,
    height: int = 320,
    money_divisor: float = 10000.0,
    axis_title: str = "",
) -> DragResult | None:
    """Draw draggable bars (values in cents) and return the new gesture of this run, if any.

    The JS preview spreads a drag over the other unlocked bars like analysis.rebalance does, but
    only :func:`apply_drag` decides; call it on the result and rerun. Each event is returned once
    (its id is remembered in st.session_state). Labels and all text go to the browser as data and
    are set with ``textContent``, never parsed as HTML.
    """
    if not len(labels) == len(values_cents) == len(locked):
        raise ValueError("labels, values_cents and locked must have the same length")
    scale = _scale(money_divisor, lang)
    text = {
        "hint": t("drag.hint", lang),
        "locked": t("drag.locked", lang),
        "aria_hint": t("drag.aria_hint", lang),
    }
    data = {
        "labels": [str(x) for x in labels],
        "amounts": [int(v) for v in values_cents],  # not "values": ComponentResult is a dict
        "locked": [bool(x) for x in locked],
        "total": int(total_cents),
        "unit": int(unit_cents),
        "scale": [scale[0], scale[1], scale[2]],
        "height": int(height),
        "axis_title": axis_title,
        "header": t("drag.total", lang, total=_fmt(total_cents, scale)),
        "aria_chart": t("drag.aria_chart", lang),
        "text": text,
        # Changes after every handled event, so the browser re-renders (and drops its preview)
        # even when Python refused the edit and the values are unchanged.
        "ack": st.session_state.get(_seen_key(key), ""),
    }
    result = _component(
        key=key,
        data=data,
        height="content",
        on_drag_event_change=_noop,  # the trigger named EVENT_KEY
    )
    return take_event(result.get(EVENT_KEY), st.session_state, key, len(labels))
