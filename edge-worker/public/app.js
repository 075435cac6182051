// The operator console: sign-in (the key and its tenant id, kept in this tab's memory only), and
// the views, one at a time, chosen by the URL's hash so the back button works. Core's WASM
// (validation, Cedar policies, the scope list) loads first; without it the console still works,
// without previews.
import init, { keyIdOf } from "./pkg/tenantry_core.js";
import { describeCaller, setupCreate } from "./create.js";
import { setupKeys } from "./keys.js";
import { setupTenant, showTenant } from "./tenant.js";
import { showTenants } from "./tenants.js";
import { $, api, busy, el, errorView, session, takeFlash, unreachable } from "./ui.js";

const VIEWS = ["signin-view", "tenants-view", "tenant-view", "create-view"];
let ready = false;

function showView(id) {
  for (const view of VIEWS) $(view).hidden = view !== id;
  const heading = $(id).querySelector("h1, h2");
  heading?.focus();
}

/** The view for the hash: `#/tenants`, `#/tenants/{id}`, `#/new`; sign-in while signed out. */
async function route() {
  $("flash").textContent = takeFlash();
  if (!session.apiKey) {
    showView("signin-view");
    return;
  }
  const [, section, id] = location.hash.split("/");
  if (section === "tenants" && id) {
    showView("tenant-view");
    await showTenant(decodeURIComponent(id));
  } else if (section === "new") {
    showView("create-view");
  } else {
    showView("tenants-view");
    await showTenants();
  }
}

/**
 * Checks the key by reading its own tenant, and learns what the previews need to describe it:
 * whether that tenant is the platform, and the key's scopes (when the key may read keys).
 */
async function signIn(event) {
  event.preventDefault();
  const result = $("signin-result");
  result.replaceChildren(el("p", { className: "muted", role: "status" }, "Signing in…"));
  session.apiKey = $("signin-key").value.trim();
  session.tenantId = $("signin-tenant").value.trim();
  await busy($("signin-form"), $("signin"), async () => {
    try {
      const own = await api("GET", `/v1/tenants/${encodeURIComponent(session.tenantId)}`);
      if (!own.response.ok) {
        signOut();
        result.replaceChildren(errorView(own.response, own.body));
        $("signin-key").focus();
        return;
      }
      const keyId = ready ? keyIdOf(session.apiKey) : null;
      const key = keyId ? await api("GET", `/v1/api-keys/${keyId}`) : null;
      session.ownTenant = own.body;
      session.caller = {
        tenant_id: own.body.id,
        tenant_is_master: own.body.is_master,
        scopes: key?.response.ok ? key.body.scopes : [],
      };
      $("signin-form").reset();
      result.replaceChildren();
      $("who").textContent = `Signed in to ${own.body.name} (${own.body.slug})${key?.response.ok ? "" : "; the key's scopes are unknown, so previews assume none"}`;
      document.body.dataset.signedIn = "true";
      describeCaller();
      await route();
    } catch (error) {
      signOut();
      result.replaceChildren(unreachable(error));
    }
  });
}

/** Forgets the key and everything shown with it. */
function signOut() {
  Object.assign(session, { apiKey: null, tenantId: null, caller: null, ownTenant: null });
  document.body.dataset.signedIn = "false";
  $("who").textContent = "";
  for (const id of ["tenants-body", "tenants-status", "keys-body", "keys-status", "tenant-details", "issue-result"]) {
    $(id).replaceChildren();
  }
}

$("signin-form").addEventListener("submit", signIn);
$("signout").addEventListener("click", () => {
  signOut();
  $("signin-result").replaceChildren(el("p", { role: "status" }, "Signed out: the key is forgotten."));
  route();
});
window.addEventListener("hashchange", route);

try {
  await init();
  ready = true;
  $("engine").textContent = "Live previews ready: tenantry-core and its policies, running in your browser.";
} catch (error) {
  $("engine").textContent = `The previews could not load (${error.message ?? error}); the console still works without them.`;
}
try {
  setupCreate(ready);
} catch (error) {
  $("engine").textContent = `The create preview could not start: ${error.message ?? error}`;
}
setupTenant(ready);
setupKeys(ready);
document.body.dataset.preview = ready ? "ready" : "failed";
signOut();
route();
