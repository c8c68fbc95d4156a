// The coordinator's page: pick or upload a week, start a run and watch it converge, read the
// figures (placed by type and municipality, pools, commutes, fairness, map), the unassigned with
// reasons and any client's explanation, pin or forbid pairs, re-run, publish.

import { ApiError, api } from "./api.js";
import { bulletBars, columns, lineChart } from "./charts.js";
import { currentLang, dateTime, eur, label, num, pct, shortTime, t } from "./i18n.js";
import { loadLifecycle, loadOutcomeSummary, renderLifecycle, renderOutcomeSummary }
  from "./lifecycle.js";
import { createMap } from "./map.js";
import { $, badge, boot, clear, el, loadQueue, message, problemLines, showError, table }
  from "./ui.js";

const POLL_MS = 500;
const UNASSIGNED_ROWS = 150;
const ACTIVE = ["queued", "running"];

const S = {
  me: null,
  instances: [],
  instance: null,
  runs: [],
  runId: null, // the chosen run, at once; S.run is the loaded one
  run: null,
  alloc: null,
  mapData: null,
  decisions: [],
  live: [],
  poller: null,
  client: null,
  life: null, // issue 17: the week's placements in progress, ended ones, outcomes
  lifeSummary: null,
  lifeState: { open: null },
};

let map;

// ------------------------------------------------------------------ loading

// Loads run one after another, and one whose week or run is no longer the chosen one neither
// writes S nor renders: choosing another week or run while the last one still loads must never
// leave the panels showing the earlier run's results under the newly chosen one's name. The
// choice is made at once (S.instance, S.runId); S.run and the rest follow when loaded.
const queued = loadQueue();

function isChosen(instanceId, runId) {
  return S.instance?.id === instanceId && S.runId === runId;
}

async function loadInstances(selectId, runId) {
  S.instances = await api("/instances");
  S.instances.sort((a, b) => b.id - a.id);
  const select = clear($("#instance"));
  if (!S.instances.length) {
    select.append(el("option", { value: "" }, t("coord.no_weeks")));
    await selectInstance(null);
    return;
  }
  for (const inst of S.instances) {
    select.append(el("option", { value: inst.id }, instanceText(inst)));
  }
  const chosen = S.instances.find((i) => i.id === Number(selectId)) || S.instances[0];
  select.value = String(chosen.id);
  await selectInstance(chosen.id, runId);
}

function instanceText(inst) {
  const published = inst.published_run ? ` · ${t("coord.published")}` : "";
  return `${inst.name}${published}`;
}

/** Choose week `id` (and its run `runId`, else its newest) and load it. */
function selectInstance(id, runId) {
  stopPolling();
  S.instance = S.instances.find((i) => i.id === Number(id)) || null;
  S.runId = null;
  S.alloc = null;
  S.client = null;
  clear($("#client-view"));
  return queued(() => loadInstance(runId));
}

async function loadInstance(runId) {
  const instance = S.instance?.id;
  if (instance === undefined) {
    S.runId = fillRuns([]);
    await loadRun();
    return;
  }
  const [runs, mapData] = await Promise.all([
    api(`/instances/${instance}/runs`),
    api(`/instances/${instance}/map`),
  ]);
  if (S.instance?.id !== instance) return; // another week was chosen meanwhile: its load is queued
  S.mapData = mapData;
  fillDatalist("#client-ids", mapData.clients.id.filter((_, i) => mapData.clients.queue[i]));
  fillDatalist("#placement-ids", mapData.placements.id);
  S.runId = fillRuns(runs, runId);
  await loadRun();
}

function fillDatalist(selector, ids) {
  const list = clear($(selector));
  for (const id of ids.slice(0, 5000)) list.append(el("option", { value: id }));
}

/** List the week's runs in the run choice; the id of run `runId` if listed, else the newest's
 *  (null without runs). */
function fillRuns(runs, runId) {
  S.runs = [...runs].sort((a, b) => b.id - a.id);
  const select = clear($("#run"));
  if (!S.runs.length) {
    select.append(el("option", { value: "" }, t("coord.no_runs")));
    return null;
  }
  for (const run of S.runs) select.append(el("option", { value: run.id }, runText(run)));
  const chosen = S.runs.find((r) => r.id === Number(runId)) || S.runs[0];
  select.value = String(chosen.id);
  return chosen.id;
}

