// A tenant's API keys: the list (never a secret), issuing one with scopes from core's closed list
// (`scopeNames()`), the secret shown once with a copy button, and revoking.
import { scopeNames } from "./pkg/tenantry_core.js";
import { Pager } from "./pager.js";
import { $, api, busy, el, errorView, focusFirstError, unreachable, when } from "./ui.js";

let tenant = null;

function row(key) {
  const revoke = key.revoked_at ? "—" : el("button", {
    type: "button", className: "small-button", onclick: () => revokeKey(key),
    ariaLabel: `Revoke key ${key.name}`,
  }, "Revoke");
  return el("tr", {},
    el("th", { scope: "row" }, key.name),
    el("td", {}, ...key.scopes.map((scope) => el("code", { className: "scope" }, scope))),
    el("td", {}, when(key.created_at)),
    el("td", {}, key.revoked_at ? when(key.revoked_at) : "active"),
    el("td", {}, revoke));
}

const pager = new Pager({ prefix: "keys", label: "Key" }, (query) => {
  query.set("tenant_id", tenant.id);
  return `/v1/api-keys?${query}`;
}, row, "This tenant has no keys yet.");

async function revokeKey(key) {
  if (!confirm(`Revoke the key "${key.name}"? Anything using it gets 401 at once.`)) return;
  const result = $("keys-result");
  result.replaceChildren(el("p", { className: "muted", role: "status" }, "Revoking…"));
  try {
    const { response, body } = await api("DELETE", `/v1/api-keys/${key.id}`);
    // The list first, so the message and the row's revoked time show together.
    if (response.ok) await pager.load();
    result.replaceChildren(response.ok
      ? el("p", { className: "allow", role: "status" }, `Key ${key.name} revoked.`)
      : errorView(response, body));
  } catch (error) {
    result.replaceChildren(unreachable(error));
  }
}

function secretView(issued) {
  const copy = el("button", { type: "button", id: "copy-secret" }, "Copy");
  copy.addEventListener("click", async () => {
    await navigator.clipboard.writeText(issued.api_key).then(
      () => { copy.textContent = "Copied"; },
      () => { copy.textContent = "Copy failed: select the text instead"; });
  });
  return el("div", { className: "secret", role: "status" },
    el("p", { className: "allow" }, `201 Created: key ${issued.name}`),
    el("p", { className: "warn" }, "This is the only time the secret is shown. Copy it now and keep it somewhere safe; it cannot be shown again."),
    el("label", { htmlFor: "issued-secret" }, "Secret"),
    el("input", { id: "issued-secret", readOnly: true, value: issued.api_key, spellcheck: false }),
    copy);
}

async function issue(event) {
  event.preventDefault();
  const scopes = [...document.querySelectorAll("#key-scopes input:checked")].map((box) => box.value);
  const result = $("issue-result");
  result.replaceChildren(el("p", { className: "muted", role: "status" }, "Issuing…"));
  await busy($("issue-form"), $("issue"), async () => {
    try {
      const { response, body } = await api("POST", "/v1/api-keys", {
        body: { name: $("key-name").value, scopes, tenant_id: tenant.id },
      });
      if (!response.ok) {
        const fields = body?.details?.fields ?? {};
        $("key-name").setAttribute("aria-invalid", "name" in fields ? "true" : "false");
        result.replaceChildren(errorView(response, body));
        focusFirstError($("issue-form"));
        return;
      }
      result.replaceChildren(secretView(body));
      $("issued-secret").focus();
      $("issued-secret").select();
      $("issue-form").reset();
      await pager.load();
    } catch (error) {
      result.replaceChildren(unreachable(error));
    }
  });
}

$("issue-form").addEventListener("submit", issue);

/** Shows the keys of `of` (a tenant as the API answered it). */
export function showKeys(of) {
  tenant = of;
  $("keys-result").replaceChildren();
  $("issue-result").replaceChildren();
  return pager.restart();
}

/** Builds the scope checkboxes from core's closed list, once its WASM has loaded. */
export function setupKeys(ready) {
  const box = $("key-scopes");
  if (!ready) {
    box.append(el("p", { className: "deny" }, "The scope list comes from core's WASM, which did not load."));
    return;
  }
  box.append(...scopeNames().map((scope) => el("div", { className: "field check" },
    el("input", { type: "checkbox", id: `scope-${scope}`, value: scope }),
    el("label", { htmlFor: `scope-${scope}` }, scope))));
}
