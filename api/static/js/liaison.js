// The employer liaison's page: the proposals of a run for their providers (only the fields the
// API gives a liaison), accept or reject each with a reason, and the week's decision history.
//
// The page is a list of panels sharing one context; a panel is {id, title, load(ctx),
// render(ctx, host)}. A new view (e.g. the shortlists of issue 8) is one more entry in PANELS.

import { ApiError, api } from "./api.js";
import { currentLang, dateTime, label, num, shortTime, t } from "./i18n.js";
import { loadLifecycle, renderLifecycle } from "./lifecycle.js";
import { $, badge, boot, clear, el, loadQueue, message, showError, table } from "./ui.js";

const ctx = {
  me: null,
  runs: [],
  run: null,
  provider: "",
  proposals: [],
  decisions: [],
  rejecting: null, // the proposal whose reject box is open: "client|placement"
  lists: [], // the shortlists of a shortlist run for the caller's providers
  declining: null, // the candidate whose decline box is open: "client|placement"
  life: null, // the week's placements in progress and ended ones (issue 17)
  lifeState: { open: null }, // the lifecycle form that is open
  refresh: () => refresh(),
  rerender: () => renderPanels(),
};

function query() {
  return ctx.provider ? `?provider_id=${encodeURIComponent(ctx.provider)}` : "";
}

function closed() {
  return Boolean(ctx.run && ctx.run.published);
}

// ------------------------------------------------------------------ panels

const proposalsPanel = {
  id: "proposals",
  title: () => t("liaison.proposals"),
  async load() {
    if (isShortlistRun()) {
      ctx.proposals = [];
      return;
    }
    const out = await api(`/runs/${ctx.run.id}/proposals${query()}`);
    ctx.proposals = out.proposals;
  },
  render(host) {
    if (!ctx.proposals.length) {
      host.append(el("p", { class: "empty" }, t(isShortlistRun()
        ? "liaison.no_proposals_shortlist" : "liaison.no_proposals")));
      return;
    }
    if (closed()) host.append(el("p", { class: "sub" }, t("liaison.closed")));
    const rows = ctx.proposals.map((p) => [
      p.client_id, p.municipality, p.languages.join(", ") || "–",
      p.interests.join(", ") || "–", p.accommodations.join(", ") || "–",
      num(p.travel_min, 0), p.placement_id, label("type", p.placement_type), p.provider_id,
      badge(p.decision, t(`decision.${p.decision}`)), actions(p),
    ]);
    host.append(el("div", { class: "table-wrap open" }, table(null, [
      t("col.client"), t("col.municipality"), t("col.languages"), t("col.interests"),
      t("col.accommodations"), t("col.travel_min"), t("col.placement"), t("col.type"),
      t("col.provider"), t("col.decision"), t("col.actions"),
    ], rows, {
      numeric: [5],
      rowAttrs: (i) => ({
        "data-client": ctx.proposals[i].client_id,
        "data-placement": ctx.proposals[i].placement_id,
        "data-decision": ctx.proposals[i].decision,
      }),
    })));
  },
};

function actions(p) {
  if (closed() || p.decision === "rejected") return "";
  const key = `${p.client_id}|${p.placement_id}`;
  const who = { c: p.client_id, p: p.placement_id };
  if (ctx.rejecting === key) {
    const inputId = `reason-${p.client_id}-${p.placement_id}`.replace(/[^A-Za-z0-9_-]/g, "_");
    const input = el("input", { type: "text", id: inputId, required: true, maxlength: 2000,
      class: "reject-reason" });
    const form = el("form", { class: "reject-box", onsubmit: (ev) => {
      ev.preventDefault();
      const reason = input.value.trim();
      if (!reason) {
        message(t("liaison.reason_needed"), "error");
        input.focus();
        return;
      }
      decide(p, "reject", reason);
    } },
    el("div", {}, el("label", { for: inputId }, t("liaison.reason")), input),
    el("button", { type: "submit", class: "danger small" }, t("liaison.confirm_reject")),
    el("button", { type: "button", class: "secondary small", onclick: () => {
      ctx.rejecting = null;
      renderPanels();
    } }, t("common.cancel")));
    queueMicrotask(() => input.focus());
    return form;
  }
  return el("span", { class: "actions" },
    p.decision === "pending" ? el("button", { type: "button", class: "primary small",
      "aria-label": t("liaison.accept_pair", who), onclick: () => decide(p, "accept", "") },
    t("liaison.accept")) : null,
    el("button", { type: "button", class: "danger small", "aria-label": t("liaison.reject_pair", who),
      onclick: () => {
        ctx.rejecting = key;
        renderPanels();
      } }, t("liaison.reject")));
}