function runText(run) {
  const when = shortTime(run.created_at);
  const mark = run.published ? ` · ${t("coord.published")}` : "";
  return `#${run.id} · ${t(`status.${run.status}`)} · ${when}${mark}`;
}

/** Choose run `id` of the chosen week and load it. */
function selectRun(id) {
  stopPolling();
  S.runId = Number(id) || null;
  return queued(loadRun);
}

async function loadRun() {
  const instance = S.instance?.id;
  const id = S.runId;
  if (id === null) {
    S.run = null;
    S.alloc = null;
    S.live = [];
    renderAll();
    return;
  }
  const run = await api(`/runs/${id}`);
  if (!isChosen(instance, id)) return; // another week or run was chosen meanwhile
  S.run = run;
  S.alloc = null;
  S.live = [];
  if (ACTIVE.includes(run.status)) {
    renderAll();
    startPolling();
    return;
  }
  if (run.status === "done" && run.request.kind === "shortlist") {
    await loadShortlist(instance, run);
  } else if (run.status === "done") {
    await loadResults(instance, run);
  } else {
    renderAll();
    if (run.error) message(t("coord.run_failed", { detail: run.error }), "error");
  }
}

/** A finished shortlist run: its decisions and the week's lifecycle (no allocation). */
async function loadShortlist(instance, run) {
  const [decisions, [life, lifeSummary]] = await Promise.all([
    api(`/runs/${run.id}/decisions`), fetchLife(instance, run.id),
  ]);
  if (!isChosen(instance, run.id)) return;
  S.decisions = decisions;
  [S.life, S.lifeSummary] = [life, lifeSummary];
  renderAll();
  message(t("coord.shortlist_done", { id: run.id }), "ok");
}

async function loadResults(instance, run) {
  const [alloc, decisions, mapData, summary, left, [life, lifeSummary]] = await Promise.all([
    api(`/runs/${run.id}/allocation`),
    api(`/runs/${run.id}/decisions`),
    api(`/instances/${instance}/map`),
    api(`/runs/${run.id}/summary`),
    api(`/runs/${run.id}/unassigned?lang=${currentLang()}`),
    fetchLife(instance, run.id),
  ]);
  if (!isChosen(instance, run.id)) return;
  [S.life, S.lifeSummary] = [life, lifeSummary];
  S.alloc = { ...alloc, unassigned: left.unassigned };
  S.period = summary.period;
  S.decisions = decisions;
  S.mapData = mapData;
  renderAll();
  if (S.client) await explainClient(S.client.client_id, false);
}

function fetchLife(instance, runId) {
  return Promise.all([loadLifecycle(runId), loadOutcomeSummary(instance)]);
}

function reloadLife() {
  return queued(async () => {
    if (!S.run) return;
    const instance = S.instance?.id;
    const id = S.run.id;
    const [life, lifeSummary] = await fetchLife(instance, id);
    if (!isChosen(instance, id)) return;
    [S.life, S.lifeSummary] = [life, lifeSummary];
    renderLife();
  });
}

function renderLife() {
  const done = Boolean(S.run && S.run.status === "done");
  renderLifecycle($("#lifecycle-panel"), done ? S.life : null, { runId: S.run?.id,
    week: S.instance?.week || "", state: S.lifeState, after: reloadLife, rerender: renderLife });
  renderOutcomeSummary($("#outcome-summary"), done ? S.lifeSummary : null);
}

/** The reasons in the page's language (the allocation stores them in English). */
function reloadReasons() {
  return queued(async () => {
    if (!S.run || S.run.status !== "done" || !S.alloc) return;
    const instance = S.instance?.id;
    const id = S.run.id;
    const left = await api(`/runs/${id}/unassigned?lang=${currentLang()}`);
    if (!isChosen(instance, id)) return;
    S.alloc = { ...S.alloc, unassigned: left.unassigned };
    renderAll();
    if (S.client) await explainClient(S.client.client_id, false);
  });
}

// ------------------------------------------------------------------ polling a run

function startPolling() {
  stopPolling();
  S.poller = setInterval(pollOnce, POLL_MS);
  pollOnce();
}

function stopPolling() {
  if (S.poller) clearInterval(S.poller);
  S.poller = null;
}

let polling = false;

function pollOnce() {
  if (polling) return;
  polling = true;
  queued(pollRun).finally(() => {
    polling = false;
  });
}

