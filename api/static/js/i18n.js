// Finnish and English labels from /static/i18n.json (served from the page.* keys of
// matcher/messages.json, the one message catalogue). Finnish is the default; the choice is
// kept in localStorage. Static text carries data-i18n* attributes; dynamic parts re-render on
// the "polku:lang" event.

const LANG_KEY = "polku.lang";
export const LANGS = ["fi", "en"];
let dict = { fi: {}, en: {} };
let lang = "fi";

export async function initI18n() {
  const response = await fetch("/static/i18n.json", { cache: "no-store" });
  dict = await response.json();
  const saved = localStorage.getItem(LANG_KEY);
  lang = LANGS.includes(saved) ? saved : "fi";
  applyI18n(document);
}

export function currentLang() {
  return lang;
}

/** The label `key` in the current language, with {name} placeholders filled from `params`. */
export function t(key, params = {}) {
  let text = dict[lang]?.[key] ?? dict.fi?.[key] ?? key;
  for (const [name, value] of Object.entries(params)) {
    text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}

/** A label for a data key (a placement type, a group…): the dictionary's, else the key itself
 *  made readable — types and groups are data, so unknown ones must still show. */
export function label(prefix, key) {
  const text = dict[lang]?.[`${prefix}.${key}`];
  return text ?? String(key).replaceAll("_", " ");
}

export function setLang(next) {
  if (!LANGS.includes(next)) return;
  lang = next;
  localStorage.setItem(LANG_KEY, next);
  applyI18n(document);
  document.dispatchEvent(new CustomEvent("polku:lang", { detail: { lang: next } }));
}

/** Fill every data-i18n (text), data-i18n-placeholder, data-i18n-aria-label and
 *  data-i18n-title under `root`, and set <html lang>. */
export function applyI18n(root) {
  document.documentElement.lang = lang;
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  for (const node of root.querySelectorAll("[data-i18n-aria-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
  }
  for (const node of root.querySelectorAll("[data-i18n-title]")) {
    node.title = t(node.dataset.i18nTitle);
  }
  for (const button of root.querySelectorAll("button[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
  }
}

function locale() {
  return lang === "fi" ? "fi-FI" : "en-GB";
}

/** A number in the current language's format (`digits` decimals at most). */
export function num(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(Number(value))) return "–";
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(Number(value));
}

export function eur(value) {
  if (value === null || value === undefined) return "–";
  return `${num(value, 0)} €`;
}

export function pct(share, digits = 0) {
  if (share === null || share === undefined || !Number.isFinite(Number(share))) return "–";
  return `${num(100 * Number(share), digits)} %`;
}

export function dateTime(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "short", timeStyle: "short" }).format(d);
}

/** Day, month and time only (for lists of this week's runs). */
export function shortTime(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "numeric", hour: "2-digit",
    minute: "2-digit" }).format(d);
}
