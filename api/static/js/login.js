// Log-in: check the pasted token with GET /me, keep it for this tab, go to the role's page.

import { ApiError, api, clearToken, getToken, setToken } from "./api.js";
import { initI18n, setLang, t } from "./i18n.js";
import { $, message } from "./ui.js";

function pageOf(role) {
  return role === "liaison" ? "/liaison" : "/coordinator";
}

async function main() {
  await initI18n();
  for (const button of document.querySelectorAll("button[data-lang]")) {
    button.addEventListener("click", () => setLang(button.dataset.lang));
  }
  if (new URLSearchParams(window.location.search).has("expired")) {
    message(t("login.expired"), "error");
  } else if (getToken()) {
    try {
      const me = await api("/me");
      window.location.assign(pageOf(me.role));
      return;
    } catch {
      clearToken();
    }
  }
  $("#login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const token = $("#token").value.trim();
    if (!token) return;
    try {
      const me = await api("/me", { token });
      setToken(token);
      window.location.assign(pageOf(me.role));
    } catch (err) {
      const detail = err instanceof ApiError ? err.detail : String(err);
      message(t("login.bad", { detail }), "error");
      $("#token").focus();
    }
  });
  document.body.dataset.ready = "1";
}

main();