async function pollRun() {
  const instance = S.instance?.id;
  const id = S.runId;
  if (!S.run || S.run.id !== id) return; // the chosen run is not loaded yet: its load polls
  try {
    const run = await api(`/runs/${id}`);
    if (!isChosen(instance, id)) return;
    S.run = run;
    const p = run.progress;
    if (p && Number.isFinite(p.elapsed) && p.objective !== null && p.objective !== undefined) {
      const last = S.live[S.live.length - 1];
      if (!last || last.elapsed !== p.elapsed) S.live.push({ ...p });
    }
    renderProgress();
    renderButtons();
    renderKpis();
    if (!ACTIVE.includes(run.status)) {
      stopPolling();
      const runs = await api(`/instances/${instance}/runs`);
      if (!isChosen(instance, id)) return;
      fillRuns(runs, id);
      if (run.status === "done" && run.request.kind === "shortlist") {
        await loadShortlist(instance, run);
      } else if (run.status === "done") {
        message(t("coord.run_done", { id: run.id }), "ok");
        await loadResults(instance, run);
      } else {
        renderAll();
        message(t("coord.run_ended", { id: run.id, status: t(`status.${run.status}`) }),
          run.status === "failed" ? "error" : "info");
      }
    }
  } catch (err) {
    if (!isChosen(instance, id)) return;
    stopPolling();
    showError(err);
  }
}

// ------------------------------------------------------------------ rendering

function renderAll() {
  renderButtons();
  renderKpis();
  renderProgress();
  renderMap();
  renderTypes();
  renderMunicipalities();
  renderPools();
  renderPeriod();
  renderCommute();
  renderFairness();
  renderUnassigned();
  renderDecisions();
  renderLife();
}

function renderButtons() {
  const run = S.run;
  const closed = Boolean(S.instance && S.instance.published_run) || Boolean(run && run.published)
    || S.runs.some((r) => r.published);
  const active = Boolean(run && ACTIVE.includes(run.status));
  const runBtn = $("#run-btn");
  runBtn.disabled = !S.instance || closed || active;
  runBtn.textContent = S.runs.length ? t("coord.rerun") : t("coord.start_run");
  $("#cancel-btn").hidden = !active;
  $("#publish-btn").disabled = !(run && run.status === "done" && !closed
    && run.request?.kind !== "shortlist");
  $("#publish-btn").textContent = run && run.published ? t("coord.is_published")
    : t("coord.publish");
  $("#next-week-btn").hidden = !(run && run.published);
  $("#decision-btn").disabled = !(run && run.status === "done" && !closed);
}

function setKpi(id, main, small) {
  const dd = clear($(`#kpi-${id}`));
  dd.append(main);
  if (small) dd.append(" ", el("small", {}, small));
}

function renderKpis() {
  const a = S.alloc;
  const s = a && a.summary;
  if (!s) {
    for (const id of ["placed", "seats", "status", "objective", "gap", "seconds", "liability",
      "cost"]) setKpi(id, "–");
    if (S.run && ACTIVE.includes(S.run.status)) setKpi("status", t(`status.${S.run.status}`));
    return;
  }
  setKpi("placed", num(s.placed), `/ ${num(s.queue)}`);
  setKpi("seats", num(s.placed), `/ ${num(s.free_seats)}`);
  setKpi("status", label("solver", a.status));
  setKpi("objective", num(a.objective), a.bound !== null && a.bound !== undefined
    ? `≤ ${num(a.bound)}` : "");
  setKpi("gap", a.gap === null || a.gap === undefined ? "–" : pct(a.gap, 2));
  setKpi("seconds", `${num(a.solve_seconds, 1)} s`);
  setKpi("liability", eur(s.liability_saved_per_week));
  setKpi("cost", eur(s.total_cost));
}

function progressPoints() {
  const history = S.alloc?.solver?.history;
  if (history && history.length) return history;
  return S.live;
}

