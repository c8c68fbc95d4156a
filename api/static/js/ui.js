// Small DOM helpers shared by the pages: build elements (text only through textContent, so
// data can never become markup), show messages in the live region, and the common page start
// (labels, token check, header with language switch and log-out).

import { ApiError, api, clearToken, getToken } from "./api.js";
import { initI18n, setLang, t } from "./i18n.js";

/** Create `tag` with attributes (`text`, `class`, `on<event>`, `dataset`, others as
 *  attributes) and children (nodes or strings). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function setAttrs(node, attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "class") node.setAttribute("class", value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/** Show `text` (and an optional list of details) in the page's live region. */
export function message(text, kind = "info", details = []) {
  const box = clear($("#status"));
  if (!text) return;
  const msg = el("div", { class: `msg ${kind}` }, text);
  if (details.length) msg.append(el("ul", {}, details.map((d) => el("li", {}, d))));
  box.append(msg);
}

/** The problems of a 422 answer as lines: file, line, column, value and message. */
export function problemLines(body) {
  const problems = (body && body.problems) || [];
  return problems.slice(0, 20).map((p) => {
    const where = [p.file, p.line ? t("common.line", { n: p.line }) : null, p.column]
      .filter(Boolean).join(", ");
    return `${where}: ${p.message}${p.value ? ` (${p.value})` : ""}`;
  });
}

/** Show an error from a call; a 401 sends the user back to the log-in page. */
export function showError(err) {
  if (err instanceof ApiError && err.status === 401) {
    clearToken();
    window.location.assign("/?expired=1");
    return;
  }
  const detail = err instanceof ApiError ? err.detail : String(err);
  message(t("common.error", { detail }), "error", err instanceof ApiError ? problemLines(err.body) : []);
}

/** Start a role page: labels, token check, who-am-I, header controls. Returns /me, or null
 *  when the user is sent elsewhere. */
export async function boot(roles) {
  await initI18n();
  for (const button of document.querySelectorAll("button[data-lang]")) {
    button.addEventListener("click", () => setLang(button.dataset.lang));
  }
  $("#logout")?.addEventListener("click", () => {
    clearToken();
    window.location.assign("/");
  });
  if (!getToken()) {
    window.location.assign("/");
    return null;
  }
  let me;
  try {
    me = await api("/me");
  } catch (err) {
    showError(err);
    return null;
  }
  if (!roles.includes(me.role)) {
    window.location.assign(me.role === "liaison" ? "/liaison" : "/coordinator");
    return null;
  }
  const who = $("#who");
  const paintWho = () => {
    who.textContent = `${me.name} · ${t(`role.${me.role}`)}`;
  };
  paintWho();
  document.addEventListener("polku:lang", paintWho);
  return me;
}

/** A table with a header row; `rows` are arrays of cells (nodes or text); `numeric` names the
 *  column indexes to right-align. */
export function table(caption, headers, rows, { numeric = [], rowAttrs } = {}) {
  const head = el("tr", {}, headers.map((h, i) => el("th", {
    scope: "col", class: numeric.includes(i) ? "num" : null,
  }, h)));
  const body = rows.map((cells, r) => el("tr", rowAttrs ? rowAttrs(r) : {},
    cells.map((c, i) => el("td", { class: numeric.includes(i) ? "num" : null }, c))));
  return el("table", {}, caption ? el("caption", {}, caption) : null,
    el("thead", {}, head), el("tbody", {}, body));
}

export function badge(kind, text) {
  return el("span", { class: `badge ${kind}` }, text);
}

/** Page loads one after another: `queued(load)` starts `load` once every load queued before it
 *  has settled (a failed one does not stop the next) and returns its promise. A queued load
 *  never awaits another queued load (it would wait for itself). */
export function loadQueue() {
  let last = Promise.resolve();
  return (load) => {
    const next = last.then(() => load());
    last = next.catch(() => {});
    return next;
  };
}
