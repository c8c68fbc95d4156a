// Calls to the Polku API with the bearer token kept in this tab's sessionStorage (never in a
// cookie, never in the URL). Errors come back as ApiError with the server's `detail`, in the
// page's language (sent as Accept-Language).

import { currentLang } from "./i18n.js";

const TOKEN_KEY = "polku.token";

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail || `HTTP ${status}`);
    this.status = status;
    this.detail = detail || `HTTP ${status}`;
    this.body = body;
  }
}

/** Call `path`; `json` is sent as a JSON body, `form` (FormData) as multipart. Returns the
 *  parsed JSON (or text), throws ApiError for any answer that is not 2xx. */
export async function api(path, { method = "GET", json, form, token } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": currentLang() };
  const bearer = token ?? getToken();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: "no-store" });
  } catch (err) {
    throw new ApiError(0, `network: ${err.message}`, null);
  }
  const text = await response.text();
  let data = text;
  if (text && (response.headers.get("content-type") || "").includes("json")) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    const detail = data && typeof data === "object" ? data.detail : String(data || "");
    throw new ApiError(response.status, detail, data);
  }
  return data;
}