function renderProgress() {
  const points = progressPoints();
  lineChart($("#chart-progress"), [
    { points: points.map((p) => [p.elapsed, p.bound ?? NaN]), cls: "series-bound" },
    { points: points.map((p) => [p.elapsed, p.objective ?? NaN]), cls: "series-objective",
      dots: "dot-objective" },
  ], {
    ariaLabel: t("chart.progress_aria", { n: points.length }),
    xLabel: t("chart.seconds"),
    empty: S.run && ACTIVE.includes(S.run.status) ? t("coord.waiting_progress")
      : t("coord.no_results"),
  });
  const text = $("#progress-text");
  const run = S.run;
  if (!run) { text.textContent = ""; return; }
  const p = run.progress || {};
  const bits = [t(`status.${run.status}`)];
  if (run.status === "queued" && run.queue_position) {
    bits.push(t("coord.queue_position", { n: run.queue_position }));
  }
  if (p.phase) bits.push(`${t("coord.phase")}: ${label("phase", p.phase)}`);
  if (Number.isFinite(p.elapsed)) {
    bits.push(`${num(p.elapsed, 1)} / ${num(p.time_limit ?? run.request.time_limit, 0)} s`);
  }
  if (Number.isFinite(p.gap)) bits.push(`${t("kpi.gap")} ${pct(p.gap, 2)}`);
  text.textContent = bits.join(" · ");
}

function renderMap() {
  const legend = clear($("#map-legend"));
  if (!S.mapData) return;
  const assigned = new Map((S.alloc?.assignments || []).map((a) => [a.client_id, a.placement_id]));
  const data = S.mapData;
  const pIndex = new Map(data.placements.id.map((id, i) => [id, i]));
  const tooltip = (hit) => {
    if (hit.kind === "placement") {
      const P = data.placements;
      return `${P.id[hit.i]} · ${label("type", P.type[hit.i])} · ${P.municipality[hit.i]} · `
        + t("map.seats", { n: P.seats[hit.i] });
    }
    const C = data.clients;
    const id = C.id[hit.i];
    const got = assigned.get(id);
    const where = !C.queue[hit.i] ? t("map.held") : got
      ? `→ ${got} (${label("type", data.placements.type[pIndex.get(got)])})` : t("map.left");
    return `${id} · ${C.municipality[hit.i]} · ${where}`;
  };
  const colours = map.show(data, assigned, tooltip);
  legend.append(
    el("span", {}, el("span", { class: "sw dot" }), t("map.placed")),
    el("span", {}, el("span", { class: "sw ring" }), t("map.left")),
    el("span", {}, el("span", { class: "sw grey" }), t("map.held")),
  );
  for (const [type, colour] of Object.entries(colours)) {
    const sw = el("span", { class: "sw" });
    sw.style.background = colour;
    legend.append(el("span", {}, sw, label("type", type)));
  }
}

function renderTypes() {
  const s = S.alloc?.summary;
  const rows = s ? Object.entries(s.by_type).map(([type, v]) => ({
    label: label("type", type), value: v.placed, ref: v.seats,
    text: `${num(v.placed)} / ${num(v.seats)}`,
  })) : [];
  bulletBars($("#chart-types"), rows, {
    ariaLabel: t("coord.by_type"), empty: t("coord.no_results"), labelWidth: 150,
  });
}

function renderMunicipalities() {
  const s = S.alloc?.summary;
  const rows = s ? Object.entries(s.by_municipality)
    .sort((a, b) => b[1].queue - a[1].queue || a[0].localeCompare(b[0]))
    .map(([m, v]) => ({
      label: m, value: v.placed, ref: v.queue,
      text: `${num(v.placed)} / ${num(v.queue)}`,
    })) : [];
  bulletBars($("#chart-munis"), rows, {
    ariaLabel: t("coord.by_municipality"), empty: t("coord.no_results"),
  });
}

function renderPools() {
  const pools = S.alloc?.summary?.pools || [];
  const rows = pools.map((p) => {
    const share = p.budget > 0 ? p.used / p.budget : 0;
    return {
      label: p.pool_id, title: `${p.pool_id}: ${eur(p.used)} / ${eur(p.budget)}`,
      value: p.used, ref: p.budget, cls: share > 0.98 ? "bad" : share > 0.9 ? "warn" : "",
      text: `${pct(share)} · ${eur(p.budget)}`,
    };
  });
  bulletBars($("#chart-pools"), rows, {
    ariaLabel: t("coord.pools"), empty: t("coord.no_results"), ownScale: true, labelWidth: 168,
  });
}