async function decide(p, decision, reason) {
  try {
    await api(`/runs/${ctx.run.id}/decisions`, { method: "POST", json: {
      client_id: p.client_id, placement_id: p.placement_id, decision, reason,
    } });
    ctx.rejecting = null;
    message(t(decision === "reject" ? "liaison.rejected_ok" : "liaison.accepted_ok",
      { c: p.client_id, p: p.placement_id }), "ok");
    await refresh();
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      message(t("liaison.conflict", { detail: err.detail }), "error");
    } else {
      showError(err);
    }
  }
}

const historyPanel = {
  id: "history",
  title: () => t("liaison.history"),
  async load() {
    ctx.decisions = await api(`/runs/${ctx.run.id}/decisions${query()}`);
  },
  render(host) {
    if (!ctx.decisions.length) {
      host.append(el("p", { class: "empty" }, t("liaison.no_history")));
      return;
    }
    const rows = [...ctx.decisions].reverse().map((d) => [
      dateTime(d.at), d.client_id, d.placement_id, d.provider_id,
      badge(d.decision === "reject" ? "rejected" : "accepted",
        t(`decision.${d.decision === "reject" ? "rejected" : "accepted"}`)),
      d.reason || "–", d.by, `#${d.run_id}`,
    ]);
    host.append(el("div", { class: "table-wrap" }, table(null, [t("col.at"), t("col.client"),
      t("col.placement"), t("col.provider"), t("col.decision"), t("col.reason"), t("col.by"),
      t("col.run")], rows)));
  },
};

function isShortlistRun() {
  return Boolean(ctx.run && ctx.run.request && ctx.run.request.kind === "shortlist");
}

