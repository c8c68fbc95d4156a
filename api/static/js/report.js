// The period report page (coordinators): a range of weeks, charts of the region's published runs
// over it (placed vs queue per week, by type, pool use, waiting weeks, municipalities) and every
// table of GET /reports with its headings in the page's language; XLSX and CSV downloads.

import { ApiError, api, getToken } from "./api.js";
import { bulletBars } from "./charts.js";
import { currentLang, eur, label, num, pct, t } from "./i18n.js";
import { $, boot, clear, el, message, showError, table } from "./ui.js";

const S = { report: null };

function range() {
  return { from: $("#from-week").value.trim(), to: $("#to-week").value.trim() };
}

function query(extra = {}) {
  const params = new URLSearchParams({ ...range(), lang: currentLang(), ...extra });
  return `/reports?${params}`;
}

async function load() {
  message("");
  S.report = await api(query());
  render();
  $("#xlsx-btn").disabled = false;
  $("#csv-btn").disabled = false;
}

function render() {
  const r = S.report;
  if (!r) return;
  const line = [t("report.weeks_found", { weeks: r.weeks.join(", ") || "–" })];
  if (r.missing_weeks.length) line.push(t("report.weeks_missing", { n: r.missing_weeks.length }));
  $("#weeks-line").textContent = line.join(" · ");
  const tb = r.tables;
  const weeks = tb.weeks.slice(0, -1);
  bulletBars($("#chart-weeks"), weeks.map((w) => ({
    label: w.week, value: w.placed, ref: w.queue, text: `${num(w.placed)} / ${num(w.queue)}`,
  })), { ariaLabel: t("report.chart_weeks"), empty: t("report.empty") });
  bulletBars($("#chart-types"), tb.by_type.map((x) => ({
    label: label("type", x.type), value: x.placed, ref: x.free_seats,
    text: `${num(x.placed)} / ${num(x.free_seats)}`,
  })), { ariaLabel: t("report.chart_types"), empty: t("report.empty") });
  bulletBars($("#chart-pools"), tb.pools.map((p) => {
    const ref = p.period_budget ?? p.first_week_budget;
    const used = p.period_budget !== null ? p.period_spent_after : p.used;
    return { label: p.pool_id, title: p.pool_name, value: used, ref, text: `${eur(used)}` };
  }), { ariaLabel: t("report.chart_pools"), empty: t("report.empty"), ownScale: true });
  bulletBars($("#chart-wait"), tb.by_group.map((g) => ({
    label: label("group", g.group), value: g.wait_mean ?? 0,
    ref: Math.max(...tb.by_group.map((x) => x.wait_p90 ?? 0), 1),
    text: `${num(g.wait_mean, 1)} / ${num(g.wait_p90, 1)}`,
  })), { ariaLabel: t("report.chart_wait"), empty: t("report.empty") });
  bulletBars($("#chart-munis"), tb.by_municipality.map((m) => ({
    label: m.municipality, value: m.placed_share ?? 0, ref: 1,
    text: `${pct(m.placed_share)} (${num(m.placed)} / ${num(m.clients)})`,
  })), { ariaLabel: t("report.chart_munis"), empty: t("report.empty"), ownScale: true,
    textWidth: 120 });
  renderOutcomes(r);
  const host = clear($("#tables"));
  for (const [name, rows] of Object.entries(tb)) {
    const cols = Object.keys(r.headings[name]);
    const numeric = cols.map((c, i) => (rows.some((x) => typeof x[c] === "number") ? i : -1))
      .filter((i) => i >= 0);
    const shown = r.labelled?.[name] ?? rows; // coded cells as labels (types, groups, units)
    const cells = shown.map((x) => cols.map((c) => cell(c, x[c])));
    host.append(el("div", { class: "table-wrap", dataset: { table: name } },
      rows.length ? table(r.titles[name], cols.map((c) => r.headings[name][c]), cells, { numeric })
        : el("p", { class: "empty" }, `${r.titles[name]}: ${t("report.empty")}`)));
  }
}

function renderOutcomes(r) {
  const first = r.tables.outcomes[0];
  const all = first && !first.unit ? first : null; // the overall row comes first
  const shares = all ? Object.keys(r.headings.outcomes).filter((c) => c.startsWith("share:")) : [];
  bulletBars($("#chart-outcomes"), shares.map((c) => ({
    label: r.headings.outcomes[c].replace(/, [^,]+$/, ""), value: all[c] ?? 0, ref: 1,
    text: `${pct(all[c])} (${num(all[`n:${c.slice(6)}`])})`,
  })), { ariaLabel: t("report.chart_outcomes"), empty: t("report.no_ends"), ownScale: true,
    labelWidth: 150 });
  $("#outcomes-line").textContent = all
    ? t("report.outcomes_line", { ended: all.ended, early: all.early, recorded: all.recorded })
    : "";
}

function cell(column, value) {
  if (value === null || value === undefined) return "–";
  if (typeof value !== "number") return String(value);
  if (column.includes("share")) return pct(value, 1);
  return num(value, 2);
}

async function download(format, filename) {
  const response = await fetch(query({ format }), {
    headers: { Authorization: `Bearer ${getToken()}` }, cache: "no-store",
  });
  if (!response.ok) {
    let detail = `HTTP ${response.status}`;
    try {
      detail = (await response.json()).detail || detail;
    } catch {
      // not JSON: keep the status
    }
    throw new ApiError(response.status, detail, null);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = el("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function defaults() {
  const weeks = (await api("/instances")).filter((i) => i.published_run).map((i) => i.week).sort();
  if (!weeks.length) {
    message(t("report.no_published"));
    return false;
  }
  $("#from-week").value = weeks[Math.max(0, weeks.length - 53)];
  $("#to-week").value = weeks[weeks.length - 1];
  return true;
}

async function main() {
  const me = await boot(["coordinator"]);
  if (!me) return;
  $("#range-form").addEventListener("submit", (event) => {
    event.preventDefault();
    guard(load());
  });
  $("#xlsx-btn").addEventListener("click", () => {
    const { from, to } = range();
    guard(download("xlsx", `kausiraportti-${from}-${to}.xlsx`));
  });
  $("#csv-btn").addEventListener("click", () => {
    const { from, to } = range();
    guard(download("csv", `kausiraportti-${from}-${to}-csv.zip`));
  });
  document.addEventListener("polku:lang", () => {
    document.title = t("report.title");
    if (S.report) guard(load());
  });
  if (await guard(defaults())) await guard(load());
  document.body.dataset.ready = currentLang();
}

async function guard(promise) {
  try {
    return await promise;
  } catch (err) {
    showError(err);
    return undefined;
  }
}

main();