// The period view (issue 16): the price used per pool and the spending curve against the plan.
function renderPeriod() {
  const p = S.alloc ? S.period : null;
  $("#card-period").hidden = !p || !p.pools;
  if (!p || !p.pools) return;
  const curve = p.curve || [];
  lineChart($("#chart-period"), [
    { points: curve.map((c, i) => [i + 1, c.plan ?? NaN]), cls: "series-bound" },
    { points: curve.map((c, i) => [i + 1, c.spent]), cls: "series-objective", dots: "dot-objective" },
  ], { ariaLabel: t("coord.period"), xLabel: t("coord.period_weeks"), empty: t("coord.no_results") });
  const rows = p.pools.map((q) => [q.pool_id, String(q.price_per_eur), eur(q.spent_before),
    eur(q.used_this_week), eur(q.left_after)]);
  const host = $("#period-pools");
  clear(host);
  host.append(table(null, [t("coord.pools"), t("coord.period_price"), t("coord.period_spent"),
    t("coord.period_week"), t("coord.period_left")], rows, { numeric: [1, 2, 3, 4] }));
}

function renderCommute() {
  const c = S.alloc?.summary?.commute;
  const rows = c ? c.histogram.map((h) => ({ label: h.range_min, value: h.count })) : [];
  columns($("#chart-commute"), rows, {
    ariaLabel: t("coord.commute"), empty: t("coord.no_results"), unit: t("chart.minutes"),
  });
  $("#commute-text").textContent = c && c.mean_min !== null
    ? t("coord.commute_text", { mean: num(c.mean_min, 1), max: num(c.max_min, 1) }) : "";
}

function renderFairness() {
  const a = S.alloc;
  const s = a?.summary;
  const units = new Map((a?.fairness?.units || []).map((u) => [u.unit, u]));
  const overall = s && s.queue ? s.placed / s.queue : 0;
  const rows = s ? Object.entries(s.by_group).map(([g, v]) => {
    const rate = v.queue ? v.placed / v.queue : 0;
    const unit = units.get(`group:${g}`);
    return {
      label: label("group", g), value: rate, ref: 1, marker: overall,
      target: unit && v.queue ? unit.target / v.queue : null,
      cls: unit && unit.shortfall > 0 ? "bad" : "",
      text: `${num(v.placed)} / ${num(v.queue)} · ${pct(rate)}`,
    };
  }) : [];
  bulletBars($("#chart-fairness"), rows, {
    ariaLabel: t("coord.fairness"), empty: t("coord.no_results"), ownScale: true,
    labelWidth: 140, textWidth: 108,
  });
  $("#legend-target").hidden = !units.size;
  const floor = a?.fairness?.floor;
  $("#fairness-text").textContent = s
    ? t("coord.fairness_text", { rate: pct(overall), floor: floor ? pct(floor) : t("coord.off"),
      penalty: num(a.fairness?.penalty ?? 0) }) : "";
}

function renderUnassigned() {
  const host = clear($("#unassigned-table"));
  const all = S.alloc?.unassigned || [];
  const query = $("#unassigned-filter").value.trim().toLowerCase();
  const rows = query ? all.filter((u) => u.client_id.toLowerCase().includes(query)
    || u.reasons.some((r) => r.toLowerCase().includes(query))) : all;
  $("#unassigned-count").textContent = S.alloc
    ? t("coord.unassigned_count", { shown: num(Math.min(rows.length, UNASSIGNED_ROWS)),
      n: num(rows.length), total: num(all.length) }) : "";
  if (!S.alloc) {
    host.append(el("p", { class: "empty" }, t("coord.no_results")));
    return;
  }
  const body = rows.slice(0, UNASSIGNED_ROWS).map((u) => [
    el("button", { type: "button", class: "link", onclick: () => explainClient(u.client_id),
      "aria-label": t("coord.explain_client", { id: u.client_id }) }, u.client_id),
    reasonsCell(u.reasons),
  ]);
  host.append(table(null, [t("coord.client_id"), t("coord.reasons")], body));
}

function reasonsCell(reasons) {
  if (!reasons.length) return "–";
  if (reasons.length === 1) return reasons[0];
  return el("div", {}, reasons[0], el("details", {},
    el("summary", {}, t("coord.more_reasons", { n: reasons.length - 1 })),
    el("ul", { class: "reasons" }, reasons.slice(1).map((r) => el("li", {}, r)))));
}