// Issue 8: the candidates of a shortlist run, with Pick (→ lock, optionally on another
// placement of the same provider) and Decline with a reason (→ forbid).
const shortlistsPanel = {
  id: "shortlists",
  title: () => t("liaison.shortlists"),
  async load() {
    ctx.lists = [];
    if (!isShortlistRun()) return;
    try {
      ctx.lists = (await api(`/runs/${ctx.run.id}/shortlists${query()}`)).lists;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
  },
  render(host) {
    if (!isShortlistRun()) {
      host.append(el("p", { class: "empty" }, t("liaison.not_shortlist_run")));
      return;
    }
    if (!ctx.lists.length) {
      host.append(el("p", { class: "empty" }, t("liaison.no_shortlists")));
      return;
    }
    for (const list of ctx.lists) host.append(listCard(list));
  },
};

function listCard(list) {
  const box = el("div", { class: "shortlist", "data-placement": list.placement_id });
  box.append(el("h3", {}, t("liaison.list_head", { p: list.placement_id,
    type: label("type", list.placement_type), s: list.seats })));
  if (list.locked.length) {
    box.append(el("p", { class: "sub locked" }, t("liaison.locked", { c: list.locked.join(", ") })));
  }
  const same = ctx.lists.filter((l) => l.provider_id === list.provider_id
    && l.placement_id !== list.placement_id);
  let switchSelect = null;
  if (same.length && !closed()) {
    const id = `switch-${list.placement_id}`.replace(/[^A-Za-z0-9_-]/g, "_");
    switchSelect = el("select", { id, class: "switch-to" },
      el("option", { value: "" }, list.placement_id),
      same.map((l) => el("option", { value: l.placement_id },
        `${l.placement_id} (${label("type", l.placement_type)})`)));
    box.append(el("div", {}, el("label", { for: id }, t("liaison.switch_to")), switchSelect));
  }
  const rows = list.candidates.map((c) => [
    num(c.rank), c.client_id, c.municipality, c.languages.join(", ") || "–",
    c.interests.join(", ") || "–", c.accommodations.join(", ") || "–", num(c.travel_min, 0),
    badge(c.decision, t(`decision.${c.decision}`)), candidateActions(list, c, switchSelect),
  ]);
  box.append(el("div", { class: "table-wrap open" }, table(null, [
    t("col.rank"), t("col.client"), t("col.municipality"), t("col.languages"),
    t("col.interests"), t("col.accommodations"), t("col.travel_min"), t("col.decision"),
    t("col.actions"),
  ], rows, {
    numeric: [0, 6],
    rowAttrs: (i) => ({ "data-client": list.candidates[i].client_id,
      "data-decision": list.candidates[i].decision }),
  })));
  return box;
}

function candidateActions(list, c, switchSelect) {
  if (closed() || c.decision !== "pending" || list.seats <= 0) return "";
  const key = `${c.client_id}|${list.placement_id}`;
  const who = { c: c.client_id, p: list.placement_id };
  if (ctx.declining === key) {
    const base = `decline-${c.client_id}-${list.placement_id}`.replace(/[^A-Za-z0-9_-]/g, "_");
    const input = el("input", { type: "text", id: base, required: true, maxlength: 2000,
      class: "decline-reason" });
    const byClient = el("input", { type: "checkbox", id: `${base}-client` });
    const form = el("form", { class: "reject-box", onsubmit: (ev) => {
      ev.preventDefault();
      const reason = input.value.trim();
      if (!reason) {
        message(t("liaison.reason_needed"), "error");
        input.focus();
        return;
      }
      pick(list, c, { decline: true, client_id: c.client_id, reason, by_client: byClient.checked });
    } },
    el("div", {}, el("label", { for: base }, t("liaison.decline_reason")), input),
    el("div", {}, byClient, el("label", { for: `${base}-client` }, t("liaison.declined_by_client"))),
    el("button", { type: "submit", class: "danger small" }, t("liaison.confirm_decline")),
    el("button", { type: "button", class: "secondary small", onclick: () => {
      ctx.declining = null;
      renderPanels();
    } }, t("common.cancel")));
    queueMicrotask(() => input.focus());
    return form;
  }
  return el("span", { class: "actions" },
    el("button", { type: "button", class: "primary small pick", "aria-label": t("liaison.pick_pair", who),
      onclick: () => pick(list, c, { client_ids: [c.client_id],
        switch_to: switchSelect && switchSelect.value ? switchSelect.value : null }) },
    t("liaison.pick")),
    el("button", { type: "button", class: "danger small decline",
      "aria-label": t("liaison.decline_pair", who), onclick: () => {
        ctx.declining = key;
        renderPanels();
      } }, t("liaison.decline")));
}

async function pick(list, c, body) {
  try {
    await api(`/runs/${ctx.run.id}/picks`, { method: "POST",
      json: { placement_id: list.placement_id, ...body } });
    ctx.declining = null;
    message(t(body.decline ? "liaison.declined_ok" : "liaison.picked_ok",
      { c: c.client_id, p: body.switch_to || list.placement_id }), "ok");
    await refresh();
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      message(t("liaison.pick_refused", { detail: err.detail }), "error");
    } else {
      showError(err);
    }
  }
}

// Issue 17: end a placement early, record the outcome and the follow-ups.
const lifecyclePanel = {
  id: "lifecycle",
  title: () => t("life.title"),
  async load() {
    ctx.life = await loadLifecycle(ctx.run.id);
  },
  render(host) {
    renderLifecycle(host, ctx.life, { runId: ctx.run.id, week: ctx.run.week,
      state: ctx.lifeState, after: () => refresh(), rerender: () => renderPanels() });
  },
};

