// SVG charts drawn from plain numbers: a line chart (objective and bound over time), horizontal
// "bullet" bars (a value against its reference: placed vs queue, used vs budget), vertical
// histogram bars. Each chart is an <svg role="img"> with an aria-label summarising it, and
// values printed beside the bars so nothing is read from colour alone.

import { num } from "./i18n.js";
import { clear, el, svg } from "./ui.js";

const W = 420;

function niceTicks(lo, hi, count = 4) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(v);
  return ticks;
}

/** Objective and bound over elapsed seconds. `series` = [{points: [[x, y]…], cls, label}]. */
export function lineChart(host, series, { ariaLabel, xLabel, empty }) {
  clear(host);
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p[1]));
  if (!all.length) {
    host.append(el("p", { class: "empty" }, empty));
    return;
  }
  const H = 220;
  const m = { l: 62, r: 10, t: 10, b: 34 };
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x0 = 0;
  const x1 = Math.max(...xs, 0.5);
  let y0 = Math.min(...ys);
  let y1 = Math.max(...ys);
  const pad = (y1 - y0) * 0.08 || Math.abs(y1) * 0.05 || 1;
  y0 -= pad;
  y1 += pad;
  const sx = (x) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (y) => m.t + (1 - (y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": ariaLabel });
  root.append(svg("title", {}, ariaLabel));
  const axis = svg("g", { class: "axis" });
  for (const v of niceTicks(y0, y1)) {
    root.append(svg("line", { class: "grid-line", x1: m.l, x2: W - m.r, y1: sy(v), y2: sy(v) }));
    axis.append(svg("text", { x: m.l - 6, y: sy(v) + 4, "text-anchor": "end" }, num(v)));
  }
  for (const v of niceTicks(x0, x1, 5)) {
    axis.append(svg("line", { x1: sx(v), x2: sx(v), y1: H - m.b, y2: H - m.b + 4 }));
    axis.append(svg("text", { x: sx(v), y: H - m.b + 16, "text-anchor": "middle" }, num(v, 1)));
  }
  axis.append(svg("line", { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }));
  axis.append(svg("line", { x1: m.l, x2: m.l, y1: m.t, y2: H - m.b }));
  axis.append(svg("text", { x: (m.l + W - m.r) / 2, y: H - 4, "text-anchor": "middle",
    class: "muted" }, xLabel));
  root.append(axis);
  for (const s of series) {
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (!pts.length) continue;
    // a step line: the value holds until the next report
    let d = `M${sx(pts[0][0]).toFixed(1)},${sy(pts[0][1]).toFixed(1)}`;
    for (let i = 1; i < pts.length; i += 1) {
      d += ` H${sx(pts[i][0]).toFixed(1)} V${sy(pts[i][1]).toFixed(1)}`;
    }
    d += ` H${sx(x1).toFixed(1)}`;
    root.append(svg("path", { d, class: s.cls, "data-points": pts.length }));
    if (s.dots) {
      for (const p of pts) {
        root.append(svg("circle", { cx: sx(p[0]), cy: sy(p[1]), r: 2.6, class: s.dots }));
      }
    }
  }
  host.append(root);
}

/** Horizontal bars: each row {label, value, ref, text, cls, marker, target}; bar lengths share
 *  one scale (the largest ref or value) unless `ownScale`, where each row is value/ref. */
export function bulletBars(host, rows, { ariaLabel, empty, ownScale = false, labelWidth = 120,
  textWidth = 92 }) {
  clear(host);
  if (!rows.length) {
    host.append(el("p", { class: "empty" }, empty));
    return;
  }
  const rowH = 22;
  const H = rows.length * rowH + 6;
  const textW = textWidth;
  const barX = labelWidth + 6;
  const barW = W - barX - textW;
  const max = ownScale ? 1 : Math.max(1e-9, ...rows.map((r) => Math.max(r.ref ?? 0, r.value)));
  const scale = (r, v) => (ownScale ? (r.ref > 0 ? v / r.ref : 0) : v / max);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": ariaLabel });
  root.append(svg("title", {}, ariaLabel));
  rows.forEach((r, i) => {
    const y = 3 + i * rowH;
    const g = svg("g", { class: "bar-row", "data-label": r.label, "data-value": r.value });
    const fit = Math.floor(labelWidth / 6.9);
    const name = r.label.length > fit ? `${r.label.slice(0, fit - 1)}…` : r.label;
    g.append(svg("text", { x: labelWidth, y: y + 14, "text-anchor": "end" }, name,
      svg("title", {}, r.title || r.label)));
    if (r.ref !== undefined && r.ref !== null) {
      const refW = ownScale ? barW : barW * Math.min(1, scale(r, r.ref));
      g.append(svg("rect", { x: barX, y: y + 2, width: Math.max(refW, 1), height: rowH - 6,
        class: "bar-ref", rx: 2 }));
    }
    const valW = barW * Math.min(1, Math.max(0, scale(r, r.value)));
    g.append(svg("rect", { x: barX, y: y + 5, width: Math.max(valW, r.value > 0 ? 2 : 0),
      height: rowH - 12, class: `bar-val ${r.cls || ""}`, rx: 1 }));
    if (r.marker !== undefined && r.marker !== null) {
      const mx = barX + barW * Math.min(1, r.marker);
      g.append(svg("line", { x1: mx, x2: mx, y1: y, y2: y + rowH - 2, class: "marker" }));
    }
    if (r.target !== undefined && r.target !== null) {
      const tx = barX + barW * Math.min(1, r.target);
      g.append(svg("line", { x1: tx, x2: tx, y1: y, y2: y + rowH - 2, class: "target" }));
    }
    g.append(svg("text", { x: W - 2, y: y + 14, "text-anchor": "end" }, r.text));
    root.append(g);
  });
  host.append(root);
}

/** Vertical bars with a label under each: rows {label, value}. */
export function columns(host, rows, { ariaLabel, empty, unit = "" }) {
  clear(host);
  const total = rows.reduce((s, r) => s + r.value, 0);
  if (!rows.length || total === 0) {
    host.append(el("p", { class: "empty" }, empty));
    return;
  }
  const H = 190;
  const m = { l: 8, r: 8, t: 18, b: 36 };
  const slot = (W - m.l - m.r) / rows.length;
  const max = Math.max(...rows.map((r) => r.value), 1);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": ariaLabel });
  root.append(svg("title", {}, ariaLabel));
  rows.forEach((r, i) => {
    const h = ((H - m.t - m.b) * r.value) / max;
    const x = m.l + i * slot + slot * 0.15;
    const y = H - m.b - h;
    const g = svg("g", { class: "col", "data-label": r.label, "data-value": r.value });
    g.append(svg("rect", { x, y, width: slot * 0.7, height: Math.max(h, r.value ? 1 : 0),
      class: "hist", rx: 2 }));
    g.append(svg("text", { x: x + slot * 0.35, y: y - 4, "text-anchor": "middle" }, num(r.value)));
    g.append(svg("text", { x: x + slot * 0.35, y: H - m.b + 15, "text-anchor": "middle",
      class: "muted" }, r.label));
    root.append(g);
  });
  root.append(svg("line", { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b,
    stroke: "#7b8594" }));
  if (unit) {
    root.append(svg("text", { x: W / 2, y: H - 4, "text-anchor": "middle", class: "muted" }, unit));
  }
  host.append(root);
}