function renderDecisions() {
  const host = clear($("#decisions-table"));
  if (!S.run || S.run.status !== "done") {
    host.append(el("p", { class: "empty" }, t("coord.no_results")));
    return;
  }
  if (!S.decisions.length) {
    host.append(el("p", { class: "empty" }, t("coord.no_decisions")));
    return;
  }
  const rows = [...S.decisions].reverse().map((d) => [
    dateTime(d.at), d.client_id, d.placement_id, d.provider_id,
    badge(d.effect, t(`effect.${d.effect}`)), d.reason || "–", d.by, `#${d.run_id}`,
  ]);
  host.append(table(null, [t("col.at"), t("col.client"), t("col.placement"), t("col.provider"),
    t("col.decision"), t("col.reason"), t("col.by"), t("col.run")], rows));
}

// ------------------------------------------------------------------ one client

async function explainClient(clientId, scroll = true) {
  if (!S.run || S.run.status !== "done") {
    message(t("coord.need_done_run"), "error");
    return;
  }
  $("#client-search").value = clientId;
  const instance = S.instance?.id;
  const id = S.run.id;
  try {
    const client = await api(
      `/runs/${id}/clients/${encodeURIComponent(clientId)}?lang=${currentLang()}`);
    if (!isChosen(instance, id)) return;
    S.client = client;
  } catch (err) {
    if (!isChosen(instance, id)) return;
    if (err instanceof ApiError && err.status === 404) {
      S.client = null;
      const view = clear($("#client-view"));
      view.append(el("p", { class: "msg error" }, t("coord.no_client", { id: clientId })));
      return;
    }
    showError(err);
    return;
  }
  renderClient();
  map.focus(clientId);
  if (scroll) {  // asked for by the user (not a refresh): the decision form follows
    $("#d-client").value = clientId;
    $("#card-client").scrollIntoView({ block: "start", behavior: "smooth" });
  }
}

function prefillDecision(clientId, placementId, action) {
  $("#d-client").value = clientId;
  $("#d-placement").value = placementId;
  $(action === "reject" ? "#d-forbid" : "#d-pin").checked = true;
  $("#d-reason").focus();
}

