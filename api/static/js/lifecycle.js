// The placement lifecycle panel shared by the liaison's and the coordinator's pages: who is in a
// placement this week (end it early with a reason and the last week attended), the week's ended
// placements with their outcome (a category of the rules) and follow-ups ("still employed?"),
// and — on the coordinator's page — the outcome report of the region.

import { ApiError, api } from "./api.js";
import { dateTime, label, num, pct, t } from "./i18n.js";
import { badge, clear, el, message, showError, table } from "./ui.js";

const ANSWERS = ["yes", "no", "unknown"];

function safeId(...parts) {
  return parts.join("-").replace(/[^A-Za-z0-9_-]/g, "_");
}

/** A Cancel button that closes the open inline form. */
function cancel(state, rerender) {
  return el("button", { type: "button", class: "secondary small", onclick: () => {
    state.open = null;
    rerender();
  } }, t("common.cancel"));
}

/** A small button that opens the inline form `key`. */
function opener(state, rerender, key, text, attrs = {}) {
  return el("button", { type: "button", class: "secondary small", ...attrs, onclick: () => {
    state.open = key;
    rerender();
  } }, text);
}

/** The week's lifecycle data of a run: {holding, ended, categories, followup_months}. */
export async function loadLifecycle(runId) {
  return api(`/runs/${runId}/outcomes`);
}

/** The region's outcome report for an instance (coordinators). */
export async function loadOutcomeSummary(instanceId) {
  return api(`/outcomes/summary?instance_id=${instanceId}`);
}

async function post(path, json, okText, after) {
  try {
    await api(path, { method: "POST", json });
    message(okText, "ok");
    await after();
  } catch (err) {
    if (err instanceof ApiError && [404, 409, 422].includes(err.status)) {
      message(t("life.refused", { detail: err.detail }), "error");
    } else {
      showError(err);
    }
  }
}

/** Render the panel into `host`; `state.open` keeps which inline form is open across renders;
 *  `after` reloads and re-renders once something was recorded. */
export function renderLifecycle(host, data, { runId, week, state, after, rerender }) {
  clear(host);
  if (!data) {
    host.append(el("p", { class: "empty" }, t("life.no_data")));
    return;
  }
  host.append(el("h3", {}, t("life.holding")));
  if (!data.holding.length) {
    host.append(el("p", { class: "empty" }, t("life.no_holding")));
  } else {
    const rows = data.holding.map((h) => [
      h.client_id, h.placement_id, label("type", h.type), h.provider_id, h.start_week || "–",
      endCell(h, { runId, week, state, after, rerender }),
    ]);
    host.append(el("div", { class: "table-wrap open" }, table(null, [t("col.client"),
      t("col.placement"), t("col.type"), t("col.provider"), t("life.start_week"),
      t("col.actions")], rows, {
      rowAttrs: (i) => ({ "data-client": data.holding[i].client_id,
        "data-placement": data.holding[i].placement_id }),
    })));
  }
  host.append(el("h3", {}, t("life.ended")));
  if (!data.ended.length) {
    host.append(el("p", { class: "empty" }, t("life.no_ended")));
    return;
  }
  const rows = data.ended.map((e) => [
    e.client_id, e.placement_id, label("type", e.type),
    t("life.weeks_span", { start: e.start_week || "?", end: e.end_week, n: e.weeks }),
    el("span", {}, badge(e.ended === "early" ? "rejected" : "done", t(`life.ended_${e.ended}`)),
      e.end_reason ? ` ${e.end_reason}` : ""),
    outcomeCell(e, data, { runId, state, after, rerender }),
    followupCell(e, data, { runId, state, after, rerender }),
  ]);
  host.append(el("div", { class: "table-wrap open" }, table(null, [t("col.client"),
    t("col.placement"), t("col.type"), t("life.weeks"), t("life.how_ended"), t("life.outcome"),
    t("life.followups")], rows, {
    rowAttrs: (i) => ({ "data-client": data.ended[i].client_id,
      "data-placement": data.ended[i].placement_id, "data-outcome": data.ended[i].outcome }),
  })));
}

function endCell(h, { runId, week, state, after, rerender }) {
  const key = `end|${h.client_id}|${h.placement_id}`;
  const who = { c: h.client_id, p: h.placement_id };
  if (state.open !== key) {
    return opener(state, rerender, key, t("life.end"),
      { class: "danger small end-btn", "aria-label": t("life.end_pair", who) });
  }
  const base = safeId("end", h.client_id, h.placement_id);
  const weekInput = el("input", { type: "text", id: `${base}-week`, value: week, required: true,
    maxlength: 8, size: 9, class: "end-week" });
  const reason = el("input", { type: "text", id: `${base}-reason`, required: true,
    maxlength: 2000, class: "end-reason" });
  queueMicrotask(() => reason.focus());
  return el("form", { class: "reject-box", onsubmit: (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) {
      message(t("life.reason_needed"), "error");
      reason.focus();
      return;
    }
    state.open = null;
    post(`/runs/${runId}/placements/${encodeURIComponent(h.placement_id)}/end`, {
      client_ids: [h.client_id], reason: reason.value.trim(), end_week: weekInput.value.trim(),
    }, t("life.ended_ok", who), after);
  } },
  el("div", {}, el("label", { for: `${base}-week` }, t("life.last_week")), weekInput),
  el("div", {}, el("label", { for: `${base}-reason` }, t("life.end_reason")), reason),
  el("button", { type: "submit", class: "danger small" }, t("life.confirm_end")),
  cancel(state, rerender));
}

