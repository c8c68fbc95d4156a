// The coordinator's map on a <canvas> (fast for tens of thousands of clients; no tiles, no
// network): clients at home, placements coloured by type and sized by seats, a line from each
// placed client to their placement, municipality names at their clients' centre. Hover shows
// what is under the pointer; a click on a client asks for their explanation.

export const PALETTE = ["#0b57a4", "#c2410c", "#15803d", "#7c3aed", "#be185d", "#0e7490",
  "#a16207", "#4b5563"];
const UNPLACED = "#9a4a00";
const HELD = "#8a939e";

/** Colour of each type: placement types are data, so colours go by the sorted list of types. */
export function typeColours(types) {
  const out = {};
  [...new Set(types)].sort().forEach((type, i) => { out[type] = PALETTE[i % PALETTE.length]; });
  return out;
}

export function createMap(canvas, tip, { onClient, describe }) {
  let state = null;
  let hits = null;

  function project(data) {
    let [latMin, latMax, lonMin, lonMax] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const part of [data.clients, data.placements]) {
      part.lat.forEach((lat, i) => {
        latMin = Math.min(latMin, lat); latMax = Math.max(latMax, lat);
        lonMin = Math.min(lonMin, part.lon[i]); lonMax = Math.max(lonMax, part.lon[i]);
      });
    }
    if (latMax - latMin < 0.01) { latMin -= 0.05; latMax += 0.05; }
    if (lonMax - lonMin < 0.01) { lonMin -= 0.05; lonMax += 0.05; }
    const k = Math.cos((((latMin + latMax) / 2) * Math.PI) / 180);
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    const pad = 18;
    const sx = (w - 2 * pad) / ((lonMax - lonMin) * k);
    const sy = (h - 2 * pad) / (latMax - latMin);
    const s = Math.min(sx, sy);
    const ox = pad + (w - 2 * pad - (lonMax - lonMin) * k * s) / 2;
    const oy = pad + (h - 2 * pad - (latMax - latMin) * s) / 2;
    const xy = (lat, lon) => [ox + (lon - lonMin) * k * s, oy + (latMax - lat) * s];
    xy.pxPerKm = s / 111.2;
    return xy;
  }

  function scaleBar(ctx, pxPerKm, h) {
    const km = [1, 2, 5, 10, 20, 50, 100, 200].find((n) => n * pxPerKm >= 60) || 500;
    const w = km * pxPerKm;
    const x = 12;
    const y = h - 14;
    ctx.strokeStyle = "#1a1d21";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, y - 5); ctx.lineTo(x, y); ctx.lineTo(x + w, y); ctx.lineTo(x + w, y - 5);
    ctx.stroke();
    ctx.fillStyle = "#1a1d21";
    ctx.font = "12px system-ui, sans-serif";
    ctx.textAlign = "left";
    ctx.fillText(`${km} km`, x + w + 6, y + 1);
  }

  function draw() {
    if (!state) return;
    const { data, assigned, colours, focus } = state;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const C = data.clients;
    const P = data.placements;
    if (!C.id.length && !P.id.length) return;
    const xy = project(data);
    const cxy = C.id.map((_, i) => xy(C.lat[i], C.lon[i]));
    const pxy = P.id.map((_, i) => xy(P.lat[i], P.lon[i]));
    const pIndex = new Map(P.id.map((id, i) => [id, i]));

    // municipality names at the centre of their clients (the ten largest)
    const centres = new Map();
    C.municipality.forEach((m, i) => {
      const c = centres.get(m) || { x: 0, y: 0, n: 0 };
      c.x += cxy[i][0]; c.y += cxy[i][1]; c.n += 1;
      centres.set(m, c);
    });
    ctx.font = "600 12px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.fillStyle = "rgba(45, 52, 62, 0.8)";
    ctx.strokeStyle = "rgba(255, 255, 255, 0.9)";
    ctx.lineWidth = 3;
    ctx.lineJoin = "round";
    [...centres.entries()].sort((a, b) => b[1].n - a[1].n).slice(0, 10).forEach(([m, c]) => {
      ctx.strokeText(m, c.x / c.n, c.y / c.n - 10);
      ctx.fillText(m, c.x / c.n, c.y / c.n - 10);
    });

    // assignment lines
    let lines = 0;
    ctx.lineWidth = 1.3;
    C.id.forEach((id, i) => {
      const p = pIndex.get(assigned.get(id));
      if (p === undefined) return;
      ctx.strokeStyle = `${colours[P.type[p]]}b0`;
      ctx.beginPath();
      ctx.moveTo(cxy[i][0], cxy[i][1]);
      ctx.lineTo(pxy[p][0], pxy[p][1]);
      ctx.stroke();
      lines += 1;
    });

    // clients: held (already in a placement) grey, placed now blue, left in the queue a ring
    let placed = 0;
    let left = 0;
    C.id.forEach((id, i) => {
      const [x, y] = cxy[i];
      ctx.beginPath();
      if (!C.queue[i]) {
        ctx.fillStyle = HELD;
        ctx.arc(x, y, 1.8, 0, 2 * Math.PI);
        ctx.fill();
      } else if (assigned.has(id)) {
        ctx.fillStyle = PALETTE[0];
        ctx.arc(x, y, 2.8, 0, 2 * Math.PI);
        ctx.fill();
        placed += 1;
      } else {
        ctx.strokeStyle = UNPLACED;
        ctx.lineWidth = 1.3;
        ctx.arc(x, y, 2.8, 0, 2 * Math.PI);
        ctx.stroke();
        left += 1;
      }
    });

    // placements: squares sized by seats
    P.id.forEach((_, i) => {
      const r = 3.5 + Math.sqrt(Math.max(P.seats[i], 0)) * 1.6;
      const [x, y] = pxy[i];
      ctx.fillStyle = colours[P.type[i]];
      ctx.strokeStyle = "#fff";
      ctx.lineWidth = 1.2;
      ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
      ctx.strokeRect(x - r, y - r, 2 * r, 2 * r);
    });

    // the client being explained
    const f = focus ? C.id.indexOf(focus) : -1;
    if (f >= 0) {
      const [x, y] = cxy[f];
      const p = pIndex.get(assigned.get(focus));
      if (p !== undefined) {
        ctx.strokeStyle = "#1a1d21";
        ctx.lineWidth = 2.5;
        ctx.beginPath();
        ctx.moveTo(x, y);
        ctx.lineTo(pxy[p][0], pxy[p][1]);
        ctx.stroke();
      }
      ctx.strokeStyle = "#1a1d21";
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.arc(x, y, 8, 0, 2 * Math.PI);
      ctx.stroke();
    }
    scaleBar(ctx, xy.pxPerKm, h);
    hits = { cxy, pxy };
    Object.assign(canvas.dataset, {
      clients: String(C.id.length), placements: String(P.id.length), lines: String(lines),
      placed: String(placed), left: String(left), focus: focus || "",
    });
    canvas.setAttribute("aria-label", describe({ clients: C.id.length, placements: P.id.length,
      placed, left }));
  }

  function nearest(mx, my) {
    if (!hits || !state) return null;
    let best = null;
    let bestD = 64; // 8 px
    hits.pxy.forEach(([x, y], i) => {
      const d = (x - mx) ** 2 + (y - my) ** 2;
      if (d < bestD) { bestD = d; best = { kind: "placement", i }; }
    });
    if (best) return best;
    hits.cxy.forEach(([x, y], i) => {
      const d = (x - mx) ** 2 + (y - my) ** 2;
      if (d < bestD) { bestD = d; best = { kind: "client", i }; }
    });
    return best;
  }

  canvas.addEventListener("mousemove", (ev) => {
    const rect = canvas.getBoundingClientRect();
    const hit = nearest(ev.clientX - rect.left, ev.clientY - rect.top);
    if (!hit) { tip.hidden = true; return; }
    tip.textContent = state.tooltip(hit);
    tip.hidden = false;
    const x = ev.clientX - rect.left + 12;
    tip.style.left = `${Math.min(x, canvas.clientWidth - tip.offsetWidth - 4)}px`;
    tip.style.top = `${ev.clientY - rect.top + 14}px`;
  });
  canvas.addEventListener("mouseleave", () => { tip.hidden = true; });
  canvas.addEventListener("click", (ev) => {
    const rect = canvas.getBoundingClientRect();
    const hit = nearest(ev.clientX - rect.left, ev.clientY - rect.top);
    if (hit && hit.kind === "client") onClient(state.data.clients.id[hit.i]);
  });
  new ResizeObserver(() => draw()).observe(canvas);

  return {
    /** Draw `data` (GET /instances/{id}/map) with `assigned` (Map client → placement). */
    show(data, assigned, tooltip) {
      const colours = typeColours(data.placements.type);
      state = { data, assigned, colours, focus: state?.focus ?? null, tooltip };
      draw();
      return colours;
    },
    focus(clientId) {
      if (!state) return;
      state.focus = clientId;
      draw();
    },
    redraw: draw,
  };
}