function renderClient() {
  const view = clear($("#client-view"));
  const c = S.client;
  if (!c) return;
  const x = c.explanation || {};
  const f = x.facts || {};
  const head = c.state === "assigned"
    ? t("coord.state_assigned", { id: c.client_id, placement: x.assignment?.placement
      ?? c.assignment?.placement_id })
    : c.state === "in_current_placement" ? t("coord.state_current", { id: c.client_id })
      : t("coord.state_unassigned", { id: c.client_id });
  view.append(el("p", { class: `outcome ${c.state}`, id: "client-outcome" }, head));

  const left = el("div", {});
  const right = el("div", {});
  const below = el("div", {});
  view.append(el("div", { class: "split" }, left, right), below);

  const facts = [
    ["fact.municipality", f.municipality], ["fact.age", f.age],
    ["fact.benefit_days", num(f.benefit_days)], ["fact.unemployed_months", f.unemployed_months],
    ["fact.work_ability", f.work_ability],
    ["fact.partial", f.partial_work_ability ? t("common.yes") : t("common.no")],
    ["fact.languages", (f.languages || []).join(", ")], ["fact.needs", (f.needs || []).join(", ")],
    ["fact.transport", f.transport ? label("transport", f.transport) : "–"],
    ["fact.max_commute", f.max_commute_min !== undefined ? `${f.max_commute_min} min` : "–"],
    ["fact.consents", (f.consents || []).map((k) => label("type", k)).join(", ")],
    ["fact.groups", (f.groups || []).map((g) => label("group", g)).join(", ")],
    ["fact.priority", num(f.priority)],
  ];
  left.append(el("h3", {}, t("coord.facts")), el("dl", { class: "facts" },
    facts.map(([k, v]) => [el("dt", {}, t(k)), el("dd", {}, v === "" || v === undefined
      || v === null ? "–" : String(v))])));

  if (x.assignment) {
    const a = x.assignment;
    const score = Object.entries(a.score || {}).map(([k, v]) => `${label("score", k)} ${num(v)}`);
    right.append(el("h3", {}, t("coord.assignment")), el("dl", { class: "facts" },
      el("dt", {}, t("col.placement")), el("dd", {}, a.placement),
      el("dt", {}, t("col.provider")), el("dd", {}, a.provider || "–"),
      el("dt", {}, t("col.pool")), el("dd", {}, a.pool_id || "–"),
      el("dt", {}, t("col.cost")), el("dd", {}, eur(a.cost)),
      el("dt", {}, t("col.travel")), el("dd", {}, `${num(a.travel_min, 1)} min (${a.mode})`),
      el("dt", {}, t("col.score")), el("dd", {}, `${num(a.total)} = ${score.join(" + ")}`)));
  }
  const reasons = c.reasons.length ? c.reasons : x.reasons || [];
  if (reasons.length) {
    right.append(el("h3", {}, t("coord.reasons")),
      el("ul", { class: "reasons", id: "client-reasons" }, reasons.map((r) => el("li", {}, r))));
  }
  const feasible = x.feasible || [];
  below.append(el("h3", {}, t("coord.feasible", { n: x.feasible_count ?? feasible.length })));
  if (feasible.length) {
    const done = S.run.status === "done" && !S.runs.some((r) => r.published);
    const rows = feasible.map((p) => [
      p.placement, num(p.score), num(p.travel_min, 1), eur(p.cost),
      p.chosen ? badge("accepted", t("coord.chosen")) : (p.why_not || "–"),
      done ? el("span", { class: "actions" },
        el("button", { type: "button", class: "secondary small",
          onclick: () => prefillDecision(c.client_id, p.placement_id, "accept"),
          "aria-label": t("coord.pin_pair", { c: c.client_id, p: p.placement_id }) },
        t("coord.pin")),
        el("button", { type: "button", class: "danger small",
          onclick: () => prefillDecision(c.client_id, p.placement_id, "reject"),
          "aria-label": t("coord.forbid_pair", { c: c.client_id, p: p.placement_id }) },
        t("coord.forbid"))) : "",
    ]);
    below.append(el("div", { class: "table-wrap" }, table(null, [t("col.placement"),
      t("col.score"), t("col.travel_min"), t("col.cost"), t("col.why"), t("col.actions")], rows,
    { numeric: [1, 2, 3] })));
  } else {
    below.append(el("p", { class: "empty" }, t("coord.no_feasible")));
  }
  const near = x.near_misses || [];
  if (near.length) {
    below.append(el("h3", {}, t("coord.near_misses")), el("ul", { class: "reasons" },
      near.map((n) => el("li", {}, `${n.placement} (${num(n.travel_min, 1)} min): `
        + n.fails.join("; ")))));
  }
  if (c.decisions.length) {
    right.append(el("h3", {}, t("coord.client_decisions")), el("ul", { class: "reasons" },
      c.decisions.map((d) => el("li", {}, `${d.placement_id}: ${t(`effect.${d.effect}`)}`
        + `${d.reason ? ` – ${d.reason}` : ""} (${d.by}, ${dateTime(d.at)})`))));
  }
}

// ------------------------------------------------------------------ actions

async function onUpload() {
  const input = $("#upload-file");
  const file = input.files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file, file.name);
  input.disabled = true;
  message(t("coord.uploading", { name: file.name }));
  try {
    const created = await api("/instances", { method: "POST", form });
    const warnings = problemLines({ problems: created.warnings || [] });
    message(t("coord.uploaded", { name: created.name, clients: num(created.counts.clients),
      queue: num(created.counts.queue), seats: num(created.counts.seats) }), "ok", warnings);
    await loadInstances(created.id);
  } catch (err) {
    if (err instanceof ApiError && err.status === 422) {
      message(t("coord.upload_refused", { detail: err.detail }), "error", problemLines(err.body));
    } else {
      showError(err);
    }
  } finally {
    input.value = "";
    input.disabled = false;
  }
}

async function onRun(ev) {
  ev.preventDefault();
  if (!S.instance) return;
  const body = { time_limit: Number($("#time-limit").value), mode: $("#mode").value };
  if ($("#run-kind").value === "shortlist") body.kind = "shortlist";
  $("#run-btn").disabled = true;
  const instance = S.instance.id;
  try {
    const run = await api(`/instances/${instance}/runs`, { method: "POST", json: body });
    message(t("coord.run_started", { id: run.id }));
    const runs = await api(`/instances/${instance}/runs`);
    if (S.instance?.id !== instance) return; // another week was chosen meanwhile
    await selectRun(fillRuns(runs, run.id));
  } catch (err) {
    showError(err);
    renderButtons();
  }
}

