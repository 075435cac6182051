// What every view of the console shares: building elements, calling the API with the signed-in
// key, and showing an API error the same way everywhere. No rule of the API is written here:
// errors are shown as the API sends them, with a line of advice per status.

/** The signed-in key: in this tab's memory only, never in storage, cookies or the URL. */
export const session = { apiKey: null, tenantId: null, caller: null, ownTenant: null };

export const $ = (id) => document.getElementById(id);

let flashNext = "";

/** A message for the next view shown, e.g. "deleted" once the deleted tenant's page is left. */
export function flashOnNextView(message) {
  flashNext = message;
}

/** The message for the view being shown, once. */
export function takeFlash() {
  const message = flashNext;
  flashNext = "";
  return message;
}

export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

export function list(items, className) {
  return el("ul", { className }, ...items.map((item) => el("li", {}, item)));
}

/** Calls the API as the signed-in key; `{ response, body }`, body `null` for a 204. */
export async function api(method, path, { body, headers = {} } = {}) {
  const init = {
    method,
    headers: { "X-API-Key": session.apiKey ?? "", "X-Tenant-ID": session.tenantId ?? "", ...headers },
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { code: "not_json", message: "the server's answer was not JSON" };
    }
  }
  return { response, body: parsed };
}

/** What an operator can do about each status the API answers; the message itself is the API's. */
const ADVICE = {
  400: "Correct what the API names and send again.",
  401: "The key is unknown, revoked or malformed: sign out and sign in with a valid key.",
  403: "Your key may not do this: see the notices, or use a key with the scope the policies ask for.",
  404: "It does not exist, or your key's tenant may not see it: go back to the list.",
  409: "It conflicts with what is stored: see the details.",
  412: "Someone changed it since you loaded it: reload to see their change, then edit again.",
  413: "The request is too large.",
  415: "The request was not sent as JSON.",
  429: "Too many requests: wait a moment and try again.",
};

/** An error answer of the API: status, code, message, field problems, notices and advice. */
export function errorView(response, body, extra = []) {
  const parts = [
    el("p", { className: "deny error-status" }, `${response.status} `, el("code", {}, body?.code ?? "error")),
    el("p", {}, body?.message ?? ""),
  ];
  const fields = body?.details?.fields;
  if (fields) parts.push(list(Object.entries(fields).map(([field, message]) => `${field} ${message}`), "fields"));
  if (body?.notices?.length) parts.push(el("p", { className: "small" }, "Notices:"), list(body.notices, "notices"));
  const advice = ADVICE[response.status] ?? (response.status >= 500 ? "The server failed: try again, and tell the operators if it persists." : "");
  if (advice) parts.push(el("p", { className: "small advice" }, advice));
  return el("div", { className: "error", role: "alert" }, ...parts, ...extra);
}

/** A network failure, shown where an API answer would be. */
export function unreachable(error) {
  return el("p", { className: "deny", role: "alert" }, `Could not reach the API: ${error.message ?? error}`);
}

/** Runs a slow call with its button disabled and the region marked busy, showing progress. */
export async function busy(region, button, work) {
  region.setAttribute("aria-busy", "true");
  if (button) button.disabled = true;
  try {
    return await work();
  } finally {
    region.removeAttribute("aria-busy");
    if (button) button.disabled = false;
  }
}

/** The first field marked invalid in a form gets the focus, so a keyboard user lands on it. */
export function focusFirstError(form) {
  form.querySelector('[aria-invalid="true"]')?.focus();
}

/** A time as the API sends it, shortened for a table. */
export function when(text) {
  return text ? text.replace("T", " ").replace("Z", " UTC") : "—";
}
