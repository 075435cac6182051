// One tenant's page: every field, an edit form previewed live by core's WASM (`previewUpdate`:
// the API's validation and the `update_tenant` policies) and sent with `If-Match`, and a delete
// that asks for the slug to be typed. No rule is written here.
import { previewUpdate } from "./pkg/tenantry_core.js";
import { $, api, busy, el, errorView, flashOnNextView, focusFirstError, list, session, unreachable, when } from "./ui.js";
import { showKeys } from "./keys.js";

/** The form's inputs, which are the fields `PUT` takes; SSO is sent as a pair, as the API asks. */
const EDIT = ["name", "locale", "sso_start_url", "sso_region", "owner_user_id"];
const SSO = ["sso_start_url", "sso_region"];
const input = (field) => $(`edit-${field}`);

let current = null; // { tenant, etag }
let previewReady = false;

/** The body of the `PUT`: the fields that differ from the stored tenant; an emptied one is `null`. */
function patch() {
  const body = {};
  const value = (field) => (input(field).value === "" ? null : input(field).value);
  for (const field of EDIT) {
    if (value(field) !== (current.tenant[field] ?? null)) body[field] = value(field);
  }
  if (SSO.some((field) => field in body)) SSO.forEach((field) => { body[field] = value(field); });
  return body;
}

function preview() {
  if (!previewReady || !current) return;
  const body = patch();
  const verdict = $("edit-verdict");
  if (!Object.keys(body).length) {
    verdict.className = "verdict";
    verdict.textContent = "No change yet.";
    EDIT.forEach((field) => showMessage(field, undefined));
    $("edit-decision").replaceChildren();
    return;
  }
  let answer;
  try {
    answer = previewUpdate(current.tenant, body, session.caller);
  } catch (error) {
    verdict.textContent = `The preview failed: ${error.message ?? error}`;
    return;
  }
  EDIT.forEach((field) => showMessage(field, answer.fields[field]));
  const { decision } = answer;
  verdict.className = `verdict ${decision.status === 200 ? "good" : "bad"}`;
  verdict.textContent = !answer.valid
    ? `${decision.status} ${decision.error.code}: ${Object.entries(answer.fields).map(([f, m]) => `${f} ${m}`).join("; ")}`
    : decision.allowed
      ? `200 OK${answer.unchanged ? " (nothing changes)" : ""}, unless the tenant changed since you loaded it (only the server knows)`
      : `${decision.status} forbidden: the policies deny your key`;
  const box = $("edit-decision");
  box.replaceChildren();
  if (decision.evaluated) {
    if (decision.policies.length) box.append(el("p", { className: "small" }, "Determining policies: ", ...decision.policies.map((id) => el("code", {}, id, " "))));
    if (decision.notices.length) box.append(list(decision.notices, "notices"));
  }
}

function showMessage(field, message) {
  $(`edit-${field}-msg`).textContent = message ? `${field} ${message}` : "";
  input(field).setAttribute("aria-invalid", message ? "true" : "false");
}

function details(tenant) {
  return Object.entries(tenant).flatMap(([key, value]) => [
    el("dt", {}, key),
    el("dd", {}, el("code", {}, key.endsWith("_at") ? when(value) : String(value ?? "—"))),
  ]);
}

/** Shows a tenant as the API answered it, with its `ETag` for the next write. */
function show(tenant, etag) {
  current = { tenant, etag };
  $("tenant-title").textContent = tenant.name;
  $("tenant-details").replaceChildren(...details(tenant));
  for (const field of EDIT) input(field).value = tenant[field] ?? "";
  $("delete-slug").textContent = tenant.slug;
  $("delete-confirm").value = "";
  $("delete").disabled = true;
  preview();
}

/** Loads and shows tenant `id`. */
export async function showTenant(id) {
  const result = $("tenant-result");
  result.replaceChildren(el("p", { className: "muted", role: "status" }, "Loading…"));
  $("tenant-body").hidden = true;
  $("tenant-title").textContent = "Tenant";
  // A save's or a delete's answer belongs to the tenant it was about, not to the next one shown.
  for (const id of ["edit-result", "delete-result"]) $(id).replaceChildren();
  await busy($("tenant-view"), null, async () => {
    try {
      const { response, body } = await api("GET", `/v1/tenants/${encodeURIComponent(id)}`);
      if (!response.ok) {
        result.replaceChildren(errorView(response, body));
        return;
      }
      result.replaceChildren();
      show(body, response.headers.get("ETag"));
      $("tenant-body").hidden = false;
      await showKeys(body);
    } catch (error) {
      result.replaceChildren(unreachable(error));
    }
  });
}

async function save(event) {
  event.preventDefault();
  preview();
  focusFirstError($("edit-form"));
  const result = $("edit-result");
  result.replaceChildren(el("p", { className: "muted", role: "status" }, "Saving…"));
  await busy($("edit-form"), $("save"), async () => {
    try {
      const { response, body } = await api("PUT", `/v1/tenants/${current.tenant.id}`, {
        body: patch(),
        headers: current.etag ? { "If-Match": current.etag } : {},
      });
      if (response.ok) {
        show(body, response.headers.get("ETag"));
        result.replaceChildren(el("p", { className: "allow", role: "status" }, `${response.status} Saved.`));
        return;
      }
      const extra = response.status === 412
        ? [el("button", { type: "button", id: "reload", onclick: () => showTenant(current.tenant.id) }, "Reload the tenant")]
        : [];
      result.replaceChildren(errorView(response, body, extra));
      (result.querySelector("#reload") ?? result.querySelector(".error")).focus?.();
    } catch (error) {
      result.replaceChildren(unreachable(error));
    }
  });
}

async function remove(event) {
  event.preventDefault();
  const result = $("delete-result");
  result.replaceChildren(el("p", { className: "muted", role: "status" }, "Deleting…"));
  await busy($("delete-form"), $("delete"), async () => {
    try {
      const { response, body } = await api("DELETE", `/v1/tenants/${current.tenant.id}`, {
        headers: current.etag ? { "If-Match": current.etag } : {},
      });
      if (response.ok) {
        result.replaceChildren();
        flashOnNextView(`Tenant ${current.tenant.slug} deleted.`);
        location.hash = "#/tenants";
        return;
      }
      result.replaceChildren(errorView(response, body));
    } catch (error) {
      result.replaceChildren(unreachable(error));
    }
  });
  $("delete").disabled = $("delete-confirm").value !== current.tenant.slug;
}

for (const field of EDIT) input(field).addEventListener("input", preview);
$("edit-form").addEventListener("submit", save);
$("delete-form").addEventListener("submit", remove);
$("delete-confirm").addEventListener("input", () => {
  $("delete").disabled = $("delete-confirm").value !== current?.tenant.slug;
});

/** Turns the live preview on once core's WASM has loaded. */
export function setupTenant(ready) {
  previewReady = ready;
}