function outcomeCell(e, data, { runId, state, after, rerender }) {
  const key = `outcome|${e.client_id}|${e.placement_id}|${e.end_week}`;
  const shown = e.outcome
    ? el("span", { class: "outcome-label" }, label("outcome", e.outcome),
      e.note ? ` – ${e.note}` : "", el("small", { class: "sub" }, ` (${e.by}, ${dateTime(e.at)})`))
    : el("span", { class: "empty" }, t("life.no_outcome"));
  if (state.open !== key) {
    return el("span", {}, shown, " ", opener(state, rerender, key,
      e.outcome ? t("life.change") : t("life.record"), { class: "secondary small outcome-btn" }));
  }
  const base = safeId("outcome", e.client_id, e.placement_id, e.end_week);
  const select = el("select", { id: `${base}-cat`, class: "outcome-select" },
    data.categories.map((c) => el("option", { value: c, selected: c === e.outcome ? "" : null },
      label("outcome", c))));
  const note = el("input", { type: "text", id: `${base}-note`, maxlength: 2000, value: e.note,
    class: "outcome-note" });
  return el("form", { class: "reject-box", onsubmit: (ev) => {
    ev.preventDefault();
    state.open = null;
    post(`/runs/${runId}/placements/${encodeURIComponent(e.placement_id)}/outcome`, {
      client_id: e.client_id, end_week: e.end_week, outcome: select.value,
      note: note.value.trim(),
    }, t("life.outcome_ok", { c: e.client_id }), after);
  } },
  el("div", {}, el("label", { for: `${base}-cat` }, t("life.outcome")), select),
  el("div", {}, el("label", { for: `${base}-note` }, t("life.note")), note),
  el("button", { type: "submit", class: "primary small" }, t("life.save")),
  cancel(state, rerender));
}

function followupCell(e, data, { runId, state, after, rerender }) {
  const box = el("div", { class: "followups" });
  for (const months of data.followup_months) {
    const got = e.followups.find((f) => f.months_after === months);
    const key = `followup|${e.client_id}|${e.placement_id}|${e.end_week}|${months}`;
    const head = t("life.after_months", { n: months });
    if (state.open !== key) {
      box.append(el("div", {}, `${head}: `,
        got ? el("b", {}, `${t(`life.answer_${got.still_employed}`)} (${got.date})`) : "–", " ",
        opener(state, rerender, key, got ? t("life.change") : t("life.record"))));
      continue;
    }
    const base = safeId("fu", e.client_id, e.placement_id, e.end_week, months);
    const answer = el("select", { id: `${base}-answer` },
      ANSWERS.map((a) => el("option", { value: a }, t(`life.answer_${a}`))));
    const day = el("input", { type: "date", id: `${base}-date`, required: true });
    box.append(el("form", { class: "reject-box", onsubmit: (ev) => {
      ev.preventDefault();
      state.open = null;
      post(`/runs/${runId}/placements/${encodeURIComponent(e.placement_id)}/followup`, {
        client_id: e.client_id, end_week: e.end_week, months_after: months,
        still_employed: answer.value, date: day.value,
      }, t("life.followup_ok", { c: e.client_id, n: months }), after);
    } },
    el("div", {}, el("label", { for: `${base}-answer` }, t("life.still_employed", { n: months })),
      answer),
    el("div", {}, el("label", { for: `${base}-date` }, t("life.followup_date")), day),
    el("button", { type: "submit", class: "primary small" }, t("life.save")),
    cancel(state, rerender)));
  }
  return box;
}

/** The outcome report: shares of each category overall and per placement type and provider. */
export function renderOutcomeSummary(host, out) {
  clear(host);
  const s = out && out.summary;
  if (!s || !s.overall.ended) {
    host.append(el("p", { class: "empty" }, t("life.no_ended")));
    return;
  }
  const line = (name, b) => [name, num(b.ended), num(b.early), num(b.recorded),
    ...s.categories.map((c) => (b.shares[c] == null ? "–" : pct(b.shares[c])))];
  const rows = [line(t("life.all"), s.overall)];
  for (const [type, b] of Object.entries(s.by_type)) rows.push(line(label("type", type), b));
  for (const [p, b] of Object.entries(s.by_provider_id)) rows.push(line(p, b));
  host.append(el("div", { class: "table-wrap open", id: "outcome-summary-table" },
    table(t("life.summary_caption", { week: out.week }), [t("life.breakdown"), t("life.n_ended"),
      t("life.n_early"), t("life.n_recorded"), ...s.categories.map((c) => label("outcome", c))],
    rows, { numeric: [1, 2, 3, ...s.categories.map((_, i) => i + 4)] })));
}