async function onCancel() {
  if (!S.run) return;
  const instance = S.instance?.id;
  try {
    const run = await api(`/runs/${S.run.id}/cancel`, { method: "POST" });
    if (isChosen(instance, run.id)) S.run = run;
    message(t("coord.cancelling", { id: run.id }));
  } catch (err) {
    showError(err);
  }
}

async function onPublish() {
  $("#publish-dialog").close();
  try {
    const run = await api(`/runs/${S.run.id}/publish`, { method: "POST" });
    message(t("coord.published_ok", { id: run.id }), "ok");
    await loadInstances(S.instance.id, run.id);
  } catch (err) {
    showError(err);
  }
}

async function onNextWeek() {
  try {
    const next = await api(`/runs/${S.run.id}/next-week`, { method: "POST", json: {} });
    message(t("coord.next_week_ok", { name: next.name, queue: num(next.counts.queue) }), "ok");
    await loadInstances(next.id);
  } catch (err) {
    showError(err);
  }
}

async function onDecision(ev) {
  ev.preventDefault();
  const decision = document.querySelector("input[name=d-action]:checked").value;
  const body = {
    client_id: $("#d-client").value.trim(),
    placement_id: $("#d-placement").value.trim(),
    decision,
    reason: $("#d-reason").value.trim(),
  };
  if (decision === "reject" && !body.reason) {
    message(t("coord.reason_needed"), "error");
    $("#d-reason").focus();
    return;
  }
  const instance = S.instance?.id;
  const id = S.run.id;
  try {
    const d = await api(`/runs/${id}/decisions`, { method: "POST", json: body });
    message(t("coord.decision_saved", { c: d.client_id, p: d.placement_id,
      effect: t(`effect.${d.effect}`) }), "ok");
    $("#d-reason").value = "";
    const decisions = await api(`/runs/${id}/decisions`);
    if (!isChosen(instance, id)) return;
    S.decisions = decisions;
    renderDecisions();
    if (S.client && S.client.client_id === d.client_id) await explainClient(d.client_id, false);
  } catch (err) {
    showError(err);
  }
}

// ------------------------------------------------------------------ start

async function main() {
  S.me = await boot(["coordinator", "admin"]);
  if (!S.me) return;
  map = createMap($("#map"), $("#map-tip"), {
    onClient: (id) => explainClient(id),
    describe: (n) => t("map.aria", { clients: num(n.clients), placements: num(n.placements),
      placed: num(n.placed), left: num(n.left) }),
  });
  $("#instance").addEventListener("change", (ev) => guard(selectInstance(ev.target.value)));
  $("#run").addEventListener("change", (ev) => guard(selectRun(ev.target.value)));
  $("#upload-form").addEventListener("submit", (ev) => ev.preventDefault());
  $("#upload-file").addEventListener("change", () => guard(onUpload()));
  $("#run-form").addEventListener("submit", (ev) => guard(onRun(ev)));
  $("#cancel-btn").addEventListener("click", () => guard(onCancel()));
  $("#publish-btn").addEventListener("click", () => $("#publish-dialog").showModal());
  $("#publish-cancel").addEventListener("click", () => $("#publish-dialog").close());
  $("#publish-confirm").addEventListener("click", () => guard(onPublish()));
  $("#next-week-btn").addEventListener("click", () => guard(onNextWeek()));
  $("#decision-form").addEventListener("submit", (ev) => guard(onDecision(ev)));
  $("#unassigned-filter").addEventListener("input", renderUnassigned);
  $("#client-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const id = $("#client-search").value.trim();
    if (id) guard(explainClient(id));
  });
  document.addEventListener("polku:lang", () => {
    for (const option of $("#instance").options) {
      const inst = S.instances.find((i) => String(i.id) === option.value);
      if (inst) option.textContent = instanceText(inst);
    }
    for (const option of $("#run").options) {
      const run = S.runs.find((r) => String(r.id) === option.value);
      if (run) option.textContent = runText(run);
    }
    renderAll();
    renderClient();
    guard(reloadReasons());
    document.title = t("coord.title");
  });
  await guard(loadInstances());
  document.body.dataset.ready = currentLang();
}

async function guard(promise) {
  try {
    await promise;
  } catch (err) {
    showError(err);
  }
}

main();