/** The panels in page order. */
export const PANELS = [proposalsPanel, shortlistsPanel, lifecyclePanel, historyPanel];

// ------------------------------------------------------------------ page

function renderPanels() {
  const root = $("#panels");
  for (const panel of PANELS) {
    let card = $(`#panel-${panel.id}`);
    if (!card) {
      card = el("section", { class: "card", id: `panel-${panel.id}`,
        "aria-labelledby": `h-${panel.id}` }, el("h2", { id: `h-${panel.id}` }), el("div"));
      root.append(card);
    }
    card.querySelector("h2").textContent = panel.title();
    const host = clear(card.querySelector("div"));
    if (!ctx.run) {
      host.append(el("p", { class: "empty" }, t("liaison.no_runs")));
      continue;
    }
    panel.render(host);
  }
  renderCounts();
  // the run the panels show, once its data is in (the browser tests wait on it)
  document.body.dataset.run = ctx.run ? String(ctx.run.id) : "";
}

function renderCounts() {
  const box = clear($("#counts"));
  if (!ctx.run) return;
  const n = (state) => ctx.proposals.filter((p) => p.decision === state).length;
  for (const state of ["pending", "accepted", "rejected"]) {
    box.append(el("span", {}, `${t(`decision.${state}`)}: `, el("b", {}, num(n(state)))));
  }
}

// Refreshes run one after another, and one whose run is no longer the chosen one neither
// writes ctx.run nor renders: choosing another run while the last one still loads must never
// leave the panels showing the earlier run's lists under the new run's name.
const queued = loadQueue();

function refresh() {
  return queued(refreshOnce);
}

async function refreshOnce() {
  const id = ctx.run?.id;
  if (ctx.run) {
    const run = await api(`/runs/${id}`);
    if (ctx.run?.id !== id) return; // another run was chosen meanwhile: its refresh is queued
    ctx.run = { ...ctx.run, ...run };
    await Promise.all(PANELS.map((panel) => panel.load(ctx)));
    if (ctx.run?.id !== id) return;
  }
  renderPanels();
}

async function loadRuns(keep) {
  ctx.runs = await api("/runs?status=done");
  const select = clear($("#run"));
  if (!ctx.runs.length) {
    select.append(el("option", { value: "" }, t("liaison.no_runs_option")));
    ctx.run = null;
    renderPanels();
    return;
  }
  for (const run of ctx.runs) select.append(el("option", { value: run.id }, runText(run)));
  const chosen = ctx.runs.find((r) => r.id === Number(keep)) || ctx.runs[0];
  select.value = String(chosen.id);
  ctx.run = chosen;
  await refresh();
}

function runText(run) {
  const mark = run.published ? ` · ${t("liaison.published")}` : "";
  return `${run.week} · ${t("liaison.run_n", { id: run.id })} · ${shortTime(run.finished_at)}${mark}`;
}

function fillProviders() {
  const select = clear($("#provider"));
  select.append(el("option", { value: "" }, t("liaison.all_providers")));
  for (const p of ctx.me.providers) select.append(el("option", { value: p }, p));
  select.value = ctx.provider;
}

async function main() {
  ctx.me = await boot(["liaison"]);
  if (!ctx.me) return;
  fillProviders();
  $("#run").addEventListener("change", (ev) => {
    ctx.run = ctx.runs.find((r) => String(r.id) === ev.target.value) || null;
    ctx.rejecting = null;
    ctx.declining = null;
    guard(refresh());
  });
  $("#provider").addEventListener("change", (ev) => {
    ctx.provider = ev.target.value;
    guard(refresh());
  });
  $("#refresh").addEventListener("click", () => guard(loadRuns(ctx.run?.id)));
  document.addEventListener("polku:lang", () => {
    fillProviders();
    for (const option of $("#run").options) {
      const run = ctx.runs.find((r) => String(r.id) === option.value);
      if (run) option.textContent = runText(run);
    }
    renderPanels();
    document.title = t("liaison.title");
  });
  await guard(loadRuns());
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
